// The RFC 9293 state machine as data: one row per (state, event) with where it goes, what it sends
// and the section that says so. The oracle (rfc.ts) decides *which* event an arriving segment is,
// following the check order of 3.10.7; the row then decides the next state and the answer. The same
// rows draw the diagram (dot.ts). Rows are plain data so a test can mutate one and watch the
// oracle's answers change in exactly the cells that row governs.

import type { Verdict } from './model.js';
import { otherStates, synchronizedStates, type TcpState } from './states.js';
import type { SegmentTemplate } from './template.js';

export type UserCall = 'passive-open' | 'active-open' | 'send' | 'close' | 'abort';
export type TimeoutEvent = 'timeout-retransmission-exhausted' | 'timeout-user' | 'timeout-2msl' | 'timeout-fin-wait-2';
export type SegmentEvent =
  | 'rcv-rst'
  | 'rcv-with-ack'
  | 'rcv-without-ack'
  | 'rcv-syn'
  | 'rcv-other'
  | 'rcv-unacceptable-ack'
  | 'rcv-rst-unacceptable-ack'
  | 'rcv-rst-without-ack'
  | 'rcv-syn-ack'
  | 'rcv-unacceptable'
  | 'rcv-rst-outside-window'
  | 'rcv-rst-in-window'
  | 'rcv-rst-after-passive-open'
  | 'rcv-rst-after-active-open'
  | 'rcv-syn-after-passive-open'
  | 'rcv-ack-too-old'
  | 'rcv-ack-unsent'
  | 'rcv-ack-of-syn'
  | 'rcv-ack'
  | 'rcv-ack-of-fin'
  | 'rcv-fin-ack-of-fin'
  | 'rcv-data'
  | 'rcv-out-of-order'
  | 'rcv-text-after-fin'
  | 'rcv-fin';
export type EventName = UserCall | TimeoutEvent | SegmentEvent;

export type Timer = 'start-2msl' | 'restart-2msl';

export interface Transition {
  /** stable id, used by ruleIds, coverage marks and reports */
  id: string;
  from: TcpState | readonly TcpState[];
  on: EventName;
  /** 'same': the state does not change */
  to: TcpState | 'same';
  /** segments sent, symbolic; evaluated after the row's own variable updates */
  emits: readonly SegmentTemplate[];
  /** segment rows: how the arrival is classified */
  verdict?: Verdict;
  /** segment rows: the RFC says "and return" — nothing further in the segment is processed */
  stop?: boolean;
  timers?: readonly Timer[];
  /** the RFC leaves this to the implementation (e.g. the FIN-WAIT-2 timeout) */
  implementationDefined?: boolean;
  rfc: string;
  /** short English reason, quoted in predictions */
  note: string;
}

const ACK_NOW: SegmentTemplate = { flags: '.', seq: 'SND.NXT', ack: 'RCV.NXT' };
const FIN_ACK: SegmentTemplate = { flags: 'F.', seq: 'SND.NXT', ack: 'RCV.NXT' };
const RST_FROM_ACK: SegmentTemplate = { flags: 'R', seq: 'SEG.ACK' };
const RST_ACK_ZERO: SegmentTemplate = { flags: 'R.', seq: '0', ack: 'SEG.SEQ+SEG.LEN' };

// 3.10.7.4's "Other States", and the synchronized ones among them (3.5.2 group 3).
const SYNC_AND_SYN_RECEIVED = otherStates;
const SYNC = synchronizedStates;

export const rfcTable: readonly Transition[] = [
  // ---------------------------------------------------------------- user calls (3.10.1 - 3.10.5)

  // A passive OPEN creates a TCB and waits for a SYN from anyone.
  {
    id: 'closed-passive-open',
    from: 'CLOSED',
    on: 'passive-open',
    to: 'LISTEN',
    emits: [],
    rfc: 'RFC 9293 3.10.1',
    note: 'passive OPEN: create TCB, wait for a SYN',
  },
  // An active OPEN picks an ISS and sends <SEQ=ISS><CTL=SYN>; SND.UNA=ISS, SND.NXT=ISS+1.
  {
    id: 'closed-active-open',
    from: 'CLOSED',
    on: 'active-open',
    to: 'SYN-SENT',
    emits: [{ flags: 'S', seq: 'ISS' }],
    rfc: 'RFC 9293 3.10.1',
    note: 'active OPEN: send SYN',
  },
  // An active OPEN on a listening TCB turns it active and sends a SYN.
  {
    id: 'listen-active-open',
    from: 'LISTEN',
    on: 'active-open',
    to: 'SYN-SENT',
    emits: [{ flags: 'S', seq: 'ISS' }],
    rfc: 'RFC 9293 3.10.1',
    note: 'active OPEN on a listening TCB: send SYN',
  },
  // SEND on a listening TCB with the remote socket known also turns it active (the diagram's SEND).
  {
    id: 'listen-send',
    from: 'LISTEN',
    on: 'send',
    to: 'SYN-SENT',
    emits: [{ flags: 'S', seq: 'ISS' }],
    rfc: 'RFC 9293 3.10.2',
    note: 'SEND on a listening TCB: send SYN, queue the data',
  },
  // SEND in a state that may send data: the data goes out with RCV.NXT piggybacked.
  {
    id: 'send-data',
    from: ['ESTABLISHED', 'CLOSE-WAIT'],
    on: 'send',
    to: 'same',
    emits: [{ flags: 'P.', seq: 'SND.NXT', ack: 'RCV.NXT' }],
    rfc: 'RFC 9293 3.10.2',
    note: 'SEND: segmentize and send with ACK=RCV.NXT',
  },
  // CLOSE of a TCB that never connected just deletes it.
  {
    id: 'close-unconnected',
    from: ['LISTEN', 'SYN-SENT'],
    on: 'close',
    to: 'CLOSED',
    emits: [],
    rfc: 'RFC 9293 3.10.4',
    note: 'CLOSE before synchronization: delete the TCB',
  },
  // CLOSE in SYN-RECEIVED or ESTABLISHED sends our FIN (after queued data) and waits for its ACK.
  {
    id: 'close-send-fin',
    from: ['SYN-RECEIVED', 'ESTABLISHED'],
    on: 'close',
    to: 'FIN-WAIT-1',
    emits: [FIN_ACK],
    rfc: 'RFC 9293 3.10.4',
    note: 'CLOSE: send FIN, enter FIN-WAIT-1',
  },
  // CLOSE after the peer's FIN sends ours; only its ACK is then awaited.
  {
    id: 'close-wait-close',
    from: 'CLOSE-WAIT',
    on: 'close',
    to: 'LAST-ACK',
    emits: [FIN_ACK],
    rfc: 'RFC 9293 3.10.4',
    note: 'CLOSE in CLOSE-WAIT: send FIN, enter LAST-ACK',
  },
  // ABORT before synchronization: nothing to tell the peer.
  {
    id: 'abort-unconnected',
    from: ['LISTEN', 'SYN-SENT'],
    on: 'abort',
    to: 'CLOSED',
    emits: [],
    rfc: 'RFC 9293 3.10.5',
    note: 'ABORT before synchronization: delete the TCB',
  },
  // ABORT while the peer may still send: <SEQ=SND.NXT><CTL=RST>, flush, delete the TCB.
  // (Linux sends RST|ACK with ACK=RCV.NXT here, tcp_send_active_reset(); same sequence number.)
  {
    id: 'abort-send-rst',
    from: ['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'],
    on: 'abort',
    to: 'CLOSED',
    emits: [{ flags: 'R', seq: 'SND.NXT' }],
    rfc: 'RFC 9293 3.10.5',
    note: 'ABORT: send RST, delete the TCB',
  },
  // ABORT once both FINs are out: just delete the TCB.
  {
    id: 'abort-closing',
    from: ['CLOSING', 'LAST-ACK', 'TIME-WAIT'],
    on: 'abort',
    to: 'CLOSED',
    emits: [],
    rfc: 'RFC 9293 3.10.5',
    note: 'ABORT after both FINs: delete the TCB',
  },

  // ---------------------------------------------------------------- timeouts (3.10.8, 3.8.3)

  // TIME-WAIT ends after 2 MSL: delete the TCB (Linux: a fixed 60 s, TCP_TIMEWAIT_LEN).
  { id: 'time-wait-2msl', from: 'TIME-WAIT', on: 'timeout-2msl', to: 'CLOSED', emits: [], rfc: 'RFC 9293 3.10.8', note: 'TIME-WAIT timeout: delete the TCB' },
  // Excessive retransmission (threshold R2) closes the connection; no segment is prescribed.
  {
    id: 'retransmission-exhausted',
    from: ['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'],
    on: 'timeout-retransmission-exhausted',
    to: 'CLOSED',
    emits: [],
    rfc: 'RFC 9293 3.8.3',
    note: 'retransmissions reached R2: close the connection',
  },
  // The user timeout aborts the connection in any state with a TCB.
  {
    id: 'user-timeout',
    from: ['LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT'],
    on: 'timeout-user',
    to: 'CLOSED',
    emits: [],
    rfc: 'RFC 9293 3.10.8',
    note: 'user timeout: flush queues, delete the TCB',
  },
  // FIN-WAIT-2 can last forever by the RFC; a timeout here is an implementation matter
  // (Linux: tcp_fin_timeout, only for orphaned sockets).
  {
    id: 'fin-wait-2-timeout',
    from: 'FIN-WAIT-2',
    on: 'timeout-fin-wait-2',
    to: 'CLOSED',
    emits: [],
    implementationDefined: true,
    rfc: 'RFC 9293 3.6 (no timeout specified)',
    note: 'FIN-WAIT-2 timeout (implementation-defined)',
  },

  // ---------------------------------------------------------------- CLOSED (3.10.7.1)

  // No TCB: an incoming RST is discarded.
  {
    id: 'closed-rcv-rst',
    from: 'CLOSED',
    on: 'rcv-rst',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.1',
    note: 'no connection: a RST is discarded',
  },
  // No TCB, ACK bit on: the reset takes its sequence number from the ACK field.
  {
    id: 'closed-rcv-with-ack',
    from: 'CLOSED',
    on: 'rcv-with-ack',
    to: 'same',
    emits: [RST_FROM_ACK],
    verdict: 'rst',
    stop: true,
    rfc: 'RFC 9293 3.10.7.1',
    note: 'no connection: RST with SEQ=SEG.ACK',
  },
  // No TCB, ACK bit off: sequence zero, ACK = SEG.SEQ+SEG.LEN (SYN and FIN count in SEG.LEN).
  {
    id: 'closed-rcv-without-ack',
    from: 'CLOSED',
    on: 'rcv-without-ack',
    to: 'same',
    emits: [RST_ACK_ZERO],
    verdict: 'rst',
    stop: true,
    rfc: 'RFC 9293 3.10.7.1',
    note: 'no connection: RST,ACK with SEQ=0 ACK=SEG.SEQ+SEG.LEN',
  },

  // ---------------------------------------------------------------- LISTEN (3.10.7.2)

  // First, a RST could not be for anything this incarnation sent: ignore it.
  {
    id: 'listen-rcv-rst',
    from: 'LISTEN',
    on: 'rcv-rst',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.2',
    note: 'LISTEN ignores a RST',
  },
  // Second, any ACK is bad on a listening connection: <SEQ=SEG.ACK><CTL=RST>.
  {
    id: 'listen-rcv-with-ack',
    from: 'LISTEN',
    on: 'rcv-with-ack',
    to: 'same',
    emits: [RST_FROM_ACK],
    verdict: 'rst',
    stop: true,
    rfc: 'RFC 9293 3.10.7.2',
    note: 'LISTEN answers any ACK with RST SEQ=SEG.ACK',
  },
  // Third, a SYN: RCV.NXT=SEG.SEQ+1, IRS=SEG.SEQ, pick ISS, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
  // The listener's ISS is chosen now, so the prober cannot know the SYN-ACK's sequence number.
  {
    id: 'listen-rcv-syn',
    from: 'LISTEN',
    on: 'rcv-syn',
    to: 'SYN-RECEIVED',
    emits: [{ flags: 'S.', seq: 'ISS', ack: 'RCV.NXT', unknown: ['seq'] }],
    verdict: 'syn-ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.2',
    note: 'SYN on LISTEN: send SYN,ACK, enter SYN-RECEIVED',
  },
  // Fourth, anything else (no SYN, no ACK, no RST) should not happen: drop it.
  {
    id: 'listen-rcv-other',
    from: 'LISTEN',
    on: 'rcv-other',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.2',
    note: 'LISTEN drops other segments',
  },

  // ---------------------------------------------------------------- SYN-SENT (3.10.7.3)

  // An ACK outside ISS < SEG.ACK =< SND.NXT acknowledges nothing we sent: reset it.
  {
    id: 'syn-sent-rcv-unacceptable-ack',
    from: 'SYN-SENT',
    on: 'rcv-unacceptable-ack',
    to: 'same',
    emits: [RST_FROM_ACK],
    verdict: 'rst',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT: unacceptable ACK, send RST SEQ=SEG.ACK',
  },
  // ... unless it is itself a RST: drop it.
  {
    id: 'syn-sent-rcv-rst-unacceptable-ack',
    from: 'SYN-SENT',
    on: 'rcv-rst-unacceptable-ack',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT: RST with unacceptable ACK is dropped',
  },
  // A RST whose ACK acknowledges our SYN refuses the connection.
  {
    id: 'syn-sent-rcv-rst',
    from: 'SYN-SENT',
    on: 'rcv-rst',
    to: 'CLOSED',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT: RST acknowledging our SYN, connection refused',
  },
  // A RST without ACK cannot be tied to our SYN: drop it.
  {
    id: 'syn-sent-rcv-rst-without-ack',
    from: 'SYN-SENT',
    on: 'rcv-rst-without-ack',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT: RST without ACK is dropped',
  },
  // SYN with an ACK of our SYN: RCV.NXT=SEG.SEQ+1, SND.UNA=SEG.ACK, ESTABLISHED, send the ACK.
  // Text or FIN riding on the SYN,ACK continue at the sixth step of 3.10.7.4.
  {
    id: 'syn-sent-rcv-syn-ack',
    from: 'SYN-SENT',
    on: 'rcv-syn-ack',
    to: 'ESTABLISHED',
    emits: [ACK_NOW],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT: SYN,ACK of our SYN, send ACK, ESTABLISHED',
  },
  // A SYN without ACK while our own SYN is out: simultaneous open (Figure 7), send SYN,ACK.
  {
    id: 'syn-sent-rcv-syn',
    from: 'SYN-SENT',
    on: 'rcv-syn',
    to: 'SYN-RECEIVED',
    emits: [{ flags: 'S.', seq: 'ISS', ack: 'RCV.NXT' }],
    verdict: 'syn-ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3 / 3.5',
    note: 'simultaneous open: send SYN,ACK, enter SYN-RECEIVED',
  },
  // Neither SYN nor RST: drop.
  {
    id: 'syn-sent-rcv-other',
    from: 'SYN-SENT',
    on: 'rcv-other',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.3',
    note: 'SYN-SENT drops segments without SYN or RST',
  },

  // ---------------------------------------------------------------- other states (3.10.7.4)

  // First: the acceptability test (Table 6) fails. Answer <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  // and drop; in the synchronized states this is also 3.5.2 group 3.
  {
    id: 'rcv-unacceptable',
    from: SYNC_AND_SYN_RECEIVED,
    on: 'rcv-unacceptable',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (first)',
    note: 'sequence number not acceptable: send ACK, drop',
  },
  // First, with RST: an unacceptable RST is dropped silently (also RFC 5961 3.2 step 1).
  {
    id: 'rcv-rst-outside-window',
    from: SYNC_AND_SYN_RECEIVED,
    on: 'rcv-rst-outside-window',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (first, second) / RFC 5961 3.2',
    note: 'RST outside the window: drop silently',
  },
  // Second: a RST in the window but not exactly at RCV.NXT gets a challenge ACK (RFC 5961 3.2).
  {
    id: 'rcv-rst-in-window',
    from: SYNC_AND_SYN_RECEIVED,
    on: 'rcv-rst-in-window',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'challenge-ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2',
    note: 'RST in window but not at RCV.NXT: challenge ACK',
  },
  // Second, RST at RCV.NXT in SYN-RECEIVED reached from LISTEN: back to LISTEN, user not told.
  {
    id: 'syn-received-rcv-rst-passive',
    from: 'SYN-RECEIVED',
    on: 'rcv-rst-after-passive-open',
    to: 'LISTEN',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second)',
    note: 'RST in passive SYN-RECEIVED: return to LISTEN',
  },
  // Second, RST at RCV.NXT in SYN-RECEIVED reached from SYN-SENT: connection refused.
  {
    id: 'syn-received-rcv-rst-active',
    from: 'SYN-RECEIVED',
    on: 'rcv-rst-after-active-open',
    to: 'CLOSED',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second)',
    note: 'RST in active SYN-RECEIVED: connection refused, CLOSED',
  },
  // Second, RST at RCV.NXT while data may flow: reset the user, flush, CLOSED.
  {
    id: 'rcv-rst-reset',
    from: ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'],
    on: 'rcv-rst',
    to: 'CLOSED',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2',
    note: 'RST at RCV.NXT: connection reset, CLOSED',
  },
  // Second, RST at RCV.NXT after both FINs: delete the TCB.
  {
    id: 'rcv-rst-closing',
    from: ['CLOSING', 'LAST-ACK'],
    on: 'rcv-rst',
    to: 'CLOSED',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second)',
    note: 'RST at RCV.NXT while closing: CLOSED',
  },
  // Second, RST at RCV.NXT in TIME-WAIT: the RFC closes (RFC 1337 calls this TIME-WAIT
  // assassination and suggests ignoring it; Linux does so only with tcp_rfc1337=1).
  {
    id: 'time-wait-rcv-rst',
    from: 'TIME-WAIT',
    on: 'rcv-rst',
    to: 'CLOSED',
    emits: [],
    verdict: 'reset',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (second)',
    note: 'RST at RCV.NXT in TIME-WAIT: CLOSED',
  },
  // Fourth, SYN in SYN-RECEIVED reached from LISTEN: return to LISTEN (nothing is sent).
  {
    id: 'syn-received-rcv-syn-passive',
    from: 'SYN-RECEIVED',
    on: 'rcv-syn-after-passive-open',
    to: 'LISTEN',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fourth)',
    note: 'SYN in passive SYN-RECEIVED: return to LISTEN',
  },
  // Fourth, SYN in a synchronized state (or active SYN-RECEIVED), whatever its sequence number:
  // challenge ACK and drop (RFC 5961 4.2 replaces RFC 793's reset).
  {
    id: 'rcv-syn-challenge',
    from: SYNC_AND_SYN_RECEIVED,
    on: 'rcv-syn',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'challenge-ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2',
    note: 'SYN in a synchronized state: challenge ACK',
  },
  // Fifth, ACK bit off: drop.
  {
    id: 'rcv-without-ack',
    from: SYNC_AND_SYN_RECEIVED,
    on: 'rcv-without-ack',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'ACK bit off: drop',
  },
  // Fifth, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT acknowledges our SYN: ESTABLISHED, continue.
  {
    id: 'syn-received-rcv-ack-of-syn',
    from: 'SYN-RECEIVED',
    on: 'rcv-ack-of-syn',
    to: 'ESTABLISHED',
    emits: [],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'ACK of our SYN: ESTABLISHED',
  },
  // Fifth, SYN-RECEIVED: any other ACK value gets <SEQ=SEG.ACK><CTL=RST>; state unchanged (3.5.2 group 2).
  {
    id: 'syn-received-rcv-unacceptable-ack',
    from: 'SYN-RECEIVED',
    on: 'rcv-unacceptable-ack',
    to: 'same',
    emits: [RST_FROM_ACK],
    verdict: 'rst',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth) / 3.5.2',
    note: 'SYN-RECEIVED: unacceptable ACK, send RST SEQ=SEG.ACK',
  },
  // Fifth, RFC 5961 5.2: SEG.ACK below SND.UNA-MAX.SND.WND is blind injection: ACK and drop.
  {
    id: 'rcv-ack-too-old',
    from: SYNC,
    on: 'rcv-ack-too-old',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth) / RFC 5961 5.2',
    note: 'SEG.ACK below SND.UNA-MAX.SND.WND: send ACK, drop',
  },
  // Fifth, an ACK of something not yet sent (SEG.ACK > SND.NXT): send ACK, drop, return.
  {
    id: 'rcv-ack-unsent',
    from: SYNC,
    on: 'rcv-ack-unsent',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'ack',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth) / RFC 5961 5.2',
    note: 'SEG.ACK above SND.NXT: send ACK, drop',
  },
  // Fifth, an acceptable ACK: SND.UNA advances, window updates, processing continues.
  {
    id: 'rcv-ack',
    from: ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'LAST-ACK'],
    on: 'rcv-ack',
    to: 'same',
    emits: [],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'acceptable ACK: advance SND.UNA',
  },
  // Fifth, FIN-WAIT-1: our FIN is now acknowledged: FIN-WAIT-2, continue.
  {
    id: 'fin-wait-1-rcv-ack-of-fin',
    from: 'FIN-WAIT-1',
    on: 'rcv-ack-of-fin',
    to: 'FIN-WAIT-2',
    emits: [],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'ACK of our FIN in FIN-WAIT-1: FIN-WAIT-2',
  },
  // Fifth, CLOSING: the ACK of our FIN completes a simultaneous close (Figure 13): TIME-WAIT.
  {
    id: 'closing-rcv-ack-of-fin',
    from: 'CLOSING',
    on: 'rcv-ack-of-fin',
    to: 'TIME-WAIT',
    emits: [],
    verdict: 'accept',
    timers: ['start-2msl'],
    rfc: 'RFC 9293 3.10.7.4 (fifth) / 3.6',
    note: 'ACK of our FIN in CLOSING: TIME-WAIT',
  },
  // Fifth, CLOSING: any other ACK: ignore the segment.
  {
    id: 'closing-rcv-ack',
    from: 'CLOSING',
    on: 'rcv-ack',
    to: 'same',
    emits: [],
    verdict: 'drop',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'CLOSING: ACK not of our FIN, ignore the segment',
  },
  // Fifth, LAST-ACK: our FIN is acknowledged: delete the TCB, CLOSED, return.
  {
    id: 'last-ack-rcv-ack-of-fin',
    from: 'LAST-ACK',
    on: 'rcv-ack-of-fin',
    to: 'CLOSED',
    emits: [],
    verdict: 'accept',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'ACK of our FIN in LAST-ACK: CLOSED',
  },
  // Fifth, TIME-WAIT: only a retransmitted FIN should arrive; acknowledge it, restart 2 MSL.
  {
    id: 'time-wait-rcv-ack',
    from: 'TIME-WAIT',
    on: 'rcv-ack',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'accept',
    timers: ['restart-2msl'],
    rfc: 'RFC 9293 3.10.7.4 (fifth)',
    note: 'TIME-WAIT: acknowledge, restart the 2 MSL timer',
  },
  // Seventh, in-order text while we may receive: advance RCV.NXT, acknowledge.
  {
    id: 'rcv-data',
    from: ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'],
    on: 'rcv-data',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (seventh)',
    note: 'in-order data: advance RCV.NXT, send ACK',
  },
  // Seventh, text (or FIN) in the window but beyond RCV.NXT: hold it (SHLD-31) and send a
  // duplicate ACK of RCV.NXT (MAY-13; RFC 5681 4.2 asks for it immediately).
  {
    id: 'rcv-out-of-order',
    from: ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'],
    on: 'rcv-out-of-order',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'accept',
    stop: true,
    rfc: 'RFC 9293 3.10.7.4 (seventh) MAY-13',
    note: 'out-of-order in window: hold, duplicate ACK',
  },
  // Seventh, text after the peer's FIN "should not occur": ignore it.
  {
    id: 'rcv-text-after-fin',
    from: ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT'],
    on: 'rcv-text-after-fin',
    to: 'same',
    emits: [],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (seventh)',
    note: 'text after the peer FIN: ignored',
  },
  // Eighth, FIN in ESTABLISHED (SYN-RECEIVED got here through the ACK step): advance RCV.NXT over
  // the FIN, ACK it, CLOSE-WAIT.
  {
    id: 'established-rcv-fin',
    from: 'ESTABLISHED',
    on: 'rcv-fin',
    to: 'CLOSE-WAIT',
    emits: [ACK_NOW],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (eighth)',
    note: 'FIN: ACK it, enter CLOSE-WAIT',
  },
  // Eighth, FIN in FIN-WAIT-1 before our FIN is acknowledged: simultaneous close, CLOSING.
  {
    id: 'fin-wait-1-rcv-fin',
    from: 'FIN-WAIT-1',
    on: 'rcv-fin',
    to: 'CLOSING',
    emits: [ACK_NOW],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (eighth) / 3.6',
    note: 'FIN in FIN-WAIT-1: ACK it, enter CLOSING',
  },
  // Eighth, FIN that also acknowledges our FIN (Figure 5 note 2): straight to TIME-WAIT.
  {
    id: 'fin-wait-1-rcv-fin-ack-of-fin',
    from: 'FIN-WAIT-1',
    on: 'rcv-fin-ack-of-fin',
    to: 'TIME-WAIT',
    emits: [ACK_NOW],
    verdict: 'accept',
    timers: ['start-2msl'],
    rfc: 'RFC 9293 3.10.7.4 (eighth)',
    note: 'FIN acking our FIN in FIN-WAIT-1: ACK it, TIME-WAIT',
  },
  // Eighth, FIN in FIN-WAIT-2: ACK it, TIME-WAIT, start the time-wait timer.
  {
    id: 'fin-wait-2-rcv-fin',
    from: 'FIN-WAIT-2',
    on: 'rcv-fin',
    to: 'TIME-WAIT',
    emits: [ACK_NOW],
    verdict: 'accept',
    timers: ['start-2msl'],
    rfc: 'RFC 9293 3.10.7.4 (eighth)',
    note: 'FIN in FIN-WAIT-2: ACK it, enter TIME-WAIT',
  },
  // Eighth, another FIN after the peer's FIN: RCV.NXT advances over it, ACK, state unchanged.
  {
    id: 'rcv-fin-again',
    from: ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK'],
    on: 'rcv-fin',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'accept',
    rfc: 'RFC 9293 3.10.7.4 (eighth)',
    note: 'FIN after FIN: ACK it, remain',
  },
  // Eighth, FIN in TIME-WAIT: ACK, remain, restart the 2 MSL timer.
  {
    id: 'time-wait-rcv-fin',
    from: 'TIME-WAIT',
    on: 'rcv-fin',
    to: 'same',
    emits: [ACK_NOW],
    verdict: 'accept',
    timers: ['restart-2msl'],
    rfc: 'RFC 9293 3.10.7.4 (eighth)',
    note: 'FIN in TIME-WAIT: ACK it, restart 2 MSL',
  },
];

/** The states a row starts from, as a list. */
export function fromStates(row: Transition): readonly TcpState[] {
  return typeof row.from === 'string' ? [row.from] : row.from;
}

/** The row for (state, event); undefined when the table has none. */
export function findRow(table: readonly Transition[], state: TcpState, on: EventName): Transition | undefined {
  return table.find((row) => row.on === on && fromStates(row).includes(state));
}

/** Where a row leads from a given state ('same' resolved). */
export function target(row: Transition, from: TcpState): TcpState {
  return row.to === 'same' ? from : row.to;
}
