// Properties over random input: predict() is total (never throws for any state, segment and TCB,
// under every profile) and its answers are well formed.

import fc from 'fast-check';
import t from 'tap';
import type { Segment, Tcb } from '../../src/fsm/model.js';
import { predict } from '../../src/fsm/oracle.js';
import { linuxProfile, rfcProfile } from '../../src/fsm/profiles.js';
import { isTcpState, states } from '../../src/fsm/states.js';
import { add } from '../../src/packet/seq.js';
import { ACK, RST, SYN } from '../../src/packet/types.js';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const window = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70000 }), uint32);

const tcbArb: fc.Arbitrary<Tcb> = fc.record({
  iss: uint32,
  irs: uint32,
  sndUna: uint32,
  sndNxt: uint32,
  sndWnd: window,
  rcvNxt: uint32,
  rcvWnd: window,
  maxSndWnd: fc.option(window, { nil: undefined }),
  passiveOpen: fc.option(fc.boolean(), { nil: undefined }),
  listening: fc.option(fc.boolean(), { nil: undefined }),
  orphaned: fc.option(fc.boolean(), { nil: undefined }),
});

/** Sequence and ACK numbers either anywhere, or close to the edges that matter. */
function segmentArb(tcb: Tcb): fc.Arbitrary<Segment> {
  const near = (base: number) => fc.integer({ min: -3, max: 3 }).map((d) => add(base, d));
  const seq = fc.oneof(uint32, near(tcb.rcvNxt), near(add(tcb.rcvNxt, tcb.rcvWnd)), near(tcb.irs));
  const ack = fc.oneof(uint32, near(tcb.sndNxt), near(tcb.sndUna), near(tcb.iss));
  return fc.record({
    flags: fc.integer({ min: 0, max: 0xff }),
    seq,
    ack,
    len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 100000 })),
  });
}

const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

const profiles = [rfcProfile, linuxProfile(), linuxProfile({ rfc1337: true, legacyAckUnsent: true, synRecvRstExact: true })];

t.test('predict never throws and answers are well formed', async (t) => {
  const arb = fc
    .tuple(fc.constantFrom(...states), tcbArb, fc.nat({ max: profiles.length - 1 }))
    .chain(([state, tcb, which]) => fc.tuple(fc.constant(state), fc.constant(tcb), fc.constant(which), segmentArb(tcb)));
  let runs = 0;
  fc.assert(
    fc.property(arb, ([state, tcb, which, segment]) => {
      runs++;
      const p = predict(state, segment, tcb, profiles[which]);
      if (!isTcpState(p.next)) return false;
      if (p.ruleIds.length === 0 || (p.ruleIds[p.ruleIds.length - 1] !== p.ruleId && p.ruleIds[0] !== p.ruleId)) return false;
      for (const v of [p.tcb.iss, p.tcb.irs, p.tcb.sndUna, p.tcb.sndNxt, p.tcb.rcvNxt, p.tcb.rcvWnd]) {
        if (!isUint32(v)) return false;
      }
      const r = p.reply;
      if (r && !(isUint32(r.seq) && isUint32(r.ack) && r.flags > 0 && r.flags <= 0xff)) return false;
      switch (p.verdict) {
        case 'drop':
        case 'reset':
          return r === null;
        case 'rst':
          return r !== null && (r.flags & RST) !== 0;
        case 'syn-ack':
          return r !== null && r.flags === (SYN | ACK);
        case 'ack':
        case 'challenge-ack':
          return r !== null && r.flags === ACK;
        case 'accept':
          return r === null || r.flags === ACK;
      }
    }),
    { numRuns: 20000 },
  );
  t.equal(runs, 20000, 'ran 20000 random arrivals');
});

t.test('a RST is never answered with a RST, only ever with a challenge ACK', async (t) => {
  // RFC 9293 3.5.2 / 3.10.7: "unless the RST bit is set" everywhere; the one answer an RST can
  // get is the RFC 5961 3.2 challenge ACK.
  const arb = tcbArb.chain((tcb) => fc.tuple(fc.constantFrom(...states), fc.constant(tcb), fc.nat({ max: profiles.length - 1 }), segmentArb(tcb)));
  let challenged = 0;
  fc.assert(
    fc.property(arb, ([state, tcb, which, segment]) => {
      const p = predict(state, { ...segment, flags: segment.flags | RST }, tcb, profiles[which]);
      if (p.reply) challenged++;
      return p.reply === null || (p.verdict === 'challenge-ack' && p.reply.flags === ACK);
    }),
    { numRuns: 10000 },
  );
  t.ok(challenged > 0, `${challenged} of 10000 random RSTs drew a challenge ACK, none a RST`);
});
