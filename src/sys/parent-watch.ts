// A child tcpfsm starts (a suite process) must not outlive it: the parent passes one end of a
// pipe as an extra fd and never writes to it; the kernel closes the parent's end when the parent
// dies, however it dies (SIGKILL included), and the child reads EOF. The child then behaves as if
// its terminal hung up (SIGHUP): its cleanup registry removes its lab and nft table, and it exits.
// (prctl(PR_SET_PDEATHSIG) is not reachable from Node without a native addon; stdin is not free in
// a suite process run by hand from a terminal. An explicit fd named in the environment is.)
import { Socket } from 'node:net';

/** The environment variable that names the child's end of the pipe. */
export const PARENT_FD_ENV = 'TCPFSM_PARENT_FD';
/** The fd the parent puts it on: the first after stdin, stdout, stderr. */
const FD = 3;

/** For spawn(): stdio with the watch pipe at fd 3, and the variable that tells the child. */
export function watchedStdio(stdio: ['ignore' | 'pipe', 'ignore' | 'pipe', 'ignore' | 'pipe']) {
  return { stdio: [...stdio, 'pipe'] as ['ignore' | 'pipe', 'ignore' | 'pipe', 'ignore' | 'pipe', 'pipe'], env: { [PARENT_FD_ENV]: String(FD) } };
}

/**
 * In the child: when the parent is gone, raise SIGHUP on ourselves (whatever handles SIGHUP runs:
 * the cleanup registry). Does nothing when the variable is not set (run by hand, or by tap).
 * `onGone` replaces the SIGHUP for callers that stop differently.
 */
export function watchParent(onGone: () => void = hangUp): void {
  const fd = Number(process.env[PARENT_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return;
  // Not for our own children (agent, ip, nft): they have parents of their own to watch.
  delete process.env[PARENT_FD_ENV];
  let pipe: Socket;
  try {
    pipe = new Socket({ fd, readable: true, writable: false });
  } catch {
    return; // not an open fd: nothing to watch
  }
  let fired = false;
  const gone = () => {
    if (fired) return;
    fired = true;
    onGone();
  };
  pipe.on('end', gone);
  pipe.on('close', gone);
  pipe.on('error', gone);
  pipe.resume(); // 'end' comes only to a flowing stream
  pipe.unref(); // watching alone keeps nothing alive
}

function hangUp(): void {
  // Our stdout and stderr led to the parent: writes now fail with EPIPE, which must not crash the
  // cleanup half-way.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  process.kill(process.pid, 'SIGHUP');
}
