// Names and addresses of lab k. Each lab owns one /30 of 198.18.0.0/15 (RFC 2544 benchmarking
// range, never routed on the Internet) and one /64 of the ULA prefix fd00:7c9f::/32 (RFC 4193).
// 2^14 labs × 4 addresses use 198.18.0.0/16, the first half of the range.
// Proxy stacks (slirp, passt) need a bigger subnet (slirp4netns refuses prefixes longer than /25):
// lab k < 512 may instead own the /25 number k of 198.19.0.0/16, the second half, which no /30
// touches; two proxy labs never share one, because lab ids are unique on the machine.

export const LAB_PREFIX = 'tcpfsm-';
export const LAB_INDEX_SPACE = 1 << 14;
/** The veth end inside the namespace (its own namespace, so a plain name cannot clash). */
export const TARGET_INTERFACE = 'eth0';

export interface LabAddresses {
  id: number;
  /** Network namespace name, also the probe-side veth name in the root namespace. */
  namespace: string;
  probeInterface: string;
  targetInterface: string;
  probe: { ipv4: string; ipv6: string };
  target: { ipv4: string; ipv6: string };
  prefixLength: { ipv4: 30 | 25; ipv6: 64 };
}

const BASE = (198 << 24) | (18 << 16);

const ipv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function labAddresses(id: number): LabAddresses {
  if (!Number.isInteger(id) || id < 0 || id >= LAB_INDEX_SPACE) throw new RangeError(`lab id must be an integer in 0..${LAB_INDEX_SPACE - 1}, got ${id}`);
  const base = (BASE + 4 * id) >>> 0;
  const v6 = `fd00:7c9f:${id.toString(16)}::`;
  const name = `${LAB_PREFIX}${id}`;
  return {
    id,
    namespace: name,
    probeInterface: name,
    targetInterface: TARGET_INTERFACE,
    probe: { ipv4: ipv4(base + 1), ipv6: v6 + '1' },
    target: { ipv4: ipv4(base + 2), ipv6: v6 + '2' },
    prefixLength: { ipv4: 30, ipv6: 64 },
  };
}

/** The lab id in a tcpfsm name (`tcpfsm-42`, `tcpfsm-42-rst`), or null when it carries none. */
export function labIdOf(name: string): number | null {
  const m = /^tcpfsm-(\d+)(?:$|[^0-9])/.exec(name);
  if (!m) return null;
  const id = Number(m[1]);
  return id < LAB_INDEX_SPACE ? id : null;
}

/** Lab ids that have a proxy subnet: 198.19.0.0/16 holds 512 /25s. */
export const PROXY_LAB_IDS = 512;
const PROXY_BASE = (198 << 24) | (19 << 16);

export interface ProxyLabAddresses extends LabAddresses {
  /** The proxy's virtual network, `198.19.x.y/25` (slirp's --cidr). */
  cidr: string;
  /** The namespace the proxy process, its sockets and the host-side agent live in. */
  hostNamespace: string;
}

/**
 * Lab k as a proxy lab: its /25 of 198.19.0.0/16, the proxy's gateway at .2 (where slirp and
 * pasta terminate TCP, so the target address) and the probe at .100 (slirp's guest address).
 */
export function proxyLabAddresses(id: number): ProxyLabAddresses {
  if (!Number.isInteger(id) || id < 0 || id >= PROXY_LAB_IDS) throw new RangeError(`a proxy lab id must be an integer in 0..${PROXY_LAB_IDS - 1}, got ${id}`);
  const base = (PROXY_BASE + 128 * id) >>> 0;
  const lab = labAddresses(id);
  return {
    ...lab,
    probe: { ...lab.probe, ipv4: ipv4(base + 100) },
    target: { ...lab.target, ipv4: ipv4(base + 2) },
    prefixLength: { ...lab.prefixLength, ipv4: 25 },
    cidr: `${ipv4(base)}/25`,
    hostNamespace: `${lab.namespace}-host`,
  };
}
