// State inference without ground truth (remote mode): ask the remote with the least intrusive
// segment that tells the candidate states apart, and read its state off the answer.
//
// The probe is an ACK carrying one byte of old data, entirely left of the remote's window
// (SEG.SEQ = RCV.NXT − 2^20), with SEG.ACK = its SND.NXT as we know it:
// - a synchronized connection finds it unacceptable and answers with an ACK <SEQ=SND.NXT>
//   <ACK=RCV.NXT> (RFC 9293 3.10.7.4, first check); the data is not accepted, nothing changes.
//   That ACK's numbers are evidence too: its ACK field says whether our FIN arrived, its SEQ
//   whether the remote sent its own FIN;
// - SYN-RECEIVED answers the same way (3.10.7.4 first check, before the ACK check);
// - no TCB (CLOSED) or a listener (LISTEN) answers with a RST <SEQ=SEG.ACK> (3.10.7.1, 3.10.7.2).
// One byte of data rather than a bare ACK because Linux rate-limits its answers to bare
// out-of-window ACKs (tcp_invalid_ratelimit, 500 ms, tcp_oow_rate_limited) but never to data.
// Known side effect: Linux restarts the TIME-WAIT timer on any ACK there (tcp_timewait_state_process;
// the RFC restarts it only for a retransmitted FIN). Checked on the lab: probed every 600 ms,
// TIME-WAIT was still there after 130 s. Timing TIME-WAIT looks with an ACK-less SYN instead
// (./liveness.ts).
import type { TcpState } from '../fsm/index.js';
import { formatFlags, Seq } from '../packet/index.js';
import { ACK, type DecodedTcp, RST } from '../packet/types.js';
import type { SendSpec } from './connection.js';

/** How far left of the remote's window the probe's byte sits. */
export const PROBE_BACKOFF = 1 << 20;

/** What the probe sent on: our side's knowledge of both sequence spaces, from the packets alone. */
export interface ProbeKnowledge {
  /** our SND.NXT (the remote's RCV.NXT if it got everything) */
  sndNxt: number;
  /** our RCV.NXT (the remote's SND.NXT) */
  rcvNxt: number;
  /** the remote's ISN, if its SYN was seen */
  irs?: number;
  /** seq of our FIN, if we sent one */
  ourFinSeq?: number;
  /** seq of the remote's FIN, if it sent one */
  remoteFinSeq?: number;
  /** the highest ACK we sent of what we received */
  highestAckSent?: number;
}

export function probeSegment(k: ProbeKnowledge): SendSpec {
  return { flags: '.', seq: Seq.sub(k.sndNxt, PROBE_BACKOFF), ack: k.rcvNxt, payload: Buffer.from('?') };
}

export interface Inference {
  /** the states the answer is consistent with */
  states: TcpState[];
  /** what the answer showed, in words */
  evidence: string;
  /**
   * Synchronized, no FIN either way: SYN-RECEIVED and ESTABLISHED answer the old byte alike, and
   * whether the remote took our ACK of its SYN is not in the answer (the ACK may have ridden on a
   * segment it rejected). handshakeProbe() tells them apart.
   */
  handshakeUnsure?: boolean;
}

/**
 * The second probe, for SYN-RECEIVED or ESTABLISHED: an empty ACK at RCV.NXT with an unacceptable
 * ACK (far beyond the remote's SND.NXT). SYN-RECEIVED answers <SEQ=SEG.ACK><CTL=RST> and stays
 * (RFC 9293 3.10.7.4 fifth check); ESTABLISHED sends an ACK (or, rate-limited, nothing) and drops
 * the segment: neither changes state. Empty, because an empty segment at RCV.NXT passes the first
 * (sequence) check in every state whatever the window: a byte may not, and a stack that finds it
 * outside its window rightly answers with an ACK before looking at SEG.ACK (slirp in SYN-RECEIVED
 * does: with a byte it looked ESTABLISHED).
 */
export function handshakeProbeSegment(k: ProbeKnowledge): SendSpec {
  return { flags: '.', seq: k.sndNxt, ack: Seq.add(k.rcvNxt, PROBE_BACKOFF) };
}

export function inferHandshake(answer: DecodedTcp | null): Inference {
  if (answer && answer.flags & RST)
    return { states: ['SYN-RECEIVED'], evidence: `[${formatFlags(answer.flags)}] to an unacceptable ACK: the handshake is not complete (3.10.7.4 fifth)` };
  return {
    states: ['ESTABLISHED'],
    evidence: `${answer ? `[${formatFlags(answer.flags)}]` : 'nothing'} to an unacceptable ACK, no reset: the handshake is complete (3.10.7.4 fifth)`,
  };
}

/**
 * The states a remote can be in, given its answer to the probe (null: no answer) and what we
 * sent and saw before. Independent of the FSM model: only packets.
 */
export function inferStates(answer: DecodedTcp | null, k: ProbeKnowledge): Inference {
  if (!answer) return { states: [], evidence: 'no answer to the probe (lost, filtered, or a stack that stays silent)' };
  if (answer.flags & RST)
    return { states: ['CLOSED', 'LISTEN'], evidence: `[${formatFlags(answer.flags)}]: no connection for this 4-tuple (3.10.7.1/3.10.7.2)` };
  if (!(answer.flags & ACK)) return { states: [], evidence: `[${formatFlags(answer.flags)}] without ACK: not an answer any state gives to the probe` };
  // Past our FIN (not only just past it: a stack may also count a second FIN of ours, as gVisor does in CLOSE-WAIT).
  const gotOurFin = k.ourFinSeq !== undefined && Seq.gt(answer.ack, k.ourFinSeq);
  const sentFin = k.remoteFinSeq !== undefined && answer.seq === Seq.add(k.remoteFinSeq, 1);
  const finAcked = sentFin && k.highestAckSent !== undefined && Seq.ge(k.highestAckSent, Seq.add(k.remoteFinSeq!, 1));
  const synAcked = k.irs !== undefined && k.highestAckSent !== undefined && Seq.ge(k.highestAckSent, Seq.add(k.irs, 1));
  let states: TcpState[];
  if (!gotOurFin && !sentFin) states = [synAcked ? 'ESTABLISHED' : 'SYN-RECEIVED'];
  else if (!gotOurFin) states = [finAcked ? 'FIN-WAIT-2' : 'FIN-WAIT-1'];
  else if (!sentFin) states = ['CLOSE-WAIT'];
  else states = finAcked ? ['TIME-WAIT'] : ['CLOSING', 'LAST-ACK'];
  const parts = [
    `[${formatFlags(answer.flags)}]: synchronized (3.10.7.4 first check)`,
    gotOurFin ? 'its ACK covers our FIN' : k.ourFinSeq !== undefined ? 'its ACK does not cover our FIN' : 'we sent no FIN',
    sentFin ? `its SEQ is past its FIN${finAcked ? ', which we ACKed' : ', not yet ACKed by us'}` : 'it sent no FIN',
  ];
  if (!gotOurFin && !sentFin) parts.push(synAcked ? 'we ACKed its SYN' : 'we never ACKed its SYN');
  return { states, evidence: parts.join('; '), ...(!gotOurFin && !sentFin ? { handshakeUnsure: true } : {}) };
}
