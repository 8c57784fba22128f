// gVisor netstack's documented departures from RFC 9293, read from its sources (Debian's
// golang-gvisor-gvisor-dev, the tree stacks/gvisor is built from: pkg/tcpip/transport/tcp).
// Not a strict profile: a non-strict judgement (profiles.rfc knownDepartures) recognises them, so
// a target that answers as netstack does is graded (./departures.ts), not failed.
//
// TIME-WAIT is receiver.handleTimeWaitSegment() (rcv.go), in this order: a RST is dropped (RFC
// 1337; the linux rfc1337 departure already covers it); a SYN above RCV.NXT goes to the listener
// as a new connection; a segment without ACK is dropped; a FIN whose sequence number is RCV.NXT-1
// (the peer's FIN again) is ACKed; a segment elsewhere or with payload is ACKed; the rest (an
// ACK-bearing segment at exactly RCV.NXT without payload, a FIN or a SYN on it too) is dropped.
import { add, diff, gt } from '../packet/seq.js';
import { ACK, FIN, RST, SYN } from '../packet/types.js';
import type { Prediction, Segment } from './model.js';
import type { Arrival, Deviation, DeviationOutcome } from './profiles.js';

const has = (seg: Segment, flag: number): boolean => (seg.flags & flag) !== 0;
const CITE = 'gVisor pkg/tcpip/transport/tcp/rcv.go receiver.handleTimeWaitSegment()';

const inTimeWait = (a: Arrival): boolean => a.state === 'TIME-WAIT' && !has(a.seg, RST);
/** `s.flags.Contains(SYN) && r.RcvNxt.LessThan(segSeq)`: whatever else the segment carries. */
const newSyn = (a: Arrival): boolean => has(a.seg, SYN) && gt(a.seg.seq, a.tcb.rcvNxt);

/** receiver.acceptable(): the segment starts or ends inside the receive window. */
const acceptable = (a: Arrival): boolean => {
  const d = diff(a.seg.seq, a.tcb.rcvNxt);
  return d >= 0 && d < Math.max(a.tcb.rcvWnd, 1);
};
/** RcvClosed || closed: the application closed (an orphan), or the peer's FIN was taken. */
const rcvClosed = (a: Arrival): boolean => a.tcb.orphaned || ['CLOSING', 'LAST-ACK'].includes(a.state);
const AFTER_FIN = ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK'];
/** An ACK-bearing segment whose ACK is not beyond SND.NXT (that one is answered with an ACK first), neither RST nor SYN. */
const ackedInRange = (a: Arrival): boolean => !has(a.seg, RST | SYN) && has(a.seg, ACK) && !gt(a.seg.ack, a.tcb.sndNxt);
/** Data past RCV.NXT ("RcvNxt < SEG.SEQ+payload"; a bare segment beyond counts too). */
const reachesPast = (a: Arrival): boolean => gt(add(a.seg.seq, a.seg.len), a.tcb.rcvNxt);
/** ErrConnectionAborted: the endpoint resets (RST,ACK at SND.NXT, RCV.NXT) and is gone. */
const aborted = (a: Arrival) => ({ verdict: 'rst' as const, reply: { flags: RST | ACK, seq: a.tcb.sndNxt, ack: a.tcb.rcvNxt }, next: 'CLOSED' as const });
const CLOSING_CITE = 'gVisor pkg/tcpip/transport/tcp/rcv.go receiver.handleRcvdSegmentClosing()';

const SEGMENT_CITE = 'gVisor pkg/tcpip/transport/tcp/connect.go endpoint.handleSegmentLocked()';
/** Synchronized states whose segments handleSegmentLocked() takes (TIME-WAIT has its own; a passive SYN-RECEIVED is the listener's). */
const SYNCHRONIZED = ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'];

export function gvisorDeviations(): Deviation[] {
  return [
    {
      id: 'gvisor-no-ack-dropped',
      title: 'a segment without ACK, RST or SYN is dropped unanswered, whatever its sequence number',
      departsFrom: 'RFC 9293 3.10.7.4 (first): an unacceptable segment is answered with an ACK',
      behaviour: 'handleSegmentLocked(): RST, SYN and ACK each have a branch; a segment with none of them falls through and is dropped',
      why: '"once in the ESTABLISHED state all segments must carry current acknowledgment information" (RFC 793 p. 41)',
      cite: SEGMENT_CITE,
      applies: (a) => SYNCHRONIZED.includes(a.state) && !has(a.seg, ACK | RST | SYN),
      predict: (a) => ({ verdict: 'drop', reply: null, next: a.state }),
    },
    {
      id: 'gvisor-ack-unsent-ignored',
      title: 'in ESTABLISHED an ACK of data not yet sent is ignored and the rest of the segment processed',
      departsFrom: 'RFC 9293 3.10.7.4 (fifth): SEG.ACK > SND.NXT -> send an ACK, drop the segment',
      behaviour:
        'handleSegmentLocked(): the receiver takes data and FIN first (handleRcvdSegmentClosing, which answers such an ACK, runs outside ESTABLISHED only: "Just as on Linux"); the sender then ignores the ACK',
      why: 'Linux before 6.18.38 dropped such a segment silently in ESTABLISHED; netstack keeps its data',
      cite: `${SEGMENT_CITE}, rcv.go receiver.handleRcvdSegmentClosing()`,
      applies: (a) => a.state === 'ESTABLISHED' && has(a.seg, ACK) && !has(a.seg, RST | SYN) && gt(a.seg.ack, a.tcb.sndNxt),
      predict: (a) => fromEngine(a.engine(a.state, { ...a.seg, ack: a.tcb.sndUna }, a.tcb)),
    },
    {
      id: 'gvisor-after-fin-beyond-dropped',
      title: "after the peer's FIN, a segment starting beyond RCV.NXT is dropped unanswered, its ACK unprocessed",
      departsFrom: "RFC 9293 3.10.7.4 (fifth): an acceptable segment's ACK field is processed (LAST-ACK: our FIN acknowledged -> CLOSED)",
      behaviour:
        'handleRcvdSegmentClosing(): in CLOSE-WAIT, CLOSING and LAST-ACK "!s.sequenceNumber.LessThanEq(r.RcvNxt)" -> drop, before the sender sees the ACK',
      why: "nothing can follow the peer's FIN in its sequence space",
      cite: CLOSING_CITE,
      applies: (a) => AFTER_FIN.includes(a.state) && !has(a.seg, RST | SYN) && has(a.seg, ACK) && gt(a.seg.seq, a.tcb.rcvNxt) && acceptable(a),
      predict: (a) => ({ verdict: 'drop', reply: null, next: a.state }),
    },
    {
      id: 'gvisor-closed-data-reset',
      title: 'after close(), data beyond RCV.NXT aborts the connection with a RST',
      departsFrom: 'RFC 9293 3.10.7.4 (seventh): FIN-WAIT-1/2 still accept text (CLOSE is a half-close, 3.6)',
      behaviour: 'handleRcvdSegmentClosing(): rcvClosed and RcvNxt < SEG.SEQ+payload -> ErrConnectionAborted: RST,ACK and CLOSED',
      why: 'close() discards the receive side (RFC 1122 4.2.2.13: data after CLOSE SHOULD be reset)',
      cite: CLOSING_CITE,
      applies: (a) => ['FIN-WAIT-1', 'FIN-WAIT-2'].includes(a.state) && a.tcb.orphaned && ackedInRange(a) && acceptable(a) && reachesPast(a),
      predict: aborted,
    },
    {
      id: 'gvisor-after-fin-data-reset',
      title: "after the peer's FIN and our close, data (at or below RCV.NXT, reaching past it) aborts the connection with a RST",
      departsFrom: "RFC 9293 3.10.7.4 (seventh): CLOSING, LAST-ACK: text after the peer's FIN is ignored, the ACK field processed",
      behaviour: 'handleRcvdSegmentClosing(): rcvClosed and RcvNxt < SEG.SEQ+payload -> ErrConnectionAborted: RST,ACK and CLOSED',
      why: "data after the peer's FIN breaks the peer's own sequence space",
      cite: CLOSING_CITE,
      applies: (a) => ['CLOSING', 'LAST-ACK'].includes(a.state) && rcvClosed(a) && ackedInRange(a) && !gt(a.seg.seq, a.tcb.rcvNxt) && reachesPast(a),
      predict: aborted,
    },
    {
      id: 'gvisor-time-wait-syn-reuse',
      title: 'TIME-WAIT hands a SYN with SEG.SEQ > RCV.NXT (any other flags too) to the listener as a new connection',
      departsFrom: 'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2: SYN -> challenge ACK (the RFC allows reuse only with timestamps, RFC 6191)',
      behaviour: 'handleTimeWaitSegment() returns newSyn; the endpoint is closed and the SYN delivered again, to the listener, which answers SYN,ACK',
      why: 'RFC 1122 4.2.2.13: a TCP MAY reopen from TIME-WAIT when the new ISN exceeds the old sequence space',
      cite: CITE,
      applies: (a) => inTimeWait(a) && a.tcb.listening && newSyn(a),
      predict: (a) => {
        const rcvNxt = add(a.seg.seq, 1);
        // The listener's ISN is its own: learned from its SYN,ACK.
        const iss = a.tcb.sndNxt;
        return {
          verdict: 'syn-ack',
          reply: { flags: SYN | ACK, seq: iss, ack: rcvNxt, unknown: ['seq'] },
          next: 'SYN-RECEIVED',
          tcb: { ...a.tcb, iss, irs: a.seg.seq, sndUna: iss, sndNxt: add(iss, 1), rcvNxt, passiveOpen: true },
        };
      },
    },
    {
      id: 'gvisor-time-wait-no-ack-dropped',
      title: 'TIME-WAIT drops a segment without the ACK bit unanswered, whatever its sequence number',
      departsFrom: 'RFC 9293 3.10.7.4 (first): an unacceptable segment is answered with an ACK; (fourth) a SYN with a challenge ACK',
      behaviour: 'handleTimeWaitSegment(): "Drop the segment if it does not contain an ACK", before any sequence check',
      why: 'a peer that sends no ACK in TIME-WAIT has nothing to synchronise',
      cite: CITE,
      applies: (a) => inTimeWait(a) && !newSyn(a) && !has(a.seg, ACK),
      predict: () => ({ verdict: 'drop', reply: null, next: 'TIME-WAIT' }),
    },
    {
      id: 'gvisor-time-wait-exact-silent',
      title: 'TIME-WAIT drops an ACK-bearing segment at exactly RCV.NXT without payload unanswered, a FIN or SYN on it too',
      departsFrom: 'RFC 9293 3.10.7.4 (fourth, eighth): a SYN in the window gets a challenge ACK, a FIN is acknowledged and restarts the 2 MSL timeout',
      behaviour:
        'handleTimeWaitSegment(): only a FIN at RCV.NXT-1, or a segment off RCV.NXT or with payload, is ACKed ("In TIME_WAIT the only acceptable sequence number is RcvNxt")',
      why: "the peer's FIN was taken already; a segment at RCV.NXT that carries nothing needs no answer",
      cite: CITE,
      applies: (a) =>
        inTimeWait(a) &&
        !newSyn(a) &&
        has(a.seg, ACK) &&
        a.seg.seq === a.tcb.rcvNxt &&
        a.seg.len === 0 &&
        !(has(a.seg, FIN) && add(a.seg.seq, 1) === a.tcb.rcvNxt),
      predict: () => ({ verdict: 'drop', reply: null, next: 'TIME-WAIT' }),
    },
  ];
}

/** The RFC engine's answer to a modified arrival, as a departure's outcome. */
function fromEngine(p: Prediction): DeviationOutcome {
  return { verdict: p.verdict, reply: p.reply, next: p.next, tcb: p.tcb, inner: p };
}
