// A throwaway network namespace that plays "the host" for --sysctls host: tcpfsm runs inside it
// (`ip netns exec`), so the sysctls it copies are this namespace's, set here, and the real
// host's are never written. Named tcpfsm-hostsim-<pid>-<n>, removed on every exit path (the
// caller's finally, and this process's exit for a test that dies half-way).
import { execFileSync } from 'node:child_process';

let seq = 0;
const made = new Set<string>();
process.on('exit', () => {
  for (const n of made) removeNamespace(n);
});

function removeNamespace(name: string): void {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  made.delete(name);
}

/** A host-simulating namespace with these sysctls (dotted names), for the span of `fn`. */
export async function withHostSim<T>(sysctls: Record<string, string>, fn: (prefix: string[], name: string) => Promise<T>): Promise<T> {
  const name = `tcpfsm-hostsim-${process.pid}-${seq++}`;
  execFileSync('ip', ['netns', 'add', name]);
  made.add(name);
  try {
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const pairs = Object.entries(sysctls).map(([k, v]) => `${k}=${v}`);
    if (pairs.length) execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', ...pairs]);
    return await fn(['ip', 'netns', 'exec', name], name);
  } finally {
    removeNamespace(name);
  }
}

/** A sysctl of the namespace this test process runs in (the real host's: only read). */
export const ownSysctl = (name: string): string => execFileSync('cat', [`/proc/sys/${name.replaceAll('.', '/')}`], { encoding: 'utf8' }).trim();
