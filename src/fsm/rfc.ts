// RFC 9293 3.10.7 SEGMENT ARRIVES, in the RFC's own check order. This file only *classifies* an
// arriving segment into table events (and keeps the TCB variables); the rows in table.ts decide
// the next state and the answer. RFC 5961 (3.2 RST, 4.2 SYN, 5.2 ACK) is applied as RFC 9293
// 3.10.7.4 folds it in.

import { add, diff, gt, inWindow, le, lt, sub } from '../packet/seq.js';
import { ACK, FIN, RST, SYN } from '../packet/types.js';
import { type Prediction, type Reply, type Segment, segLen, type Tcb, withDefaults } from './model.js';
import { otherStates, type TcpState } from './states.js';
import { type EventName, findRow, rfcTable, type Timer, type Transition, target } from './table.js';
import { FsmTableError, instantiate } from './template.js';

/**
 * Table 6 of RFC 9293 3.10.7.4: the four acceptability cases, modulo 2^32.
 * `length` is SEG.LEN (SYN and FIN included).
 */
export function acceptable(seq: number, length: number, rcvNxt: number, rcvWnd: number): boolean {
  if (length === 0) return rcvWnd === 0 ? seq === rcvNxt : inWindow(seq, rcvNxt, rcvWnd);
  if (rcvWnd === 0) return false;
  return inWindow(seq, rcvNxt, rcvWnd) || inWindow(add(seq, length - 1), rcvNxt, rcvWnd);
}

/** The "idealized segment" of 3.10.7.4: what is left inside [RCV.NXT, RCV.NXT+RCV.WND). */
export interface Idealized {
  /** sequence number of its first octet (the SYN if still there, else the first data octet) */
  start: number;
  syn: boolean;
  data: number;
  fin: boolean;
}

/**
 * Trims octets before RCV.NXT (SYN first, then data) and beyond the window (FIN first, then data),
 * as 3.10.7.4 suggests: "trimming off any portions that lie outside the window (including SYN
 * and FIN)".
 */
export function idealize(seg: Segment, rcvNxt: number, rcvWnd: number): Idealized {
  let start = seg.seq;
  let syn = (seg.flags & SYN) !== 0;
  let fin = (seg.flags & FIN) !== 0;
  let data = seg.len;
  let front = Math.max(0, diff(rcvNxt, start));
  if (front > 0 && syn) {
    syn = false;
    front -= 1;
    start = add(start, 1);
  }
  const cut = Math.min(front, data);
  data -= cut;
  front -= cut;
  start = add(start, cut);
  if (front > 0 && fin) {
    fin = false;
    start = add(start, 1);
  }
  let over = diff(add(start, (syn ? 1 : 0) + data + (fin ? 1 : 0)), add(rcvNxt, rcvWnd));
  if (over > 0 && fin) {
    fin = false;
    over -= 1;
  }
  if (over > 0) data -= Math.min(over, data);
  return { start, syn, data, fin };
}

/** One arrival being processed: the current state, the TCB being updated, the rows applied. */
class Run {
  readonly applied: Transition[] = [];
  readonly timers: Timer[] = [];
  reply: Reply | null = null;
  stopped = false;

  constructor(
    public state: TcpState,
    readonly tcb: Required<Tcb>,
    readonly seg: Segment,
    private readonly table: readonly Transition[],
  ) {}

  /** Looks up the row for (state, event), moves to its state, sends its segments. */
  apply(on: EventName): void {
    const row = findRow(this.table, this.state, on);
    if (!row) throw new FsmTableError(`no transition for ${this.state} on ${on}`);
    this.applied.push(row);
    this.state = target(row, this.state);
    // Several ACKs for one segment are aggregated into one (MUST-58): the last one wins.
    for (const template of row.emits) this.reply = instantiate(template, this.tcb, this.seg);
    this.timers.push(...(row.timers ?? []));
    if (row.stop || !otherStates.includes(this.state)) this.stopped = true;
  }

  result(): Prediction {
    const last = this.applied[this.applied.length - 1];
    if (!last) throw new Error('no FSM row applied to this arrival: the table lacks a row for it');
    return {
      verdict: last.verdict ?? 'accept',
      reply: this.reply,
      next: this.state,
      tcb: this.tcb,
      rule: last.note,
      rfc: last.rfc,
      ruleId: last.id,
      ruleIds: this.applied.map((row) => row.id),
      ...(this.timers.length ? { timers: [...this.timers] } : {}),
    };
  }
}

/** What the RFC says the remote does with `seg` in `state`, using `table` for the outcomes. */
export function rfcPredict(state: TcpState, seg: Segment, tcb: Tcb, table: readonly Transition[] = rfcTable): Prediction {
  const run = new Run(state, withDefaults(tcb), seg, table);
  switch (state) {
    case 'CLOSED':
      closed(run);
      break;
    case 'LISTEN':
      listen(run);
      break;
    case 'SYN-SENT':
      synSent(run);
      break;
    default:
      other(run);
  }
  return run.result();
}

const has = (seg: Segment, flag: number): boolean => (seg.flags & flag) !== 0;

// 3.10.7.1: no TCB. Discard a RST; answer anything else with a RST built to be acceptable.
function closed(run: Run): void {
  const { seg } = run;
  if (has(seg, RST)) run.apply('rcv-rst');
  else run.apply(has(seg, ACK) ? 'rcv-with-ack' : 'rcv-without-ack');
}

// 3.10.7.2: first RST, second ACK, third SYN, fourth anything else.
function listen(run: Run): void {
  const { seg, tcb } = run;
  if (has(seg, RST)) return run.apply('rcv-rst');
  if (has(seg, ACK)) return run.apply('rcv-with-ack');
  if (has(seg, SYN)) {
    tcb.irs = seg.seq;
    tcb.rcvNxt = add(seg.seq, 1);
    tcb.sndUna = tcb.iss;
    tcb.sndNxt = add(tcb.iss, 1);
    tcb.passiveOpen = true;
    return run.apply('rcv-syn');
  }
  run.apply('rcv-other');
}

// 3.10.7.3: first the ACK, second RST, (third security), fourth SYN, fifth drop.
function synSent(run: Run): void {
  const { seg, tcb } = run;
  const withAck = has(seg, ACK);
  if (withAck && (le(seg.ack, tcb.iss) || gt(seg.ack, tcb.sndNxt))) {
    return run.apply(has(seg, RST) ? 'rcv-rst-unacceptable-ack' : 'rcv-unacceptable-ack');
  }
  // RFC 9293 asks RFC 5961 stacks to also match SEG.SEQ to RCV.NXT here, but RCV.NXT is not
  // defined before a SYN arrives; the ACK check above is what validates the RST (RFC 5961 3.2).
  if (has(seg, RST)) return run.apply(withAck ? 'rcv-rst' : 'rcv-rst-without-ack');
  if (!has(seg, SYN)) return run.apply('rcv-other');
  tcb.irs = seg.seq;
  tcb.rcvNxt = add(seg.seq, 1);
  if (withAck) tcb.sndUna = seg.ack;
  if (gt(tcb.sndUna, tcb.iss)) {
    run.apply('rcv-syn-ack');
    // "If there are other controls or text in the segment, then continue processing at the
    // sixth step under Section 3.10.7.4".
    if (!run.stopped) textAndFin(run, idealize(seg, tcb.rcvNxt, tcb.rcvWnd));
    return;
  }
  tcb.passiveOpen = false;
  // Text and controls on the SYN are queued until ESTABLISHED; not modelled further here.
  run.apply('rcv-syn');
}

const RECEIVING: readonly TcpState[] = ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'];

// 3.10.7.4: first sequence number, second RST, (third security), fourth SYN, fifth ACK,
// (sixth URG: nothing a peer can observe), seventh text, eighth FIN.
function other(run: Run): void {
  const { seg, tcb } = run;
  // First: acceptability. An unacceptable RST is dropped, anything else is ACKed and dropped.
  if (!acceptable(seg.seq, segLen(seg), tcb.rcvNxt, tcb.rcvWnd)) {
    return run.apply(has(seg, RST) ? 'rcv-rst-outside-window' : 'rcv-unacceptable');
  }
  const ideal = idealize(seg, tcb.rcvNxt, tcb.rcvWnd);

  // Second: RFC 5961 3.2. Exactly RCV.NXT resets, anywhere else in the window challenges.
  if (has(seg, RST)) {
    if (seg.seq !== tcb.rcvNxt) return run.apply('rcv-rst-in-window');
    if (run.state === 'SYN-RECEIVED') {
      return run.apply(tcb.passiveOpen ? 'rcv-rst-after-passive-open' : 'rcv-rst-after-active-open');
    }
    return run.apply('rcv-rst');
  }

  // Fourth: SYN. A passive SYN-RECEIVED returns to LISTEN for a SYN inside the window (the
  // retransmitted original SYN at IRS lies before RCV.NXT and was trimmed off above). Everywhere
  // else RFC 5961 4.2: a challenge ACK "irrespective of the sequence number".
  if (run.state === 'SYN-RECEIVED' && tcb.passiveOpen) {
    if (ideal.syn) return run.apply('rcv-syn-after-passive-open');
  } else if (has(seg, SYN)) {
    return run.apply('rcv-syn');
  }

  // Fifth: the ACK field.
  if (!has(seg, ACK)) return run.apply('rcv-without-ack');
  if (run.state === 'SYN-RECEIVED') {
    if (!(lt(tcb.sndUna, seg.ack) && le(seg.ack, tcb.sndNxt))) return run.apply('rcv-unacceptable-ack');
    tcb.sndUna = seg.ack;
    run.apply('rcv-ack-of-syn');
  } else {
    if (gt(seg.ack, tcb.sndNxt)) return run.apply('rcv-ack-unsent');
    if (lt(seg.ack, sub(tcb.sndUna, tcb.maxSndWnd))) return run.apply('rcv-ack-too-old');
    if (lt(tcb.sndUna, seg.ack)) tcb.sndUna = seg.ack;
    // Our FIN is the last octet we sent, so it is acknowledged once SND.UNA reaches SND.NXT.
    const finAcked = tcb.sndUna === tcb.sndNxt;
    switch (run.state) {
      case 'FIN-WAIT-1':
        if (!finAcked) {
          run.apply('rcv-ack');
        } else if (ideal.fin && ideal.start === tcb.rcvNxt) {
          // FIN arriving with the ACK of ours (Figure 5 note 2): one step to TIME-WAIT.
          tcb.rcvNxt = add(tcb.rcvNxt, ideal.data + 1);
          return run.apply('rcv-fin-ack-of-fin');
        } else {
          run.apply('rcv-ack-of-fin');
        }
        break;
      case 'CLOSING':
      case 'LAST-ACK':
        run.apply(finAcked ? 'rcv-ack-of-fin' : 'rcv-ack');
        break;
      default:
        run.apply('rcv-ack');
    }
  }
  if (run.stopped) return;
  textAndFin(run, ideal);
}

// Seventh (text) and eighth (FIN) steps of 3.10.7.4, on the idealized segment.
function textAndFin(run: Run, ideal: Idealized): void {
  const { tcb } = run;
  if (ideal.data === 0 && !ideal.fin) return;
  const receiving = RECEIVING.includes(run.state);
  if (ideal.start !== tcb.rcvNxt) {
    // Beyond RCV.NXT: held for later (SHLD-31); in the receiving states a duplicate ACK.
    return run.apply(receiving ? 'rcv-out-of-order' : 'rcv-text-after-fin');
  }
  if (ideal.data > 0) {
    if (!receiving) return run.apply('rcv-text-after-fin'); // ignored, so a FIN after it is not next
    tcb.rcvNxt = add(tcb.rcvNxt, ideal.data);
    run.apply('rcv-data');
    if (run.stopped) return;
  }
  if (ideal.fin) {
    tcb.rcvNxt = add(tcb.rcvNxt, 1);
    run.apply('rcv-fin');
  }
}
