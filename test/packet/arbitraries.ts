// fast-check generators for valid values: every one must decode back to itself exactly.
import fc from 'fast-check';
import { formatIPv6, parseIPv6 } from '../../src/packet/address.js';
import { MAX_OPTIONS_LENGTH, optionLength } from '../../src/packet/options.js';
import type { IPv4Header, IPv6Header, TcpOption, TcpSegment } from '../../src/packet/types.js';

export const uint32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0);
const bytes = (maxLength: number) => fc.uint8Array({ maxLength, size: 'max' }).map((a) => Buffer.from(a));

/** An 'unknown' option that would not decode as a known kind (a known kind with its RFC length). */
const unknownOption = fc
  .record({ type: fc.integer({ min: 2, max: 255 }), data: bytes(12) })
  .filter(({ type, data }) => {
    const n = data.length;
    if (type === 2) return n !== 2;
    if (type === 3) return n !== 1;
    if (type === 4) return n !== 0;
    if (type === 5) return n < 8 || n % 8 !== 0;
    if (type === 8) return n !== 8;
    return true;
  })
  .map(({ type, data }): TcpOption => ({ kind: 'unknown', type, data }));

export const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.nat(0xffff).map((value): TcpOption => ({ kind: 'mss', value })),
  fc.nat(0xff).map((shift): TcpOption => ({ kind: 'wscale', shift })),
  fc.constant<TcpOption>({ kind: 'sackOK' }),
  fc.array(fc.tuple(uint32, uint32), { minLength: 1, maxLength: 4, size: 'max' }).map((blocks): TcpOption => ({ kind: 'sack', blocks })),
  fc.tuple(uint32, uint32).map(([val, ecr]): TcpOption => ({ kind: 'ts', val, ecr })),
  unknownOption,
);

/** Bytes a stack or a crafted test may leave after EOL: zeros, NOPs, option kinds known and unknown, anything. */
const afterEolByte = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.constantFrom(2, 3, 4, 5, 8), fc.nat(255));

/**
 * Option lists that fit the 40-byte area and decode to themselves: when the list does not end on
 * a 4-byte boundary the padding decodes as EOL, so such lists end with an explicit EOL. Some EOLs
 * carry `trailing` bytes up to a 4-byte boundary: more zero words than the padding needs, or
 * non-zero bytes (what decodes as a plain EOL, the zero padding itself, is left out).
 */
export const tcpOptions: fc.Arbitrary<TcpOption[]> = fc
  .tuple(
    fc.array(tcpOption, { maxLength: 8, size: 'max' }),
    fc.constantFrom('none', 'eol', 'trailing'),
    fc.nat(9),
    fc.array(afterEolByte, { minLength: 39, maxLength: 39 }),
    fc.boolean(),
  )
  .map(([list, end, words, after, zeros]) => {
    const kept: TcpOption[] = [];
    let length = 0;
    for (const option of list) {
      if (length + optionLength(option) > MAX_OPTIONS_LENGTH) break;
      kept.push(option);
      length += optionLength(option);
    }
    if (length === MAX_OPTIONS_LENGTH || (end === 'none' && length % 4 === 0)) return kept;
    const padding = (4 - ((length + 1) % 4)) % 4;
    const room = MAX_OPTIONS_LENGTH - length - 1 - padding; // whole words left after the padding
    const n = padding + 4 * Math.min(words, room / 4);
    const trailing = zeros ? Buffer.alloc(n) : Buffer.from(after.slice(0, n));
    const plain = n === padding && trailing.every((b) => b === 0);
    kept.push(end !== 'trailing' || plain || n === 0 ? { kind: 'eol' } : { kind: 'eol', trailing });
    return kept;
  });

/**
 * Raw option areas (a multiple of 4 bytes, at most 40) biased towards what makes decoding
 * interesting: EOL early with bytes after it, NOPs, known kinds with right and wrong lengths.
 */
export const optionArea: fc.Arbitrary<Buffer> = fc
  .tuple(fc.nat(10), fc.array(fc.oneof(afterEolByte, fc.constantFrom(2, 4, 3, 10, 8)), { minLength: 40, maxLength: 40 }))
  .map(([words, b]) => Buffer.from(b.slice(0, 4 * words)));

export const tcpSegment: fc.Arbitrary<TcpSegment> = fc.record({
  srcPort: fc.nat(0xffff),
  dstPort: fc.nat(0xffff),
  seq: uint32,
  ack: uint32,
  flags: fc.nat(0xff),
  window: fc.nat(0xffff),
  urgent: fc.nat(0xffff),
  reserved: fc.nat(15),
  options: tcpOptions,
  payload: bytes(200),
});

/** IPv4 headers that decodePacket accepts (TCP, not a fragment); options a multiple of 4 bytes. */
export const ipv4Header: fc.Arbitrary<IPv4Header> = fc.record({
  tos: fc.nat(0xff),
  id: fc.nat(0xffff),
  ipFlags: fc.constantFrom(0, 2, 4, 6),
  ttl: fc.nat(0xff),
  src: fc.ipV4(),
  dst: fc.ipV4(),
  options: fc.nat(10).chain((words) => fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words }).map((a) => Buffer.from(a))),
});

/** IPv6 headers with addresses in canonical text, so the decoded text equals the given one. */
export const ipv6Header: fc.Arbitrary<IPv6Header> = fc.record({
  trafficClass: fc.nat(0xff),
  flowLabel: fc.nat(0xfffff),
  hopLimit: fc.nat(0xff),
  src: fc.ipV6().map((a) => formatIPv6(parseIPv6(a))),
  dst: fc.ipV6().map((a) => formatIPv6(parseIPv6(a))),
});
