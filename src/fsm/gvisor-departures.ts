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
import { add, gt } from '../packet/seq.js';
import { ACK, FIN, RST, SYN } from '../packet/types.js';
import type { Segment } from './model.js';
import type { Arrival, Deviation } from './profiles.js';

const has = (seg: Segment, flag: number): boolean => (seg.flags & flag) !== 0;
const CITE = 'gVisor pkg/tcpip/transport/tcp/rcv.go receiver.handleTimeWaitSegment()';

const inTimeWait = (a: Arrival): boolean => a.state === 'TIME-WAIT' && !has(a.seg, RST);
/** `s.flags.Contains(SYN) && r.RcvNxt.LessThan(segSeq)`: whatever else the segment carries. */
const newSyn = (a: Arrival): boolean => has(a.seg, SYN) && gt(a.seg.seq, a.tcb.rcvNxt);

export function gvisorDeviations(): Deviation[] {
  return [
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
