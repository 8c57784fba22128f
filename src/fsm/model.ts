// The values the oracle works on: an arriving segment, the remote's TCB, and the prediction.
// All sequence numbers are uint32; compare them only through ../packet/seq.js.
import { FIN, SYN } from '../packet/types.js';
import type { TcpState } from './states.js';

/** What arrives at the remote: flags as a bitmask (src/packet/types.ts), len = payload bytes. */
export interface Segment {
  flags: number;
  seq: number;
  ack: number;
  len: number;
}

/**
 * The remote's connection variables (RFC 9293 3.3.1), as the prober believes them to be.
 * "snd" is the remote's sending side (what it sends us), "rcv" its receiving side.
 */
export interface Tcb {
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  sndWnd: number;
  rcvNxt: number;
  rcvWnd: number;
  /** RFC 5961 5.2 MAX.SND.WND, the largest window the remote ever got from us; default sndWnd. */
  maxSndWnd?: number;
  /** MUST-11: SYN-RECEIVED was reached from LISTEN (passive OPEN). Default true. */
  passiveOpen?: boolean;
  /** A listening socket exists on the remote's port (Linux TIME-WAIT reuse). Default true. */
  listening?: boolean;
  /**
   * The remote application has closed the socket (close(), not shutdown(SHUT_WR)): Linux then
   * refuses further data with a RST and keeps FIN-WAIT-2 as a timewait socket. Default false.
   */
  orphaned?: boolean;
}

export type Verdict =
  /** processed; the reply (if any) is the normal answer, e.g. the ACK of new data */
  | 'accept'
  /** discarded without an answer */
  | 'drop'
  /** unacceptable: answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and discarded */
  | 'ack'
  /** RFC 5961 challenge ACK (same shape as 'ack', different reason) */
  | 'challenge-ack'
  /** answered with a reset */
  | 'rst'
  /** answered with a SYN-ACK */
  | 'syn-ack'
  /** an incoming RST that was accepted: the connection is gone, nothing is sent */
  | 'reset';

/** A concrete segment the remote sends back. */
export interface Reply {
  flags: number;
  seq: number;
  ack: number;
  /**
   * Fields the prober cannot know in advance (the ISS a listener picks now): compare everything
   * else, and learn these from the answer.
   */
  unknown?: ReadonlyArray<'seq' | 'ack'>;
}

export interface Prediction {
  verdict: Verdict;
  reply: Reply | null;
  /** the remote's state after the segment */
  next: TcpState;
  /** the remote's TCB after the segment (RCV.NXT over data and FIN, SND.UNA over the ACK, ...) */
  tcb: Tcb;
  /** short English reason, from the governing row */
  rule: string;
  /** where the rule comes from: 'RFC 9293 3.10.7.4', or a kernel function for a deviation */
  rfc: string;
  /** the id of the row (table transition or profile deviation) that decided the answer */
  ruleId: string;
  /** every row applied, in order (an ACK of our SYN then a FIN is two rows) */
  ruleIds: readonly string[];
  /** set when a profile deviation, not the RFC table, decided the answer */
  deviation?: string;
  /** the remote rate-limits this kind of answer (Linux: one per 500 ms per socket) */
  rateLimited?: boolean;
  /** timer effects: the 2MSL TIME-WAIT timer started or restarted */
  timers?: ReadonlyArray<'start-2msl' | 'restart-2msl'>;
}

/** SEG.LEN of RFC 9293 3.3.1: payload octets plus one for SYN and one for FIN. */
export function segLen(seg: Segment): number {
  return seg.len + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
}

/** The TCB with its optional fields filled in. */
export function withDefaults(tcb: Tcb): Required<Tcb> {
  // Called on every prediction: a fresh literal of fixed shape (no spread) keeps it cheap; fresh,
  // because the oracle updates the copy it gets as it processes the segment.
  return {
    iss: tcb.iss,
    irs: tcb.irs,
    sndUna: tcb.sndUna,
    sndNxt: tcb.sndNxt,
    sndWnd: tcb.sndWnd,
    rcvNxt: tcb.rcvNxt,
    rcvWnd: tcb.rcvWnd,
    maxSndWnd: tcb.maxSndWnd ?? tcb.sndWnd,
    passiveOpen: tcb.passiveOpen ?? true,
    listening: tcb.listening ?? true,
    orphaned: tcb.orphaned ?? false,
  };
}
