// Runs the built `tcpfsm` command as a user would, against the fixture suites.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const FIXTURE_SUITES = fileURLToPath(new URL('./fixtures/suites/', import.meta.url));

/**
 * A prefix that runs a command as uid 65534 (nobody), without tap's coverage hooks: tap's loader
 * (NODE_OPTIONS, re-added at every spawn) and the children's Node coverage (NODE_V8_COVERAGE,
 * test/support/child-coverage.ts) write under .tap/, which nobody cannot.
 */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE'];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** called with each stdout chunk (to act while it runs) */
  onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
  /** a command line to run tcpfsm under (unshare -n, setpriv ...) */
  prefix?: string[];
  cwd?: string;
}

export function tcpfsm(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...pre] = [...(opts.prefix ?? []), process.execPath];
    const child = spawn(cmd!, [...pre, MAIN, ...args], {
      env: { ...process.env, TCPFSM_SUITES_DIR: FIXTURE_SUITES, NO_COLOR: '1', ...opts.env },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      opts.onStdout?.(s, child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpfsm ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The command line in this process (fast; no signals, no `run`): exit code and what it printed. */
export async function tcpfsmInProcess(args: string[]): Promise<Omit<CliResult, 'signal'>> {
  const { main } = await import('../../src/cli/cli.js');
  process.env.TCPFSM_SUITES_DIR = FIXTURE_SUITES;
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** tcpfsm's things on this machine: namespaces, root-namespace links, nft tables (by name). */
export function tcpfsmThings(): Set<string> {
  const names = (dir: string, kind: string) => {
    try {
      return readdirSync(dir)
        .filter((n) => n.startsWith('tcpfsm'))
        .map((n) => `${kind} ${n}`);
    } catch {
      return [];
    }
  };
  let tables: string[] = [];
  try {
    tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[2] ?? '')
      .filter((n) => n.startsWith('tcpfsm'))
      .map((n) => `nft ${n}`);
  } catch {
    // no nft, or not root: namespaces and links still tell
  }
  return new Set([...names('/run/netns', 'netns'), ...names('/sys/class/net', 'link'), ...tables]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The owner pid tcpfsm records for a lab (the probe link's alias) or in a remote table's name. */
function ownerOfThing(thing: string): number | null {
  const name = thing.split(' ')[1]!;
  const remote = /^tcpfsm-remote-(\d+)$/.exec(name);
  if (remote) return Number(remote[1]);
  // A test's own namespace named after its pid (test/tuning/hostsim.ts: tcpfsm-hostsim-<pid>-<n>).
  const named = /^tcpfsm-[a-z]+-(\d+)-\d+$/.exec(name);
  if (named) return Number(named[1]);
  const lab = /^(tcpfsm-\d+)/.exec(name)?.[1];
  try {
    const m = /tcpfsm:pid=(\d+)/.exec(readFileSync(`/sys/class/net/${lab}/ifalias`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return lab ? ownerInHostSim(lab) : null;
  }
}

/** A lab made by tcpfsm running inside a host-sim namespace has its probe link there, not here. */
function ownerInHostSim(lab: string): number | null {
  let sims: string[] = [];
  try {
    sims = readdirSync('/run/netns').filter((n) => n.startsWith('tcpfsm-hostsim-'));
  } catch {
    return null;
  }
  for (const ns of sims) {
    try {
      const m = /alias tcpfsm:pid=(\d+)/.exec(
        execFileSync('ip', ['-n', ns, '-o', 'link', 'show', lab], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      );
      if (m) return Number(m[1]);
    } catch {
      // not in this one
    }
  }
  return null;
}

/**
 * What appeared since `before` and is ours to answer for: owned by this process, or by one that
 * is gone (a tcpfsm command that has exited). Other live processes' labs (other test files,
 * other users of the machine) are not counted.
 */
export async function leftoversSince(before: Set<string>): Promise<string[]> {
  const suspects = () =>
    [...tcpfsmThings()]
      .filter((x) => !before.has(x))
      .filter((x) => {
        const owner = ownerOfThing(x);
        return owner === null || owner === process.pid || !alive(owner);
      });
  // Something new with no owner may be another process's lab half made or half removed (a UML or
  // gVisor lab takes seconds to boot before its link carries its owner): look again for up to 10 s.
  // A real leftover stays. Only what the first look saw is looked at again: the command ended
  // before it, so anything it left was there; what appears later is another process's (once a
  // second look of its own blamed a lab that appeared between two looks).
  let left = suspects();
  for (let i = 0; i < 5 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = new Set(suspects());
    left = left.filter((x) => now.has(x));
  }
  return left;
}

/** Processes carrying `marker` (NAME=value) in their environment: what a command left running. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
