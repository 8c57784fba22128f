// gVisor netstack's TIME-WAIT (rcv.go handleTimeWaitSegment) as departures a non-strict
// judgement recognises, and the receive window that may have grown past its last advertisement.
import t from 'tap';
import { gvisorDeviations } from '../../src/fsm/gvisor-departures.js';
import type { Segment, Tcb } from '../../src/fsm/model.js';
import { predict } from '../../src/fsm/oracle.js';
import { type Profile, profiles, rfcProfile } from '../../src/fsm/profiles.js';
import type { TcpState } from '../../src/fsm/states.js';
import { rfcTable } from '../../src/fsm/table.js';
import { add, sub } from '../../src/packet/seq.js';
import { ACK, RST } from '../../src/packet/types.js';
import { RemoteModel } from '../../src/peer/model.js';
import { closeWait, established, finWait1, finWait2, lastAck, seg, timeWait } from './fixtures.js';

const gvisor: Profile = { name: 'gvisor', table: rfcTable, deviations: gvisorDeviations() };

t.test('every departure is documented and graded', async (t) => {
  for (const d of gvisorDeviations()) {
    t.match(d.id, /^gvisor-/, d.id);
    t.match(d.departsFrom, /RFC 9293/, `${d.id}: names the RFC rule it departs from`);
    t.match(d.cite, /pkg\/tcpip\/transport\/tcp\/(rcv|connect)\.go/, `${d.id}: cites netstack's source`);
  }
  t.ok(
    profiles.rfc.knownDepartures?.some((p) => p.name === 'gvisor'),
    'the RFC judgement recognises them',
  );
});

t.test('TIME-WAIT answers as handleTimeWaitSegment() does', async (t) => {
  const { state, tcb } = timeWait();
  const nxt = tcb.rcvNxt;
  const una = tcb.sndNxt;
  const cases: Array<[string, Segment, string | null, string]> = [
    ['FIN without ACK, RCV.NXT-1', seg('F', sub(nxt, 1)), null, 'TIME-WAIT'],
    ['SYN without ACK at RCV.NXT', seg('S', nxt), null, 'TIME-WAIT'],
    ['FIN,ACK at RCV.NXT', seg('F.', nxt, una), null, 'TIME-WAIT'],
    ['SYN,ACK at RCV.NXT', seg('S.', nxt, una), null, 'TIME-WAIT'],
    ['SYN,FIN above RCV.NXT: a new connection', seg('SF', add(nxt, 10)), 'S.', 'SYN-RECEIVED'],
  ];
  for (const [what, s, reply, next] of cases) {
    const p = predict(state, s, tcb, gvisor);
    t.match(p.deviation, /^gvisor-time-wait-/, `${what}: a gVisor departure`);
    t.equal(p.reply ? (p.reply.flags === 0x12 ? 'S.' : String(p.reply.flags)) : null, reply, `${what}: answer`);
    t.equal(p.next, next, `${what}: next state`);
  }
  // The peer's FIN again (FIN,ACK at RCV.NXT-1), data, a RST: netstack answers as the RFC (or RFC 1337) does.
  for (const [what, s] of [
    ["the peer's FIN again", seg('F.', sub(nxt, 1), una)],
    ['data at RCV.NXT', seg('P.', nxt, una, 10)],
    ['a RST', seg('R', nxt)],
  ] as const)
    t.equal(predict(state, s, tcb, gvisor).deviation, undefined, `${what}: no gVisor departure`);
});

t.test('closing states answer as handleRcvdSegmentClosing() does', async (t) => {
  const orphan = (f: { state: string; tcb: Tcb }) => ({ state: f.state as TcpState, tcb: { ...f.tcb, orphaned: true } });
  const cases: Array<[string, { state: TcpState; tcb: Tcb }, (tcb: Tcb) => Segment, string, string | null, string]> = [
    ['LAST-ACK: an ACK beyond RCV.NXT', lastAck(), (b) => seg('.', add(b.rcvNxt, 10), b.sndNxt), 'gvisor-after-fin-beyond-dropped', null, 'LAST-ACK'],
    ['CLOSE-WAIT: data beyond RCV.NXT', closeWait(), (b) => seg('P.', add(b.rcvNxt, 10), b.sndNxt, 5), 'gvisor-after-fin-beyond-dropped', null, 'CLOSE-WAIT'],
    ['FIN-WAIT-2 after close(): data', orphan(finWait2()), (b) => seg('P.', b.rcvNxt, b.sndNxt, 5), 'gvisor-closed-data-reset', 'R.', 'CLOSED'],
    [
      'FIN-WAIT-1 after close(): a bare ACK beyond RCV.NXT',
      orphan(finWait1()),
      (b) => seg('.', add(b.rcvNxt, 3), b.sndNxt),
      'gvisor-closed-data-reset',
      'R.',
      'CLOSED',
    ],
    ['LAST-ACK: data at RCV.NXT', lastAck(), (b) => seg('P.', b.rcvNxt, b.sndNxt, 5), 'gvisor-after-fin-data-reset', 'R.', 'CLOSED'],
    ['FIN-WAIT-2: a FIN without ACK, left of the window', finWait2(), (b) => seg('F', sub(b.rcvNxt, 1)), 'gvisor-no-ack-dropped', null, 'FIN-WAIT-2'],
    [
      'ESTABLISHED: a FIN whose ACK is beyond SND.NXT',
      established(),
      (b) => seg('F.', b.rcvNxt, add(b.sndNxt, 1)),
      'gvisor-ack-unsent-ignored',
      '16',
      'CLOSE-WAIT',
    ],
  ];
  for (const [what, f, make, id, reply, next] of cases) {
    const p = predict(f.state, make(f.tcb), f.tcb, gvisor);
    t.equal(p.deviation, id, `${what}: ${id}`);
    t.equal(p.reply ? (p.reply.flags === (RST | ACK) ? 'R.' : String(p.reply.flags)) : null, reply, `${what}: answer${reply === '16' ? ' (an ACK)' : ''}`);
    t.equal(p.next, next, `${what}: next state`);
  }
  // The application still holds the connection: FIN-WAIT-2 takes data as the RFC says.
  const open = finWait2();
  t.equal(
    predict(open.state, seg('P.', open.tcb.rcvNxt, open.tcb.sndNxt, 5), open.tcb, gvisor).deviation,
    undefined,
    'FIN-WAIT-2 before close(): no departure',
  );
});

t.test('a segment at the advertised right edge: a receiver whose window grew may take it (a choice)', async (t) => {
  const { state, tcb } = established();
  const edge = add(tcb.rcvNxt, tcb.rcvWnd);
  const rst = { flags: 0x04, seq: edge, ack: 0, window: 0, srcPort: 1, dstPort: 2, options: [] };
  const judged = new RemoteModel(state, tcb, profiles.rfc);
  const p = judged.arrive(rst);
  t.equal(p.next, 'ESTABLISHED', 'by the window last advertised the RST is outside it: dropped');
  // netstack (no RFC 5961, a grown window) reset: followed, graded as the choices it made.
  const f = judged.followState('CLOSED');
  t.match(f, { level: 'choice', requirement: 'MAY-12', departure: /RCV\.NXT\+RCV\.WND is outside the window last advertised .*RFC 5961 3\.2/ });
  t.equal(judged.state, 'CLOSED');
  // A strict profile (the Linux lab) predicts one stack exactly: no such path.
  const strict = new RemoteModel(state, tcb, { ...rfcProfile, strict: true });
  strict.arrive(rst);
  t.equal(strict.followState('CLOSED'), undefined, 'strict: nothing to follow');
  // One byte inside the right edge is inside the advertised window already: no alternative is added.
  const inside = new RemoteModel(state, tcb, profiles.rfc);
  inside.arrive({ ...rst, seq: sub(edge, 1) });
  t.match(inside.followState('CLOSED'), { departure: /^RFC 9293 3\.10\.7\.4 \(second\) \/ RFC 5961 3\.2/ }, 'only the RFC 793 departure');
});
