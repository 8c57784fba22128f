// The IPv6 fixed header (RFC 8200 3) as a codec trio. Of the extension headers only Destination
// Options (RFC 8200 4.6) are carried, as raw bytes (see packet.ts): tcpfsm sends one to check that
// an unknown IP-layer option does not disturb TCP (MUST-50); decodePacket refuses the others.
//
// |Version| Traffic Class |              Flow Label               |   0
// |         Payload Length        |  Next Header  |   Hop Limit   |   4
// |                  Source Address (16 bytes)                    |   8
// |               Destination Address (16 bytes)                  |  24

import { formatIPv6, parseIPv6 } from './address.js';
import { PROTOCOL_TCP } from './checksum.js';
import { checkField } from './options.js';
import { DecodeError, type IPv6Header } from './types.js';

export const IPV6_HEADER_LENGTH = 40;
/** Next Header value of a Destination Options header (RFC 8200 4.6). */
export const NEXT_HEADER_DESTINATION_OPTIONS = 60;
const NO_EXTENSION_HEADERS = Buffer.alloc(0);

export function encodingLengthIPv6(_header?: IPv6Header): number {
  return IPV6_HEADER_LENGTH;
}

/**
 * Encode the header into buf at offset (a new buffer when omitted); returns the bytes written.
 * An undefined payloadLength is payloadLength (the bytes the caller puts after the header).
 * Defaults: hop limit 64, next header TCP.
 */
export function encodeIPv6(header: IPv6Header, buf?: Buffer, offset = 0, payloadLength = 0): Buffer {
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(IPV6_HEADER_LENGTH);
    offset = 0;
  } else if (!(offset >= 0 && offset + IPV6_HEADER_LENGTH <= buf.length)) {
    throw new RangeError(`encodeIPv6: 40 bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  writeIPv6(header, buf, offset, payloadLength);
  return buf.subarray(offset, offset + IPV6_HEADER_LENGTH);
}

/** Write the header at buf[offset] (room already checked). */
export function writeIPv6(header: IPv6Header, buf: Buffer, offset: number, payloadLength: number): void {
  const version = header.version ?? 6;
  const trafficClass = header.trafficClass ?? 0;
  const flowLabel = header.flowLabel ?? 0;
  const length = header.payloadLength ?? payloadLength;
  const nextHeader = header.nextHeader ?? PROTOCOL_TCP;
  const hopLimit = header.hopLimit ?? 64;
  checkField('ipv6.version', version, 15);
  checkField('ipv6.trafficClass', trafficClass, 0xff);
  checkField('ipv6.flowLabel', flowLabel, 0xfffff);
  checkField('ipv6.payloadLength', length, 0xffff);
  checkField('ipv6.nextHeader', nextHeader, 0xff);
  checkField('ipv6.hopLimit', hopLimit, 0xff);

  buf[offset] = (version << 4) | (trafficClass >>> 4);
  buf[offset + 1] = ((trafficClass & 0x0f) << 4) | (flowLabel >>> 16);
  buf[offset + 2] = (flowLabel >>> 8) & 0xff;
  buf[offset + 3] = flowLabel & 0xff;
  buf[offset + 4] = length >>> 8;
  buf[offset + 5] = length & 0xff;
  buf[offset + 6] = nextHeader;
  buf[offset + 7] = hopLimit;
  parseIPv6(header.src, buf, offset + 8);
  parseIPv6(header.dst, buf, offset + 24);
}

/** Decode the fixed header at buf[offset]; payloadLength is checked against the bytes by decodePacket. */
export function decodeIPv6(buf: Buffer, offset = 0): Required<IPv6Header> {
  const available = buf.length - offset;
  if (!(offset >= 0 && available >= IPV6_HEADER_LENGTH)) {
    throw new DecodeError('ipv6', `truncated header: ${Math.max(0, available)} bytes, the fixed header needs 40`, offset);
  }
  const version = buf[offset]! >>> 4;
  if (version !== 6) throw new DecodeError('ipv6', `version ${version} is not 6`, offset);
  return {
    version: 6,
    trafficClass: ((buf[offset]! & 0x0f) << 4) | (buf[offset + 1]! >>> 4),
    flowLabel: ((buf[offset + 1]! & 0x0f) << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!,
    payloadLength: (buf[offset + 4]! << 8) | buf[offset + 5]!,
    nextHeader: buf[offset + 6]!,
    hopLimit: buf[offset + 7]!,
    src: formatIPv6(buf, offset + 8),
    dst: formatIPv6(buf, offset + 24),
    extensionHeaders: NO_EXTENSION_HEADERS,
  };
}
