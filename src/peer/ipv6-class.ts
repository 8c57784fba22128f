// IPv6 addresses in remote mode: which a TCP server cannot have (RFC 4291 2.5-2.7, RFC 6890's
// registry), and which belong to tcpfsm's own labs (the ULA /64s of src/lab/addressing.ts).
// Pure: no I/O.
import { isIPv6 } from 'node:net';
import { LAB_INDEX_SPACE } from '../lab/addressing.js';
import { parseIPv6 } from '../packet/address.js';

const bytesOf = (addr: string): Uint8Array | undefined => {
  if (!isIPv6(addr)) return undefined;
  try {
    return parseIPv6(addr); // refuses a zone id (%eth0): see ipv6ClassProblem
  } catch {
    return undefined;
  }
};

/**
 * A lab's IPv6 address: inside the /64 `fd00:7c9f:<id>::/64` of some lab id (id < 2^14). Only
 * these count for --as-remote over IPv6; the rest of the ULA range fd00::/8 is somebody else's.
 */
export function isLabIPv6(addr: string): boolean {
  const b = bytesOf(addr);
  if (!b) return false;
  const id = (b[4]! << 8) | b[5]!;
  return b[0] === 0xfd && b[1] === 0x00 && b[2] === 0x7c && b[3] === 0x9f && id < LAB_INDEX_SPACE && b[6] === 0 && b[7] === 0;
}

export const isIPv6Loopback = (addr: string): boolean => bytesOf(addr)?.every((x, i) => x === (i === 15 ? 1 : 0)) ?? false;

/** Why no TCP server can be reached at this IPv6 address, or undefined (a unicast address). */
export function ipv6ClassProblem(addr: string): string | undefined {
  if (addr.includes('%')) return 'carries a zone id: link-local targets are not supported (give a global or ULA address)';
  const b = bytesOf(addr);
  if (!b) return 'is not an IPv6 address';
  if (b.every((x) => x === 0)) return 'is the unspecified address (::)';
  if (b[0] === 0xff) return 'is a multicast address (ff00::/8)';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'is a link-local address (fe80::/10): it needs a zone (%interface), which tcpfsm does not take';
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return 'is an IPv4-mapped address (::ffff:0:0/96): give the IPv4 address itself';
  return undefined;
}
