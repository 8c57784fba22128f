// The IPv4 header (RFC 791 3.1) as a codec trio. Options are kept as bytes; the header checksum
// is computed when undefined, written as given otherwise.
//
// |Version|  IHL  |      TOS      |          Total Length         |   0
// |         Identification        |Flags|     Fragment Offset     |   4
// |  Time to Live |    Protocol   |        Header Checksum        |   8
// |                       Source Address                          |  12
// |                    Destination Address                        |  16
// |                    Options (0-40 bytes) ...                   |  20

import { formatIPv4, parseIPv4 } from './address.js';
import { internetChecksum, PROTOCOL_TCP } from './checksum.js';
import { checkField } from './options.js';
import { DecodeError, type IPv4Header } from './types.js';

export const IPV4_HEADER_LENGTH = 20;
const MAX_OPTIONS_LENGTH = 40;
/** Don't Fragment, as Linux sets it on TCP (path MTU discovery, RFC 1191). */
export const IP_FLAG_DF = 2;
export const IP_FLAG_MF = 1;
/** Shared by every option-less header: a zero-length buffer cannot be written through. */
const NO_OPTIONS = Buffer.alloc(0);

export function encodingLengthIPv4(header: IPv4Header): number {
  const optionsLength = ((header.options?.length ?? 0) + 3) & ~3;
  if (optionsLength > MAX_OPTIONS_LENGTH) {
    throw new RangeError(`IPv4 options take ${optionsLength} bytes; the header has room for ${MAX_OPTIONS_LENGTH}`);
  }
  return IPV4_HEADER_LENGTH + optionsLength;
}

/**
 * Encode the header into buf at offset (a new buffer when omitted); returns the bytes written.
 * An undefined totalLength is the header plus payloadLength (the bytes the caller puts after it).
 * Defaults: TTL 64, DF set, protocol TCP, id 0.
 */
export function encodeIPv4(header: IPv4Header, buf?: Buffer, offset = 0, payloadLength = 0): Buffer {
  const length = encodingLengthIPv4(header);
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(length);
    offset = 0;
  } else if (!(offset >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`encodeIPv4: ${length} bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  writeIPv4(header, buf, offset, length, payloadLength);
  return buf.subarray(offset, offset + length);
}

/** Write the header at buf[offset] (room already checked, length from encodingLengthIPv4). */
export function writeIPv4(header: IPv4Header, buf: Buffer, offset: number, length: number, payloadLength: number): void {
  const version = header.version ?? 4;
  const ihl = header.ihl ?? length / 4;
  const tos = header.tos ?? 0;
  const totalLength = header.totalLength ?? length + payloadLength;
  const id = header.id ?? 0;
  const ipFlags = header.ipFlags ?? IP_FLAG_DF;
  const fragOffset = header.fragOffset ?? 0;
  const ttl = header.ttl ?? 64;
  const protocol = header.protocol ?? PROTOCOL_TCP;
  checkField('ipv4.version', version, 15);
  checkField('ipv4.ihl', ihl, 15);
  checkField('ipv4.tos', tos, 0xff);
  checkField('ipv4.totalLength', totalLength, 0xffff);
  checkField('ipv4.id', id, 0xffff);
  checkField('ipv4.ipFlags', ipFlags, 7);
  checkField('ipv4.fragOffset', fragOffset, 0x1fff);
  checkField('ipv4.ttl', ttl, 0xff);
  checkField('ipv4.protocol', protocol, 0xff);
  if (header.checksum !== undefined) checkField('ipv4.checksum', header.checksum, 0xffff);

  buf[offset] = (version << 4) | ihl;
  buf[offset + 1] = tos;
  buf[offset + 2] = totalLength >>> 8;
  buf[offset + 3] = totalLength & 0xff;
  buf[offset + 4] = id >>> 8;
  buf[offset + 5] = id & 0xff;
  buf[offset + 6] = (ipFlags << 5) | (fragOffset >>> 8);
  buf[offset + 7] = fragOffset & 0xff;
  buf[offset + 8] = ttl;
  buf[offset + 9] = protocol;
  buf[offset + 10] = 0;
  buf[offset + 11] = 0;
  parseIPv4(header.src, buf, offset + 12);
  parseIPv4(header.dst, buf, offset + 16);
  const options = header.options;
  if (options !== undefined && options.length > 0) {
    buf.set(options, offset + IPV4_HEADER_LENGTH);
    for (let at = offset + IPV4_HEADER_LENGTH + options.length; at < offset + length; at++) buf[at] = 0;
  }
  const checksum = header.checksum ?? internetChecksum(buf, offset, offset + length);
  buf[offset + 10] = checksum >>> 8;
  buf[offset + 11] = checksum & 0xff;
}

/**
 * Decode the header at buf[offset]. Checks only the header's own bytes; whether totalLength
 * matches the bytes that follow is decodePacket's business. options is a view of buf.
 */
export function decodeIPv4(buf: Buffer, offset = 0): Required<IPv4Header> {
  const available = buf.length - offset;
  if (!(offset >= 0 && available >= IPV4_HEADER_LENGTH)) {
    throw new DecodeError('ipv4', `truncated header: ${Math.max(0, available)} bytes, the fixed header needs 20`, offset);
  }
  const version = buf[offset]! >>> 4;
  if (version !== 4) throw new DecodeError('ipv4', `version ${version} is not 4`, offset);
  const ihl = buf[offset]! & 0x0f;
  if (ihl < 5) throw new DecodeError('ipv4', `header length ${ihl} is below the minimum of 5 (20 bytes)`, offset);
  if (ihl * 4 > available) {
    throw new DecodeError('ipv4', `header length ${ihl} (${ihl * 4} bytes) runs past the end of the ${available} bytes`, offset);
  }
  return {
    version: 4,
    ihl,
    tos: buf[offset + 1]!,
    totalLength: (buf[offset + 2]! << 8) | buf[offset + 3]!,
    id: (buf[offset + 4]! << 8) | buf[offset + 5]!,
    ipFlags: buf[offset + 6]! >>> 5,
    fragOffset: ((buf[offset + 6]! & 0x1f) << 8) | buf[offset + 7]!,
    ttl: buf[offset + 8]!,
    protocol: buf[offset + 9]!,
    checksum: (buf[offset + 10]! << 8) | buf[offset + 11]!,
    src: formatIPv4(buf, offset + 12),
    dst: formatIPv4(buf, offset + 16),
    options: ihl === 5 ? NO_OPTIONS : buf.subarray(offset + IPV4_HEADER_LENGTH, offset + ihl * 4),
  };
}
