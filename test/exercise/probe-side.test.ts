// The probe's own state, derived from what it sent and received: the client's column of the
// teaching note's figures (SYN-SENT, ESTABLISHED, FIN-WAIT-1/2, TIME-WAIT) and the server's.
import t from 'tap';
import { ProbeSide, type SideSegment } from '../../src/exercise/probe-side.js';
import { ACK, FIN, RST, SYN } from '../../src/packet/types.js';

const X = 0xfffffff0; // our ISN, near the wrap
const Y = 5000; // theirs
const seg = (flags: number, seq: number, ack = 0, len = 0): SideSegment => ({ flags, seq: seq >>> 0, ack: ack >>> 0, len });

t.test('the client of the note: SYN-SENT, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT', async (t) => {
  const p = new ProbeSide();
  t.equal(p.state, 'CLOSED');
  t.equal(p.sent(seg(SYN, X)), 'SYN-SENT');
  t.equal(p.received(seg(SYN | ACK, Y, X + 1)), 'ESTABLISHED', 'the SYN-ACK acknowledging our SYN');
  t.equal(p.sent(seg(ACK, X + 1, Y + 1)), 'ESTABLISHED');
  t.equal(p.sent(seg(ACK, X + 1, Y + 1, 5)), 'ESTABLISHED', 'data');
  t.equal(p.sent(seg(FIN | ACK, X + 6, Y + 1)), 'FIN-WAIT-1');
  t.equal(p.received(seg(ACK, Y + 1, X + 6)), 'FIN-WAIT-1', 'an ACK short of our FIN');
  t.equal(p.received(seg(ACK, Y + 1, X + 7)), 'FIN-WAIT-2', 'our FIN acknowledged (across the 2^32 wrap)');
  t.equal(p.received(seg(FIN | ACK, Y + 1, X + 7)), 'TIME-WAIT', 'their FIN');
  t.equal(p.sent(seg(ACK, X + 7, Y + 2)), 'TIME-WAIT');
});

t.test('the server side: CLOSE-WAIT, LAST-ACK, CLOSED', async (t) => {
  const p = new ProbeSide();
  p.sent(seg(SYN, X));
  p.received(seg(SYN | ACK, Y, X + 1));
  t.equal(p.received(seg(FIN | ACK, Y + 1, X + 1)), 'CLOSE-WAIT', 'their FIN first');
  t.equal(p.sent(seg(FIN | ACK, X + 1, Y + 2)), 'LAST-ACK');
  t.equal(p.received(seg(ACK, Y + 2, X + 2)), 'CLOSED');
});

t.test('FINs crossing: CLOSING, then TIME-WAIT; a FIN+ACK of our FIN goes straight to TIME-WAIT', async (t) => {
  const p = new ProbeSide();
  p.sent(seg(SYN, X));
  p.received(seg(SYN | ACK, Y, X + 1));
  p.sent(seg(FIN | ACK, X + 1, Y + 1));
  t.equal(p.received(seg(FIN | ACK, Y + 1, X + 1)), 'CLOSING');
  t.equal(p.received(seg(ACK, Y + 2, X + 2)), 'TIME-WAIT');
  const q = new ProbeSide();
  q.sent(seg(SYN, X));
  q.received(seg(SYN | ACK, Y, X + 1));
  q.sent(seg(FIN | ACK, X + 1, Y + 1));
  t.equal(q.received(seg(FIN | ACK, Y + 1, X + 2)), 'TIME-WAIT');
});

t.test("accepting the target's active open: LISTEN, SYN-RECEIVED, ESTABLISHED", async (t) => {
  const p = new ProbeSide('LISTEN');
  t.equal(p.received(seg(SYN, Y)), 'SYN-RECEIVED');
  t.equal(p.sent(seg(SYN | ACK, X, Y + 1)), 'SYN-RECEIVED');
  t.equal(p.received(seg(ACK, Y + 1, X)), 'SYN-RECEIVED', 'an ACK that does not cover our SYN');
  t.equal(p.received(seg(ACK, Y + 1, X + 1)), 'ESTABLISHED');
});

t.test('resets, crafted segments and retransmissions', async (t) => {
  const p = new ProbeSide();
  p.sent(seg(SYN, X));
  t.equal(p.received(seg(RST | ACK, 0, X)), 'SYN-SENT', 'a RST not acknowledging our SYN is ignored in SYN-SENT');
  t.equal(p.received(seg(RST | ACK, 0, X + 1)), 'CLOSED', 'one acknowledging it closes');
  const q = new ProbeSide();
  q.sent(seg(SYN, X));
  q.received(seg(SYN | ACK, Y, X + 1));
  t.equal(q.sent(seg(FIN | ACK, X + 100, Y + 1)), 'ESTABLISHED', 'a FIN far from SND.NXT (crafted) changes nothing');
  t.equal(q.received(seg(RST, Y + 100)), 'ESTABLISHED', 'a RST away from RCV.NXT is not acceptable');
  t.equal(q.received(seg(FIN | ACK, Y + 1, X + 1)), 'CLOSE-WAIT');
  t.equal(q.received(seg(FIN | ACK, Y + 1, X + 1)), 'CLOSE-WAIT', 'their FIN again (a retransmission)');
  t.equal(q.sent(seg(RST, X + 1)), 'CLOSED', 'our RST');
});
