// Generating ACKs, RFC 9293 3.8.6.3 and 3.10.7.4 (seventh), measured from packet timestamps.
//   lone segments     > . 100 bytes  < . ack +100  (× 24, one at a time)        MUST-40: each ACK within 0.5 s
//                                                                                SHLD-18: some ACKs delayed
//   back to back      > . 100 × 4 (no wait)        < . ack +400 (fewer ACKs than segments)   MUST-58
//                     > . full-sized × 2 (no wait) < . ack +2·MSS at once (not on a timer)   SHLD-19
//   out of order      > P. [100,200) [200,300) [300,400)   < . ack 0 (× 3, duplicates)
//                     > P. [0,100)                          < . ack 400, one ACK only          SHLD-31, MUST-59, MUST-58
// Our data carries no PSH: a pushed segment is delivered at once, and a stack may ACK as soon as
// its application has read it (Linux does), which hides delayed ACKs. Stacks often ACK at once
// at the start of a connection (Linux's quick-ACK mode: up to 16 ACKs);
// the back-to-back checks run after 20 lone segments, in the steady state. A delay counts as
// "delayed" only beyond our own timestamp error (the round trip and the probe's event-loop
// delay, src/peer/timing.ts): under load that makes an ACK look immediate, never late.
// Our bytes are an HTTP request that never ends, so a real server (nginx, http.server) driven in
// remote mode keeps reading instead of answering and closing.

import { defaultSendMss, ethernetMss, familyOf, Seq } from '../src/packet/index.js';
import { ACK, RST } from '../src/packet/types.js';
import { fillerAt } from '../src/peer/filler.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { handshakeRoundTrip, msBetween, round, StampError } from '../src/peer/timing.js';
import { collect, sendUnmodelled } from '../src/peer/unmodelled.js';
import type { WireSegment } from '../src/wire/transport.js';

/** MUST-40: "the delay MUST be less than 0.5 seconds". */
const ACK_DELAY_LIMIT_MS = 500;
/** An ACK this much later than our timestamp error allows was held back on purpose (a timer). */
const DELAYED_BEYOND_MS = 10;
/** Longer than any legal ACK delay: silence after it means no ACK is coming. */
const SETTLE_MS = ACK_DELAY_LIMIT_MS + 200;

/** The bytes at `seq` of our stream: an HTTP request that never ends (src/peer/filler.ts), so a real server keeps reading. */
const filler = (c: ScriptedConnection, seq: number, n: number): Buffer => fillerAt(Seq.sub(seq, Seq.add(c.iss, 1)), n);

interface LoneAck {
  delayMs: number;
  /** our timestamp error bound while it was measured */
  errorMs: number;
}

/** Send `count` lone segments of `size` bytes, each after the previous one's ACK; the ACK delays. */
async function loneSegments(c: ScriptedConnection, stamp: StampError, count: number, size: number): Promise<LoneAck[]> {
  const out: LoneAck[] = [];
  stamp.window();
  for (let i = 0; i < count; i++) {
    const sent = await c.send({ flags: '.', payload: filler(c, c.sndNxt, size) });
    const ack = await c.expect({ flags: '.', ack: c.sndNxt });
    out.push({ delayMs: round(msBetween(sent.at, ack.at)), errorMs: stamp.window().ms });
  }
  return out;
}

const isDelayed = (a: LoneAck): boolean => a.delayMs - a.errorMs >= DELAYED_BEYOND_MS;

/** The handshake, with our timestamp error bound from its round trip. */
async function established(ctx: TestContext): Promise<{ c: ScriptedConnection; stamp: StampError }> {
  const c = ctx.connect(await ctx.listen());
  const rtt = await handshakeRoundTrip(c);
  ctx.figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: rtt, unit: 'ms' });
  return { c, stamp: new StampError(rtt) };
}

/** Segments sent back to back, outside the model; the ACKs that came within SETTLE_MS; the model then follows. */
async function burst(c: ScriptedConnection, sizes: readonly number[]): Promise<{ spreadMs: number; acks: number[]; lastSentAt: bigint; lastAckAt: bigint }> {
  const sent: WireSegment[] = [];
  for (const n of sizes) sent.push((await sendUnmodelled(c, { flags: '.', payload: filler(c, c.sndNxt, n) })).sent);
  const answers = await collect(c, SETTLE_MS);
  // Every byte was at SND.NXT in turn: the remote's RCV.NXT is now ours.
  c.model.tcb = { ...c.model.tcb, rcvNxt: c.sndNxt };
  const acks = answers.filter((a) => a.tcp.flags & ACK && !(a.tcp.flags & RST) && !a.tcp.payload.length);
  const last = acks.at(-1);
  return {
    spreadMs: round(msBetween(sent[0]!.at, sent.at(-1)!.at)),
    acks: acks.map((a) => Seq.sub(a.tcp.ack, sent[0]!.tcp.seq)),
    lastSentAt: sent.at(-1)!.at,
    lastAckAt: last ? last.at : 0n,
  };
}

suite(
  { name: 'ack-generation', title: 'Generating ACKs: delay, delayed ACKs, aggregation, out-of-order queueing', rfc: 'RFC 9293 3.8.6.3, 3.10.7.4' },
  (test) => {
    test('a lone segment is ACKed within 0.5 s, and some ACKs are delayed', { rfc: 'RFC 9293 3.8.6.3', requirements: ['MUST-40', 'SHLD-18'] }, async (ctx) => {
      const { c, stamp } = await established(ctx);
      const acks = await loneSegments(c, stamp, 24, 100);
      stamp.stop();
      const worst = acks.reduce((w, a) => (a.delayMs > w.delayMs ? a : w));
      ctx.figure({ name: 'longest ACK delay of 24 lone segments', value: worst.delayMs, unit: 'ms' });
      ctx.note(`ACK delays (ms): ${acks.map((a) => a.delayMs).join(' ')}`);
      const check = { requirement: 'MUST-40', check: 'ACK delay of a lone segment', expected: `below ${ACK_DELAY_LIMIT_MS} ms` };
      const observed = `longest ${worst.delayMs} ms over ${acks.length} lone segments (our timestamp error ≤ ${worst.errorMs} ms)`;
      if (worst.delayMs < ACK_DELAY_LIMIT_MS) ctx.finding({ ...check, level: 'conforms', observed });
      else if (worst.delayMs - worst.errorMs < ACK_DELAY_LIMIT_MS)
        ctx.finding({ ...check, level: 'inconclusive', observed: `${observed}: within our timestamp error of the limit` });
      else ctx.finding({ ...check, level: 'violation', observed });
      const delayed = acks.filter(isDelayed);
      ctx.finding({
        requirement: 'SHLD-18',
        check: 'delayed ACKs',
        expected: 'some lone segments ACKed after a delay',
        level: delayed.length >= 2 ? 'conforms' : 'choice',
        observed:
          delayed.length >= 2
            ? `${delayed.length} of ${acks.length} ACKs held back (${delayed.map((a) => a.delayMs).join(', ')} ms)`
            : `${acks.length - delayed.length} of ${acks.length} lone segments ACKed at once (longest ${worst.delayMs} ms): no delayed ACKs seen — a stack may ACK at once while it judges the exchange interactive, so this does not show it has none`,
      });
    });

    test('back-to-back segments: fewer ACKs than segments, and an ACK at once for every second full-sized segment', {
      rfc: 'RFC 9293 3.8.6.3, 3.10.7.4 (seventh)',
      requirements: ['MUST-58', 'SHLD-19'],
    }, async (ctx) => {
      const { c, stamp } = await established(ctx);
      const warmup = await loneSegments(c, stamp, 20, 100);
      const delayMs = Math.max(...warmup.filter(isDelayed).map((a) => a.delayMs), 0);
      ctx.note(delayMs ? `steady state: lone segments ACKed after up to ${delayMs} ms` : 'no delayed ACK among 20 lone segments');

      const small = await burst(c, [100, 100, 100, 100]);
      stamp.window();
      const check58 = {
        requirement: 'MUST-58',
        check: '4 back-to-back segments of 100 bytes',
        expected: 'fewer ACKs than segments (aggregated), the last covering all 400 bytes',
      };
      const seen = `ACKs of +${small.acks.join(', +') || 'nothing'} for segments sent within ${small.spreadMs} ms`;
      if (small.acks.at(-1) !== 400) ctx.finding({ ...check58, level: 'violation', observed: seen });
      else if (small.acks.length < 4) ctx.finding({ ...check58, level: 'conforms', observed: seen });
      else if (small.spreadMs > Math.max(delayMs, DELAYED_BEYOND_MS))
        ctx.finding({ ...check58, level: 'inconclusive', observed: `${seen}: the segments were not back to back (pacing or load)` });
      // Each segment processed as it came needs an ACK of its own: "whenever possible" cannot be judged from outside.
      else ctx.finding({ ...check58, level: 'choice', observed: `${seen}: each ACKed as it came` });

      const mss = c.peer.remoteSynOptions.find((o) => o.kind === 'mss');
      const family = familyOf(ctx.target.address);
      const full = Math.min(mss?.kind === 'mss' ? mss.value : defaultSendMss(family), ethernetMss(family));
      const check19 = {
        requirement: 'SHLD-19',
        check: `2 back-to-back full-sized segments (${full} bytes)`,
        expected: 'an ACK covering both at once, not on the delayed-ACK timer',
      };
      for (let pair = 0; pair < 3; pair++) {
        const p = await burst(c, [full, full]);
        const b = stamp.window();
        const covering = p.acks.at(-1) === 2 * full;
        const afterMs = covering ? round(msBetween(p.lastSentAt, p.lastAckAt)) : NaN;
        const seenPair = `pair ${pair + 1}: ACKs of +${p.acks.join(', +') || 'nothing'}, the last ${covering ? `${afterMs} ms after the second segment` : 'not covering both'} (segments ${p.spreadMs} ms apart, timestamp error ≤ ${b.ms} ms)`;
        if (!covering) {
          ctx.finding({ ...check19, level: 'deviation', observed: seenPair });
          return;
        }
        if (p.spreadMs > b.ms + DELAYED_BEYOND_MS) {
          ctx.finding({ ...check19, level: 'inconclusive', observed: `${seenPair}: not back to back` });
          continue;
        }
        ctx.finding({ ...check19, level: afterMs - b.ms >= DELAYED_BEYOND_MS ? 'deviation' : 'conforms', observed: seenPair });
      }
      stamp.stop();
      await c.inState('ESTABLISHED');
    });

    test('out-of-order segments are queued: filling the hole gets one cumulative ACK past them', {
      rfc: 'RFC 9293 3.10.7.4 (first, seventh)',
      requirements: ['SHLD-31', 'MUST-59', 'MUST-58', 'MAY-13'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.handshake();
      const base = c.sndNxt;
      for (let i = 1; i <= 3; i++) {
        await c.send({ flags: 'P.', seq: Seq.add(base, 100 * i), payload: filler(c, Seq.add(base, 100 * i), 100) });
        await c.expect({ flags: '.', ack: base });
      }
      const fill = await sendUnmodelled(c, { flags: 'P.', payload: filler(c, base, 100) });
      const acks = (await collect(c, SETTLE_MS)).filter((a) => a.tcp.flags & ACK && !(a.tcp.flags & RST)).map((a) => Seq.sub(a.tcp.ack, base));
      const seen = `ACKs of +${acks.join(', +') || 'nothing'}`;
      const cumulative = acks.includes(400);
      ctx.finding({
        requirement: 'SHLD-31',
        check: 'segments beyond a hole',
        expected: 'held: filling the hole is ACKed past them (+400)',
        level: cumulative ? 'conforms' : acks.includes(100) ? 'deviation' : 'violation',
        observed: seen,
      });
      if (!cumulative) return;
      // Any ACK between the hole and the end was sent before the queue was processed.
      const early = acks.filter((a) => a >= 100 && a < 400);
      for (const requirement of ['MUST-59', 'MUST-58'])
        ctx.finding({
          requirement,
          check: 'ACKs after the hole is filled',
          expected: 'one ACK for the filled hole and all queued segments (+400), none in between',
          level: early.length ? 'violation' : 'conforms',
          observed: seen,
        });
      // The model follows: all 400 bytes are in.
      fill.forget();
      c.peer.sndNxt = Seq.add(base, 400);
      c.model.tcb = { ...c.model.tcb, rcvNxt: c.sndNxt };
      await c.inState('ESTABLISHED');
    });
  },
);
