// Fixtures that compose, smoltcp style: each state is reached from the one before through the
// oracle itself, so the TCB values in a test are the ones the RFC arithmetic produces.

import type { Segment, Tcb } from '../../src/fsm/model.js';
import { predict, predictEvent } from '../../src/fsm/oracle.js';
import type { TcpState } from '../../src/fsm/states.js';
import { parseFlags } from '../../src/packet/flags.js';
import { add } from '../../src/packet/seq.js';

/** The remote's initial send sequence number, and ours (the prober's). */
export const REMOTE_ISS = 1000;
export const LOCAL_ISS = 5000;
export const WINDOW = 64240;

/** A segment from tcpdump flags: seg('S', LOCAL_ISS), seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1). */
export function seg(flags: string, seq: number, ack = 0, len = 0): Segment {
  return { flags: parseFlags(flags), seq: seq >>> 0, ack: ack >>> 0, len };
}

export interface Fixture {
  state: TcpState;
  tcb: Tcb;
}

function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`fixture step failed: ${what}`);
  return value;
}

export function closed(iss = REMOTE_ISS): Fixture {
  return {
    state: 'CLOSED',
    tcb: { iss, irs: 0, sndUna: iss, sndNxt: iss, sndWnd: WINDOW, rcvNxt: 0, rcvWnd: WINDOW },
  };
}

export function listen(iss = REMOTE_ISS): Fixture {
  const e = must(predictEvent('CLOSED', 'passive-open', closed(iss).tcb), 'passive open');
  return { state: e.next, tcb: e.tcb };
}

/** The remote listened and got our SYN (LOCAL_ISS). */
export function synReceived(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const p = predict('LISTEN', seg('S', irs), listen(iss).tcb);
  return { state: p.next, tcb: p.tcb };
}

/** Then our ACK of its SYN: SEQ = LOCAL_ISS + 1 (our SYN), ACK = REMOTE_ISS + 1 (its SYN). */
export function established(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = synReceived(iss, irs);
  const p = predict(before.state, seg('.', add(irs, 1), add(iss, 1)), before.tcb);
  return { state: p.next, tcb: p.tcb };
}

/** The remote actively opened (sent SYN with ISS). */
export function synSent(iss = REMOTE_ISS): Fixture {
  const e = must(predictEvent('CLOSED', 'active-open', closed(iss).tcb), 'active open');
  return { state: e.next, tcb: e.tcb };
}

/** The remote's user called CLOSE in ESTABLISHED: its FIN is at REMOTE_ISS + 1. */
export function finWait1(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = established(iss, irs);
  const e = must(predictEvent(before.state, 'close', before.tcb), 'close');
  return { state: e.next, tcb: e.tcb };
}

/** We ACKed its FIN: ACK = REMOTE_ISS + 1 + 1 (SYN, then FIN). */
export function finWait2(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = finWait1(iss, irs);
  const p = predict(before.state, seg('.', add(irs, 1), add(iss, 1 + 1)), before.tcb);
  return { state: p.next, tcb: p.tcb };
}

/** We sent our FIN at LOCAL_ISS + 1 while it sat in ESTABLISHED. */
export function closeWait(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = established(iss, irs);
  const p = predict(before.state, seg('F.', add(irs, 1), add(iss, 1)), before.tcb);
  return { state: p.next, tcb: p.tcb };
}

export function lastAck(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = closeWait(iss, irs);
  const e = must(predictEvent(before.state, 'close', before.tcb), 'close');
  return { state: e.next, tcb: e.tcb };
}

/** Simultaneous close: our FIN crosses its FIN (it does not acknowledge the remote's FIN). */
export function closing(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = finWait1(iss, irs);
  const p = predict(before.state, seg('F.', add(irs, 1), add(iss, 1)), before.tcb);
  return { state: p.next, tcb: p.tcb };
}

/** FIN-WAIT-2, then our FIN at LOCAL_ISS + 1. */
export function timeWait(iss = REMOTE_ISS, irs = LOCAL_ISS): Fixture {
  const before = finWait2(iss, irs);
  const p = predict(before.state, seg('F.', add(irs, 1), add(iss, 1 + 1)), before.tcb);
  return { state: p.next, tcb: p.tcb };
}
