// The one round-trip check every wire type goes through (after dns-packet's testEncoder):
// encode -> decode gives the value back, re-encoding the decoded value gives the same bytes,
// encodingLength is the number of bytes written, and encoding/decoding at an offset inside a
// larger buffer touches nothing around it.
import type { Test } from 'tap';

export interface Codec<T, D extends T> {
  encode(value: T, buf?: Buffer, offset?: number): Buffer;
  decode(buf: Buffer, offset?: number): D;
  encodingLength(value: T): number;
}

const GUARD = 0xa5;
const PAD = 7;

/** Run the checks as subtests of t; returns the encoded bytes and the decoded value for more checks. */
export function testCodec<T extends object, D extends T>(t: Test, codec: Codec<T, D>, value: T): { bytes: Buffer; decoded: D } {
  const bytes = codec.encode(value);
  t.equal(bytes.length, codec.encodingLength(value), 'encodingLength is the number of bytes written');

  const decoded = codec.decode(bytes);
  const expected = pick(value, value);
  t.strictSame(pick(decoded, value), expected, 'decodes back to the value');

  t.strictSame(codec.encode(decoded), bytes, 're-encoding the decoded value gives the same bytes');

  const buf = Buffer.alloc(PAD + bytes.length + PAD, GUARD);
  const written = codec.encode(value, buf, PAD);
  t.strictSame(written, bytes, 'encoding at an offset writes the same bytes');
  t.equal(written.buffer, buf.buffer, 'encoding at an offset writes into the given buffer');
  t.equal(written.byteOffset, buf.byteOffset + PAD, '... at that offset');
  t.ok(buf.subarray(0, PAD).every((b) => b === GUARD) && buf.subarray(PAD + bytes.length).every((b) => b === GUARD), 'bytes around the encoding are untouched');
  t.strictSame(pick(codec.decode(buf.subarray(0, PAD + bytes.length), PAD), value), expected, 'decodes at an offset');
  return { bytes, decoded };
}

/**
 * The fields of decoded that value sets (not undefined), recursing into nested plain objects:
 * a decoder fills in the computed ones. Arrays and Buffers are compared whole.
 */
function pick<T extends object>(decoded: T, value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, wanted] of Object.entries(value)) {
    if (wanted === undefined) continue;
    const found: unknown = (decoded as Record<string, unknown>)[key];
    out[key] = isPlainObject(wanted) && isPlainObject(found) ? pick(found, wanted) : found;
  }
  return out as Partial<T>;
}

function isPlainObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}
