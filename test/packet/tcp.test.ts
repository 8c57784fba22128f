import t from 'tap';
import type { PseudoHeader } from '../../src/packet/checksum.js';
import { decodeTcp, encodeTcp, encodingLengthTcp } from '../../src/packet/tcp.js';
import { ACK, FIN, PSH, RST, SYN, type TcpSegment } from '../../src/packet/types.js';
import { type Codec, testCodec } from './codec-helper.js';

const V4: PseudoHeader = { src: '198.18.0.1', dst: '198.18.0.2' };
const V4_BACK: PseudoHeader = { src: V4.dst, dst: V4.src };
const V6: PseudoHeader = { src: '2001:db8::1', dst: '2001:db8::2' };

const tcpCodec = (pseudo: PseudoHeader): Codec<TcpSegment, ReturnType<typeof decodeTcp>> => ({
  encode: (seg, buf, offset) => encodeTcp(seg, pseudo, buf, offset),
  decode: (buf, offset) => decodeTcp(buf, offset, pseudo),
  encodingLength: encodingLengthTcp,
});

// Golden segments. Bytes written out field by field; checksums computed independently
// (python struct + RFC 1071 over the pseudo-header), and tcpdump -v reports them "correct".
const SYN_SEGMENT: TcpSegment = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 1000,
  ack: 0,
  flags: SYN,
  window: 65535,
  options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
};
const SYN_BYTES =
  '9c40' +
  '1f90' +
  '000003e8' +
  '00000000' +
  'a0' +
  '02' +
  'ffff' +
  'fc1e' +
  '0000' + // ports, seq, ack, doff 10, SYN, win, cksum, urg
  '020405b4' +
  '0402' +
  '080a0000000100000000' +
  '01' +
  '030307'; // mss 1460, sackOK, TS 1/0, nop, wscale 7
const SYN_BYTES_V6_CHECKSUM = 0x2cd2;

const FIN_ACK_SEGMENT: TcpSegment = { srcPort: 40000, dstPort: 8080, seq: 1006, ack: 2001, flags: FIN | ACK, window: 502 };
const FIN_ACK_BYTES = '9c40' + '1f90' + '000003ee' + '000007d1' + '50' + '11' + '01f6' + '5a26' + '0000';

const RST_SEGMENT: TcpSegment = { srcPort: 8080, dstPort: 40000, seq: 2001, ack: 0, flags: RST, window: 0 };
const RST_BYTES = '1f90' + '9c40' + '000007d1' + '00000000' + '50' + '04' + '0000' + '6017' + '0000';

t.test('golden SYN with options', async (t) => {
  t.equal(encodeTcp(SYN_SEGMENT, V4).toString('hex'), SYN_BYTES);
  const seg = decodeTcp(Buffer.from(SYN_BYTES, 'hex'), 0, V4);
  t.match(seg, { ...SYN_SEGMENT, dataOffset: 10, checksum: 0xfc1e, urgent: 0, reserved: 0, checksumOk: true });
  t.strictSame(seg.options, SYN_SEGMENT.options);
  t.equal(seg.payload.length, 0);
  t.equal(encodeTcp(SYN_SEGMENT, V6).readUInt16BE(16), SYN_BYTES_V6_CHECKSUM, 'checksum over the IPv6 pseudo-header');
  testCodec(t, tcpCodec(V4), SYN_SEGMENT);
  testCodec(t, tcpCodec(V6), SYN_SEGMENT);
});

t.test('golden FIN|ACK', async (t) => {
  t.equal(encodeTcp(FIN_ACK_SEGMENT, V4).toString('hex'), FIN_ACK_BYTES);
  t.match(decodeTcp(Buffer.from(FIN_ACK_BYTES, 'hex'), 0, V4), { ...FIN_ACK_SEGMENT, dataOffset: 5, checksumOk: true, options: [] });
  testCodec(t, tcpCodec(V4), FIN_ACK_SEGMENT);
});

t.test('golden RST', async (t) => {
  t.equal(encodeTcp(RST_SEGMENT, V4_BACK).toString('hex'), RST_BYTES);
  t.match(decodeTcp(Buffer.from(RST_BYTES, 'hex'), 0, V4_BACK), { ...RST_SEGMENT, checksumOk: true });
  testCodec(t, tcpCodec(V4_BACK), RST_SEGMENT);
});

t.test('data segment with every field set', async (t) => {
  const seg: TcpSegment = {
    srcPort: 1,
    dstPort: 65535,
    seq: 0xffffffff,
    ack: 0x80000000,
    flags: PSH | ACK | 0xe0,
    window: 1234,
    urgent: 7,
    reserved: 0x0f,
    options: [
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
    ],
    payload: Buffer.from('hello, world'),
  };
  const { decoded } = testCodec(t, tcpCodec(V6), seg);
  t.equal(decoded.checksumOk, true);
  t.equal(decoded.dataOffset, 12);
  t.equal(encodingLengthTcp(seg), 48 + 12);
});

t.test('checksumOk: true, false, or null without a pseudo-header', async (t) => {
  const bytes = Buffer.from(FIN_ACK_BYTES, 'hex');
  t.equal(decodeTcp(bytes, 0, V4).checksumOk, true);
  t.equal(decodeTcp(bytes, 0, V4_BACK).checksumOk, true, 'swapping the addresses keeps the sum (addition commutes)');
  t.equal(decodeTcp(bytes, 0, { src: '198.18.0.1', dst: '198.18.0.3' }).checksumOk, false);
  t.equal(decodeTcp(bytes, 0).checksumOk, null);
  const flipped = Buffer.from(bytes);
  flipped[13]! ^= SYN;
  t.equal(decodeTcp(flipped, 0, V4).checksumOk, false, 'a flipped flag bit breaks the checksum');
});

t.test('explicit checksum and data offset are sent as given', async (t) => {
  const bad = encodeTcp({ ...FIN_ACK_SEGMENT, checksum: 0xbeef }, V4);
  t.equal(bad.readUInt16BE(16), 0xbeef);
  t.equal(decodeTcp(bad, 0, V4).checksumOk, false);
  t.equal(encodeTcp({ ...FIN_ACK_SEGMENT, checksum: 0 }).readUInt16BE(16), 0, 'checksum 0 needs no pseudo-header');

  const lying = encodeTcp({ ...FIN_ACK_SEGMENT, dataOffset: 15 }, V4);
  t.equal(lying.length, 20, 'the bytes are still a 20-byte header');
  t.equal(lying[12]! >> 4, 15, 'but the data offset field says 15');
  t.throws(() => decodeTcp(lying, 0, V4), {
    name: 'DecodeError',
    layer: 'tcp',
    problem: /data offset 15 \(60 bytes\) runs past the end of the 20-byte segment/,
    offset: 12,
  });

  const short = encodeTcp({ ...FIN_ACK_SEGMENT, dataOffset: 4 }, V4);
  t.throws(() => decodeTcp(short), { name: 'DecodeError', layer: 'tcp', problem: /data offset 4 is below the minimum of 5/, offset: 12 });

  // A data offset that puts the "payload" inside the options is legal bytes and decodes.
  const inside = encodeTcp({ ...SYN_SEGMENT, dataOffset: 6 }, V4);
  const seg = decodeTcp(inside, 0, V4);
  t.strictSame(seg.options, [{ kind: 'mss', value: 1460 }]);
  t.equal(seg.payload.length, 16, 'the other 16 bytes of options read as payload');
  t.equal(seg.checksumOk, true, 'the checksum covers the whole segment either way');
});

t.test('truncated and malformed headers throw DecodeError naming the problem', async (t) => {
  const bytes = Buffer.from(SYN_BYTES, 'hex');
  t.throws(() => decodeTcp(bytes.subarray(0, 19)), {
    name: 'DecodeError',
    layer: 'tcp',
    problem: 'truncated header: 19 bytes, the fixed header needs 20',
    offset: 0,
  });
  t.throws(() => decodeTcp(Buffer.alloc(0)), { name: 'DecodeError', layer: 'tcp', problem: /truncated header: 0 bytes/ });
  t.throws(() => decodeTcp(bytes.subarray(0, 30)), {
    name: 'DecodeError',
    layer: 'tcp',
    problem: /data offset 10 \(40 bytes\) runs past the end of the 30-byte segment/,
  });
  t.throws(() => decodeTcp(bytes, 30), { name: 'DecodeError', layer: 'tcp', problem: /truncated header: 10 bytes/, offset: 30 }, 'offset leaves too few bytes');
  t.throws(() => decodeTcp(bytes, 100), { name: 'DecodeError', layer: 'tcp', problem: /truncated header: 0 bytes/ }, 'offset past the end');
  t.throws(
    () => decodeTcp(bytes, 0, undefined, 24),
    { name: 'DecodeError', layer: 'tcp', problem: /runs past the end of the 24-byte segment/ },
    'length bounds the segment',
  );
  t.throws(() => decodeTcp(bytes, 0, undefined, 41), { name: 'DecodeError', layer: 'tcp', problem: /truncated/ }, 'a length past the buffer is truncation');
  const badOption = Buffer.from(bytes);
  badOption[21] = 1; // MSS length 1
  t.throws(() => decodeTcp(badOption), { name: 'DecodeError', layer: 'tcp-option', problem: /option kind 2 has length 1/, offset: 20 });
});

t.test('length selects the segment inside a larger buffer (IP padding ignored)', async (t) => {
  const padded = Buffer.concat([Buffer.from(FIN_ACK_BYTES, 'hex'), Buffer.from('00000000', 'hex')]);
  t.equal(decodeTcp(padded, 0, V4).payload.length, 4, 'without a length the padding reads as payload');
  const seg = decodeTcp(padded, 0, V4, 20);
  t.equal(seg.payload.length, 0);
  t.equal(seg.checksumOk, true);
});

t.test('encoding refuses what cannot be encoded', async (t) => {
  t.throws(() => encodeTcp(FIN_ACK_SEGMENT), { name: 'TypeError', message: /no pseudo-header/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, srcPort: 65536 }, V4), {
    name: 'RangeError',
    message: /tcp.srcPort must be an integer in 0..65535, got 65536/,
  });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, seq: -1 }, V4), { message: /tcp.seq/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, ack: 2 ** 32 }, V4), { message: /tcp.ack/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, flags: 256 }, V4), { message: /tcp.flags/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, window: 70000 }, V4), { message: /tcp.window/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, dataOffset: 16 }, V4), { message: /tcp.dataOffset/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, reserved: 16 }, V4), { message: /tcp.reserved/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, urgent: 1.5 }, V4), { message: /tcp.urgent/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, checksum: 0x10000 }), { message: /tcp.checksum/ });
  t.throws(() => encodeTcp({ ...FIN_ACK_SEGMENT, options: [{ kind: 'unknown', type: 99, data: Buffer.alloc(40) }] }, V4), {
    name: 'RangeError',
    message: /options take 44 bytes; the header has room for 40/,
  });
  t.throws(() => encodeTcp(FIN_ACK_SEGMENT, V4, Buffer.alloc(25), 6), { name: 'RangeError', message: /do not fit/ });
  t.throws(() => encodeTcp(FIN_ACK_SEGMENT, { src: '198.18.0.1', dst: 'nope' }), { name: 'UsageError', message: /not an IPv4 address: "nope"/ });
});

t.test('padding after EOL survives decode and encode: the re-encoded segment is the one received', async (t) => {
  // MSS 1460, EOL, then 7 bytes: data offset 8 (32 bytes of header), 20 bytes of data. Before,
  // re-encoding dropped the extra zero word (48 bytes for a total length of 52) and turned
  // non-zero bytes after EOL into zeros.
  for (const after of ['00000000000000', '01020304050607', '0101fe02000000']) {
    const header = '9c40' + '1f90' + '000003e8' + '000007d1' + '80' + '18' + 'ffff' + '0000' + '0000';
    const bytes = Buffer.from(header + '020405b4' + '00' + after + '61'.repeat(20), 'hex');
    const fixed = encodeTcp({ ...decodeTcp(bytes), checksum: undefined }, V4); // a correct checksum, as a kernel would send
    const decoded = decodeTcp(fixed, 0, V4);
    t.equal(decoded.dataOffset, 8);
    t.equal(decoded.payload.length, 20);
    t.strictSame(
      decoded.options,
      [
        { kind: 'mss', value: 1460 },
        { kind: 'eol', trailing: Buffer.from(after, 'hex') },
      ],
      `after EOL: ${after}`,
    );
    const again = encodeTcp(decoded, V4);
    t.equal(again.length, 52, 'same length as received');
    t.equal(again.toString('hex'), fixed.toString('hex'), 'byte for byte');
    t.equal(decoded.checksumOk, true);
  }
});
