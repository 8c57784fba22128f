// The FSM's view of the remote, kept step by step beside a scripted connection: the remote's
// state and TCB, and the queue of segments the oracle says it must send. Every segment we send
// and every user call or timeout on the remote goes through src/fsm's oracle; every segment the
// remote sends is checked against the head of that queue.
import { predict, predictEvent, type Prediction, type Profile, type Reply, type Tcb, type TcpState, type TimeoutEvent, type UserCall } from '../fsm/index.js';
import { Seq, formatFlags } from '../packet/index.js';
import { PSH, type DecodedTcp, type TcpSegment } from '../packet/types.js';
import type { FieldMismatch } from './pattern.js';

export interface ExpectedSegment {
  reply: Reply;
  /** payload bytes the remote sends with it (its own data) */
  len: number;
  /** why the oracle expects it: the governing rule, with its RFC section */
  why: string;
  ruleIds: readonly string[];
}

export class RemoteModel {
  readonly expected: ExpectedSegment[] = [];
  /** FSM table rows and profile deviations exercised so far */
  readonly rows = new Set<string>();
  last: Prediction | undefined;

  constructor(
    public state: TcpState,
    public tcb: Tcb,
    readonly profile: Profile,
  ) {}

  /** A remote listening for our SYN: nothing is known of its ISS yet. */
  static listening(profile: Profile, rcvWnd = 65535): RemoteModel {
    return new RemoteModel(
      'LISTEN',
      { iss: 0, irs: 0, sndUna: 0, sndNxt: 0, sndWnd: 0, rcvNxt: 0, rcvWnd, passiveOpen: true, listening: true },
      profile,
    );
  }

  /** Our segment reaches the remote. */
  arrive(seg: TcpSegment): Prediction {
    const p = predict(this.state, { flags: seg.flags, seq: seg.seq, ack: seg.ack, len: seg.payload?.length ?? 0 }, this.tcb, this.profile);
    this.last = p;
    this.state = p.next;
    // The remote's send window is what we advertise (unscaled: tcpfsm offers no window scale by default).
    this.tcb = { ...p.tcb, sndWnd: seg.window, maxSndWnd: Math.max(p.tcb.maxSndWnd ?? 0, seg.window) };
    for (const id of p.ruleIds) this.rows.add(id);
    if (p.reply) this.expected.push({ reply: p.reply, len: 0, why: `${p.rule} (${p.rfc})`, ruleIds: p.ruleIds });
    return p;
  }

  /** A user call on the remote (through the lab agent) or a timeout there. */
  event(event: UserCall | TimeoutEvent, opts: { len?: number; orphaned?: boolean } = {}): void {
    const p = predictEvent(this.state, event, this.tcb, this.profile, { len: opts.len });
    if (!p) throw new Error(`the FSM has no transition for ${event} in ${this.state} (RFC: error)`);
    this.state = p.next;
    this.tcb = { ...p.tcb, ...(opts.orphaned !== undefined ? { orphaned: opts.orphaned } : {}) };
    this.rows.add(p.ruleId);
    for (const reply of p.sends) {
      const len = event === 'send' && reply.flags & PSH ? (opts.len ?? 0) : 0;
      this.expected.push({ reply, len, why: `${p.rule} (${p.rfc})`, ruleIds: [p.ruleId] });
    }
  }

  /**
   * Compare a segment the remote sent with the next expected one. Fields the oracle could not
   * know (the ISS a listener picks) are learned from it. Returns the mismatches, [] when it fits.
   */
  match(actual: DecodedTcp): { expected: ExpectedSegment | undefined; mismatches: FieldMismatch[] } {
    const expected = this.expected.shift();
    if (!expected) return { expected, mismatches: [{ field: 'segment', expected: 'nothing (the FSM predicts no segment now)', actual: `[${formatFlags(actual.flags)}]` }] };
    const { reply } = expected;
    const unknown = new Set(reply.unknown ?? []);
    const mismatches: FieldMismatch[] = [];
    // A data segment may carry PSH or not: the sender decides (RFC 9293 3.9.1 "PUSH").
    const flagsSeen = expected.len > 0 ? actual.flags | PSH : actual.flags;
    const flagsWant = expected.len > 0 ? reply.flags | PSH : reply.flags;
    if (flagsSeen !== flagsWant) mismatches.push({ field: 'tcp_flags', expected: `[${formatFlags(reply.flags)}]`, actual: `[${formatFlags(actual.flags)}]` });
    const n = (x: number) => `${x >>> 0} (0x${(x >>> 0).toString(16)})`;
    if (!unknown.has('seq') && reply.seq >>> 0 !== actual.seq) mismatches.push({ field: 'tcp_seq', expected: n(reply.seq), actual: n(actual.seq) });
    if (!unknown.has('ack') && reply.flags & 0x10 && reply.ack >>> 0 !== actual.ack)
      mismatches.push({ field: 'tcp_ack_seq', expected: n(reply.ack), actual: n(actual.ack) });
    if (expected.len !== actual.payload.length) mismatches.push({ field: 'payload_len', expected: String(expected.len), actual: String(actual.payload.length) });
    if (unknown.has('seq')) this.learnIss(reply.seq, actual.seq);
    return { expected, mismatches };
  }

  /** The remote's receive window, as its latest segment advertised it. */
  learnWindow(window: number): void {
    this.tcb = { ...this.tcb, rcvWnd: window };
  }

  /** Shift the remote's send sequence space by what its real ISS turned out to be. */
  private learnIss(predicted: number, actual: number): void {
    const d = Seq.diff(actual, predicted);
    const t = this.tcb;
    this.tcb = { ...t, iss: Seq.add(t.iss, d), sndUna: Seq.add(t.sndUna, d), sndNxt: Seq.add(t.sndNxt, d) };
  }
}
