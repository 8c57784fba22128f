// Runs the system tools tcpfsm depends on (ip, nft, ss, tcpdump) without a shell.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EnvironmentError } from './errors.js';

/** The Debian package that ships each tool, named in the error when it is missing. */
const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  ss: 'iproute2',
  nft: 'nftables',
  tcpdump: 'tcpdump',
  sysctl: 'procps',
  ethtool: 'ethtool',
  setpriv: 'util-linux',
  slirp4netns: 'slirp4netns',
  pasta: 'passt',
  'linux.uml': 'user-mode-linux',
};

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${code}): ${stderr.trim() || '(no stderr)'}`);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Run `cmd args…`; rejects with CommandError on a non-zero exit, EnvironmentError if cmd is missing. */
export function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args as string[], { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT') return reject(missingTool(cmd));
      reject(new CommandError([cmd, ...args], typeof e.code === 'number' ? e.code : null, stderr || e.message));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export function missingTool(cmd: string): EnvironmentError {
  const pkg = PACKAGE_OF[cmd];
  return new EnvironmentError(`'${cmd}' was not found on PATH` + (pkg ? `: install the Debian package ${pkg} (apt-get install ${pkg})` : ''));
}

/**
 * Throw missingTool(cmd) unless cmd is an executable on PATH: for programs started through a
 * wrapper (`ip netns exec`, `setpriv`), whose own failure would not say which package is missing.
 */
export function requireTool(cmd: string): void {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return;
    } catch {
      // not in this directory
    }
  }
  throw missingTool(cmd);
}

/** Spawn a long-lived process (agent, tcpdump); the caller owns its lifetime. */
export { spawn };
