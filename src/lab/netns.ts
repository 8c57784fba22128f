// The kernel objects of one lab, made and unmade with as few forks as possible: one
// `ip -batch` in the root namespace (namespace + veth + probe address), one `ip -n NS -batch`
// inside it (lo, target address). Removal is one forced batch (link del, netns del).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { EnvironmentError } from '../sys/errors.js';
import { CommandError, missingTool, run } from '../sys/exec.js';
import { formatIdentity, type ProcessIdentity, parseIdentity, selfIdentity } from '../sys/proc.js';
import type { LabAddresses } from './addressing.js';

export const NETNS_DIR = '/run/netns';
/**
 * Marks the probe link with its creator (pid and start time), so a cleanup can tell a live lab
 * from a leftover, even once the pid is reused.
 */
export const ownerAlias = (id: ProcessIdentity): string => `tcpfsm:${formatIdentity(id)}`;

/** The creator recorded on the probe link, or null. */
export function ownerIdentityOf(linkName: string): ProcessIdentity | null {
  try {
    const alias = readFileSync(`/sys/class/net/${linkName}/ifalias`, 'utf8');
    return alias.startsWith('tcpfsm:') ? parseIdentity(alias) : null;
  } catch {
    return null;
  }
}

export const ownerOf = (linkName: string): number | null => ownerIdentityOf(linkName)?.pid ?? null;

export const namespaceExists = (name: string): boolean => existsSync(`${NETNS_DIR}/${name}`);
export const rootLinkExists = (name: string): boolean => existsSync(`/sys/class/net/${name}`);

/** Namespaces that belong to lab `name` besides its own: `tcpfsm-<k>-host` of a proxy lab. */
export function companionNamespaces(name: string): string[] {
  try {
    return readdirSync(NETNS_DIR)
      .filter((n) => n.startsWith(`${name}-`))
      .sort();
  } catch {
    return [];
  }
}

export type ClaimResult = 'claimed' | 'taken';

/**
 * Create namespace `tcpfsm-<k>` and the veth pair, probe end `tcpfsm-<k>` in the root namespace,
 * target end directly inside. `ip netns add` creates /run/netns/NAME with O_EXCL and the kernel
 * refuses a second link of the same name, so two processes can never both own lab k: the loser
 * sees "File exists", removes what it made, and answers 'taken'. Any other failure is rolled back
 * and thrown.
 */
export async function claimLab(lab: LabAddresses, opts: { ipv6: boolean }): Promise<ClaimResult> {
  const name = lab.namespace;
  try {
    await addNamespace(name);
  } catch (e) {
    if (e instanceof CommandError && /Cannot create namespace file .*File exists/.test(e.stderr)) return 'taken'; // nothing of ours exists
    throw e;
  }
  const lines = [
    `link add ${name} type veth peer name ${lab.targetInterface} netns ${name}`,
    `link set dev ${name} alias ${ownerAlias(selfIdentity())}`,
    `addr add ${lab.probe.ipv4}/${lab.prefixLength.ipv4} dev ${name}`,
    // nodad: the address is usable at once instead of "tentative" for ~1 s (RFC 4862 §5.4).
    ...(opts.ipv6 ? [`addr add ${lab.probe.ipv6}/${lab.prefixLength.ipv6} dev ${name} nodad`] : []),
    `link set dev ${name} up`,
  ];
  try {
    await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
    return 'claimed';
  } catch (e) {
    // Our namespace exists; a link of that name belongs to someone else, or another step
    // failed: remove only what we made.
    const linkTaken = e instanceof CommandError && /File exists/.test(e.stderr) && ownerOf(name) !== process.pid;
    await removeLab(name, { link: !linkTaken });
    if (linkTaken) return 'taken';
    throw e;
  }
}

/**
 * Buckets of the lab namespace's own TCP hash table. By default a namespace shares the host's
 * table (262144 buckets here), and every read of /proc/net/tcp walks all of it: ~10 ms, more
 * than forking ss. A table of its own this size reads in ~0.1 ms and still holds thousands of
 * sockets with short chains.
 */
export const LAB_EHASH_ENTRIES = 1024;

/**
 * `ip netns add NAME` (O_EXCL on /run/netns/NAME: the atomic claim) run from a throwaway
 * anonymous namespace whose tcp_child_ehash_entries (Linux ≥ 6.1) gives the new namespace a TCP
 * table of its own. The host's settings are not touched: the sysctl is the throwaway's. Where the
 * kernel lacks the sysctl the namespace shares the host's table, as before.
 */
async function addNamespace(name: string): Promise<void> {
  const script = `echo ${LAB_EHASH_ENTRIES} > /proc/sys/net/ipv4/tcp_child_ehash_entries 2>/dev/null; exec ip netns add "$1"`;
  try {
    await run('unshare', ['--net', 'sh', '-c', script, 'sh', name]);
  } catch (e) {
    if (e instanceof CommandError && e.code === 127) throw missingTool('ip'); // sh: exec: ip: not found
    if (!(e instanceof EnvironmentError)) throw e;
    // no unshare (util-linux): a namespace on the host's table, as before
    await run('ip', ['netns', 'add', name]);
  }
}

/**
 * Settings a namespace derives from the size of its TCP table at creation (tcp_sk_init): with a
 * table of its own they would shrink. The values a namespace on the host's table gets, so the
 * lab's TCP behaves as it did. Empty when the namespace shares the host's table.
 */
export function tableSizedSysctls(): Record<string, string> {
  let entries: number;
  try {
    // negative in a namespace that shares the host's table; the root's own size here
    entries = Math.abs(Number(readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim()));
  } catch {
    return {};
  }
  if (!Number.isInteger(entries) || entries <= 0) return {};
  return {
    'net.ipv4.tcp_max_tw_buckets': String(entries / 2),
    'net.ipv4.tcp_max_syn_backlog': String(Math.max(128, entries / 128)),
  };
}

/**
 * Inside the namespace: loopback up, target address, link up. `targetAddressed: false` is for a
 * user-space stack or guest kernel reading frames from the veth end itself: the end gets no
 * address and no IPv6 (no link-local address, no router solicitations), so the namespace's own
 * kernel owns no address there and stays silent.
 */
export async function configureTarget(lab: LabAddresses, opts: { ipv6: boolean; targetAddressed?: boolean }): Promise<void> {
  const dev = lab.targetInterface;
  const addressed = opts.targetAddressed ?? true;
  if (!addressed) {
    // The namespace's own sysctl (not the host's), before the link comes up.
    await run('ip', ['netns', 'exec', lab.namespace, 'sysctl', '-q', '-w', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
  }
  const lines = [
    'link set dev lo up',
    ...(addressed ? [`addr add ${lab.target.ipv4}/${lab.prefixLength.ipv4} dev ${dev}`] : []),
    ...(addressed && opts.ipv6 ? [`addr add ${lab.target.ipv6}/${lab.prefixLength.ipv6} dev ${dev} nodad`] : []),
    `link set dev ${dev} up`,
  ];
  await run('ip', ['-n', lab.namespace, '-batch', '-'], { input: lines.join('\n') + '\n' });
  // veth hands segments over with checksums still to be filled in (tx checksum offload), so the
  // probe's raw socket would read a wrong checksum on every answer: make the target compute them.
  // (A stack on an unaddressed end sends through it too: UML's raw transport leaves them partial.)
  await run('ip', ['netns', 'exec', lab.namespace, 'ethtool', '-K', dev, 'tx', 'off']).catch((e: Error) => {
    throw /'ip' was not found|ethtool.*(not found|No such file)/.test(e.message) ? missingTool('ethtool') : e;
  });
}

function removalBatch(name: string, what: { link?: boolean; netns?: boolean }): string {
  // Deleting the root end removes the pair at once; deleting only the namespace would leave the
  // kernel to reap the veth asynchronously (and never, while a process still lives inside).
  const lines = [];
  if (what.link !== false && rootLinkExists(name)) lines.push(`link del dev ${name}`);
  if (what.netns !== false) for (const c of companionNamespaces(name)) lines.push(`netns del ${c}`);
  if (what.netns !== false && namespaceExists(name)) lines.push(`netns del ${name}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

function leftOver(name: string, what: { link?: boolean; netns?: boolean }): string[] {
  const left = [];
  if (what.link !== false && rootLinkExists(name)) left.push(`link ${name}`);
  if (what.netns !== false) for (const c of companionNamespaces(name)) left.push(`namespace ${c}`);
  if (what.netns !== false && namespaceExists(name)) left.push(`namespace ${name}`);
  return left;
}

/** Remove the probe link, the namespace and its companions (whichever exist); throws if one survives. */
export async function removeLab(name: string, what: { link?: boolean; netns?: boolean } = {}): Promise<void> {
  const batch = removalBatch(name, what);
  if (batch) await run('ip', ['-force', '-batch', '-'], { input: batch }).catch(() => undefined);
  const left = leftOver(name, what);
  if (left.length) throw new Error(`could not remove ${left.join(' and ')}`);
}

/** The same for the 'exit' event, where only synchronous work runs. */
export function removeLabSync(name: string, what: { link?: boolean; netns?: boolean } = {}): void {
  const batch = removalBatch(name, what);
  if (batch) {
    try {
      execFileSync('ip', ['-force', '-batch', '-'], { input: batch, stdio: ['pipe', 'ignore', 'ignore'] });
    } catch {
      // judged below by what is left
    }
  }
  const left = leftOver(name, what);
  if (left.length) throw new Error(`could not remove ${left.join(' and ')}`);
}
