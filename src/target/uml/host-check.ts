// Whether this machine can run User-Mode Linux 6.1 at all. Its ptrace-based process model hands
// each guest process's FPU state to the host with PTRACE_SETREGSET in a buffer of the size its
// build knew (struct _xstate, 832 bytes); a host whose XSAVE area is larger (AVX-512, AMX: ~2.7 KB
// to ~11 KB) refuses that with EFAULT, and the guest's first user process (init) dies of SIGSEGV.
// Seen on a Xeon with AMX: "userspace - ptrace set fp regs failed, errno = 14", then
// "Attempted to kill init! exitcode=0x0000000b". Later UML kernels size the buffer from the
// host; Debian 12 has only 6.1. One boot with /bin/true as init tells (~0.3 s), no network.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const UML_BINARY = 'linux.uml';
const CHECK_TIMEOUT_MS = 20_000;
const FP_REFUSED = /ptrace set fp regs failed, errno = (\d+)/;

/**
 * What the guest printed, read for the two ways its init can end. The CPU problem shows as init
 * starts (~0.3 s on an idle machine); a guest still booting when the check gave up (`timedOut`)
 * is a busy machine (6–8 s seen at load 21), not a CPU UML cannot use: the stack's own boot then
 * says whether it comes up.
 */
export function umlCheckVerdict(output: string, timedOut = false): { runs: true } | { runs: false; why: string } {
  const fp = FP_REFUSED.exec(output);
  if (fp)
    return {
      runs: false,
      why:
        `User-Mode Linux 6.1 cannot run a process on this CPU: the host refuses its FPU register buffer (PTRACE_SETREGSET errno ${fp[1]}, ` +
        'the XSAVE area of AVX-512/AMX is larger than UML 6.1 knows); later UML kernels fix it, Debian 12 has only 6.1',
    };
  const init = /Attempted to kill init! exitcode=0x([0-9a-f]+)/.exec(output);
  if (timedOut && !init) return { runs: true };
  // /bin/true as init exits 0: the guest ran a user process to its end.
  if (init && Number.parseInt(init[1] ?? '', 16) === 0) return { runs: true };
  const last = output
    .split('\n')
    .filter((l) => l.trim() && !/^\s*\[</.test(l))
    .at(-1);
  return {
    runs: false,
    why: `User-Mode Linux did not run /bin/true as init (${init ? `init ended with code 0x${init[1]}` : last ? `last line: ${last.trim()}` : 'no output'})`,
  };
}

/** The check's guest name (umid), also the prefix of its uml_dir: one per process. */
export const umlCheckUmid = (pid = process.pid): string => `tcpfsm-uml-check-${pid}`;

let checked: Promise<string | null> | undefined;

/** null if linux.uml runs a user process here, else why not (one boot per process, remembered). */
export function umlHostProblem(): Promise<string | null> {
  checked ??= bootOnce().then((v) => (v.runs ? null : v.why));
  return checked;
}

function bootOnce(): Promise<{ runs: true } | { runs: false; why: string }> {
  const dir = mkdtempSync(join(tmpdir(), `${umlCheckUmid()}-`));
  const args = [
    'mem=64M',
    'root=/dev/root',
    'rootfstype=hostfs',
    'rootflags=/',
    'ro',
    'init=/bin/true',
    `umid=${umlCheckUmid()}`,
    `uml_dir=${dir}`,
    'con=null',
    'ssl=null',
    'con0=null,fd:1',
    'initcall_blacklist=raid6_select_algo',
    'quiet',
  ];
  return new Promise((resolve) => {
    // Its own process group: UML is several host processes, all killed together on a timeout.
    const child = spawn(UML_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const take = (b: Buffer) => {
      output += b.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, CHECK_TIMEOUT_MS);
    const done = (v: { runs: true } | { runs: false; why: string }) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve(v);
    };
    child.on('error', (e) => done({ runs: false, why: `${UML_BINARY} could not be started: ${e.message}` }));
    child.on('close', () => {
      // A panicking guest leaves its helper processes behind: none may outlive the check.
      killGroup(child.pid);
      done(umlCheckVerdict(output, timedOut));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
