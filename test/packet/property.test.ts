// Property tests: random valid values round-trip exactly; random, mutated and truncated bytes
// make the decoders throw DecodeError and nothing else (the wire decodes whatever arrives).

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { formatPacket } from '../../src/packet/format.js';
import { decodePacket, encodePacket } from '../../src/packet/packet.js';
import { decodeTcp, encodeTcp } from '../../src/packet/tcp.js';
import { DecodeError, type TcpSegment } from '../../src/packet/types.js';
import { ipv4Header, ipv6Header, optionArea, tcpSegment } from './arbitraries.js';

const V4 = { src: '198.18.0.1', dst: '198.18.0.2' };
const V6 = { src: '2001:db8::1', dst: '2001:db8::2' };

/** The decoded fields a segment sets, for comparison (decoding fills in the computed ones). */
function sameSegment(decoded: TcpSegment, seg: TcpSegment): boolean {
  for (const key of Object.keys(seg) as Array<keyof TcpSegment>) {
    if (!isDeepStrictEqual(decoded[key], seg[key])) return false;
  }
  return true;
}

t.test('random valid segments round-trip (IPv4 and IPv6 pseudo-headers)', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(tcpSegment, fc.boolean(), (seg, v6) => {
          const pseudo = v6 ? V6 : V4;
          const bytes = encodeTcp(seg, pseudo);
          const decoded = decodeTcp(bytes, 0, pseudo);
          return sameSegment(decoded, seg) && decoded.checksumOk === true && encodeTcp(decoded, pseudo).equals(bytes);
        }),
        { numRuns: 10000 },
      ),
    '10000 segments: decode(encode(x)) has x, the checksum holds, re-encoding is byte-exact',
  );
});

t.test('random valid packets round-trip', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(fc.oneof(ipv4Header, ipv6Header), tcpSegment, (ip, seg) => {
          const bytes = encodePacket(ip, seg);
          const packet = decodePacket(bytes);
          const ipOk = Object.entries(ip).every(([k, v]) => isDeepStrictEqual((packet.ip as unknown as Record<string, unknown>)[k], v));
          return ipOk && sameSegment(packet.tcp, seg) && packet.tcp.checksumOk === true && encodePacket(packet.ip, packet.tcp).equals(bytes);
        }),
        { numRuns: 10000 },
      ),
    '10000 IPv4/IPv6 packets: every header field survives, the checksum holds, re-encoding is byte-exact',
  );
});

t.test('padding after EOL: the generator makes it (the round trips above and below use it)', async (t) => {
  let trailing = 0;
  let nonZero = 0;
  fc.assert(
    fc.property(tcpSegment, (seg) => {
      const eol = seg.options?.find((o) => o.kind === 'eol');
      if (eol?.kind === 'eol' && eol.trailing) {
        trailing++;
        if (eol.trailing.some((b) => b !== 0)) nonZero++;
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  t.ok(trailing > 200 && nonZero > 100, `the generator makes EOLs with bytes after them (${trailing} of 2000, ${nonZero} non-zero)`);
});

t.test('every segment the decoder accepts re-encodes byte for byte: encode(decode(x)) = x', async (t) => {
  let accepted = 0;
  let withTrailing = 0;
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(tcpSegment, optionArea, fc.nat(30), (seg, area, payload) => {
          // A valid header with a random option area spliced in and the data offset set to match.
          const head = Buffer.from(encodeTcp({ ...seg, options: [], payload: Buffer.alloc(0), checksum: 0 }));
          const bytes = Buffer.concat([head, area, Buffer.alloc(payload, 0x61)]);
          bytes[12] = (((20 + area.length) / 4) << 4) | (bytes[12]! & 0x0f);
          let decoded;
          try {
            decoded = decodeTcp(bytes);
          } catch (e) {
            if (e instanceof DecodeError) return true; // refused: nothing to re-encode
            throw e;
          }
          accepted++;
          if (decoded.options.some((o) => o.kind === 'eol' && o.trailing)) withTrailing++;
          const again = encodeTcp(decoded);
          return again.equals(bytes);
        }),
        { numRuns: 10000 },
      ),
    '10000 headers with random option areas: what decodes encodes back to the same bytes',
  );
  t.ok(accepted > 3000, `${accepted} of 10000 decoded`);
  t.ok(withTrailing > 500, `${withTrailing} of them with bytes after EOL`);
});

t.test('hostile bytes: only DecodeError, never anything else', async (t) => {
  let fed = 0;
  let reencoded = 0;
  /** Decode; a DecodeError must point inside the buffer. Anything else thrown fails the property. */
  const survive = (decode: () => unknown, length: number): unknown => {
    fed++;
    try {
      return decode();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > length)
        throw new Error(`DecodeError offset ${e.offset} outside 0..${length}: ${e.message}`);
      return undefined;
    }
  };
  const decodeAll = (buf: Buffer): boolean => {
    const packet = survive(() => decodePacket(buf), buf.length) as ReturnType<typeof decodePacket> | undefined;
    if (packet !== undefined) {
      formatPacket(packet); // whatever decodes must also print
      // ... and encode back to the bytes it came from (up to the IP length: what follows is link padding).
      const length = packet.ip.version === 4 ? packet.ip.totalLength : 40 + packet.ip.payloadLength;
      if (!encodePacket(packet.ip, packet.tcp).equals(buf.subarray(0, length))) throw new Error(`re-encoding differs from ${buf.toString('hex')}`);
      reencoded++;
    }
    survive(() => decodeTcp(buf, 0, V4), buf.length);
    survive(() => decodeTcp(buf), buf.length);
    return true;
  };

  // Random bytes, half of them with a plausible first byte (IPv4 with IHL 5, or IPv6) to get past the version check.
  const random = fc.tuple(fc.uint8Array({ maxLength: 120, size: 'max' }), fc.constantFrom(-1, 0x45, 0x60)).map(([a, first]) => {
    const buf = Buffer.from(a);
    if (first >= 0 && buf.length > 0) buf[0] = first;
    return buf;
  });
  t.doesNotThrow(() => fc.assert(fc.property(random, decodeAll), { numRuns: 12000 }), 'random buffers');

  // Valid packets with bytes overwritten (headers and options most of all) and optionally cut short.
  const mutated = fc
    .tuple(
      fc.oneof(ipv4Header, ipv6Header),
      tcpSegment,
      fc.array(fc.tuple(fc.nat(100), fc.nat(255)), { minLength: 1, maxLength: 6, size: 'max' }),
      fc.option(fc.nat(400)),
    )
    .map(([ip, seg, edits, cut]) => {
      const buf = Buffer.from(encodePacket(ip, seg));
      for (const [at, value] of edits) if (at < buf.length) buf[at] = value;
      return cut === null ? buf : buf.subarray(0, Math.min(cut, buf.length));
    });
  t.doesNotThrow(() => fc.assert(fc.property(mutated, decodeAll), { numRuns: 12000 }), 'mutated packets');

  // Every strict prefix of a valid packet is a truncation, and decodePacket must say so.
  let truncationsMissed = 0;
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(fc.oneof(ipv4Header, ipv6Header), tcpSegment, (ip, seg) => {
          const buf = encodePacket(ip, seg);
          for (let n = 0; n < buf.length; n++) {
            const prefix = buf.subarray(0, n);
            if (survive(() => decodePacket(prefix), n) !== undefined) truncationsMissed++;
            survive(() => decodeTcp(prefix, 0, V6), n);
          }
          return true;
        }),
        { numRuns: 300 },
      ),
    'every prefix of valid packets',
  );
  t.equal(truncationsMissed, 0, 'no truncated packet decodes');
  t.ok(fed >= 100_000, `${fed} buffers decoded (at least 100000)`);
  t.ok(reencoded > 3000, `${reencoded} accepted packets re-encoded byte for byte`);
});
