// Paths the user names for tcpfsm to write to (--report-dir, fsm -o), checked before anything
// starts: one line naming the path and the reason, exit 2. Why not `mkdir -p` (fs.mkdir with
// recursive): on procfs mkdir of a new name fails with ENOENT although the parent exists, and
// Node's recursive mkdir takes ENOENT for "parent missing", creates the parent (EEXIST) and
// retries, forever, at 100 % CPU (a dangling symlink does the same). makeDirs below walks down
// itself and stops at the first ENOENT under an existing parent.
import { closeSync, lstatSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

/** Kernel file systems: nothing of ours belongs there, and writing may change the machine. */
const KERNEL_FS = ['/proc', '/sys'];

/** Why a file-system call failed, in words (the errno code in brackets). */
export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a part of it is not a directory',
    EISDIR: 'it is a directory',
    ENOENT: 'no such file or directory',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'name too long',
  };
  return code && words[code] ? `${words[code]} (${code})` : (e as Error).message;
}

/** Where a path really lies: the real path of its deepest existing ancestor, plus the rest. */
function realLocation(abs: string): string {
  const rest: string[] = [];
  let at = abs;
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch {
      const up = dirname(at);
      if (up === at) return abs;
      rest.push(at.slice(up.length).replace(/^\//, ''));
      at = up;
    }
  }
}

function refuseKernelFs(option: string, raw: string, abs: string, real = realLocation(abs)): void {
  const fs = KERNEL_FS.find((k) => real === k || real.startsWith(k + sep));
  const named = KERNEL_FS.find((k) => abs === k || abs.startsWith(k + sep));
  if (fs ?? named)
    throw new UsageError(
      `${option} '${raw}': ${fs && real !== abs ? `(${real}) ` : ''}lies in ${fs ?? named}, a kernel file system: choose a path of your own`,
    );
}

function nonEmpty(option: string, raw: string): string {
  if (raw.trim() === '') throw new UsageError(`${option} wants a path, got an empty string`);
  return resolve(raw);
}

/** `mkdir -p` that cannot loop: creates each missing component in turn, top down. */
export function makeDirs(option: string, raw: string, abs: string): void {
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let st;
    try {
      st = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a file further up; the walk up finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UsageError(`${option} '${raw}': cannot use ${at}: ${reason(e)}`);
      // A dangling symbolic link: stat says ENOENT, but the name exists.
      if (lstatSafe(at)?.isSymbolicLink()) throw new UsageError(`${option} '${raw}': ${at} is a symbolic link to nothing`);
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(`${option} '${raw}': ${at} is a file, not a directory`);
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir); // not recursive: the parent exists now, so any error is final
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue; // made meanwhile
      throw new UsageError(`${option} '${raw}': cannot create ${dir}: ${reason(e)}`);
    }
  }
}

const lstatSafe = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

/**
 * A directory tcpfsm will write into: created when missing, then proved writable by writing and
 * removing a probe file (a read-only mount or a full disk shows here, not after the run).
 * Returns the absolute path.
 */
export function prepareOutputDir(option: string, raw: string): string {
  const abs = nonEmpty(option, raw);
  refuseKernelFs(option, raw, abs);
  makeDirs(option, raw, abs);
  const probe = join(abs, `.tcpfsm-write-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'tcpfsm\n');
  } catch (e) {
    throw new UsageError(`${option} '${raw}': cannot write in ${abs}: ${reason(e)}`);
  }
  unlinkSync(probe);
  return abs;
}

/**
 * A file tcpfsm will write: its directory must exist (as with a shell redirection), the name
 * must not be a directory, and the file must open for writing. Opened without truncating, so
 * an existing file keeps its content until the real write; a file created by the probe is
 * removed again. Returns the absolute path.
 */
export function checkOutputFile(option: string, raw: string): string {
  const abs = nonEmpty(option, raw);
  // The directory's real place counts, not the file's: /dev/stdout resolves into /proc/self/fd.
  refuseKernelFs(option, raw, abs, join(realLocation(dirname(abs)), abs.slice(dirname(abs).length)));
  if (raw.endsWith('/')) throw new UsageError(`${option} '${raw}': names a directory; give a file name`);
  const dir = dirname(abs);
  const dirStat = (() => {
    try {
      return statSync(dir);
    } catch (e) {
      throw new UsageError(`${option} '${raw}': directory ${dir}: ${reason(e)}`);
    }
  })();
  if (!dirStat.isDirectory()) throw new UsageError(`${option} '${raw}': ${dir} is not a directory`);
  const existed = lstatSafe(abs);
  const target = existed && statSync(abs, { throwIfNoEntry: false });
  if (target && target.isDirectory()) throw new UsageError(`${option} '${raw}': is a directory; give a file name`);
  // A device or pipe the user names (/dev/stdout, /dev/null, a FIFO): opening it may block; take it as it is.
  if (target && !target.isFile()) return abs;
  try {
    closeSync(openSync(abs, 'a'));
  } catch (e) {
    throw new UsageError(`${option} '${raw}': cannot write: ${reason(e)}`);
  }
  if (!existed) unlinkSync(abs);
  return abs;
}

/** Write a checked output file; a failure now (disk full meanwhile) is still one line. */
export function writeOutputFile(option: string, abs: string, text: string): void {
  try {
    writeFileSync(abs, text);
  } catch (e) {
    throw new UsageError(`${option} '${abs}': cannot write: ${reason(e)}`);
  }
}
