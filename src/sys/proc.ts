// Who a process is, from /proc: a pid alone is not an identity (pids are reused, and a killed
// process stays a zombie until its parent reaps it), so tcpfsm records the pid together with the
// process's start time (clock ticks since boot, /proc/<pid>/stat field 22) and checks both.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** start time in clock ticks since boot; null when not recorded (labs made by older versions) */
  start: number | null;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Start time of `pid` in clock ticks since boot, or null if there is no such process. */
export function startTimeOf(pid: number): number | null {
  const f = statFields(pid);
  // f[0] is field 3 (state), so field 22 (starttime) is f[19].
  return f ? Number(f[19]) : null;
}

let self: ProcessIdentity | undefined;
export const selfIdentity = (): ProcessIdentity => (self ??= { pid: process.pid, start: startTimeOf(process.pid) });

/**
 * The process is running: it exists, is not a zombie (dead, waiting to be reaped), and — when a
 * start time was recorded — is the same process, not a later one that got the pid.
 */
export function isRunning(id: ProcessIdentity): boolean {
  const f = statFields(id.pid);
  if (!f || f[0] === 'Z' || f[0] === 'X') return false;
  return id.start === null || Number(f[19]) === id.start;
}

/** `tcpfsm:pid=<pid>:start=<ticks>`, the form recorded on a lab's probe link. */
export const formatIdentity = (id: ProcessIdentity): string => `pid=${id.pid}${id.start !== null ? `:start=${id.start}` : ''}`;

/** The identity in a text holding `pid=N[:start=T]`, or null. */
export function parseIdentity(text: string): ProcessIdentity | null {
  const m = /pid=(\d+)(?::start=(\d+))?/.exec(text);
  return m ? { pid: Number(m[1]), start: m[2] !== undefined ? Number(m[2]) : null } : null;
}
