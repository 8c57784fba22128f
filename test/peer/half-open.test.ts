// A remote ESTABLISHED cell whose answer is SYN-RECEIVED's: the server had not taken our ACK of
// its SYN (a full accept queue drops it), so the cell is inconclusive, not the server's failure.
import t from 'tap';
import { profiles, rfcProfile, type Tcb } from '../../src/fsm/index.js';
import { ACK, RST, SYN } from '../../src/packet/types.js';
import { halfOpenAnswer } from '../../src/peer/half-open.js';

// The server's TCB after our handshake: its ISS 100 acknowledged, ours 1000.
const tcb: Tcb = { iss: 100, irs: 999, sndUna: 101, sndNxt: 101, sndWnd: 65535, rcvNxt: 1000, rcvWnd: 64240, passiveOpen: true };
const synAckAtRightEdge = { segment: { flags: SYN | ACK, seq: 1000 + 64239, ack: 101, len: 0 }, tcb };
const ackBeyondSndNxt = { segment: { flags: ACK, seq: 1000, ack: 102, len: 0 }, tcb };
const answer = (flags: number) => ({ flags, seq: 0, ack: 0, window: 0, payload: Buffer.alloc(0), options: [] });

t.test('a RST to an in-window SYN,ACK is what Linux answers in SYN-RECEIVED, not in ESTABLISHED', async (t) => {
  t.match(halfOpenAnswer(synAckAtRightEdge, answer(RST), profiles.linux), /SYN-RECEIVED answers an in-window SYN with a RST/);
  t.match(halfOpenAnswer(synAckAtRightEdge, answer(RST), profiles.rfc), /SYN-RECEIVED/, 'the rfc profile finds it among the known stacks');
  t.equal(halfOpenAnswer(synAckAtRightEdge, answer(RST), rfcProfile), undefined, 'by the RFC alone SYN-RECEIVED drops it: no reading');
});

t.test("a RST to an ACK of something not yet sent is SYN-RECEIVED's by the RFC (3.10.7.4, fifth)", async (t) => {
  t.match(halfOpenAnswer(ackBeyondSndNxt, answer(RST), rfcProfile), /SYN-RECEIVED|RST/);
  t.equal(halfOpenAnswer(ackBeyondSndNxt, answer(RST | ACK), rfcProfile), undefined, "the reset's flags must be SYN-RECEIVED's too");
});

t.test("ESTABLISHED's own answers, silence and junk are not read as half-open", async (t) => {
  t.equal(halfOpenAnswer(synAckAtRightEdge, answer(ACK), profiles.rfc), undefined, 'a challenge ACK');
  t.equal(halfOpenAnswer(ackBeyondSndNxt, answer(ACK), profiles.rfc), undefined, 'an ACK to an ACK beyond SND.NXT');
  t.equal(halfOpenAnswer(synAckAtRightEdge, undefined, profiles.rfc), undefined, 'no answer');
  t.equal(halfOpenAnswer(synAckAtRightEdge, 'R', profiles.rfc), undefined, 'not a segment');
});
