// Profiles: the RFC rules plus an ordered list of deviations. A deviation is a named, documented
// place where an implementation knowingly answers differently from the letter of RFC 9293 + 5961.
// The first deviation whose `applies` holds decides the answer; with none, the RFC table does.
// So one run can report both "conforms to RFC: no (cell X)" and "matches the Linux profile: yes".
//
// Linux deviations are read from the kernel sources (net/ipv4/tcp_input.c, tcp_minisocks.c,
// tcp_ipv4.c of the 6.x series). Sequence checks on full sockets compare against RCV.WUP (RCV.NXT
// when the kernel last advertised a window); the oracle assumes RCV.WUP = RCV.NXT, which holds once
// the kernel has acknowledged everything it received.

import { add, diff, gt, lt, sub } from '../packet/seq.js';
import { ACK, FIN, RST, SYN } from '../packet/types.js';
import { gvisorDeviations } from './gvisor-departures.js';
import { type Prediction, type Reply, type Segment, segLen, type Tcb, type Verdict } from './model.js';
import { rfcPredict } from './rfc.js';
import { otherStates, type TcpState } from './states.js';
import { rfcTable, type Timer, type Transition } from './table.js';

/** One arriving segment, as a deviation sees it. */
export interface Arrival {
  state: TcpState;
  seg: Segment;
  tcb: Required<Tcb>;
  /** the RFC's answer for this arrival (computed on first use) */
  readonly rfc: Prediction;
  /** the RFC engine on a modified arrival (same table as the profile) */
  engine(state: TcpState, seg: Segment, tcb: Tcb): Prediction;
}

/** What a deviation predicts; the oracle fills in rule, ids and citation. */
export interface DeviationOutcome {
  verdict: Verdict;
  reply: Reply | null;
  next: TcpState;
  tcb?: Tcb;
  timers?: readonly Timer[];
  rateLimited?: boolean;
  /** when the deviation re-ran the RFC engine on a modified segment or TCB */
  inner?: Prediction;
}

export interface Deviation {
  id: string;
  /** one line, used as the prediction's rule */
  title: string;
  /** the RFC text it departs from */
  departsFrom: string;
  /** what the kernel does, naming the code path */
  behaviour: string;
  /** why the kernel does it */
  why: string;
  /** source location */
  cite: string;
  applies(a: Arrival): boolean;
  predict(a: Arrival): DeviationOutcome;
}

export interface Profile {
  name: string;
  table: readonly Transition[];
  deviations: readonly Deviation[];
  /**
   * Strict: the profile predicts one stack's exact segments (the Linux lab), so any difference
   * fails. Otherwise answers are graded against the RFC: what it leaves open is a choice, a
   * detail of a prescribed segment a deviation, only another kind of answer a violation.
   */
  strict?: boolean;
  /**
   * Known stacks whose documented departures a non-strict judgement recognises: when the target
   * answers as one of them does, the model follows it and the answer is graded as that departure
   * (./departures.ts) instead of a violation.
   */
  knownDepartures?: readonly Profile[];
  /** whether the remote throttles this answer (RFC 5961 7 lets it) */
  rateLimited?(p: Prediction, seg: Segment): boolean;
}

/** The letter of RFC 9293 with the RFC 5961 mitigations it incorporates. */
export const rfcProfile: Profile = { name: 'rfc', table: rfcTable, deviations: [] };

/** The same profile with another table: how a test mutates one row. */
export function withTable(profile: Profile, table: readonly Transition[]): Profile {
  return { ...profile, table };
}

// ------------------------------------------------------------------ helpers shared by the rows

const has = (seg: Segment, flag: number): boolean => (seg.flags & flag) !== 0;
const endSeq = (seg: Segment): number => add(seg.seq, segLen(seg));
const rightEdge = (tcb: Tcb): number => add(tcb.rcvNxt, tcb.rcvWnd);

/** Linux keeps a passive SYN-RECEIVED as a request socket (tcp_check_req), not a full socket. */
const isRequestSock = (a: Arrival): boolean => a.state === 'SYN-RECEIVED' && a.tcb.passiveOpen;
/** TIME-WAIT, and an orphaned FIN-WAIT-2, live in a timewait socket (tcp_timewait_state_process). */
const isTimewaitSock = (a: Arrival): boolean => a.state === 'TIME-WAIT' || (a.state === 'FIN-WAIT-2' && a.tcb.orphaned);
const isFullSock = (a: Arrival): boolean => otherStates.includes(a.state) && !isRequestSock(a) && !isTimewaitSock(a);

/** tcp_minisocks.c tcp_in_window(): also admits a zero-length segment at the right edge. */
function minisockInWindow(seg: Segment, tcb: Tcb): boolean {
  const seq = seg.seq;
  const end = endSeq(seg);
  const s = tcb.rcvNxt;
  const e = rightEdge(tcb);
  if (seq === s) return true;
  if (gt(end, s) && lt(seq, e)) return true;
  return seq === e && seq === end;
}

/** tcp_input.c tcp_sequence() with RCV.WUP = RCV.NXT: old if it ends before, new if it starts after. */
function fullSockSeqOk(seg: Segment, tcb: Tcb): boolean {
  return !lt(endSeq(seg), tcb.rcvNxt) && !gt(seg.seq, rightEdge(tcb));
}

/** tcp_ack(): below SND.UNA - min(MAX.SND.WND, bytes acknowledged so far) is "too old" (challenge ACK). */
function ackTooOld(a: Arrival): boolean {
  const bytesAcked = Math.max(0, diff(a.tcb.sndUna, add(a.tcb.iss, 1)));
  return lt(a.seg.ack, sub(a.tcb.sndUna, Math.min(a.tcb.maxSndWnd, bytesAcked)));
}

/** tcp_v4_send_reset(): <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
function resetFor(seg: Segment): Reply {
  return has(seg, ACK) ? { flags: RST, seq: seg.ack, ack: 0 } : { flags: RST | ACK, seq: 0, ack: endSeq(seg) };
}

const ackNow = (tcb: Tcb): Reply => ({ flags: ACK, seq: tcb.sndNxt, ack: tcb.rcvNxt });

/** A deviation that re-runs the RFC engine: its answer, marked as the deviation's. */
function fromInner(inner: Prediction, tcbOverride?: Partial<Tcb>): DeviationOutcome {
  return {
    verdict: inner.verdict,
    reply: inner.reply,
    next: inner.next,
    tcb: { ...inner.tcb, ...tcbOverride },
    ...(inner.timers ? { timers: inner.timers } : {}),
    inner,
  };
}

// ------------------------------------------------------------------ the Linux deviations

export interface LinuxOptions {
  /** net.ipv4.tcp_rfc1337 (default 0): 1 makes TIME-WAIT ignore an exact RST (RFC 1337). */
  rfc1337?: boolean;
  /**
   * Kernels with commit "tcp: challenge ACK for non-exact RST in SYN-RECEIVED" (net-next, July
   * 2026) check request-socket RSTs like RFC 5961. Default false: any in-window RST kills the
   * request.
   */
  synRecvRstExact?: boolean;
  /**
   * Kernels before "tcp: send a challenge ACK on SEG.ACK > SND.NXT" (April 2026, in 6.18.38)
   * silently drop such segments in ESTABLISHED. Default false.
   */
  legacyAckUnsent?: boolean;
  /**
   * Kernels from 4.15 ("tcp: add tcp_v4_fill_cb()/tcp_v4_restore_cb()") up to 6.9 clear the ISN
   * tcp_timewait_state_process() chose for a SYN that reopens TIME-WAIT (tcp_v4_rcv() refills the
   * skb's control block on the listener path), so the new SYN,ACK carries a fresh hashed ISN;
   * 6.10 keeps it ("tcp: replace TCP_SKB_CB(skb)->tcp_tw_isn with a per-cpu field"). Default false.
   */
  timeWaitFreshIsn?: boolean;
  /**
   * Kernels before "tcp: do not accept packets beyond window" (6.17) check only where a segment
   * starts (tcp_sequence()), never where it ends: a segment at the right edge is always processed.
   * Default false.
   */
  legacyEndBeyondWindow?: boolean;
  /**
   * Kernels with "tcp: accept old ack during closing" (v6.8): after the handshake, outside
   * ESTABLISHED, an old ACK within the bytes acknowledged (tcp_ack() returns 0) is ignored and
   * the segment processed on, as RFC 9293 3.10.7.4 (fifth) lets a duplicate ACK be; only an ACK
   * below SND.UNA - min(MAX.SND.WND, bytes acked) still gets the challenge ACK. Seen against a
   * remote server that had sent data (the agent's sockets send none, so there every old ACK is
   * "too old"). Backported to 6.1.167 (Debian's linux 6.1 changelog lists it under that stable
   * update; the UML lab's 6.1.176 shows it). Default false.
   */
  oldAckAcceptedClosing?: boolean;
}

/**
 * The Linux deviations, in the order the kernel makes its checks (the first that applies wins):
 * request-socket rules, then full-socket rules before the right-edge rule (which re-runs the RFC
 * engine and must not shadow them), then the timewait-socket rules.
 */
export function linuxDeviations(options: LinuxOptions = {}): Deviation[] {
  const list: Deviation[] = [];

  // LISTEN: a SYN that also carries FIN is discarded, not answered with a SYN-ACK.
  list.push({
    id: 'linux-listen-syn-fin-dropped',
    title: 'LISTEN drops a SYN with FIN set',
    departsFrom: 'RFC 9293 3.10.7.2 (third): a SYN gets SYN,ACK; other controls are queued',
    behaviour: 'tcp_rcv_state_process(), case TCP_LISTEN: "if (th->fin) goto discard" before conn_request',
    why: 'SYN+FIN is a scanner signature, never sent by a real stack; answering it leaks the port state',
    cite: 'net/ipv4/tcp_input.c tcp_rcv_state_process()',
    applies: (a) => a.state === 'LISTEN' && has(a.seg, SYN) && has(a.seg, FIN) && !has(a.seg, ACK | RST),
    predict: () => ({ verdict: 'drop', reply: null, next: 'LISTEN' }),
  });

  // Passive SYN-RECEIVED: a retransmitted SYN (exactly SYN, at IRS) gets the SYN-ACK again.
  list.push({
    id: 'linux-synrecv-syn-retransmit',
    title: 'SYN-RECEIVED re-sends the SYN,ACK for a retransmitted SYN',
    departsFrom: 'RFC 9293 3.10.7.4 (first): SEG.SEQ=IRS is below RCV.NXT, so send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
    behaviour: 'tcp_check_req(): "Check for pure retransmitted SYN" -> inet_rtx_syn_ack(), rate-limited by tcp_oow_rate_limited()',
    why: 'the peer evidently lost our SYN,ACK; a bare ACK would not let it complete the handshake',
    cite: 'net/ipv4/tcp_minisocks.c tcp_check_req()',
    // flg = tcp_flag_word(th) & (TCP_FLAG_RST|TCP_FLAG_SYN|TCP_FLAG_ACK): FIN, PSH, URG do not matter.
    applies: (a) => isRequestSock(a) && (a.seg.flags & (SYN | ACK | RST)) === SYN && a.seg.seq === a.tcb.irs,
    predict: (a) => ({
      verdict: 'syn-ack',
      reply: { flags: SYN | ACK, seq: a.tcb.iss, ack: a.tcb.rcvNxt },
      next: 'SYN-RECEIVED',
      rateLimited: true,
    }),
  });

  // Passive SYN-RECEIVED: the ACK number is checked before the sequence number and before RST.
  list.push({
    id: 'linux-synrecv-bad-ack-first',
    title: 'SYN-RECEIVED checks SEG.ACK before SEG.SEQ: a wrong ACK gets a RST even out of window',
    departsFrom: 'RFC 9293 3.10.7.4: sequence check first (out of window -> ACK), RST and SYN before the ACK field',
    behaviour: 'tcp_check_req(): ACK set and ack_seq != snt_isn+1 -> return the listener, which answers any ACK with tcp_v4_send_reset() (never for a RST)',
    why: 'RFC 793 3.4 group 2: an unacceptable ACK in a non-synchronized state is answered with a reset',
    cite: 'net/ipv4/tcp_minisocks.c tcp_check_req(), net/ipv4/tcp_ipv4.c tcp_v4_send_reset()',
    // With the exact RST check (6.18.44 here) an in-window RST,ACK is looked at first: it drops the
    // request whatever its ACK; older kernels (the UML lab's) still drop the RST on its bad ACK.
    // Seen in suites/matrix.ts, SYN-RECEIVED <- RST-ACK @RCV.NXT on the ack axis.
    applies: (a) =>
      isRequestSock(a) && has(a.seg, ACK) && a.seg.ack !== add(a.tcb.iss, 1) && !(options.synRecvRstExact && has(a.seg, RST) && minisockInWindow(a.seg, a.tcb)),
    predict: (a) =>
      has(a.seg, RST) ? { verdict: 'drop', reply: null, next: 'SYN-RECEIVED' } : { verdict: 'rst', reply: resetFor(a.seg), next: 'SYN-RECEIVED' },
  });

  // Passive SYN-RECEIVED: any RST inside the window (not only at RCV.NXT) drops the request.
  if (!options.synRecvRstExact) {
    list.push({
      id: 'linux-synrecv-rst-in-window',
      title: 'SYN-RECEIVED accepts any in-window RST (no RFC 5961 exact match)',
      departsFrom: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2: RST not at RCV.NXT -> challenge ACK',
      behaviour: 'tcp_check_req(): after tcp_in_window(), "if (flg & (TCP_FLAG_RST|TCP_FLAG_SYN)) goto embryonic_reset" drops the request silently',
      why: 'request sockets predate RFC 5961 handling; fixed by "tcp: challenge ACK for non-exact RST in SYN-RECEIVED" (2026)',
      cite: 'net/ipv4/tcp_minisocks.c tcp_check_req()',
      applies: (a) => isRequestSock(a) && has(a.seg, RST) && minisockInWindow(a.seg, a.tcb),
      predict: () => ({ verdict: 'reset', reply: null, next: 'LISTEN' }),
    });
  }

  // Passive SYN-RECEIVED, kernels with the exact RST check: tcp_in_window() also admits a RST at the right edge.
  if (options.synRecvRstExact) {
    list.push({
      id: 'linux-synrecv-rst-right-edge-challenge',
      title: 'SYN-RECEIVED answers a RST at RCV.NXT+RCV.WND with a challenge ACK',
      departsFrom: 'RFC 9293 3.10.7.4 (first, second): a RST outside RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND is dropped silently',
      behaviour:
        'tcp_check_req(): tcp_in_window() admits a zero-length segment with seq == rcv_nxt + window; a RST not at rcv_nxt then gets a challenge ACK (req->rsk_ops->send_ack)',
      why: 'the minisocket window test counts the right edge in for zero-length segments (window probes)',
      cite: 'net/ipv4/tcp_minisocks.c tcp_in_window(), tcp_check_req()',
      applies: (a) => isRequestSock(a) && has(a.seg, RST) && a.seg.seq === rightEdge(a.tcb) && minisockInWindow(a.seg, a.tcb),
      predict: (a) => ({ verdict: 'challenge-ack', reply: ackNow(a.tcb), next: 'SYN-RECEIVED', rateLimited: true }),
    });
  }

  // Passive SYN-RECEIVED: a SYN inside the window gets a RST as the request is dropped.
  list.push({
    id: 'linux-synrecv-syn-rst',
    title: 'SYN-RECEIVED answers an in-window SYN with a RST (and drops the request)',
    departsFrom: 'RFC 9293 3.10.7.4 (fourth): passive SYN-RECEIVED returns to LISTEN without sending anything',
    behaviour: 'tcp_check_req(): SYN not at IRS inside the window -> embryonic_reset -> req->rsk_ops->send_reset()',
    why: 'RFC 793 answered an in-window SYN with a reset; request sockets kept that behaviour',
    cite: 'net/ipv4/tcp_minisocks.c tcp_check_req()',
    applies: (a) => isRequestSock(a) && has(a.seg, SYN) && !has(a.seg, RST) && a.seg.seq !== a.tcb.irs && minisockInWindow(a.seg, a.tcb),
    predict: (a) => ({ verdict: 'rst', reply: resetFor(a.seg), next: 'LISTEN' }),
  });

  // Full sockets: a segment with none of ACK, RST, SYN is dropped before any other check.
  list.push({
    id: 'linux-no-ack-flag-dropped',
    title: 'segments without ACK, RST and SYN are dropped before the sequence check',
    departsFrom: 'RFC 9293 3.10.7.4 (first): an unacceptable segment is answered with an ACK',
    behaviour: 'tcp_rcv_established() slow path and tcp_rcv_state_process(): "if (!th->ack && !th->rst && !th->syn) discard"',
    why: 'such segments cannot be valid after the handshake; not answering them avoids ACK storms',
    cite: 'net/ipv4/tcp_input.c tcp_rcv_established(), tcp_rcv_state_process()',
    applies: (a) => isFullSock(a) && !has(a.seg, ACK | RST | SYN),
    predict: (a) => ({ verdict: 'drop', reply: null, next: a.state }),
  });

  // A duplicate that ends exactly at RCV.NXT passes tcp_sequence(), so its ACK is processed.
  list.push({
    id: 'linux-old-segment-ack-processed',
    title: 'a duplicate segment ending at RCV.NXT passes the sequence check: its ACK of our FIN is processed',
    departsFrom: 'RFC 9293 3.10.7.4 (first) Table 6: SEG.SEQ+SEG.LEN-1 = RCV.NXT-1 is not acceptable: send ACK, drop (the ACK field is not looked at)',
    behaviour:
      'tcp_sequence() rejects only "before(end_seq, rcv_wup)", so end_seq == rcv_nxt passes; tcp_ack() then acknowledges our FIN: ' +
      'CLOSING -> tcp_time_wait() and LAST-ACK -> tcp_done() "goto consume" (no answer); FIN-WAIT-1 orphaned without FIN -> tcp_time_wait(TCP_FIN_WAIT2), ' +
      'otherwise the duplicate reaches tcp_data_queue() -> tcp_send_dupack()',
    why: 'the left edge is tested on the segment end so that a retransmission overlapping RCV.NXT still carries its ACK',
    cite: 'net/ipv4/tcp_input.c tcp_sequence(), tcp_rcv_state_process()',
    applies: (a) => {
      if (!isFullSock(a) || !['FIN-WAIT-1', 'CLOSING', 'LAST-ACK'].includes(a.state)) return false;
      if (!has(a.seg, ACK) || has(a.seg, RST | SYN) || segLen(a.seg) === 0 || endSeq(a.seg) !== a.tcb.rcvNxt) return false;
      return a.engine(a.state, { flags: ACK, seq: a.tcb.rcvNxt, ack: a.seg.ack, len: 0 }, a.tcb).next !== a.state;
    },
    predict: (a) => {
      const inner = a.engine(a.state, { flags: ACK, seq: a.tcb.rcvNxt, ack: a.seg.ack, len: 0 }, a.tcb);
      const consumed = a.state !== 'FIN-WAIT-1' || (a.tcb.orphaned && !has(a.seg, FIN));
      return { ...fromInner(inner), verdict: consumed ? 'accept' : 'ack', reply: consumed ? null : ackNow(inner.tcb) };
    },
  });

  // After the peer's FIN: a RST with the FIN's sequence number (RCV.NXT-1) is accepted.
  list.push({
    id: 'linux-rst-at-fin-seq',
    title: 'CLOSE-WAIT/CLOSING/LAST-ACK accept a RST at RCV.NXT-1',
    departsFrom: 'RFC 9293 3.10.7.4 (first, second) / RFC 5961 3.2: RCV.NXT-1 is outside the window, drop silently',
    behaviour: 'tcp_validate_incoming(): tcp_reset_check() accepts seq == rcv_nxt - 1 in CLOSE_WAIT, LAST_ACK, CLOSING',
    why: "a peer that sent FIN and then a RST may reuse the FIN's sequence number (the FIN consumed it)",
    cite: 'net/ipv4/tcp_input.c tcp_reset_check()',
    applies: (a) => isFullSock(a) && has(a.seg, RST) && ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK'].includes(a.state) && a.seg.seq === sub(a.tcb.rcvNxt, 1),
    predict: () => ({ verdict: 'reset', reply: null, next: 'CLOSED' }),
  });

  // Orphaned (close()d) sockets: new data is answered with a RST.
  list.push({
    id: 'linux-orphan-data-rst',
    title: 'after close(), new data in FIN-WAIT-1/FIN-WAIT-2 is answered with a RST',
    departsFrom: 'RFC 9293 3.10.7.4 (seventh): FIN-WAIT-1/2 still accept text (CLOSE is a half-close, 3.6)',
    behaviour:
      'tcp_rcv_state_process(): RCV_SHUTDOWN and after(end_seq - fin, rcv_nxt) -> tcp_reset() and the caller sends a RST; ' +
      'orphaned FIN-WAIT-2 in tcp_timewait_state_process(): new data or a FIN not at rcv_nxt -> TCP_TW_RST',
    why: 'close() discards the receive side (RFC 1122 4.2.2.13: data after CLOSE SHOULD be reset)',
    cite: 'net/ipv4/tcp_input.c tcp_rcv_state_process(), net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => {
      if (!a.tcb.orphaned || !['FIN-WAIT-1', 'FIN-WAIT-2'].includes(a.state)) return false;
      if (!has(a.seg, ACK) || has(a.seg, RST | SYN)) return false;
      // The full socket of FIN-WAIT-1 processes the ACK first; the timewait socket of FIN-WAIT-2 never looks at it.
      // (An old ACK within the bytes acked is ignored there on kernels that accept it while closing.)
      const oldDiscarded = lt(a.seg.ack, a.tcb.sndUna) && (!options.oldAckAcceptedClosing || ackTooOld(a));
      if (a.state === 'FIN-WAIT-1' && (gt(a.seg.ack, a.tcb.sndNxt) || oldDiscarded)) return false;
      // tcp_rcv_state_process(): "end_seq != seq && after(end_seq - th->fin, rcv_nxt)": a bare FIN
      // above RCV.NXT (out of order) counts too, not only new data.
      const beyond = segLen(a.seg) > 0 && gt(sub(endSeq(a.seg), has(a.seg, FIN) ? 1 : 0), a.tcb.rcvNxt);
      if (a.state === 'FIN-WAIT-1') return fullSockSeqOk(a.seg, a.tcb) && beyond;
      // tcp_timewait_state_process(): "end_seq == seq" (nothing new) -> TCP_TW_SUCCESS before the RST for new data.
      if (!minisockInWindow(a.seg, a.tcb) || !gt(endSeq(a.seg), a.tcb.rcvNxt) || segLen(a.seg) === 0) return false;
      return !(has(a.seg, FIN) && a.seg.len === 0 && a.seg.seq === a.tcb.rcvNxt);
    },
    predict: (a) => ({ verdict: 'rst', reply: resetFor(a.seg), next: 'CLOSED' }),
  });

  // ACKs below SND.UNA outside ESTABLISHED: challenge ACK and discard.
  list.push({
    id: 'linux-old-ack-challenge',
    title: 'outside ESTABLISHED, an ACK below SND.UNA - min(MAX.SND.WND, bytes acknowledged) gets a challenge ACK and the segment is discarded',
    departsFrom: 'RFC 9293 3.10.7.4 (fifth): a duplicate ACK (SEG.ACK =< SND.UNA) can be ignored, the segment processed',
    behaviour:
      'tcp_rcv_state_process(): tcp_ack() < 0 for an ACK below prior_snd_una - min(max_window, bytes_acked) -> tcp_send_challenge_ack(), discard; ' +
      'a less old ACK is accepted and ignored ("accept old ack during closing"), so after data the server sent, SND.UNA-1 passes',
    why: 'RFC 5961 5 hardening applied to every state after the handshake',
    cite: 'net/ipv4/tcp_input.c tcp_rcv_state_process(), tcp_ack()',
    applies: (a) =>
      isFullSock(a) &&
      ['FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'].includes(a.state) &&
      has(a.seg, ACK) &&
      !has(a.seg, RST | SYN) &&
      fullSockSeqOk(a.seg, a.tcb) &&
      lt(a.seg.ack, a.tcb.sndUna) &&
      // v6.8+: an old ACK within the bytes acked is ignored (RFC 9293 3.10.7.4 fifth), the segment processed on.
      (!options.oldAckAcceptedClosing || ackTooOld(a)),
    predict: (a) => ({ verdict: 'challenge-ack', reply: ackNow(a.tcb), next: a.state, rateLimited: true }),
  });

  // ESTABLISHED: MAX.SND.WND is capped by the bytes acknowledged so far.
  list.push({
    id: 'linux-old-ack-bytes-acked',
    title: 'RFC 5961 5.2 lower bound uses min(MAX.SND.WND, bytes acknowledged so far)',
    departsFrom: 'RFC 5961 5.2: acceptable if SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT',
    behaviour: 'tcp_ack(): max_window = min(tp->max_window, tp->bytes_acked); below prior_snd_una - max_window -> challenge ACK, drop',
    why: 'an ACK for data never sent (below the ISS) must not pass because the window is large',
    cite: 'net/ipv4/tcp_input.c tcp_ack()',
    applies: (a) => {
      if (!(isFullSock(a) && a.state === 'ESTABLISHED')) return false;
      if (!has(a.seg, ACK) || has(a.seg, RST | SYN) || !fullSockSeqOk(a.seg, a.tcb)) return false;
      return ackTooOld(a);
    },
    predict: (a) => ({ verdict: 'challenge-ack', reply: ackNow(a.tcb), next: a.state, rateLimited: true }),
  });

  // ESTABLISHED, older kernels: SEG.ACK > SND.NXT is dropped without an ACK.
  if (options.legacyAckUnsent) {
    list.push({
      id: 'linux-ack-unsent-silent',
      title: 'ESTABLISHED drops SEG.ACK > SND.NXT without answering',
      departsFrom: 'RFC 9293 3.10.7.4 (fifth): "If the ACK acks something not yet sent ... send an ACK, drop the segment"',
      behaviour: 'tcp_ack(): "if (after(ack, tp->snd_nxt)) return -SKB_DROP_REASON_TCP_ACK_UNSENT_DATA" with no ACK sent',
      why: 'behaviour since 2009; changed by "tcp: send a challenge ACK on SEG.ACK > SND.NXT" (2026)',
      cite: 'net/ipv4/tcp_input.c tcp_ack()',
      applies: (a) =>
        isFullSock(a) && a.state === 'ESTABLISHED' && has(a.seg, ACK) && !has(a.seg, RST | SYN) && fullSockSeqOk(a.seg, a.tcb) && gt(a.seg.ack, a.tcb.sndNxt),
      predict: () => ({ verdict: 'drop', reply: null, next: 'ESTABLISHED' }),
    });
  }

  // SEG.SEQ = RCV.NXT+RCV.WND passes the sequence check.
  list.push({
    id: 'linux-right-edge-in-window',
    title: 'a segment starting exactly at RCV.NXT+RCV.WND passes the sequence check',
    departsFrom: 'RFC 9293 3.10.7.4 Table 6: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND',
    behaviour:
      'tcp_sequence() rejects only "after(seq, rcv_nxt + tcp_receive_window())", so the right edge is in; ' +
      'the ACK field is then processed (a FIN,ACK there can complete our close) and the payload is dropped with an ACK; ' +
      'a RST there gets a challenge ACK, a bare ACK no answer. Request sockets: tcp_in_window() admits a zero-length segment there',
    why: 'window probes and ACKs sent against a just-closed window must still be processed',
    cite: 'net/ipv4/tcp_input.c tcp_sequence(), net/ipv4/tcp_minisocks.c tcp_in_window()',
    // Since "tcp: do not accept packets beyond window" (6.17, SKB_DROP_REASON_TCP_INVALID_END_SEQUENCE)
    // a segment whose end (not counting a FIN: "allow the FIN to extend beyond the window") passes
    // the edge is accepted only while the receive queue is empty; an orphaned CLOSING socket still
    // holds the peer's FIN that arrived after close() (nobody reads it). Seen in suites/matrix.ts:
    // CLOSING <- data @RCV.NXT+RCV.WND stays CLOSING, CLOSING <- FIN-ACK there reaches TIME-WAIT.
    // Older kernels (UML 6.1.176) process its ACK there too: CLOSING -> TIME-WAIT, nothing sent.
    applies: (a) =>
      a.tcb.rcvWnd > 0 &&
      a.seg.seq === rightEdge(a.tcb) &&
      !(!options.legacyEndBeyondWindow && gt(sub(endSeq(a.seg), has(a.seg, FIN) ? 1 : 0), rightEdge(a.tcb)) && a.state === 'CLOSING' && a.tcb.orphaned) &&
      (isFullSock(a) || (isRequestSock(a) && segLen(a.seg) === 0 && !has(a.seg, RST))),
    predict: (a) => fromInner(a.engine(a.state, a.seg, { ...a.tcb, rcvWnd: a.tcb.rcvWnd + 1 }), { rcvWnd: a.tcb.rcvWnd }),
  });

  // After the peer's FIN: a further FIN (at or after RCV.NXT) is not processed.
  list.push({
    id: 'linux-fin-after-fin-ignored',
    title: 'CLOSE-WAIT/CLOSING/LAST-ACK ignore a further FIN at or after RCV.NXT',
    departsFrom: 'RFC 9293 3.10.7.4 (eighth): advance RCV.NXT over the FIN and acknowledge it',
    behaviour:
      'tcp_rcv_state_process() step 7: CLOSE_WAIT/CLOSING/LAST_ACK "if (!before(seq, rcv_nxt)) break" (not queued, no tcp_fin); CLOSING -> TIME-WAIT consumes the segment',
    why: 'the peer already closed its direction; a second FIN is meaningless',
    cite: 'net/ipv4/tcp_input.c tcp_rcv_state_process()',
    applies: (a) =>
      isFullSock(a) &&
      ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK'].includes(a.state) &&
      has(a.seg, FIN) &&
      has(a.seg, ACK) &&
      !has(a.seg, RST | SYN) &&
      !lt(a.seg.seq, a.tcb.rcvNxt) &&
      fullSockSeqOk(a.seg, a.tcb),
    predict: (a) => fromInner(a.engine(a.state, { ...a.seg, flags: a.seg.flags & ~FIN }, a.tcb)),
  });

  // Orphaned FIN-WAIT-2 (a timewait socket): any in-window RST kills it.
  list.push({
    id: 'linux-fin-wait-2-orphan-rst',
    title: 'orphaned FIN-WAIT-2 accepts any in-window RST',
    departsFrom: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2: RST not at RCV.NXT -> challenge ACK',
    behaviour: 'tcp_timewait_state_process(), substate TCP_FIN_WAIT2: tcp_in_window() then "if (th->rst) goto kill"',
    why: 'the orphaned socket is a minimal timewait socket without the RFC 5961 machinery',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => a.state === 'FIN-WAIT-2' && a.tcb.orphaned && has(a.seg, RST) && minisockInWindow(a.seg, a.tcb),
    predict: () => ({ verdict: 'reset', reply: null, next: 'CLOSED' }),
  });

  // Orphaned FIN-WAIT-2: a SYN at or after RCV.NXT is answered with a RST.
  list.push({
    id: 'linux-fin-wait-2-orphan-syn-rst',
    title: 'orphaned FIN-WAIT-2 answers a SYN at or after RCV.NXT with a RST',
    departsFrom: 'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2: SYN -> challenge ACK',
    behaviour: 'tcp_timewait_state_process(), substate TCP_FIN_WAIT2: "th->syn && !before(seq, tw_rcv_nxt)" -> TCP_TW_RST',
    why: 'RFC 793 behaviour kept in the timewait socket',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) =>
      a.state === 'FIN-WAIT-2' && a.tcb.orphaned && has(a.seg, SYN) && !has(a.seg, RST) && minisockInWindow(a.seg, a.tcb) && !lt(a.seg.seq, a.tcb.rcvNxt),
    predict: (a) => ({ verdict: 'rst', reply: resetFor(a.seg), next: 'CLOSED' }),
  });

  // Orphaned FIN-WAIT-2: the rest of the timewait socket's FIN-WAIT-2 checks.
  list.push({
    id: 'linux-fin-wait-2-orphan-timewait',
    title: 'orphaned FIN-WAIT-2 ACKs anything out of window (even a RST) and silently absorbs in-window segments that bring nothing new',
    departsFrom:
      'RFC 9293 3.10.7.4 (first, second): an out-of-window RST is dropped silently; an in-window SYN gets a challenge ACK (RFC 5961 4.2); ' +
      'an in-window ACK is processed like in FIN-WAIT-2 and a segment without ACK is dropped',
    behaviour:
      'tcp_timewait_state_process(), substate TCP_FIN_WAIT2: !tcp_in_window() -> tcp_timewait_check_oow_rate_limit() -> TCP_TW_ACK (before the RST check); ' +
      '"!th->ack || !after(end_seq, tw_rcv_nxt) || end_seq == seq" -> TCP_TW_SUCCESS (nothing sent)',
    why: 'the timewait socket repeats only the checks of tcp_rcv_state_process() that matter once the application is gone',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => {
      if (a.state !== 'FIN-WAIT-2' || !a.tcb.orphaned) return false;
      if (!minisockInWindow(a.seg, a.tcb)) return true;
      if (has(a.seg, RST) || (has(a.seg, SYN) && !lt(a.seg.seq, a.tcb.rcvNxt))) return false;
      return !has(a.seg, ACK) || !gt(endSeq(a.seg), a.tcb.rcvNxt) || segLen(a.seg) === 0;
    },
    predict: (a) =>
      minisockInWindow(a.seg, a.tcb)
        ? { verdict: 'drop', reply: null, next: 'FIN-WAIT-2' }
        : // for a RST this ACK is the only answer it can draw (RFC 5961 3.2 shape): label it so
          { verdict: has(a.seg, RST) ? 'challenge-ack' : 'ack', reply: ackNow(a.tcb), next: 'FIN-WAIT-2', rateLimited: true },
  });

  // Orphaned FIN-WAIT-2: the FIN is taken whatever SEG.ACK says.
  list.push({
    id: 'linux-fin-wait-2-orphan-ack-unchecked',
    title: 'orphaned FIN-WAIT-2 takes a FIN at RCV.NXT whatever its ACK field (to TIME-WAIT)',
    departsFrom: 'RFC 9293 3.10.7.4 (fifth): SEG.ACK > SND.NXT -> send an ACK, drop the segment; SEG.ACK < SND.UNA is ignored and processing goes on',
    behaviour:
      'tcp_timewait_state_process(), substate TCP_FIN_WAIT2: only th->ack is tested, never ack_seq; a FIN with end_seq == rcv_nxt + 1 -> TCP_TIME_WAIT, TCP_TW_ACK',
    why: 'everything we sent is acknowledged already; the timewait socket keeps no send sequence state to check against',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) =>
      a.state === 'FIN-WAIT-2' &&
      !!a.tcb.orphaned &&
      has(a.seg, FIN) &&
      has(a.seg, ACK) &&
      !has(a.seg, RST | SYN) &&
      a.seg.seq === a.tcb.rcvNxt &&
      a.seg.len === 0 &&
      (gt(a.seg.ack, a.tcb.sndNxt) || lt(a.seg.ack, a.tcb.sndUna)),
    predict: (a) => fromInner(a.engine(a.state, { ...a.seg, ack: a.tcb.sndNxt }, a.tcb)),
  });

  // TIME-WAIT, kernels 4.15 to 6.9: the reopening SYN,ACK carries a fresh ISN, not tw_snd_nxt + 65537.
  if (options.timeWaitFreshIsn) {
    list.push({
      id: 'linux-time-wait-syn-reuse-fresh-isn',
      title: 'TIME-WAIT accepts a SYN with SEG.SEQ > RCV.NXT as a new connection, with a freshly hashed ISN',
      departsFrom:
        'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2: SYN -> challenge ACK; MAY-2 (RFC 1122 4.2.2.13) lets TIME-WAIT reopen if the new ISN is larger than any sequence number the old incarnation used',
      behaviour:
        'tcp_timewait_state_process() returns TCP_TW_SYN with tcp_tw_isn = tw_snd_nxt + 65535 + 2, but tcp_v4_rcv() hands the SYN to the listener ' +
        'through tcp_v4_fill_cb(), which zeroes tcp_tw_isn; tcp_conn_request() then draws secure_tcp_seq() (RFC 6528: same 4-tuple hash plus a 64 ns clock)',
      why: 'a side effect of "tcp: add tcp_v4_fill_cb()/tcp_v4_restore_cb()" (4.15), fixed in 6.10; the clock-driven ISN normally still exceeds the old SND.NXT',
      cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process(), net/ipv4/tcp_ipv4.c tcp_v4_rcv(), tcp_v4_fill_cb()',
      // Seen in suites/matrix.ts on UML 6.1.176: TIME-WAIT <- SYN @RCV.NXT+RCV.WND-1 and @RCV.NXT+RCV.WND.
      applies: (a) => a.state === 'TIME-WAIT' && a.tcb.listening && has(a.seg, SYN) && !has(a.seg, ACK | RST) && gt(a.seg.seq, a.tcb.rcvNxt),
      predict: (a) => {
        if (has(a.seg, FIN)) return { verdict: 'drop', reply: null, next: 'CLOSED' };
        const rcvNxt = add(a.seg.seq, 1);
        // The ISN is learned from the answer (Reply.unknown); the TCB's iss follows it.
        const isn = add(a.tcb.sndNxt, 65535 + 2);
        return {
          verdict: 'syn-ack',
          reply: { flags: SYN | ACK, seq: isn, ack: rcvNxt, unknown: ['seq'] },
          next: 'SYN-RECEIVED',
          tcb: { ...a.tcb, iss: isn, irs: a.seg.seq, sndUna: isn, sndNxt: add(isn, 1), rcvNxt, passiveOpen: true },
        };
      },
    });
  }

  // TIME-WAIT: a new SYN above RCV.NXT opens a new incarnation.
  list.push({
    id: 'linux-time-wait-syn-reuse',
    title: 'TIME-WAIT accepts a SYN with SEG.SEQ > RCV.NXT as a new connection',
    departsFrom: 'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2: SYN -> challenge ACK (the RFC allows reuse only with timestamps, RFC 6191)',
    behaviour:
      'tcp_timewait_state_process(): SYN without ACK/RST, after(seq, tw_rcv_nxt) (or a newer timestamp) -> TCP_TW_SYN with ISN = tw_snd_nxt + 65535 + 2; ' +
      'tcp_v4_rcv() kills the timewait socket and hands the SYN to the listener (which drops a SYN+FIN); without a listener it is ACKed',
    why: 'RFC 1122 4.2.2.13: a TCP MAY reopen from TIME-WAIT when the new ISN exceeds the old sequence space',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process(), net/ipv4/tcp_ipv4.c tcp_v4_rcv()',
    applies: (a) => a.state === 'TIME-WAIT' && a.tcb.listening && has(a.seg, SYN) && !has(a.seg, ACK | RST) && gt(a.seg.seq, a.tcb.rcvNxt),
    predict: (a) => {
      if (has(a.seg, FIN)) return { verdict: 'drop', reply: null, next: 'CLOSED' };
      let isn = add(a.tcb.sndNxt, 65535 + 2);
      if (isn === 0) isn = 1;
      const rcvNxt = add(a.seg.seq, 1);
      return {
        verdict: 'syn-ack',
        reply: { flags: SYN | ACK, seq: isn, ack: rcvNxt },
        next: 'SYN-RECEIVED',
        tcb: { ...a.tcb, iss: isn, irs: a.seg.seq, sndUna: isn, sndNxt: add(isn, 1), rcvNxt, passiveOpen: true },
      };
    },
  });

  // TIME-WAIT with tcp_rfc1337=1: an exact RST is ignored (RFC 1337 TIME-WAIT assassination).
  if (options.rfc1337) {
    list.push({
      id: 'linux-rfc1337-ignore-rst',
      title: 'TIME-WAIT ignores a RST (net.ipv4.tcp_rfc1337=1)',
      departsFrom: 'RFC 9293 3.10.7.4 (second): TIME-WAIT + RST at RCV.NXT -> CLOSED',
      behaviour: 'tcp_timewait_state_process(): RST at tw_rcv_nxt with sysctl_tcp_rfc1337 set -> reschedule, no kill',
      why: 'RFC 1337: killing TIME-WAIT on a RST lets old duplicates corrupt a new incarnation',
      cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
      applies: (a) => a.state === 'TIME-WAIT' && has(a.seg, RST) && a.seg.seq === a.tcb.rcvNxt,
      predict: () => ({ verdict: 'drop', reply: null, next: 'TIME-WAIT', timers: ['restart-2msl'] }),
    });
  }

  // TIME-WAIT: a RST not exactly at RCV.NXT is dropped silently.
  list.push({
    id: 'linux-time-wait-rst-inexact',
    title: 'TIME-WAIT drops a RST not at RCV.NXT without a challenge ACK',
    departsFrom: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2: in-window RST not at RCV.NXT -> challenge ACK',
    behaviour: 'tcp_timewait_state_process(): only seq == tw_rcv_nxt counts as in window; an out-of-window RST is released without an answer',
    why: 'a timewait socket has no use for a RST it cannot verify, and answering would feed reset loops',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => a.state === 'TIME-WAIT' && has(a.seg, RST) && a.seg.seq !== a.tcb.rcvNxt,
    predict: () => ({ verdict: 'drop', reply: null, next: 'TIME-WAIT' }),
  });

  // TIME-WAIT: a zero-length segment at RCV.NXT (a bare ACK) is absorbed without an answer.
  list.push({
    id: 'linux-time-wait-bare-ack-silent',
    title: 'TIME-WAIT absorbs a bare ACK at RCV.NXT without answering',
    departsFrom: 'RFC 9293 3.10.7.4 (fifth), TIME-WAIT: acknowledge it and restart the 2 MSL timeout',
    behaviour: 'tcp_timewait_state_process(): "In window segment, it may be only reset or bare ack" -> inet_twsk_reschedule(), TCP_TW_SUCCESS',
    why: 'a bare ACK at RCV.NXT is the peer acknowledging our last ACK; answering it would start an ACK loop',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => a.state === 'TIME-WAIT' && !has(a.seg, RST) && segLen(a.seg) === 0 && a.seg.seq === a.tcb.rcvNxt,
    predict: () => ({ verdict: 'drop', reply: null, next: 'TIME-WAIT', timers: ['restart-2msl'] }),
  });

  // TIME-WAIT: everything else that is not a RST is answered with the same ACK, RCV.NXT unchanged.
  list.push({
    id: 'linux-time-wait-ack-all',
    title: 'TIME-WAIT answers every other non-RST segment with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
    departsFrom: 'RFC 9293 3.10.7.4: a FIN at RCV.NXT advances RCV.NXT (ACK=RCV.NXT+1); an in-window segment without ACK is dropped',
    behaviour:
      'tcp_timewait_state_process(): "Out of window segment. All the segments are ACKed immediately" via tcp_timewait_check_oow_rate_limit() -> TCP_TW_ACK (tw_snd_nxt, tw_rcv_nxt)',
    why: 'the timewait socket keeps only tw_snd_nxt/tw_rcv_nxt; its one answer is the ACK the peer may have lost',
    cite: 'net/ipv4/tcp_minisocks.c tcp_timewait_state_process()',
    applies: (a) => a.state === 'TIME-WAIT' && !has(a.seg, RST),
    predict: (a) => ({
      verdict: 'ack',
      reply: ackNow(a.tcb),
      next: 'TIME-WAIT',
      rateLimited: segLen(a.seg) === 0 || has(a.seg, SYN),
      ...(has(a.seg, ACK) ? { timers: ['restart-2msl'] as const } : {}),
    }),
  });

  return list;
}

/**
 * tcp_oow_rate_limited() / tcp_send_challenge_ack(): per socket at most one such ACK per
 * net.ipv4.tcp_invalid_ratelimit (500 ms); segments with data and no SYN are exempt from the
 * out-of-window limit, challenge ACKs never are.
 */
function linuxRateLimited(p: Prediction, seg: Segment): boolean {
  if (p.verdict === 'challenge-ack') return true;
  if (p.verdict !== 'ack') return false;
  return segLen(seg) === 0 || has(seg, SYN);
}

/**
 * The LinuxOptions a kernel release (`uname -r`, e.g. '6.18.44-fc-v657') implies, where the
 * release that changed a behaviour is known. synRecvRstExact: a 6.18.44 lab kernel answers a
 * non-exact in-window RST in SYN-RECEIVED with a challenge ACK and keeps the request (seen by
 * suites/matrix.ts, cells "SYN-RECEIVED <- RST @RCV.NXT+RCV.WND-1" and "@RCV.NXT+RCV.WND");
 * releases below 6.18.44 are assumed not to carry the change (not verified). The User-Mode Linux
 * lab (6.1.176) shows three older behaviours (and one backported newer one, oldAckAcceptedClosing): legacyAckUnsent (ESTABLISHED <- ACK
 * ack=SND.NXT+1 gets no answer; the challenge ACK came with 6.18.38), timeWaitFreshIsn (below
 * 6.10) and legacyEndBeyondWindow (below 6.17: CLOSING <- data @RCV.NXT+RCV.WND reaches TIME-WAIT). Releases between those seen (6.1.176, 6.18.44) follow the changes' versions, unverified.
 */
export function linuxOptionsForRelease(
  release: string,
): Pick<LinuxOptions, 'synRecvRstExact' | 'legacyAckUnsent' | 'timeWaitFreshIsn' | 'legacyEndBeyondWindow' | 'oldAckAcceptedClosing'> {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return {};
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const atLeast = (x: number, y: number, z: number) => (major !== x ? major > x : minor !== y ? minor > y : patch >= z);
  return {
    synRecvRstExact: atLeast(6, 18, 44),
    legacyAckUnsent: !atLeast(6, 18, 38),
    timeWaitFreshIsn: atLeast(4, 15, 0) && !atLeast(6, 10, 0),
    legacyEndBeyondWindow: !atLeast(6, 17, 0),
    // 6.1.y from .167 has the backport; other stable series below 6.8 are assumed not to (not verified).
    oldAckAcceptedClosing: atLeast(6, 8, 0) || (major === 6 && minor === 1 && patch >= 167),
  };
}

/**
 * Linux's own user-call rows. ABORT: the kernel sends RST|ACK with ACK=RCV.NXT
 * (tcp_send_active_reset() in net/ipv4/tcp_output.c sets TCPHDR_ACK | TCPHDR_RST), where RFC 9293
 * 3.10.5 sends <SEQ=SND.NXT><CTL=RST>; the peer's RST processing treats both alike.
 */
const linuxTable: readonly Transition[] = rfcTable.map((row) =>
  row.id === 'abort-send-rst'
    ? {
        ...row,
        emits: [{ flags: 'R.', seq: 'SND.NXT', ack: 'RCV.NXT' }],
        rfc: 'RFC 9293 3.10.5; Linux tcp_send_active_reset()',
        note: 'ABORT: send RST,ACK (Linux), delete the TCB',
      }
    : row,
);

export function linuxProfile(options: LinuxOptions = {}): Profile {
  return {
    name: 'linux',
    table: linuxTable,
    deviations: linuxDeviations(options),
    strict: true,
    rateLimited: linuxRateLimited,
  };
}

/**
 * A stack without RFC 5961's mitigations (MAY-12) answers as RFC 793 did: any RST inside the
 * window resets the connection, a SYN inside the window is answered with a reset. Not a stack of
 * its own: departures a non-strict judgement recognises (gVisor's netstack and slirp show them).
 */
export function rfc793Deviations(): Deviation[] {
  const inWindow = (a: Arrival): boolean => {
    const d = diff(a.seg.seq, a.tcb.rcvNxt);
    return d >= 0 && d < Math.max(a.tcb.rcvWnd, 1);
  };
  return [
    {
      id: 'no-rfc5961-rst-in-window',
      title: 'any RST inside the window resets the connection (no RFC 5961 challenge ACK)',
      departsFrom: 'RFC 9293 3.10.7.4 (second) / RFC 5961 3.2: RST not at RCV.NXT -> challenge ACK',
      behaviour: 'RFC 793 3.9: "If the RST bit is set then, any outstanding RECEIVEs and SEND should receive reset responses"',
      why: 'RFC 5961 is optional (MAY-12)',
      cite: 'RFC 793 3.9, RFC 9293 MAY-12',
      applies: (a) => otherStates.includes(a.state) && has(a.seg, RST) && a.seg.seq !== a.tcb.rcvNxt && inWindow(a),
      predict: (a) => ({ verdict: 'reset', reply: null, next: a.state === 'SYN-RECEIVED' && a.tcb.passiveOpen ? 'LISTEN' : 'CLOSED' }),
    },
    {
      id: 'no-rfc5961-syn-in-window',
      title: 'a SYN inside the window is answered with a reset and the connection closes (no RFC 5961 challenge ACK)',
      departsFrom: 'RFC 9293 3.10.7.4 (fourth) / RFC 5961 4.2: SYN -> challenge ACK',
      behaviour: 'RFC 793 3.9: "If the SYN is in the window it is an error, send a reset"',
      why: 'RFC 5961 is optional (MAY-12)',
      cite: 'RFC 793 3.9, RFC 9293 MAY-12',
      applies: (a) => otherStates.includes(a.state) && !(a.state === 'SYN-RECEIVED' && a.tcb.passiveOpen) && has(a.seg, SYN) && !has(a.seg, RST) && inWindow(a),
      // The reset's numbers are a detail here: the choice is resetting instead of a challenge ACK.
      predict: (a) => ({ verdict: 'rst', reply: { ...resetFor(a.seg), unknown: ['seq', 'ack'] }, next: 'CLOSED' }),
    },
  ];
}

export const profiles = {
  rfc: {
    ...rfcProfile,
    knownDepartures: [
      linuxProfile(),
      linuxProfile({ rfc1337: true }),
      { name: 'rfc793', table: rfcTable, deviations: rfc793Deviations() },
      { name: 'gvisor', table: rfcTable, deviations: gvisorDeviations() },
    ],
  } as Profile,
  linux: linuxProfile(),
} as const;

export type ProfileName = keyof typeof profiles;

/** Exposed for the oracle: fills an Arrival. */
export function arrival(state: TcpState, seg: Segment, tcb: Required<Tcb>, table: readonly Transition[]): Arrival {
  let cached: Prediction | undefined;
  return {
    state,
    seg,
    tcb,
    get rfc() {
      return (cached ??= rfcPredict(state, seg, tcb, table));
    },
    engine: (s, g, t) => rfcPredict(s, g, t, table),
  };
}
