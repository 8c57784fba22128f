// The TCP header (RFC 9293 3.1) as a codec trio: encodeTcp / decodeTcp / encodingLengthTcp.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |          Source Port          |       Destination Port        |   0
// |                        Sequence Number                        |   4
// |                    Acknowledgment Number                      |   8
// |  DOffset |  Rsrvd |  C E U A P R S F  |          Window       |  12
// |           Checksum            |         Urgent Pointer        |  16
// |                    Options (0-40 bytes) ...                   |  20
//
// Undefined checksum / data offset are computed; explicit values are written as given, so a test
// can send a segment with a wrong checksum or a lying data offset on purpose.
import { fold, PROTOCOL_TCP, type PseudoHeader, pseudoHeaderSum, sum16, tcpLengthSum } from './checksum.js';
import { checkField, decodeOptions, encodeOptions, encodingLengthOptions, MAX_OPTIONS_LENGTH, readUint32, writeUint32 } from './options.js';
import { type DecodedTcp, DecodeError, type TcpOption, type TcpSegment } from './types.js';

export const TCP_HEADER_LENGTH = 20;
const CHECKSUM_AT = 16;
/** Shared by every segment without data (most control segments): nothing can be written through it. */
const NO_PAYLOAD = Buffer.alloc(0);

/** Header bytes the segment takes on the wire: 20 plus its padded options. */
export function encodingLengthTcpHeader(seg: TcpSegment): number {
  const optionsLength = encodingLengthOptions(seg.options);
  if (optionsLength > MAX_OPTIONS_LENGTH) {
    throw new RangeError(`TCP options take ${optionsLength} bytes; the header has room for ${MAX_OPTIONS_LENGTH}`);
  }
  return TCP_HEADER_LENGTH + optionsLength;
}

export function encodingLengthTcp(seg: TcpSegment): number {
  return encodingLengthTcpHeader(seg) + (seg.payload?.length ?? 0);
}

/**
 * Encode seg into buf at offset (a new buffer when buf is omitted); returns the bytes written
 * (a view of buf). An undefined checksum is computed over the pseudo-header, which is then
 * required: pass checksum: 0 explicitly to leave it to a kernel that fills it (IPV6_CHECKSUM).
 */
export function encodeTcp(seg: TcpSegment, pseudo?: PseudoHeader, buf?: Buffer, offset = 0): Buffer {
  let sum: number | undefined;
  if (seg.checksum === undefined) {
    if (pseudo === undefined) {
      throw new TypeError('encodeTcp: checksum is undefined and no pseudo-header was given to compute it');
    }
    sum = pseudoHeaderSum(pseudo, PROTOCOL_TCP);
  }
  return encodeTcpWithSum(seg, sum, buf, offset);
}

/**
 * encodeTcp with the pseudo-header already summed (addresses + protocol, see checksum.ts):
 * encodePacket reads the addresses straight from the IP header it has just written.
 */
export function encodeTcpWithSum(seg: TcpSegment, addressSum: number | undefined, buf?: Buffer, offset = 0): Buffer {
  const length = encodingLengthTcp(seg);
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(length);
    offset = 0;
  } else if (!(offset >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`encodeTcp: ${length} bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  writeTcp(seg, addressSum, buf, offset, length - (seg.payload?.length ?? 0));
  return buf.subarray(offset, offset + length);
}

/** Write seg at buf[offset] (room already checked, headerLength from encodingLengthTcpHeader); returns the length. */
export function writeTcp(seg: TcpSegment, addressSum: number | undefined, buf: Buffer, offset: number, headerLength: number): number {
  const payload = seg.payload;
  const length = headerLength + (payload?.length ?? 0);
  checkField('tcp.srcPort', seg.srcPort, 0xffff);
  checkField('tcp.dstPort', seg.dstPort, 0xffff);
  checkField('tcp.seq', seg.seq, 0xffffffff);
  checkField('tcp.ack', seg.ack, 0xffffffff);
  checkField('tcp.flags', seg.flags, 0xff);
  checkField('tcp.window', seg.window, 0xffff);
  const dataOffset = seg.dataOffset ?? headerLength / 4;
  checkField('tcp.dataOffset', dataOffset, 15);
  const reserved = seg.reserved ?? 0;
  checkField('tcp.reserved', reserved, 15);
  const urgent = seg.urgent ?? 0;
  checkField('tcp.urgent', urgent, 0xffff);
  if (seg.checksum !== undefined) checkField('tcp.checksum', seg.checksum, 0xffff);

  buf[offset] = seg.srcPort >>> 8;
  buf[offset + 1] = seg.srcPort & 0xff;
  buf[offset + 2] = seg.dstPort >>> 8;
  buf[offset + 3] = seg.dstPort & 0xff;
  writeUint32(buf, offset + 4, seg.seq);
  writeUint32(buf, offset + 8, seg.ack);
  buf[offset + 12] = (dataOffset << 4) | reserved;
  buf[offset + 13] = seg.flags;
  buf[offset + 14] = seg.window >>> 8;
  buf[offset + 15] = seg.window & 0xff;
  buf[offset + 16] = 0;
  buf[offset + 17] = 0;
  buf[offset + 18] = urgent >>> 8;
  buf[offset + 19] = urgent & 0xff;
  encodeOptions(seg.options, buf, offset + TCP_HEADER_LENGTH);
  if (payload !== undefined) buf.set(payload, offset + headerLength);

  let checksum = seg.checksum;
  if (checksum === undefined) {
    if (addressSum === undefined) throw new TypeError('encodeTcp: no pseudo-header sum to compute the checksum');
    checksum = ~fold(sum16(buf, offset, offset + length, addressSum + tcpLengthSum(length))) & 0xffff;
  }
  buf[offset + CHECKSUM_AT] = checksum >>> 8;
  buf[offset + CHECKSUM_AT + 1] = checksum & 0xff;
  return length;
}

/**
 * Decode the segment in buf[offset, offset + length) (to the end of buf by default: TCP has no
 * length of its own, the IP header gives it). checksumOk is null without a pseudo-header.
 * Options and payload are views of buf, not copies.
 */
export function decodeTcp(buf: Buffer, offset = 0, pseudo?: PseudoHeader, length = buf.length - offset): DecodedTcp {
  const sum = pseudo === undefined ? undefined : pseudoHeaderSum(pseudo, PROTOCOL_TCP);
  return decodeTcpWithSum(buf, offset, length, sum);
}

export interface DecodeOptions {
  /**
   * An option area that does not parse (a length of 0, one past the end) decodes as one 'raw'
   * option holding the whole area instead of throwing: what the wire uses, so a segment we
   * crafted malformed, or a target's malformed one, is still seen (and judged: MUST-7, MUST-68).
   */
  keepMalformedOptions?: boolean;
}

/** decodeTcp with the pseudo-header already summed (addresses + protocol), or undefined. */
export function decodeTcpWithSum(buf: Buffer, offset: number, length: number, addressSum: number | undefined, opts: DecodeOptions = {}): DecodedTcp {
  if (!(offset >= 0 && length >= TCP_HEADER_LENGTH && offset + length <= buf.length)) {
    const have = Math.max(0, Math.min(length, buf.length - offset));
    throw new DecodeError('tcp', `truncated header: ${have} bytes, the fixed header needs ${TCP_HEADER_LENGTH}`, offset);
  }
  const end = offset + length;
  const dataOffset = buf[offset + 12]! >>> 4;
  const headerLength = dataOffset * 4;
  if (dataOffset < 5) {
    throw new DecodeError('tcp', `data offset ${dataOffset} is below the minimum of 5 (20 bytes)`, offset + 12);
  }
  if (headerLength > length) {
    throw new DecodeError('tcp', `data offset ${dataOffset} (${headerLength} bytes) runs past the end of the ${length}-byte segment`, offset + 12);
  }
  let checksumOk: boolean | null = null;
  if (addressSum !== undefined) {
    checksumOk = fold(sum16(buf, offset, end, addressSum + tcpLengthSum(length))) === 0xffff;
  }
  return {
    srcPort: (buf[offset]! << 8) | buf[offset + 1]!,
    dstPort: (buf[offset + 2]! << 8) | buf[offset + 3]!,
    seq: readUint32(buf, offset + 4),
    ack: readUint32(buf, offset + 8),
    flags: buf[offset + 13]!,
    window: (buf[offset + 14]! << 8) | buf[offset + 15]!,
    urgent: (buf[offset + 18]! << 8) | buf[offset + 19]!,
    dataOffset,
    checksum: (buf[offset + 16]! << 8) | buf[offset + 17]!,
    reserved: buf[offset + 12]! & 0x0f,
    options: headerLength > TCP_HEADER_LENGTH ? optionsOf(buf, offset + TCP_HEADER_LENGTH, offset + headerLength, opts) : [],
    payload: headerLength === length ? NO_PAYLOAD : buf.subarray(offset + headerLength, end),
    checksumOk,
  };
}

function optionsOf(buf: Buffer, start: number, end: number, opts: DecodeOptions): TcpOption[] {
  if (!opts.keepMalformedOptions) return decodeOptions(buf, start, end);
  try {
    return decodeOptions(buf, start, end);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return [{ kind: 'raw', bytes: buf.subarray(start, end) }];
  }
}
