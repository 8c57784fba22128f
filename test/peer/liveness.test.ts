// Looks (src/peer/liveness.ts) against an in-memory remote whose connection ends at a known
// time: the bracket contains the end, answers pair with their own looks even when they come
// later than the next look, and a bracketed end is graded by its middle.
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { ACK, RST, SYN, type TcpSegment } from '../../src/packet/types.js';
import { PeerConnection } from '../../src/peer/connection.js';
import { bracketMiddle, type Look, lookAnswer, watchConnection } from '../../src/peer/liveness.js';
import { MemoryTransport } from '../../src/wire/memory.js';
import type { WireSegment } from '../../src/wire/transport.js';
import { PROBE_ADDR, REMOTE_ADDR, REMOTE_PORT } from './rfc-responder.js';

const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
const seg = (flags: number, seq: number, ack: number, payload = 0): WireSegment['tcp'] =>
  ({ flags, seq, ack, payload: Buffer.alloc(payload) }) as WireSegment['tcp'];

t.test('lookAnswer: an ACK is alive, a RST gone, a listener SYN-ACK to an old-syn look gone, data or FIN none', async (t) => {
  t.equal(lookAnswer(seg(ACK, 1, 2), 'old-data', 100), 'alive');
  t.equal(lookAnswer(seg(RST, 1, 0), 'old-data', 100), 'gone');
  t.equal(lookAnswer(seg(SYN | ACK, 7, 101), 'old-syn', 100), 'gone');
  t.equal(lookAnswer(seg(SYN | ACK, 7, 5), 'old-data', 100), undefined, 'a retransmitted SYN-ACK answers no look');
  t.equal(lookAnswer(seg(ACK, 1, 2, 10), 'old-data', 100), undefined, 'data is no answer');
  t.equal(lookAnswer(seg(ACK | 0x01, 1, 2), 'old-data', 100), undefined, 'a FIN is no answer');
});

t.test('bracketMiddle: the middle of (last alive, first gone]', async (t) => {
  const m = bracketMiddle({ at: 10_000_000_000n, resolutionMs: 400, trail: [] });
  t.equal(m.halfMs, 200);
  t.equal(m.at, 9_800_000_000n);
});

/** A remote whose connection lives `lifeMs` from creation; answers each look after `delayMs`. */
function remote(lifeMs: number, delayMs: number, look: Look) {
  const born = process.hrtime.bigint();
  const transport = new MemoryTransport(PROBE_ADDR, (sent) => {
    const s = sent.tcp;
    const alive = ms(born, sent.at) < lifeMs;
    const answer: TcpSegment = {
      srcPort: REMOTE_PORT,
      dstPort: s.srcPort,
      seq: alive ? 5000 : look === 'old-syn' ? 9000 : s.ack,
      ack: alive ? 7000 : Seq.add(s.seq, 1),
      flags: alive ? ACK : look === 'old-syn' ? SYN | ACK : RST,
      window: 1000,
      options: [],
      payload: Buffer.alloc(0),
    };
    if (s.flags & RST) return; // our reset of the listener's half-open connection
    setTimeout(() => transport.inject(REMOTE_ADDR, answer), delayMs);
  });
  return { born, transport };
}

for (const [look, delayMs] of [
  ['old-data', 0],
  ['old-syn', 0],
  ['old-data', 130],
] as const) {
  t.test(`${look} looks, answers ${delayMs} ms late: the bracket holds the end`, async (t) => {
    const lifeMs = 600;
    const { born, transport } = remote(lifeMs, delayMs, look);
    const peer = new PeerConnection(transport, REMOTE_ADDR, REMOTE_PORT, { iss: 1000 });
    peer.irs = 4999;
    peer.rcvNxt = 5000;
    const end = await watchConnection(peer, { look, from: born, until: born + 3_000_000_000n, everyMs: 100, lastAliveAt: born });
    t.equal(end.end, 'gone');
    if (end.end !== 'gone') return;
    const goneMs = ms(born, end.gone.at);
    t.ok(goneMs >= lifeMs, `first refused look at ${goneMs} ms, after the end at ${lifeMs} ms`);
    t.ok(goneMs - end.gone.resolutionMs < lifeMs, `last answered look at ${goneMs - end.gone.resolutionMs} ms, before it`);
    t.ok(end.gone.resolutionMs < 250, `bracket ${end.gone.resolutionMs} ms: about one look gap`);
    if (look === 'old-syn')
      t.ok(
        transport.sent.some((s) => s.tcp.flags & RST),
        "the listener's new half-open connection is reset",
      );
    peer.close();
  });
}
