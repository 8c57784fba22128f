// Which sysctls a lab may set: only its own network namespace's. Anything else written from
// inside the lab changes the host (kernel.printk_ratelimit is one value for the whole kernel).
// How it is decided, as checked on Linux 6.18 (`ip netns add`, `ls /proc/sys/net/...`):
// 1. Outside net.* nothing is per network namespace (kernel.*, vm.*, fs.*, ...): refused by name.
// 2. Inside a non-initial network namespace /proc/sys/net shows only the tables registered for
//    it: init_net-only ones are absent there (net.ipv4.tcp_mem, net.core.netdev_max_backlog,
//    net.ipv4.neigh.default.*), and those the kernel shares with the host are read-only there
//    (net.core.rmem_max, net.netfilter.nf_conntrack_max, net.ipv4.tcp_allowed_congestion_control
//    on 6.18). So a net.* key must exist and be writable in a brand-new namespace, checked
//    before any lab exists in a throwaway one (`unshare --net`, which the kernel removes with
//    its process), and again by the agent inside the lab before it writes.
// 3. Known exceptions, writable per namespace but one switch for the whole kernel (read in the
//    kernel source): HOST_WIDE_IN_NETNS, refused by name.
import { UsageError } from '../sys/errors.js';

/** Writable in every network namespace, yet host-wide: refused by name, with the reason. */
export const HOST_WIDE_IN_NETNS: Readonly<Record<string, string>> = {
  'net.netfilter.nf_hooks_lwtunnel':
    'writable in every network namespace, but it flips one static key for the whole kernel (net/netfilter/nf_hooks_lwtunnel.c) and cannot be turned off again',
};

/** A dotted sysctl name: segments of letters, digits, '_' and '-' (no '/', no '..'). */
export const SYSCTL_NAME = /^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/;

/** /proc/sys path of a dotted name (checked with SYSCTL_NAME first). */
export const sysctlProcPath = (name: string): string => '/proc/sys/' + name.replaceAll('.', '/');

/** Why `name` may never be set in a lab, from its name alone; null when the namespace decides. */
export function hostWideByName(name: string): string | null {
  if (!SYSCTL_NAME.test(name)) return `'${name}' is not a sysctl name (expected e.g. net.ipv4.tcp_fin_timeout)`;
  if (!name.startsWith('net.')) return `${name.split('.')[0]}.* sysctls are the host's own: only net.* ones can be per network namespace`;
  return HOST_WIDE_IN_NETNS[name] ?? null;
}

export type NamespaceScope = 'writable' | 'read-only' | 'absent';

/** Why a key with this scope in a fresh namespace may not be set in a lab; null: it may. */
export function scopeReason(scope: NamespaceScope): string | null {
  if (scope === 'absent') return "it is not in a new network namespace's /proc/sys/net: the kernel keeps it for the host only";
  if (scope === 'read-only') return "it is read-only inside a network namespace: the kernel shares the host's value there";
  return null;
}

/** A refusal message naming every refused key and why. */
export function refusal(refused: ReadonlyArray<[string, string]>): string {
  return `refused lab sysctl${refused.length > 1 ? 's' : ''}: ${refused.map(([k, why]) => `${k} (${why})`).join('; ')}. A lab sets only its own network namespace's sysctls; the host's are never touched`;
}

/** Throws a UsageError naming each key that is host-wide by name. */
export function refuseHostWideByName(names: Iterable<string>): void {
  const refused: Array<[string, string]> = [];
  for (const n of names) {
    const why = hostWideByName(n);
    if (why) refused.push([n, why]);
  }
  if (refused.length) throw new UsageError(refusal(refused));
}
