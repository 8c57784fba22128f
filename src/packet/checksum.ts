// The internet checksum (RFC 1071) and the TCP pseudo-headers (RFC 9293 3.1 for IPv4,
// RFC 8200 8.1 for IPv6). Sums are kept unfolded as plain numbers (exact below 2^53) and folded once.
import { parseAddress } from './address.js';

export const PROTOCOL_TCP = 6;

/** Addresses a TCP segment travels between, as text ('198.18.0.1' or '2001:db8::1'). */
export interface PseudoHeader {
  src: string;
  dst: string;
}

/** Add the big-endian 16-bit words of buf[start, end) to acc; an odd last byte is padded with zero. */
export function sum16(buf: Uint8Array, start: number, end: number, acc = 0): number {
  let i = start;
  // Four words per turn: the checksum runs over every byte of every packet decoded.
  for (const end8 = end - ((end - start) & 7); i < end8; i += 8) {
    acc += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!) + ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!);
  }
  for (; i + 1 < end; i += 2) acc += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) acc += buf[i]! << 8;
  return acc;
}

/** Fold the carries of an unfolded sum back into 16 bits (end-around carry). */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum to put in a header whose checksum field (inside [start, end)) is zero. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return ~fold(sum16(buf, start, end)) & 0xffff;
}

/**
 * The unfolded sum of the pseudo-header's addresses and protocol, read from addressBytes at
 * srcOffset/dstOffset (addressLength 4 or 16). The segment length is added by the caller, as
 * tcpLengthSum(length), because it varies per segment while the addresses do not.
 */
export function addressSum(addressBytes: Uint8Array, srcOffset: number, dstOffset: number, addressLength: number, protocol = PROTOCOL_TCP): number {
  return sum16(addressBytes, srcOffset, srcOffset + addressLength, sum16(addressBytes, dstOffset, dstOffset + addressLength, protocol));
}

/** The length word(s) of the pseudo-header: 16 bits for IPv4, 32 for IPv6 (both sum the same way). */
export function tcpLengthSum(length: number): number {
  return (length >>> 16) + (length & 0xffff);
}

/** The last pseudo-header summed: a connection's segments all share one, so parse it once. */
let last = { src: '', dst: '', protocol: -1, sum: 0 };

/** addressSum() for a pseudo-header given as text. */
export function pseudoHeaderSum(pseudo: PseudoHeader, protocol = PROTOCOL_TCP): number {
  if (pseudo.src === last.src && pseudo.dst === last.dst && protocol === last.protocol) return last.sum;
  const src = parseAddress(pseudo.src);
  const dst = parseAddress(pseudo.dst);
  if (src.length !== dst.length) {
    throw new RangeError(`pseudo-header mixes address families: ${pseudo.src} and ${pseudo.dst}`);
  }
  const sum = sum16(src, 0, src.length, sum16(dst, 0, dst.length, protocol));
  last = { src: pseudo.src, dst: pseudo.dst, protocol, sum };
  return sum;
}

/**
 * The TCP checksum of the segment in buf[start, end) with its pseudo-header. With the checksum
 * field zeroed this is the value to write; over a segment as received it is 0 when the checksum holds.
 */
export function tcpChecksum(pseudo: PseudoHeader, buf: Uint8Array, start = 0, end = buf.length): number {
  const acc = pseudoHeaderSum(pseudo) + tcpLengthSum(end - start);
  return ~fold(sum16(buf, start, end, acc)) & 0xffff;
}
