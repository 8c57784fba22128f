// ICMP error messages, IPv4 (RFC 792) and IPv6 (RFC 4443), as a codec trio: what a router
// sends back about one of our segments, the target's or ours. Every error has the same shape in
// both families; only the type numbers and the checksum differ (ICMPv6 sums a pseudo-header with
// next header 58, RFC 4443 2.3; ICMP sums the message alone).
//
// |     Type      |     Code      |          Checksum             |   0
// |   rest: unused / pointer / next-hop MTU (v4) / MTU (v6)        |   4
// |   the invoking packet: its IP header and at least 8 bytes ... |   8

import { fold, internetChecksum, type PseudoHeader, pseudoHeaderSum, sum16, tcpLengthSum } from './checksum.js';
import { decodeIPv4, encodingLengthIPv4, writeIPv4 } from './ipv4.js';
import { decodeIPv6, IPV6_HEADER_LENGTH, writeIPv6 } from './ipv6.js';
import { checkField } from './options.js';
import { DecodeError, type IPv4Header, type IPv6Header } from './types.js';

export const PROTOCOL_ICMP = 1;
export const PROTOCOL_ICMPV6 = 58;
export const ICMP_HEADER_LENGTH = 8;

export type IcmpFamily = 4 | 6;

/** ICMP (IPv4) error types, RFC 792. */
export const ICMP4 = { destUnreachable: 3, sourceQuench: 4, timeExceeded: 11, parameterProblem: 12 } as const;
/** ICMPv6 error types, RFC 4443 3. */
export const ICMP6 = { destUnreachable: 1, packetTooBig: 2, timeExceeded: 3, parameterProblem: 4 } as const;
/** Destination unreachable codes (IPv4), RFC 792 and RFC 1122 3.2.2.1. */
export const UNREACH4 = { net: 0, host: 1, protocol: 2, port: 3, fragmentationNeeded: 4, sourceRouteFailed: 5 } as const;
/** Destination unreachable codes (IPv6), RFC 4443 3.1. */
export const UNREACH6 = { noRoute: 0, adminProhibited: 1, beyondScope: 2, addressUnreachable: 3, port: 4 } as const;

export interface IcmpMessage {
  family: IcmpFamily;
  type: number;
  code: number;
  /**
   * The 32-bit word after the checksum: 0 (unused), a parameter problem's pointer (top byte),
   * the next-hop MTU of a fragmentation-needed (IPv4, low 16 bits, RFC 1191 4), the MTU of an
   * ICMPv6 packet too big. 0 when undefined.
   */
  rest?: number;
  /** computed when undefined (IPv6: needs the pseudo-header), sent as given otherwise */
  checksum?: number;
  /** the invoking packet, as much of it as the error quotes */
  body: Buffer;
}

export interface DecodedIcmp extends Required<IcmpMessage> {
  /** null when no pseudo-header was given for an ICMPv6 message */
  checksumOk: boolean | null;
}

export function encodingLengthIcmp(msg: IcmpMessage): number {
  return ICMP_HEADER_LENGTH + msg.body.length;
}

/**
 * Encode into buf at offset (a new buffer when omitted); returns the bytes written. An ICMPv6
 * message without an explicit checksum needs `pseudo` (its IPv6 source and destination).
 */
export function encodeIcmp(msg: IcmpMessage, buf?: Buffer, offset = 0, pseudo?: PseudoHeader): Buffer {
  const length = encodingLengthIcmp(msg);
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(length);
    offset = 0;
  } else if (!(offset >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`encodeIcmp: ${length} bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  checkField('icmp.type', msg.type, 0xff);
  checkField('icmp.code', msg.code, 0xff);
  const rest = msg.rest ?? 0;
  checkField('icmp.rest', rest, 0xffffffff);
  buf[offset] = msg.type;
  buf[offset + 1] = msg.code;
  buf.writeUInt16BE(0, offset + 2);
  buf.writeUInt32BE(rest, offset + 4);
  buf.set(msg.body, offset + ICMP_HEADER_LENGTH);
  let checksum = msg.checksum;
  if (checksum === undefined) {
    if (msg.family === 6 && !pseudo) throw new RangeError('encodeIcmp: an ICMPv6 checksum needs the pseudo-header (source and destination)');
    checksum = icmpChecksum(msg.family, buf, offset, offset + length, pseudo);
  } else checkField('icmp.checksum', checksum, 0xffff);
  buf.writeUInt16BE(checksum, offset + 2);
  return buf.subarray(offset, offset + length);
}

/**
 * Decode the ICMP message in buf[offset, offset + length) (to the end when length is omitted).
 * checksumOk: ICMP's own sum; ICMPv6's with `pseudo`, null without it.
 */
export function decodeIcmp(buf: Buffer, offset = 0, length = buf.length - offset, family: IcmpFamily = 4, pseudo?: PseudoHeader): DecodedIcmp {
  if (!(offset >= 0 && length >= ICMP_HEADER_LENGTH && offset + length <= buf.length)) {
    throw new DecodeError(
      'icmp',
      `truncated message: ${Math.max(0, Math.min(length, buf.length - offset))} bytes, the header needs ${ICMP_HEADER_LENGTH}`,
      offset,
    );
  }
  const end = offset + length;
  const ok = family === 4 ? internetChecksum(buf, offset, end) === 0 : pseudo ? icmpChecksum(6, buf, offset, end, pseudo) === 0 : null;
  return {
    family,
    type: buf[offset]!,
    code: buf[offset + 1]!,
    checksum: buf.readUInt16BE(offset + 2),
    rest: buf.readUInt32BE(offset + 4),
    body: buf.subarray(offset + ICMP_HEADER_LENGTH, end),
    checksumOk: ok,
  };
}

/** The checksum over buf[start, end) (its checksum field zeroed: the value to write; as received: 0 when it holds). */
function icmpChecksum(family: IcmpFamily, buf: Buffer, start: number, end: number, pseudo?: PseudoHeader): number {
  if (family === 4) return internetChecksum(buf, start, end);
  const acc = pseudoHeaderSum(pseudo!, PROTOCOL_ICMPV6) + tcpLengthSum(end - start);
  return ~fold(sum16(buf, start, end, acc)) & 0xffff;
}

/**
 * What an ICMP error quotes of `packet` (a whole IP packet): its IP header and the first
 * `transportBytes` after it — RFC 792 asks for 64 bits, enough for TCP's ports and sequence
 * number; RFC 1812 4.3.2.3 lets a router send more. Never more than the packet holds.
 */
export function invokingQuote(packet: Buffer, transportBytes = 8): Buffer {
  const version = packet[0]! >>> 4;
  const header = version === 6 ? IPV6_HEADER_LENGTH : (packet[0]! & 0x0f) * 4;
  return Buffer.from(packet.subarray(0, Math.min(packet.length, header + transportBytes)));
}

/** The TCP segment an error is about, from its quote: the addresses and what the first 8 bytes of TCP hold. */
export interface QuotedTcp {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
}

export function quotedTcp(body: Buffer, family: IcmpFamily = 4): QuotedTcp {
  const ip = family === 6 ? decodeIPv6(body, 0) : decodeIPv4(body, 0);
  const at = family === 6 ? IPV6_HEADER_LENGTH : (ip as Required<IPv4Header>).ihl * 4;
  if (body.length < at + 8)
    throw new DecodeError('icmp', `the quote holds ${body.length - at} bytes of TCP, fewer than the 8 with ports and sequence number`, at);
  return { src: ip.src, dst: ip.dst, srcPort: body.readUInt16BE(at), dstPort: body.readUInt16BE(at + 2), seq: body.readUInt32BE(at + 4) };
}

/**
 * A whole IP packet carrying the message: IPv4 with protocol 1 (the header's own fields as
 * given, defaults as encodeIPv4's), or IPv6 with next header 58 and the checksum over its pseudo-header.
 */
export function encodeIcmpPacket(ip: IPv4Header | IPv6Header, msg: IcmpMessage): Buffer {
  const icmpLength = encodingLengthIcmp(msg);
  if (msg.family === 6) {
    const buf = Buffer.allocUnsafe(IPV6_HEADER_LENGTH + icmpLength);
    writeIPv6({ ...(ip as IPv6Header), nextHeader: (ip as IPv6Header).nextHeader ?? PROTOCOL_ICMPV6 }, buf, 0, icmpLength);
    encodeIcmp(msg, buf, IPV6_HEADER_LENGTH, { src: ip.src, dst: ip.dst });
    return buf;
  }
  const v4 = { ...(ip as IPv4Header), protocol: (ip as IPv4Header).protocol ?? PROTOCOL_ICMP };
  const ipLength = encodingLengthIPv4(v4);
  const buf = Buffer.allocUnsafe(ipLength + icmpLength);
  writeIPv4(v4, buf, 0, ipLength, icmpLength);
  encodeIcmp(msg, buf, ipLength);
  return buf;
}

/** The message in words, for traces: 'destination unreachable, fragmentation needed (next-hop MTU 1000)'. */
export function describeIcmp(msg: Pick<IcmpMessage, 'family' | 'type' | 'code' | 'rest'>): string {
  const rest = msg.rest ?? 0;
  if (msg.family === 6) {
    const names: Record<number, string> = { 1: 'destination unreachable', 2: `packet too big (MTU ${rest})`, 3: 'time exceeded', 4: 'parameter problem' };
    return `ICMPv6 ${names[msg.type] ?? `type ${msg.type}`} code ${msg.code}`;
  }
  if (msg.type === ICMP4.destUnreachable) {
    const codes = [
      'net unreachable',
      'host unreachable',
      'protocol unreachable',
      'port unreachable',
      `fragmentation needed (next-hop MTU ${rest & 0xffff})`,
      'source route failed',
    ];
    return `ICMP destination unreachable, code ${msg.code}: ${codes[msg.code] ?? 'other'}`;
  }
  const names: Record<number, string> = { 4: 'source quench', 11: 'time exceeded', 12: 'parameter problem' };
  return `ICMP ${names[msg.type] ?? `type ${msg.type}`}, code ${msg.code}`;
}
