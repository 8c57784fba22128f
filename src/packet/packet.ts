// A whole IP packet carrying one TCP segment: what the wire receives and what the pcap holds.
// The TCP checksum is checked (and computed) with the pseudo-header read straight from the IP
// header bytes, so no address text is parsed on the receive path.
import { addressSum, PROTOCOL_TCP } from './checksum.js';
import { decodeIPv4, encodingLengthIPv4, IP_FLAG_MF, writeIPv4 } from './ipv4.js';
import { decodeIPv6, IPV6_HEADER_LENGTH, NEXT_HEADER_DESTINATION_OPTIONS, writeIPv6 } from './ipv6.js';
import { type DecodeOptions, decodeTcpWithSum, encodingLengthTcp, encodingLengthTcpHeader, writeTcp } from './tcp.js';
import { DecodeError, type IPv4Header, type IPv6Header, type Packet, type TcpSegment } from './types.js';

/** IPv6 when the header says so, or when its version is unset and the source address has a ':'. */
export function isIPv6Header(ip: IPv4Header | IPv6Header): ip is IPv6Header {
  return ip.version === 6 || (ip.version === undefined && ip.src.includes(':'));
}

export function encodingLengthPacket(ip: IPv4Header | IPv6Header, tcp: TcpSegment): number {
  return (isIPv6Header(ip) ? IPV6_HEADER_LENGTH + (ip.extensionHeaders?.length ?? 0) : encodingLengthIPv4(ip)) + encodingLengthTcp(tcp);
}

/**
 * Encode the IP header and the TCP segment into buf at offset (a new buffer when omitted).
 * Undefined lengths and checksums are computed for this pair; explicit ones are sent as given.
 */
export function encodePacket(ip: IPv4Header | IPv6Header, tcp: TcpSegment, buf?: Buffer, offset = 0): Buffer {
  const tcpHeaderLength = encodingLengthTcpHeader(tcp);
  const tcpLength = tcpHeaderLength + (tcp.payload?.length ?? 0);
  const v6 = isIPv6Header(ip);
  const extension = v6 ? ip.extensionHeaders : undefined;
  const ipLength = v6 ? IPV6_HEADER_LENGTH + (extension?.length ?? 0) : encodingLengthIPv4(ip);
  const length = ipLength + tcpLength;
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(length);
    offset = 0;
  } else if (!(offset >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`encodePacket: ${length} bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  let sum: number;
  if (v6) {
    writeIPv6(ip, buf, offset, ipLength - IPV6_HEADER_LENGTH + tcpLength);
    if (extension?.length) buf.set(extension, offset + IPV6_HEADER_LENGTH);
    sum = addressSum(buf, offset + 8, offset + 24, 16, PROTOCOL_TCP);
  } else {
    writeIPv4(ip, buf, offset, ipLength, tcpLength);
    sum = addressSum(buf, offset + 12, offset + 16, 4, PROTOCOL_TCP);
  }
  writeTcp(tcp, sum, buf, offset + ipLength, tcpHeaderLength);
  return buf.subarray(offset, offset + length);
}

/**
 * Decode an IPv4 or IPv6 packet (by the version nibble) and the TCP segment it carries, with
 * checksumOk from the pseudo-header. Bytes past the IP length (link padding) are ignored.
 * Fragments, other protocols and IPv6 extension headers are DecodeErrors: tcpfsm never sends them.
 */
export function decodePacket(buf: Buffer, offset = 0, opts: DecodeOptions = {}): Packet {
  if (!(offset >= 0 && offset < buf.length)) throw new DecodeError('ipv4', 'empty packet: no version byte', offset);
  const version = buf[offset]! >>> 4;
  if (version === 4) return decodeIPv4Packet(buf, offset, opts);
  if (version === 6) return decodeIPv6Packet(buf, offset, opts);
  throw new DecodeError('ipv4', `IP version ${version} is neither 4 nor 6`, offset);
}

function decodeIPv4Packet(buf: Buffer, offset: number, opts: DecodeOptions): Packet {
  const ip = decodeIPv4(buf, offset);
  const headerLength = ip.ihl * 4;
  if (ip.totalLength < headerLength) {
    throw new DecodeError('ipv4', `total length ${ip.totalLength} is shorter than the ${headerLength}-byte header`, offset + 2);
  }
  if (offset + ip.totalLength > buf.length) {
    throw new DecodeError('ipv4', `truncated packet: total length ${ip.totalLength} but ${buf.length - offset} bytes`, offset + 2);
  }
  if (ip.protocol !== PROTOCOL_TCP) throw new DecodeError('ipv4', `protocol ${ip.protocol} is not TCP (6)`, offset + 9);
  if (ip.fragOffset !== 0 || ip.ipFlags & IP_FLAG_MF) {
    throw new DecodeError('ipv4', 'fragment (reassembly is not supported)', offset + 6);
  }
  const sum = addressSum(buf, offset + 12, offset + 16, 4, PROTOCOL_TCP);
  const tcp = decodeTcpWithSum(buf, offset + headerLength, ip.totalLength - headerLength, sum, opts);
  return { ip, tcp };
}

function decodeIPv6Packet(buf: Buffer, offset: number, opts: DecodeOptions): Packet {
  const ip = decodeIPv6(buf, offset);
  if (offset + IPV6_HEADER_LENGTH + ip.payloadLength > buf.length) {
    throw new DecodeError(
      'ipv6',
      `truncated packet: payload length ${ip.payloadLength} but ${buf.length - offset - IPV6_HEADER_LENGTH} bytes follow the header`,
      offset + 4,
    );
  }
  // Destination Options headers are stepped over (kept as bytes); any other next header is refused.
  const start = offset + IPV6_HEADER_LENGTH;
  const end = start + ip.payloadLength;
  let next = ip.nextHeader;
  let nextAt = offset + 6;
  let at = start;
  while (next === NEXT_HEADER_DESTINATION_OPTIONS) {
    if (at + 2 > end) throw new DecodeError('ipv6', 'truncated destination options header', at);
    const length = (buf[at + 1]! + 1) * 8;
    if (at + length > end) throw new DecodeError('ipv6', `destination options header of ${length} bytes runs past the payload`, at + 1);
    next = buf[at]!;
    nextAt = at;
    at += length;
  }
  if (next !== PROTOCOL_TCP) {
    throw new DecodeError('ipv6', `next header ${next} is not TCP (6); extension headers other than destination options are not supported`, nextAt);
  }
  if (at > start) ip.extensionHeaders = buf.subarray(start, at);
  const sum = addressSum(buf, offset + 8, offset + 24, 16, PROTOCOL_TCP);
  const tcp = decodeTcpWithSum(buf, at, end - at, sum, opts);
  return { ip, tcp };
}
