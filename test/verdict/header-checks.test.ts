// The header checks applied to every target segment (MUST-65, MUST-68, MUST-69, reserved bits),
// the segment watch that applies them with the window-edge check (SHLD-14), and the codec's
// crafted 'raw' option lists that the header battery sends. Deviant segments are built here:
// a Linux target never sends them.
import t from 'tap';
import { decodePacket, encodePacket, formatTcp } from '../../src/packet/index.js';
import { ACK, SYN, type TcpSegment } from '../../src/packet/types.js';
import { PeerConnection } from '../../src/peer/connection.js';
import { SegmentWatch } from '../../src/peer/segment-watch.js';
import { judgeHeader, judgeOptionBytes, optionArea } from '../../src/verdict/header-checks.js';
import { MemoryTransport } from '../../src/wire/memory.js';

const b = (...bytes: number[]) => Buffer.from(bytes);
const reqs = (area: Buffer, syn = false) => judgeOptionBytes(area, syn).map((f) => `${f.level} ${f.requirement}`);

t.test('well-formed option lists pass', async (t) => {
  t.same(reqs(b(2, 4, 5, 0xb4, 1, 1, 4, 2), true), [], 'MSS, NOP, NOP, SACK-permitted in a SYN');
  t.same(reqs(b(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2)), [], 'NOP NOP timestamps');
  t.same(reqs(b(3, 3, 7, 0)), [], 'window scale, then EOL and zero padding');
  t.same(reqs(b(99, 2, 1, 0)), [], 'an unknown kind with a length is well-formed');
});

t.test('lengths missing, zero, too short or past the end are MUST-68 violations', async (t) => {
  t.same(reqs(b(1, 1, 1, 99)), ['violation MUST-68'], 'a kind with no room for its length byte');
  t.same(reqs(b(99, 0, 1, 1)), ['violation MUST-68'], 'length 0');
  t.same(reqs(b(99, 1, 1, 1)), ['violation MUST-68'], 'length 1');
  t.same(reqs(b(1, 1, 99, 3)), ['violation MUST-68'], 'one past the end');
});

t.test('padding after EOL must be zeros (MUST-69)', async (t) => {
  t.same(reqs(b(1, 0, 0, 0)), [], 'zeros');
  t.same(reqs(b(1, 0, 0, 7)), ['violation MUST-69'], 'a non-zero byte after EOL');
  t.match(judgeOptionBytes(b(0, 1, 1, 1), false)[0], { observed: '0x010101' });
});

t.test('MSS only with SYN (MUST-65); a known kind with a wrong length is named by its own RFC', async (t) => {
  t.same(reqs(b(2, 4, 5, 0xb4), false), ['violation MUST-65'], 'MSS on an ACK');
  t.same(reqs(b(2, 3, 5, 0), true), ['violation RFC 9293 3.2'], 'MSS with length 3');
  t.same(reqs(b(8, 6, 0, 0, 0, 0, 0, 0), false), ['violation RFC 7323 3.2'], 'timestamps with length 6');
});

t.test('reserved bits: the three reserved ones must be zero, the AE bit is not judged', async (t) => {
  const pkt = encodePacket({ src: '198.18.0.2', dst: '198.18.0.1' }, { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: ACK, window: 1, reserved: 0x4 });
  t.same(optionArea(pkt).length, 0, 'no options');
  t.same(
    judgeHeader(pkt, ACK, 0x4).map((f) => f.requirement),
    ['RFC 9293 3.1'],
  );
  t.same(judgeHeader(pkt, ACK, 0x1), []);
});

t.test("'raw' options go on the wire as given; decoding keeps a malformed area only when asked", async (t) => {
  const seg: TcpSegment = { srcPort: 1, dstPort: 2, seq: 1, ack: 0, flags: SYN, window: 1, options: [{ kind: 'raw', bytes: b(99, 0, 1, 1) }] };
  const pkt = encodePacket({ src: '198.18.0.1', dst: '198.18.0.2' }, seg);
  t.same([...optionArea(pkt)], [99, 0, 1, 1], 'bytes as given');
  t.throws(() => decodePacket(pkt), { name: 'DecodeError', layer: 'tcp-option' }, 'the strict decoder refuses it');
  const lenient = decodePacket(pkt, 0, { keepMalformedOptions: true });
  t.same(lenient.tcp.options, [{ kind: 'raw', bytes: b(99, 0, 1, 1) }]);
  t.match(formatTcp(lenient.tcp), /options \[bad opt 0x63000101\]/);
  t.ok(lenient.tcp.checksumOk, 'checksum computed over the raw bytes');
});

t.test('the segment watch: a clean exchange conforms; MSS without SYN, malformed options and a shrinking window are caught', async (t) => {
  const wire = new MemoryTransport('198.18.0.1');
  const peer = new PeerConnection(wire, '198.18.0.2', 80, { iss: 1000 });
  t.teardown(() => peer.close());
  const from = (s: Partial<TcpSegment>) =>
    wire.inject('198.18.0.2', { srcPort: 80, dstPort: peer.localPort, seq: 5000, ack: 1001, flags: ACK, window: 1000, ...s });

  let watch = new SegmentWatch(wire);
  await peer.send('S');
  from({ flags: SYN | ACK, options: [{ kind: 'mss', value: 1460 }] });
  await peer.send('.');
  from({ ack: 1001, window: 1000 });
  from({ ack: 1101, window: 900 }); // same right edge: not shrunk
  const clean = watch.stop();
  t.same(
    clean.filter((f) => f.level !== 'conforms'),
    [],
    'nothing wrong',
  );
  t.same(clean.map((f) => f.requirement).sort(), ['MUST-45', 'MUST-65', 'MUST-68', 'MUST-69', 'RFC 9293 3.1', 'SHLD-14'].sort());

  watch = new SegmentWatch(wire);
  await peer.send('.');
  from({ options: [{ kind: 'mss', value: 1460 }] }); // right edge 1001 + 1000
  from({ options: [{ kind: 'raw', bytes: b(99, 0, 0, 0) }] });
  from({ ack: 1101, window: 500 }); // right edge 1601 after 2001: shrunk by 400
  const bad = watch.stop();
  t.same(
    bad.filter((f) => f.level !== 'conforms').map((f) => `${f.level} ${f.requirement}`),
    ['violation MUST-65', 'violation MUST-68', 'deviation SHLD-14'],
  );
  t.match(
    bad.find((f) => f.requirement === 'SHLD-14'),
    { observed: /moved left by 400 bytes/ },
  );
});
