// A process that made labs and is SIGKILLed runs no teardown, and the agent inside its namespace
// cannot remove the namespace's probe link or nft table from there. So while a process holds a
// lab it keeps a watchdog: a shell (no Node start-up, ~1 MB) in its own session, blocked reading a
// pipe whose other end only this process holds. When the process dies the kernel closes that end;
// the shell reads EOF and runs reap.js, the `tcpfsm cleanup` of everything recorded as made by
// that process (pid and start time). When the last lab is removed normally, the process writes
// `done` and the shell exits without running anything.
// (prctl(PR_SET_PDEATHSIG) would need a native addon, and only signals: it cannot clean up.)
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { selfIdentity } from '../sys/proc.js';

const REAP = fileURLToPath(new URL('./reap.js', import.meta.url));
const SCRIPT = 'read -r line; [ "$line" = done ] && exit 0; exec "$0" "$@"';

let watchdog: ChildProcess | null = null;
let holds = 0;

/** Keep a watchdog while the returned release() has not been called (holds are counted). */
export function holdWatchdog(): () => void {
  if (holds++ === 0) watchdog = start();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds > 0 || !watchdog) return;
    const w = watchdog;
    watchdog = null;
    w.stdin?.end('done\n');
  };
}

function start(): ChildProcess | null {
  const { pid, start } = selfIdentity();
  try {
    const child = spawn('/bin/sh', ['-c', SCRIPT, process.execPath, REAP, String(pid), String(start ?? '')], {
      // Its own session: a Ctrl-C on the terminal must not stop it before it is needed.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => undefined); // no /bin/sh: the labs are still removed by every catchable exit path
    child.stdin!.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  } catch {
    return null;
  }
}

/** The watchdog's pid (tests). */
export const watchdogPid = (): number | undefined => watchdog?.pid;
