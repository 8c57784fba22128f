// TCP options (RFC 9293 3.2): EOL, NOP, MSS; window scale and timestamps (RFC 7323);
// SACK-permitted and SACK (RFC 2018). Any other kind, and a known kind with a length its RFC does
// not allow, decodes to { kind: 'unknown', type, data } and encodes back byte for byte, so odd
// options a stack sends survive a decode/encode round trip and tests can craft malformed ones.
//
// Decoding stops reading options at EOL: the bytes after it are padding (RFC 9293 3.1, "the
// remainder of the header ... is zero"), and encoding pads with zeros to the 4-byte boundary.
// Padding other than that (more zero words, or non-zero bytes a stack or a test left there) is
// kept on the EOL as `trailing`, so a decoded segment re-encodes to the bytes it came from.
import { DecodeError, type TcpOption } from './types.js';

export const KIND_EOL = 0;
export const KIND_NOP = 1;
export const KIND_MSS = 2;
export const KIND_WSCALE = 3;
export const KIND_SACK_OK = 4;
export const KIND_SACK = 5;
export const KIND_TS = 8;

/** The option area is what a 4-bit data offset leaves after the fixed 20 bytes. */
export const MAX_OPTIONS_LENGTH = 40;

/** Bytes one option takes on the wire (before padding). */
export function optionLength(option: TcpOption): number {
  switch (option.kind) {
    case 'eol':
      return 1 + (option.trailing?.length ?? 0);
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackOK':
      return 2;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'ts':
      return 10;
    case 'unknown':
      return 2 + option.data.length;
    case 'raw':
      return option.bytes.length;
  }
}

/** Bytes the option list takes on the wire, padded to a multiple of 4. */
export function encodingLengthOptions(options: readonly TcpOption[] | undefined): number {
  if (options === undefined) return 0;
  let length = 0;
  for (const option of options) length += optionLength(option);
  return (length + 3) & ~3;
}

/**
 * Write the options at buf[offset] and zero-pad to the 4-byte boundary; returns the bytes written.
 * Values must fit their fields (RangeError otherwise); whether they make sense is the caller's call.
 */
export function encodeOptions(options: readonly TcpOption[] | undefined, buf: Uint8Array, offset: number): number {
  if (options === undefined || options.length === 0) return 0;
  let at = offset;
  for (const option of options) {
    switch (option.kind) {
      case 'eol':
        buf[at++] = KIND_EOL;
        if (option.trailing) {
          buf.set(option.trailing, at);
          at += option.trailing.length;
        }
        break;
      case 'nop':
        buf[at++] = KIND_NOP;
        break;
      case 'mss':
        checkField('mss.value', option.value, 0xffff);
        buf[at] = KIND_MSS;
        buf[at + 1] = 4;
        buf[at + 2] = option.value >>> 8;
        buf[at + 3] = option.value & 0xff;
        at += 4;
        break;
      case 'wscale':
        checkField('wscale.shift', option.shift, 0xff);
        buf[at] = KIND_WSCALE;
        buf[at + 1] = 3;
        buf[at + 2] = option.shift;
        at += 3;
        break;
      case 'sackOK':
        buf[at] = KIND_SACK_OK;
        buf[at + 1] = 2;
        at += 2;
        break;
      case 'sack': {
        const length = 2 + 8 * option.blocks.length;
        checkField('sack length', length, 0xff);
        buf[at] = KIND_SACK;
        buf[at + 1] = length;
        at += 2;
        for (const [left, right] of option.blocks) {
          checkField('sack left edge', left, 0xffffffff);
          checkField('sack right edge', right, 0xffffffff);
          writeUint32(buf, at, left);
          writeUint32(buf, at + 4, right);
          at += 8;
        }
        break;
      }
      case 'ts':
        checkField('ts.val', option.val, 0xffffffff);
        checkField('ts.ecr', option.ecr, 0xffffffff);
        buf[at] = KIND_TS;
        buf[at + 1] = 10;
        writeUint32(buf, at + 2, option.val);
        writeUint32(buf, at + 6, option.ecr);
        at += 10;
        break;
      case 'unknown':
        checkField('unknown option type', option.type, 0xff);
        checkField('unknown option length', 2 + option.data.length, 0xff);
        buf[at] = option.type;
        buf[at + 1] = 2 + option.data.length;
        buf.set(option.data, at + 2);
        at += 2 + option.data.length;
        break;
      case 'raw':
        buf.set(option.bytes, at);
        at += option.bytes.length;
        break;
    }
  }
  while ((at - offset) & 3) buf[at++] = KIND_EOL;
  return at - offset;
}

/**
 * Decode the option area buf[start, end). Malformed bytes that leave the rest of the list
 * unreadable (a length of 0 or 1, a length past the end, a kind with no room for its length byte)
 * throw DecodeError('tcp-option', problem, absolute offset of the option).
 */
export function decodeOptions(buf: Uint8Array, start: number, end: number): TcpOption[] {
  const options: TcpOption[] = [];
  let at = start;
  while (at < end) {
    const kind = buf[at]!;
    if (kind === KIND_EOL) {
      options.push(decodeEol(buf, start, at + 1, end));
      break;
    }
    if (kind === KIND_NOP) {
      options.push({ kind: 'nop' });
      at++;
      continue;
    }
    if (at + 1 >= end) {
      throw new DecodeError('tcp-option', `option kind ${kind} has no length byte before the end of the header`, at);
    }
    const length = buf[at + 1]!; // at + 1 < end: checked above
    if (length < 2) {
      throw new DecodeError('tcp-option', `option kind ${kind} has length ${length} (the minimum is 2)`, at);
    }
    if (at + length > end) {
      throw new DecodeError('tcp-option', `option kind ${kind} has length ${length} but only ${end - at} bytes of options remain`, at);
    }
    options.push(decodeOption(buf, at, kind, length));
    at += length;
  }
  return options;
}

/** EOL, with what follows it when that is not the zero padding encodeOptions writes itself. */
function decodeEol(buf: Uint8Array, start: number, after: number, end: number): TcpOption {
  const padding = (4 - ((after - start) & 3)) & 3;
  let plain = end - after === padding;
  for (let i = after; plain && i < end; i++) plain = buf[i] === 0;
  return plain ? { kind: 'eol' } : { kind: 'eol', trailing: toBuffer(buf).subarray(after, end) };
}

/** One option of known-good extent: a known kind with its RFC length, else kept as bytes. */
function decodeOption(buf: Uint8Array, at: number, kind: number, length: number): TcpOption {
  switch (kind) {
    case KIND_MSS:
      if (length === 4) return { kind: 'mss', value: (buf[at + 2]! << 8) | buf[at + 3]! };
      break;
    case KIND_WSCALE:
      if (length === 3) return { kind: 'wscale', shift: buf[at + 2]! };
      break;
    case KIND_SACK_OK:
      if (length === 2) return { kind: 'sackOK' };
      break;
    case KIND_SACK:
      // RFC 2018 3: 8n + 2 bytes for n blocks, n >= 1.
      if (length >= 10 && (length - 2) % 8 === 0) {
        const blocks: Array<[number, number]> = [];
        for (let b = at + 2; b < at + length; b += 8) blocks.push([readUint32(buf, b), readUint32(buf, b + 4)]);
        return { kind: 'sack', blocks };
      }
      break;
    case KIND_TS:
      if (length === 10) return { kind: 'ts', val: readUint32(buf, at + 2), ecr: readUint32(buf, at + 6) };
      break;
  }
  return { kind: 'unknown', type: kind, data: toBuffer(buf).subarray(at + 2, at + length) };
}

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function readUint32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

export function writeUint32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

/** Refuse a value its field cannot hold, naming the field (Buffer's own RangeError does not). */
export function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}
