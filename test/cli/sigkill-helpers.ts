// SIGKILL a tcpfsm command mid-work and watch what of it stays on the machine: its labs (namespace,
// probe link, nft tables named after them) and every process it started (suite processes, agents).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pidAlive, remnantsOf } from '../lab/helpers.js';
import { MAIN } from './helpers.js';

/** Children of `pid` (every thread), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** `pid` and all its descendants now. */
export function treeOf(pid: number): number[] {
  const seen = new Set<number>([pid]);
  for (const queue = [pid]; queue.length; ) for (const c of childrenOf(queue.shift()!)) if (!seen.has(c)) seen.add(c), queue.push(c);
  return [...seen];
}

/** Lab ids whose probe link names one of `pids` as its creator. */
export function labsOwnedBy(pids: readonly number[]): number[] {
  const ids: number[] = [];
  for (const name of readdirSync('/sys/class/net').filter((n) => /^tcpfsm-\d+$/.test(n))) {
    try {
      const m = /tcpfsm:pid=(\d+)/.exec(readFileSync(`/sys/class/net/${name}/ifalias`, 'utf8'));
      if (m && pids.includes(Number(m[1]))) ids.push(Number(name.slice('tcpfsm-'.length)));
    } catch {
      // removed meanwhile
    }
  }
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KillOutcome {
  /** labs the command's processes owned when it was killed */
  labs: number[];
  /** processes it had started (suite processes, agents, ...) */
  processes: number[];
  /** what was left at the end of the wait (empty = clean) */
  left: string[];
  /** ms from the kill until nothing was left (or the wait ended) */
  afterMs: number;
}

export interface KillOptions {
  env?: NodeJS.ProcessEnv;
  /** labs it must own before the kill (default 1) */
  labs?: number;
  /** extra delay after the labs are up, ms */
  delayMs?: number;
  /** how long to wait for everything to go after the kill */
  boundMs: number;
  /** the process to kill, given the started one (default: it) */
  victim?: (child: ChildProcess) => Promise<number>;
}

/** What of lab `ids` and processes `pids` still exists. */
export async function leftovers(ids: readonly number[], pids: readonly number[]): Promise<string[]> {
  const left: string[] = [];
  for (const id of ids) left.push(...(await remnantsOf(id)));
  for (const pid of pids) if (pidAlive(pid)) left.push(`process ${pid} (${cmdline(pid)})`);
  return left;
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(-3).join(' ');
  } catch {
    return '?';
  }
};

/**
 * Start `tcpfsm args`, wait until its processes own `labs` labs, SIGKILL it, and wait up to
 * `boundMs` for its labs and processes to be gone.
 */
export async function killMidWork(args: string[], opts: KillOptions): Promise<KillOutcome> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: opts.env ?? process.env, stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise((r) => child.once('exit', r));
  const root = opts.victim ? await opts.victim(child) : child.pid!;
  let tree: number[] = [];
  let labs: number[] = [];
  for (const until = Date.now() + 60_000; labs.length < (opts.labs ?? 1); await sleep(20)) {
    if (Date.now() > until || !pidAlive(root)) {
      child.kill('SIGKILL');
      throw new Error(`tcpfsm ${args.join(' ')}: no lab within 60 s (alive: ${pidAlive(root)})`);
    }
    tree = treeOf(root);
    labs = labsOwnedBy(tree);
  }
  await sleep(opts.delayMs ?? 0);
  tree = [...new Set([...tree, ...treeOf(root)])];
  labs = [...new Set([...labs, ...labsOwnedBy(tree)])];
  process.kill(root, 'SIGKILL');
  const killed = Date.now();
  if (root === child.pid) await exited;
  const processes = tree.filter((p) => p !== root);
  let left = await leftovers(labs, processes);
  while (left.length && Date.now() - killed < opts.boundMs) {
    await sleep(50);
    left = await leftovers(labs, processes);
  }
  return { labs, processes, left, afterMs: Date.now() - killed };
}
