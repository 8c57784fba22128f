// The FSM's view of the remote, kept step by step beside a scripted connection: the remote's
// state and TCB, and the queue of segments the oracle says it must send. Every segment we send
// and every user call or timeout on the remote goes through src/fsm's oracle; every segment the
// remote sends is checked against the head of that queue.

import { type DepartureGrade, departureGrade } from '../fsm/departures.js';
import { type Prediction, type Profile, predict, predictEvent, type Reply, type Tcb, type TcpState, type TimeoutEvent, type UserCall } from '../fsm/index.js';
import { formatFlags, Seq } from '../packet/index.js';
import { type DecodedTcp, FIN, PSH, RST, SYN, type TcpSegment } from '../packet/types.js';
import { judgeAnswer } from '../verdict/answer.js';
import type { Finding } from '../verdict/grade.js';
import type { FieldMismatch } from './pattern.js';

export interface ExpectedSegment {
  reply: Reply;
  /** payload bytes the remote sends with it (its own data) */
  len: number;
  /** why the oracle expects it: the governing rule, with its RFC section */
  why: string;
  /** the RFC section that prescribes it, for graded findings */
  rfc: string;
  /** an answer to our segment (not the remote's own doing): sending it again asks again */
  answersOurSegment: boolean;
  ruleIds: readonly string[];
}

/** A segment from the remote against the oracle's head: what fails the step, what is only graded. */
export interface MatchResult {
  expected: ExpectedSegment | undefined;
  /** differences that fail the step (every difference under a strict profile; violations otherwise) */
  mismatches: FieldMismatch[];
  /** differences the RFC allows or only advises on (choices, deviations): recorded, not failed */
  findings: Finding[];
}

/** The packetdrill-style field name of each check judgeAnswer makes. */
const FIELD_OF_CHECK: Record<string, string> = {
  'control bits': 'tcp_flags',
  'PSH flag': 'tcp_flags',
  'FIN on the last data segment': 'tcp_flags',
  'ECN flags without ECN negotiated': 'tcp_flags',
  'URG flag': 'tcp_flags',
  'ACK bit of a reset': 'tcp_flags',
  'sequence number': 'tcp_seq',
  'acknowledgment number': 'tcp_ack_seq',
  'payload length': 'payload_len',
  'data on a reset': 'payload_len',
};

const WINDOW_EDGE = 'RFC 9293 3.10.7.4 Table 6: SEG.SEQ = RCV.NXT+RCV.WND is outside the window last advertised (the receiver may have grown it since)';

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

  /**
   * What known stacks would have done with our latest segment where they depart from the profile
   * (non-strict profiles only): the model follows one of these when the target's answer or state
   * shows it took that path.
   */
  private departures: Array<{ p: Prediction; grade: DepartureGrade; departsFrom: string }> = [];
  private beforeArrival: { state: TcpState; tcb: Tcb } | undefined;

  /** A remote listening for our SYN: nothing is known of its ISS yet. */
  static listening(profile: Profile, rcvWnd = 65535): RemoteModel {
    return new RemoteModel('LISTEN', { iss: 0, irs: 0, sndUna: 0, sndNxt: 0, sndWnd: 0, rcvNxt: 0, rcvWnd, passiveOpen: true, listening: true }, profile);
  }

  /** Our segment reaches the remote. */
  arrive(seg: TcpSegment): Prediction {
    const segment = { flags: seg.flags, seq: seg.seq, ack: seg.ack, len: seg.payload?.length ?? 0 };
    const p = predict(this.state, segment, this.tcb, this.profile);
    this.departures = [];
    for (const known of this.profile.strict ? [] : (this.profile.knownDepartures ?? [])) {
      const alt = predict(this.state, segment, this.tcb, known);
      const d = alt.deviation ? known.deviations.find((x) => x.id === alt.deviation) : undefined;
      if (d && (alt.next !== p.next || alt.reply?.flags !== p.reply?.flags) && !this.departures.some((x) => x.p.deviation === alt.deviation))
        this.departures.push({ p: alt, grade: departureGrade(d.id, d.departsFrom), departsFrom: d.departsFrom });
    }
    if (!this.profile.strict) this.windowGrownAlternatives(segment, p);
    this.beforeArrival = { state: this.state, tcb: this.tcb };
    this.last = p;
    this.state = p.next;
    // The remote's send window is what we advertise (unscaled: tcpfsm offers no window scale by default).
    this.tcb = { ...p.tcb, sndWnd: seg.window, maxSndWnd: Math.max(p.tcb.maxSndWnd ?? 0, seg.window) };
    for (const id of p.ruleIds) this.rows.add(id);
    if (p.reply) this.expected.push({ reply: p.reply, len: 0, why: `${p.rule} (${p.rfc})`, rfc: p.rfc, ruleIds: p.ruleIds, answersOurSegment: true });
    return p;
  }

  /**
   * A segment at RCV.NXT+RCV.WND is outside the window the remote last advertised, but the
   * receive window is the receiver's own and may have grown since without an update being sent
   * (RFC 9293 3.8.6.2.2: an update can wait, e.g. for SWS avoidance; gVisor's netstack advertises
   * 29184 in its SYN-ACK and takes more). The RFC leaves that open, so what the profile and each
   * known stack would do with a window grown past the segment is a path the model may follow,
   * graded a choice (or the grade of the stack's own departure on that path, if it takes one).
   */
  private windowGrownAlternatives(segment: { flags: number; seq: number; ack: number; len: number }, p: Prediction): void {
    const t = this.tcb;
    if (!(t.rcvWnd > 0) || segment.seq !== Seq.add(t.rcvNxt, t.rcvWnd)) return;
    const occupies = segment.len + (segment.flags & SYN ? 1 : 0) + (segment.flags & FIN ? 1 : 0);
    const grown = { ...t, rcvWnd: t.rcvWnd + occupies + 1 };
    for (const profile of [this.profile, ...(this.profile.knownDepartures ?? [])]) {
      const alt = predict(this.state, segment, grown, profile);
      const differs = (q: Prediction) => alt.next !== q.next || alt.reply?.flags !== q.reply?.flags;
      if (!differs(p) || !this.departures.every((d) => differs(d.p))) continue;
      const own = alt.deviation ? profile.deviations.find((x) => x.id === alt.deviation) : undefined;
      this.departures.push({
        p: alt,
        grade: own ? departureGrade(own.id, own.departsFrom) : { grade: 'choice', requirement: 'RFC 9293 3.8.6.2.2' },
        departsFrom: `${WINDOW_EDGE}${own ? `; and ${own.departsFrom}` : ''}`,
      });
    }
  }

  /** A user call on the remote (through the lab agent) or a timeout there. */
  event(event: UserCall | TimeoutEvent, opts: { len?: number; orphaned?: boolean } = {}): void {
    this.departures = [];
    const p = predictEvent(this.state, event, this.tcb, this.profile, { len: opts.len });
    if (!p) throw new Error(`the FSM has no transition for ${event} in ${this.state} (RFC: error)`);
    this.state = p.next;
    this.tcb = { ...p.tcb, ...(opts.orphaned !== undefined ? { orphaned: opts.orphaned } : {}) };
    this.rows.add(p.ruleId);
    for (const reply of p.sends) {
      const len = event === 'send' && reply.flags & PSH ? (opts.len ?? 0) : 0;
      this.expected.push({ reply, len, why: `${p.rule} (${p.rfc})`, rfc: p.rfc, ruleIds: [p.ruleId], answersOurSegment: false });
    }
  }

  /**
   * Compare a segment the remote sent with the next expected one. Fields the oracle could not
   * know (the ISS a listener picks) are learned from it. Returns the mismatches, [] when it fits.
   */
  match(actual: DecodedTcp): MatchResult {
    const expected = this.expected.shift();
    if (!expected) {
      const followed = this.follow(
        (d) => d.p.reply !== null && !judgeAnswer(this.asPrediction(d.p), actual).findings.some((f) => f.level === 'violation'),
        'nothing',
        actual,
      );
      if (followed) return { expected: undefined, findings: [followed], mismatches: [] };
      return {
        expected,
        findings: [],
        mismatches: [{ field: 'segment', expected: 'nothing (the FSM predicts no segment now)', actual: `[${formatFlags(actual.flags)}]` }],
      };
    }
    const { reply } = expected;
    const unknown = reply.unknown ?? [];
    // A data segment may carry PSH or not: the sender decides (RFC 9293 3.9.1 "PUSH").
    const flags = expected.len > 0 ? (reply.flags & ~PSH) | (actual.flags & PSH) : reply.flags;
    const { findings } = judgeAnswer({ flags, seq: reply.seq, ack: reply.ack, len: expected.len, unknown, rule: expected.rfc }, actual);
    if (unknown.includes('seq')) this.learnIss(reply.seq, actual.seq);
    if (!this.profile.strict && findings.some((f) => f.level === 'violation')) {
      const followed = this.follow(
        (d) => d.p.reply !== null && !judgeAnswer(this.asPrediction(d.p), actual).findings.some((f) => f.level === 'violation'),
        `[${formatFlags(reply.flags)}]`,
        actual,
      );
      if (followed) return { expected, findings: [followed], mismatches: [] };
    }
    const failing = this.profile.strict ? findings : findings.filter((f) => f.level === 'violation');
    return {
      expected,
      mismatches: failing.map((f) => ({ field: FIELD_OF_CHECK[f.check] ?? f.check, expected: f.expected, actual: f.observed })),
      findings: this.profile.strict ? [] : findings.filter((f) => f.level !== 'violation'),
    };
  }

  /**
   * No answer came where the profile expects one: follow a known departure that sends nothing.
   * Returns its finding, or undefined when none fits (then the silence is the target's own).
   */
  followSilence(): Finding | undefined {
    const head = this.expected[0];
    if (!head) return undefined;
    const f = this.follow((d) => d.p.reply === null, `[${formatFlags(head.reply.flags)}]`, null);
    if (f) this.expected.shift();
    return f;
  }

  /** The target's real state differs from the model's: follow a known departure that leads there. */
  followState(truth: string): Finding | undefined {
    // Ground truth reads a passive open's return to LISTEN as CLOSED (no socket for the 4-tuple).
    return this.follow((d) => d.p.next === truth || (d.p.next === 'LISTEN' && truth === 'CLOSED'), this.state, null, truth);
  }

  private follow(
    fits: (d: (typeof this.departures)[number]) => boolean,
    expected: string,
    actual: DecodedTcp | null,
    observedState?: string,
  ): Finding | undefined {
    const d = this.departures.find(fits);
    if (!d || !this.beforeArrival) return undefined;
    this.departures = [];
    this.state = d.p.next;
    this.tcb = { ...d.p.tcb, sndWnd: this.tcb.sndWnd, maxSndWnd: this.tcb.maxSndWnd };
    // A new incarnation's SYN-ACK (TIME-WAIT reopened, MAY-2): its sequence space starts at the target's ISN.
    if (actual && d.p.reply && d.p.reply.flags & SYN) this.learnIss(d.p.reply.seq, actual.seq);
    for (const id of d.p.ruleIds) this.rows.add(id);
    const observed = observedState ?? (actual ? `[${formatFlags(actual.flags)}]` : 'nothing');
    return {
      level: d.grade.grade,
      requirement: d.grade.requirement,
      check: `${d.p.rule} (a known departure: ${d.departsFrom})`,
      expected,
      observed,
      departure: d.departsFrom,
    };
  }

  private asPrediction(p: Prediction): Parameters<typeof judgeAnswer>[0] {
    const r = p.reply!;
    // A known stack's SYN-ACK carries that stack's ISN; the target picks its own (RFC 9293 3.4.1).
    // A departure that resets is the choice to reset; the numbers are that stack's (Linux's
    // orphan RST: SND.NXT with ACK, where RFC 9293 3.10.7.1's formula gives SEG.ACK).
    const own: Array<'seq' | 'ack'> = r.flags & RST ? ['seq', 'ack'] : r.flags & SYN ? ['seq'] : [];
    const unknown = [...new Set([...(r.unknown ?? []), ...own])];
    return { flags: r.flags, seq: r.seq, ack: r.ack, len: 0, unknown, rule: p.rfc };
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
