// What tcpfsm has on this machine right now, and removal of whatever a crashed run left behind:
// tcpfsm-* namespaces, their probe links, processes still inside them, tcpfsm-* nft tables.
import { readdirSync, statSync } from 'node:fs';
import { run } from '../sys/exec.js';
import { isRunning, type ProcessIdentity } from '../sys/proc.js';
import { LAB_PREFIX, labIdOf } from './addressing.js';
import { companionNamespaces, NETNS_DIR, namespaceExists, ownerIdentityOf, removeLab, rootLinkExists } from './netns.js';
import { requireLabPrivileges } from './privileges.js';

export interface LabStatus {
  id: number;
  name: string;
  namespace: boolean;
  probeLink: boolean;
  /** pid that created it (from the probe link's alias), if known. */
  owner: number | null;
  /** that process's start time (clock ticks since boot), when recorded */
  ownerStart: number | null;
  /** the creator still runs: same pid and start time, not a zombie */
  ownerAlive: boolean;
  /** Its other namespaces (`tcpfsm-<k>-host`, where a proxy lab's proxy and agent run). */
  companions: string[];
  /** Processes inside the namespace and its companions (the agent, a proxy, anything run with lab.exec). */
  pids: number[];
  /** Seconds since the namespace was created, if it exists. */
  ageSeconds: number | null;
}

const isAlive = (pid: number): boolean => isRunning({ pid, start: null });

const tcpfsmNames = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((n) => n.startsWith(LAB_PREFIX));
  } catch {
    return [];
  }
};

async function pidsIn(name: string): Promise<number[]> {
  if (!namespaceExists(name)) return [];
  const { stdout } = await run('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

export async function labStatus(id: number): Promise<LabStatus | null> {
  const name = `${LAB_PREFIX}${id}`;
  const namespace = namespaceExists(name);
  const probeLink = rootLinkExists(name);
  const companions = companionNamespaces(name);
  if (!namespace && !probeLink && !companions.length) return null;
  const owner = ownerIdentityOf(name);
  let ageSeconds: number | null = null;
  try {
    ageSeconds = (Date.now() - statSync(`${NETNS_DIR}/${name}`).mtimeMs) / 1000;
  } catch {
    // no namespace
  }
  const pids = (await Promise.all([name, ...companions].map(pidsIn))).flat();
  return {
    id,
    name,
    namespace,
    probeLink,
    companions,
    owner: owner?.pid ?? null,
    ownerStart: owner?.start ?? null,
    ownerAlive: owner !== null && isRunning(owner),
    pids,
    ageSeconds,
  };
}

/** Every lab whose namespace or probe link exists, by id. */
export async function listLabs(): Promise<LabStatus[]> {
  const ids = new Set<number>();
  for (const name of [...tcpfsmNames(NETNS_DIR), ...tcpfsmNames('/sys/class/net')]) {
    const id = labIdOf(name);
    // A proxy lab's companion namespace (`tcpfsm-<k>-host`) counts too: a crash mid-teardown can leave it alone.
    if (id !== null && (name === `${LAB_PREFIX}${id}` || name.startsWith(`${LAB_PREFIX}${id}-`))) ids.add(id);
  }
  const all = await Promise.all([...ids].sort((a, b) => a - b).map(labStatus));
  return all.filter((s): s is LabStatus => s !== null);
}

export interface NftTable {
  family: string;
  name: string;
}

export async function tcpfsmNftTables(): Promise<NftTable[]> {
  const { stdout } = await run('nft', ['list', 'tables']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === 'table' && w.length === 3 && w[2]!.startsWith(LAB_PREFIX))
    .map((w) => ({ family: w[1]!, name: w[2]! }));
}

export interface CleanupReport {
  namespaces: string[];
  links: string[];
  processes: number[];
  nftTables: string[];
  /** Labs left alone because the process that made them is still running. */
  skippedLive: string[];
  failures: string[];
}

/**
 * A lab is live while its creator (recorded in the probe link's alias) runs. A namespace without
 * a probe link has no recorded creator: it counts as a leftover once older than `graceSeconds`
 * (creation puts both in place within one `ip` run).
 */
const isLeftover = (s: LabStatus, graceSeconds: number): boolean => (s.probeLink ? !s.ownerAlive : (s.ageSeconds ?? Infinity) > graceSeconds);

/**
 * Remove what crashed runs left: namespaces (after killing the processes inside), probe links,
 * and nft tables named tcpfsm-* in any family whose lab is not live. `includeLive` also removes
 * labs of running tcpfsm processes (`tcpfsm cleanup --force`).
 */
export async function cleanupLeftovers(
  opts: {
    includeLive?: boolean;
    graceSeconds?: number;
    /** only these lab ids (and nft tables named after them) */
    ids?: number[];
    /** only what this (dead) process made: its labs, their nft tables, its remote table (the watchdog's job) */
    owner?: ProcessIdentity;
  } = {},
): Promise<CleanupReport> {
  requireLabPrivileges();
  const report: CleanupReport = { namespaces: [], links: [], processes: [], nftTables: [], skippedLive: [], failures: [] };
  let all = await listLabs();
  if (opts.owner) {
    const { pid, start } = opts.owner;
    all = all.filter((s) => s.owner === pid && (start === null || s.ownerStart === null || s.ownerStart === start));
  }
  const ids = opts.owner ? [...(opts.ids ?? []), ...all.map((s) => s.id)] : opts.ids;
  const inScope = (id: number | null) => ids === undefined || (id !== null && ids.includes(id));
  const labs = all.filter((s) => inScope(s.id));
  const live = new Set<number>();
  for (const s of labs) {
    if (!opts.includeLive && !isLeftover(s, opts.graceSeconds ?? 5)) {
      live.add(s.id);
      report.skippedLive.push(s.name);
      continue;
    }
    for (const pid of s.pids) {
      try {
        process.kill(pid, 'SIGKILL');
        report.processes.push(pid);
      } catch {
        // exited meanwhile
      }
    }
    await waitUntilGone(s.pids);
    try {
      await removeLab(s.name);
      if (s.namespace) report.namespaces.push(s.name);
      report.namespaces.push(...s.companions);
      if (s.probeLink) report.links.push(s.name);
    } catch (e) {
      report.failures.push(`${s.name}: ${(e as Error).message}`);
    }
  }
  for (const t of await tcpfsmNftTables()) {
    const id = labIdOf(t.name);
    // A remote run's table is named after its process (tcpfsm-remote-<pid>): keep it while that runs.
    const remotePid = /^tcpfsm-remote-(\d+)$/.exec(t.name)?.[1];
    const ownersRemote = opts.owner !== undefined && Number(remotePid) === opts.owner.pid;
    if (!ownersRemote && (!inScope(id) || (id !== null && live.has(id)))) continue;
    if (remotePid && !opts.includeLive && isAlive(Number(remotePid))) {
      report.skippedLive.push(t.name);
      continue;
    }
    try {
      await run('nft', ['delete', 'table', t.family, t.name]);
      report.nftTables.push(`${t.family} ${t.name}`);
    } catch (e) {
      report.failures.push(`nft table ${t.family} ${t.name}: ${(e as Error).message}`);
    }
  }
  return report;
}

/**
 * SIGKILL every process inside namespace `name` and wait (up to `timeoutMs`) until they are gone:
 * for a target made of several host processes (User-Mode Linux) whose parent going does not
 * take them all along. Returns the pids that were signalled.
 */
export async function killProcessesIn(name: string, timeoutMs = 2000): Promise<number[]> {
  const pids = await pidsIn(name);
  const killed = pids.filter((pid) => {
    try {
      process.kill(pid, 'SIGKILL');
      return true;
    } catch {
      return false; // exited meanwhile
    }
  });
  await waitUntilGone(killed, timeoutMs);
  return killed;
}

async function waitUntilGone(pids: number[], timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
