// Names and addresses of lab k. Each lab owns one /30 of 198.18.0.0/15 (RFC 2544 benchmarking
// range, never routed on the Internet) and one /64 of the ULA prefix fd00:7c9f::/32 (RFC 4193).
// 2^14 labs × 4 addresses use 198.18.0.0/16, the first half of the range.

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
  prefixLength: { ipv4: 30; ipv6: 64 };
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
