// A scripted connection: the peer (our side), the RemoteModel (the FSM's view of the remote) and,
// in the lab, the kernel's ground truth. Each step checks two independent signals: the segments
// the remote sends against the oracle, and the remote's real state against the model's.
import { type Prediction, predict, type TcpState, type TimeoutEvent, type UserCall } from '../fsm/index.js';
import { StateTimeoutError } from '../lab/index.js';
import { formatFlags, formatTcp, Seq } from '../packet/index.js';
import { ACK, type DecodedTcp, FIN, PSH, RST, SYN, type TcpSegment } from '../packet/types.js';
import type { StateSource } from '../target/stack.js';
import type { Finding } from '../verdict/grade.js';
import type { WireSegment } from '../wire/transport.js';
import { describePattern, InconclusiveError, PathDivergedError, type PeerConnection, type SendSpec, StaleIncarnationError } from './connection.js';
import type { ExpectedSegment, RemoteModel } from './model.js';
import { compareSegment, describeMismatches, type FieldMismatch, type SegmentPattern } from './pattern.js';
import { handshakeProbeSegment, type Inference, inferHandshake, inferStates, type ProbeKnowledge, probeSegment } from './state-probe.js';

/** How long a segment may take to arrive before we call it missing (delayed ACKs are up to 200 ms on Linux). */
export const REPLY_DEADLINE_MS = 1500;
/** How long we listen to be sure the remote stays quiet. */
export const QUIET_MS = 300;
/** How long an ACK of the server's data waits for more of it to share the ACK (far below any RTO). */
const GATHER_MS = 20;
/** Retransmissions of our segment before a missing answer is concluded (waits 1, 2, 4 × the deadline). */
export const RESENDS = 2;
/** How long the kernel may take to reach the state the model predicts. */
export const STATE_DEADLINE_MS = 1000;

/** The target's own view of one connection (ground truth), where the target has one. */
export interface GroundTruth {
  /** Wait until the remote is in `state` for this connection; return what it was when the wait ended. */
  await(state: TcpState, localPort: number, remotePort: number): Promise<{ state: string; ok: boolean; trail: string[] }>;
}

/** Ground truth from a target's state source; `targetAddr`/`probeAddr` complete each tuple. */
export function stateGroundTruth(states: StateSource, targetAddr: string, probeAddr: string): GroundTruth {
  return {
    async await(state, probePort, targetPort) {
      const tuple = { localAddress: targetAddr, localPort: targetPort, peerAddress: probeAddr, peerPort: probePort };
      // LISTEN: our connection has no socket of its own yet (or no longer); the listener must exist.
      const want: TcpState = state === 'LISTEN' ? 'CLOSED' : state;
      try {
        const r = await states.waitForState(tuple, want, STATE_DEADLINE_MS);
        if (state === 'LISTEN') {
          const listening = (await states.sockets({ localPort: targetPort })).some((s) => s.state === 'LISTEN');
          return { state: listening ? 'LISTEN' : 'CLOSED', ok: listening, trail: r.trail };
        }
        return { state: r.state, ok: true, trail: r.trail };
      } catch (e) {
        if (!(e instanceof StateTimeoutError)) throw e;
        return { state: e.last.state, ok: false, trail: e.last.trail };
      }
    },
  };
}

export class ScriptedConnection {
  /**
   * Called once per checked step with a one-line description (the harness makes it a TAP
   * assertion). Unset, no description is even built: `this.onStep?.(…)` skips its argument.
   */
  onStep: ((text: string) => void) | undefined;
  /**
   * Remote mode (no ground truth): inState() asks the remote with a state probe
   * (./state-probe.ts) and checks the model's state against what the answer shows.
   */
  probeStates = false;
  /** Graded findings that did not fail a step (choices, deviations), in the order seen. */
  readonly findings: Finding[] = [];
  /**
   * Check the ground truth right after each send (the suites). Off where the caller checks once
   * the answers have come (the exercise session): a check that fast (the agent's TCP table) can
   * land before the answer, and the trace would put the state beside our segment instead.
   */
  checkTruthOnSend = true;

  constructor(
    readonly peer: PeerConnection,
    readonly model: RemoteModel,
    private readonly truth: GroundTruth | null,
  ) {}

  get iss(): number {
    return this.peer.iss;
  }
  /** the remote's ISN (known after its SYN-ACK) */
  get irs(): number {
    if (this.peer.irs === undefined) throw new Error('the remote ISN is not known yet (no SYN from it)');
    return this.peer.irs;
  }
  get sndNxt(): number {
    return this.peer.sndNxt;
  }
  get rcvNxt(): number {
    return this.peer.rcvNxt;
  }
  get state(): TcpState {
    return this.model.state;
  }

  /** Send one segment; the oracle predicts the remote's answer and next state, the kernel must agree. */
  async send(spec: SendSpec | string): Promise<WireSegment> {
    const sent = await this.peer.send(spec);
    const p = this.model.arrive(sent.tcp);
    this.peer.trace.note(() => `fsm: ${p.rule} → ${p.next}${p.reply ? `, answers [${formatFlags(p.reply.flags)}]` : ''} (${p.rfc})`);
    const truth = this.checkTruthOnSend ? await this.checkTruth() : undefined;
    this.onStep?.(`> [${formatFlags(sent.tcp.flags)}] → ${p.next}${truth ? ` (kernel: ${truth})` : ''}: ${p.rule}`);
    return sent;
  }

  /**
   * The next segment from the remote must be the one the oracle predicts, and match `pattern`
   * if one is given (the suite's own reading of the RFC): both must hold.
   */
  async expect(pattern?: SegmentPattern | string, timeoutMs = REPLY_DEADLINE_MS): Promise<DecodedTcp & { at: bigint }> {
    const head = this.model.expected[0];
    const p = typeof pattern === 'string' ? { flags: pattern } : (pattern ?? {});
    const s = await this.nextAnswer(timeoutMs, head);
    this.failOnBadChecksum();
    if (!s) {
      const followed = this.model.followSilence();
      if (followed) this.diverge(followed);
      if (this.peer.trace.lossEvents > 0)
        throw new InconclusiveError(
          `no answer to our segment after ${RESENDS} retransmissions (expected ${head ? `[${formatFlags(head.reply.flags)}]` : describePattern(p)}), on a path that lost ${this.peer.trace.lossEvents} segment${this.peer.trace.lossEvents > 1 ? 's' : ''} earlier in this test: loss, not the target, may explain it`,
          this.peer.trace.lines(),
        );
      throw this.peer.failure(
        `expected ${head ? `[${formatFlags(head.reply.flags)}] (${head.why})` : describePattern(p)} within ${timeoutMs} ms, got nothing`,
        { expected: head?.why ?? describePattern(p), modelState: this.model.state },
      );
    }
    if (head && head.reply.flags & SYN) this.failIfRefused(s.tcp);
    if (head && head.reply.flags & SYN && !(s.tcp.flags & (SYN | RST)) && s.tcp.flags & ACK && s.tcp.ack !== Seq.add(this.iss, 1)) {
      // An ACK that does not acknowledge our SYN answers an older connection on this 4-tuple.
      this.peer.trace.note(
        `[${formatFlags(s.tcp.flags)}] ack ${s.tcp.ack} does not acknowledge our SYN: the target still holds an older incarnation of port ${this.peer.localPort}`,
      );
      throw new StaleIncarnationError(
        `source port ${this.peer.localPort} met an older incarnation of its 4-tuple at the target (ack ${s.tcp.ack}, not ${Seq.add(this.iss, 1)})`,
      );
    }
    const suite = compareSegment(p, s.tcp);
    const { expected, mismatches, findings } = this.model.match(s.tcp);
    // The suite's pattern reads the RFC's path; an answer the model recognises as a known
    // stack's departure ends that path with its grade instead of failing the pattern.
    const departure = findings.find((f) => f.departure !== undefined);
    if (suite.length && departure) this.diverge(departure);
    if (suite.length) throw this.peer.failure(`segment mismatch: ${describeMismatches(suite)}`, { actual: formatTcp(s.tcp), answer: s.tcp, mismatches: suite });
    for (const f of findings) {
      this.findings.push(f);
      this.peer.trace.note(`${f.level}: ${f.check} (${f.requirement}): expected ${f.expected}, observed ${f.observed}`);
      if (f.departure !== undefined) this.followedDeparture = f;
    }
    if (mismatches.length)
      throw this.peer.failure(`segment differs from the FSM oracle's prediction: ${describeMismatches(mismatches)}`, {
        oracle: expected?.why ?? 'no segment expected',
        actual: formatTcp(s.tcp),
        answer: s.tcp,
        mismatches,
      });
    if (s.tcp.flags & 0x10) this.model.learnWindow(s.tcp.window);
    this.onStep?.(`< ${formatTcp(s.tcp, { relativeTo: { srcIsn: this.peer.irs ?? 0, dstIsn: this.iss } })} as the oracle predicts`);
    return { ...s.tcp, at: s.at };
  }

  /**
   * The next segment must repeat `original` (same flags, seq, ack, length): a retransmission
   * (RFC 9293 3.8.1). Returns it with its arrival time, for measuring the RTO.
   */
  async expectRetransmission(original: DecodedTcp, timeoutMs: number): Promise<DecodedTcp & { at: bigint }> {
    const s = await this.peer.next(timeoutMs);
    if (!s) throw this.peer.failure(`expected a retransmission of ${formatTcp(original)} within ${timeoutMs} ms, got nothing`);
    const mismatches = compareSegment({ flags: formatFlags(original.flags), seq: original.seq, ack: original.ack, len: original.payload.length }, s.tcp);
    if (mismatches.length) throw this.peer.failure(`not a retransmission: ${describeMismatches(mismatches)}`, { actual: formatTcp(s.tcp), mismatches });
    this.onStep?.(`< ${formatTcp(s.tcp, { relativeTo: { srcIsn: this.peer.irs ?? 0, dstIsn: this.iss } })} retransmitted`);
    return { ...s.tcp, at: s.at };
  }

  /** Nothing may arrive for `ms`, and the oracle must not predict anything either. */
  async expectNothing(ms = QUIET_MS): Promise<void> {
    const head = this.model.expected[0];
    if (head) throw this.peer.failure(`the suite expects silence but the FSM oracle predicts [${formatFlags(head.reply.flags)}] (${head.why})`);
    const s = await this.peer.nextAnswer(ms);
    this.failOnBadChecksum();
    if (s) {
      // Judged by the RFC, an answer where it prescribes none may be a known stack's departure.
      const { findings, mismatches } = this.model.match(s.tcp);
      const followed = mismatches.length ? undefined : findings.find((f) => f.departure !== undefined);
      if (followed) this.diverge(followed);
      throw this.peer.failure(`expected no answer for ${ms} ms, got ${formatTcp(s.tcp)}`, { actual: formatTcp(s.tcp), answer: s.tcp });
    }
    this.onStep?.(`no answer for ${ms} ms, as the oracle predicts`);
  }

  /**
   * The next segment; when the oracle's next answer is one to our own segment and it does not
   * come, send that segment again (as TCP would, doubling the wait) before concluding: one lost
   * segment on the path is not the target's silence. An answer that needed a retransmission is
   * loss evidence for the rest of the test.
   */
  private async nextAnswer(timeoutMs: number, head: ExpectedSegment | undefined): Promise<WireSegment | null> {
    let s = await this.peer.nextAnswer(timeoutMs);
    if (s || !head?.answersOurSegment || !this.peer.lastSent) return s;
    for (let i = 1; i <= RESENDS && !s; i++) {
      await this.peer.resend();
      s = await this.peer.nextAnswer(timeoutMs * 2 ** i);
    }
    if (s) {
      this.peer.trace.lossEvents++;
      this.peer.dropDuplicateOf(s.tcp);
      this.peer.trace.note('the answer came only after our retransmission: a segment was lost on the path (ours or its answer)');
    }
    return s;
  }

  /**
   * The state probe shows a state a known stack's departure leads to (a stack that ignores a RST
   * in TIME-WAIT, RFC 1337): as with ground truth (checkTruth), the model follows it and the cell
   * is graded as that departure — when the probe's answer is the one that state gives.
   */
  private followInferred(inference: Inference, probe: TcpSegment, shift: number, answer: DecodedTcp | null): void {
    for (const state of inference.states) {
      const followed = this.model.followState(state);
      if (!followed) continue;
      if (!mismatchOf(this.probePrediction(probe, shift), answer, shift).length)
        this.diverge({ ...followed, observed: `${state} (state probe: ${inference.evidence})` });
      return;
    }
  }

  /** What the oracle says the model's state answers to the state probe (a listener's ISS shifted by `shift`). */
  private probePrediction(probe: TcpSegment, shift: number): Prediction {
    return predict(
      this.model.state,
      { flags: probe.flags, seq: probe.seq, ack: Seq.sub(probe.ack, shift), len: probe.payload?.length ?? 0 },
      this.model.tcb,
      this.model.profile,
    );
  }

  /** The model followed a known departure: record it and end the test's RFC path here. */
  private diverge(f: Finding): never {
    this.findings.push(f);
    this.peer.trace.note(`${f.level}: ${f.check} (${f.requirement}): expected ${f.expected}, observed ${f.observed}; the model follows the target`);
    throw new PathDivergedError(f);
  }
  /** the last known departure the model followed on an answer (the test goes on until its script needs the RFC's state) */
  private followedDeparture: Finding | undefined;

  /** A segment with a wrong TCP checksum from the target is a MUST-2 violation, whatever else came. */
  private failOnBadChecksum(): void {
    const bad = this.peer.badChecksums[this.badChecksumsSeen];
    if (!bad) return;
    this.badChecksumsSeen = this.peer.badChecksums.length;
    throw this.peer.failure(`the target sent ${formatTcp(bad.tcp)} with a wrong TCP checksum (0x${bad.tcp.checksum.toString(16)}): MUST-2 violated`, {
      findings: [
        {
          level: 'violation',
          requirement: 'MUST-2',
          check: 'TCP checksum',
          expected: 'a valid checksum',
          observed: `0x${bad.tcp.checksum.toString(16)} (invalid)`,
        },
      ],
    });
  }
  private badChecksumsSeen = 0;

  /** Drive the remote's application (the lab agent did it; here the model follows). */
  remoteCalled(call: UserCall | TimeoutEvent, opts: { len?: number; orphaned?: boolean } = {}): void {
    this.model.event(call, opts);
    this.peer.trace.note(`remote ${call}${opts.len ? ` ${opts.len} bytes` : ''} → fsm ${this.model.state}`);
  }

  /** Assert the remote is in `state`: the FSM model must say so, and in the lab the kernel too. */
  /**
   * Remote mode: the service port refuses our first SYN with a reset. Nothing listens there — a
   * precondition of the test, not the target's conformance.
   */
  private failIfRefused(tcp: DecodedTcp): void {
    if (!this.probeStates || this.model.state !== 'SYN-RECEIVED' || !(tcp.flags & RST) || tcp.ack !== Seq.add(this.iss, 1)) return;
    this.peer.trace.note(`[${formatFlags(tcp.flags)}] to our SYN: nothing listens on port ${this.peer.remotePort}`);
    throw new InconclusiveError(
      `nothing listens on port ${this.peer.remotePort} of the target (our SYN was refused with a reset): the test's precondition is not met`,
      this.peer.trace.lines(),
    );
  }

  async inState(state: TcpState): Promise<void> {
    if (this.probeStates && this.model.state === 'SYN-RECEIVED' && (this.model.expected[0]?.reply.flags ?? 0) & SYN) {
      // Our SYN's answer comes first: a refusal means nothing listens (see failIfRefused).
      if (!this.peer.pending().length) await this.peer.waitQueued(1, REPLY_DEADLINE_MS);
      const first = this.peer.pending()[0];
      if (first) this.failIfRefused(first.tcp);
    }
    if (this.model.state !== state && this.followedDeparture) throw new PathDivergedError(this.followedDeparture);
    if (this.model.state !== state)
      throw this.peer.failure(`the FSM model puts the remote in ${this.model.state}, the suite expects ${state}`, { model: this.model.state });
    if (!this.truth && this.probeStates) {
      const inferred = await this.probeState();
      this.onStep?.(`remote in ${state} (inferred from the state probe: ${inferred.evidence})`);
      return;
    }
    const truth = await this.checkTruth();
    this.onStep?.(`remote in ${state}${truth ? ` (kernel: ${truth})` : ''}`);
  }

  /** Model and kernel must agree now (lab only); returns the kernel's state. */
  async checkTruth(): Promise<string | undefined> {
    if (!this.truth) return undefined;
    const t = await this.truth.await(this.model.state, this.peer.localPort, this.peer.remotePort);
    this.peer.trace.state(this.model.state, t.state);
    if (!t.ok) {
      const followed = this.model.followState(t.state);
      if (followed) this.diverge(followed);
    }
    if (!t.ok)
      throw this.peer.failure(`the FSM model says ${this.model.state} but the target kernel says ${t.state} (seen: ${t.trail.join(' → ')})`, {
        model: this.model.state,
        kernel: t.state,
      });
    return t.state;
  }

  /**
   * Remote mode: infer the remote's state from its answer to a state probe. The answer must be
   * the one the oracle predicts for the model's state (so the model accounts for it), and the
   * states it is evidence for (inferStates, from packets only) must include the model's state.
   * The probe and its answer are taken out of the stream: the test's next expect() never sees them.
   */
  async probeState(): Promise<Inference> {
    const peer = this.peer;
    // What the oracle already predicts must arrive first, so the probe's answer is the one after.
    const pending = this.model.expected.length;
    await peer.waitQueued(pending, REPLY_DEADLINE_MS);
    // A listener's ISS is learned only when its SYN-ACK is matched: shift by it meanwhile.
    let shift = 0;
    this.model.expected.forEach((e, i) => {
      const s = peer.pending()[i];
      if (s && e.reply.unknown?.includes('seq')) shift = Seq.diff(s.tcp.seq, e.reply.seq);
    });
    const k: ProbeKnowledge = {
      sndNxt: peer.sndNxt,
      rcvNxt: peer.rcvNxt,
      irs: peer.irs,
      ourFinSeq: peer.ourFinSeq,
      remoteFinSeq: peer.remoteFinSeq,
      highestAckSent: peer.highestAckSent,
    };
    // Where the model says SYN-RECEIVED, the handshake probe goes first: the old byte's ACK field
    // acknowledges the SYN, and a 4.4BSD-derived stack (slirp) takes it although the byte is
    // unacceptable ("keep on processing for RST or ACK"), so after it that stack is ESTABLISHED.
    const early = this.model.state === 'SYN-RECEIVED' && k.ourFinSeq === undefined && k.remoteFinSeq === undefined ? await this.handshakeProbe(k) : undefined;
    const spec = probeSegment(k);
    const seg = peer.segment(spec);
    const p = this.probePrediction(seg, shift);
    if (p.next !== this.model.state)
      throw peer.failure(`no state-preserving probe for ${this.model.state}: the oracle says the probe would move it to ${p.next} (${p.rule})`);
    peer.trace.note(
      `state probe: 1 old byte left of the window with ACK; the oracle expects ${p.reply ? `[${formatFlags(p.reply.flags)}]` : 'nothing'} in ${this.model.state} (${p.rule}, ${p.rfc})`,
    );
    let answer: DecodedTcp | null = null;
    // One retry: over a real network a probe or its answer may be lost.
    for (let attempt = 0; attempt < 2 && !answer; attempt++) {
      const before = peer.pending().length;
      // The probe's ACK field is never processed (its SEQ is unacceptable): it acknowledges nothing.
      const acked = peer.highestAckSent;
      await peer.send(spec);
      peer.highestAckSent = acked;
      if (await peer.waitQueued(before + 1, p.reply ? REPLY_DEADLINE_MS : QUIET_MS)) answer = peer.takeQueued(before)!.tcp;
      if (!p.reply) break;
    }
    let inference = inferStates(answer, k);
    peer.trace.note(`state probe answer: ${inference.evidence} → ${inference.states.join(' or ') || 'no state'}`);
    // Only where the model says SYN-RECEIVED (the handshake probe's reset then tells it from a
    // completed handshake). Where it says ESTABLISHED, our ACK of its SYN is the evidence (a known
    // limit: a remote still in SYN-RECEIVED answers the first probe alike).
    if (early && inference.handshakeUnsure && !mismatchOf(p, answer, shift).length)
      inference = early.states.includes('SYN-RECEIVED') ? { states: early.states, evidence: `${early.evidence}; then ${inference.evidence}` } : early;
    if (p.reply && !answer && p.reply.flags === ACK && !this.model.profile.strict) {
      // RFC 9293 3.10.7.4 (first): an unacceptable segment "should" be ACKed (no requirement
      // label). A stack that stays silent departs from that, and its state cannot be read.
      this.findings.push({
        level: 'deviation',
        requirement: 'RFC 9293 3.10.7.4 (first)',
        check: 'an unacceptable segment (the state probe) is acknowledged',
        expected: '[.]',
        observed: 'nothing, twice',
      });
      throw new InconclusiveError(
        `the target does not answer the state probe (an old byte left of its window, RFC 9293 3.10.7.4 first check): its state (the model says ${this.model.state}) cannot be inferred from packets`,
        peer.trace.lines(),
      );
    }
    const mismatches = mismatchOf(p, answer, shift);
    if (mismatches.length || !inference.states.includes(this.model.state)) this.followInferred(inference, seg, shift, answer);
    this.peer.trace.state(this.model.state, inference.states.includes(this.model.state) ? this.model.state : inference.states.join('|') || '?', 'state probe');
    if (mismatches.length)
      throw peer.failure(`the answer to the state probe differs from the oracle's for ${this.model.state}: ${describeMismatches(mismatches)}`, {
        model: this.model.state,
        inferred: inference.states,
        evidence: inference.evidence,
        mismatches,
      });
    if (!inference.states.includes(this.model.state))
      throw peer.failure(
        `the FSM model says ${this.model.state} but the state probe shows ${inference.states.join(' or ') || 'no state'} (${inference.evidence})`,
        {
          model: this.model.state,
          inferred: inference.states,
          evidence: inference.evidence,
        },
      );
    return inference;
  }

  /**
   * SYN-RECEIVED or ESTABLISHED, which the first probe cannot tell apart: an empty segment with an
   * unacceptable ACK draws a reset only from SYN-RECEIVED (./state-probe.ts handshakeProbeSegment).
   */
  private async handshakeProbe(k: ProbeKnowledge): Promise<Inference> {
    const peer = this.peer;
    peer.trace.note('handshake probe: an empty ACK at RCV.NXT with an unacceptable ACK; a reset means SYN-RECEIVED, an ACK or nothing ESTABLISHED');
    const before = peer.pending().length;
    const acked = peer.highestAckSent;
    const sndNxt = peer.sndNxt;
    await peer.send(handshakeProbeSegment(k));
    // Neither state changes: our sequence space stays where it was.
    peer.highestAckSent = acked;
    peer.sndNxt = sndNxt;
    const answer = (await peer.waitQueued(before + 1, QUIET_MS * 2)) ? peer.takeQueued(before)!.tcp : null;
    const inference = inferHandshake(answer);
    peer.trace.note(`handshake probe answer: ${inference.evidence} → ${inference.states.join(' or ')}`);
    return inference;
  }

  /**
   * Remote mode: the server closes first, on its own. Optionally send `request` (e.g. an HTTP/1.0
   * GET, after which an HTTP server answers and closes), then take in whatever data the server
   * sends, ACKing each segment, until its FIN. The model follows as if the remote application had
   * sent that data and called close(): one 'send' event per data segment (each checked against
   * the oracle), then 'close'. The FIN itself is left for the test's expect(); a FIN riding on the
   * last data segment is handed on as the FIN alone at SEQ + data length (the same sequence space).
   */
  async awaitRemoteClose(opts: { request?: string | Buffer; timeoutMs: number }): Promise<{ bytes: number; segments: number }> {
    if (this.model.state !== 'ESTABLISHED')
      throw this.peer.failure(`the server can be made to close first only from ESTABLISHED (the model says ${this.model.state})`);
    if (opts.request !== undefined) {
      // Paced, our ACK of the answer could leave after the server's RTO (Linux: ~200 ms) and draw
      // retransmissions that are no part of what the test measures: the request goes when its
      // ACK can follow at once.
      await this.peer.room(2);
      await this.send({ flags: 'P.', payload: opts.request });
    }
    /** the end of the data taken in and not yet ACKed, and in how many segments */
    let unacked: number | undefined;
    let unackedSegments = 0;
    const ackData = async () => {
      if (unacked === undefined) return;
      const ack = unacked;
      unacked = undefined;
      unackedSegments = 0;
      await this.send({ flags: '.', ack });
    };
    const deadline = performance.now() + opts.timeoutMs;
    let bytes = 0;
    let segments = 0;
    for (;;) {
      if (!this.peer.pending().length) await ackData(); // nothing more came along to share it
      const left = deadline - performance.now();
      const s = left > 0 ? await this.peer.next(left) : null;
      // A precondition, not conformance: the close trigger did not make this server close.
      if (!s)
        throw new InconclusiveError(
          `the server did not close within ${opts.timeoutMs} ms (${bytes} bytes of data seen): the close trigger did not work on it, so the test's precondition is not met`,
          this.peer.trace.lines(),
        );
      const tcp = s.tcp;
      const rel = { relativeTo: { srcIsn: this.peer.irs ?? 0, dstIsn: this.iss } };
      if (tcp.flags & RST) throw this.peer.failure(`the server reset the connection instead of closing it: ${formatTcp(tcp, rel)}`);
      const head = this.model.expected[0];
      if (head && head.len === 0 && head.reply.flags === ACK) {
        if (!tcp.payload.length && !(tcp.flags & FIN)) {
          const { mismatches } = this.model.match(tcp);
          if (mismatches.length)
            throw this.peer.failure(`segment differs from the FSM oracle's prediction: ${describeMismatches(mismatches)}`, {
              oracle: head.why,
              actual: formatTcp(tcp),
              mismatches,
            });
          this.onStep?.(`< ${formatTcp(tcp, rel)} as the oracle predicts`);
          continue;
        }
        // Its ACK of our request rides on the response (delayed ACK, RFC 9293 3.8.6.3).
        if (tcp.ack !== head.reply.ack >>> 0)
          throw this.peer.failure(`the response does not acknowledge our request: ack ${tcp.ack}, expected ${head.reply.ack >>> 0}`, {
            actual: formatTcp(tcp),
          });
        this.model.expected.shift();
        this.peer.trace.note('its ACK of our request rides on its response (RFC 9293 3.8.6.3)');
      } else if (head) {
        throw this.peer.failure(`the oracle predicts [${formatFlags(head.reply.flags)}] (${head.why}) before the server's close`, { actual: formatTcp(tcp) });
      }
      const dataSeq = this.model.tcb.sndNxt >>> 0;
      if (tcp.payload.length) {
        if (Seq.le(Seq.add(tcp.seq, tcp.payload.length), dataSeq) && !(tcp.flags & FIN)) {
          // A retransmission of data already taken in (our ACK crossed it): ACK again.
          this.peer.trace.note(`retransmitted response data at ${Seq.sub(tcp.seq, this.peer.irs ?? 0)}: ACKed again`);
          await this.peer.send({ flags: '.', ack: Seq.add(tcp.seq, tcp.payload.length) });
          continue;
        }
        if (tcp.seq !== dataSeq) throw this.peer.failure(`response data out of order: seq ${tcp.seq}, expected ${dataSeq}`, { actual: formatTcp(tcp) });
        this.remoteCalled('send', { len: tcp.payload.length });
        const { expected, mismatches, findings } = this.model.match({ ...tcp, flags: tcp.flags & ~FIN });
        this.findings.push(...findings);
        if (mismatches.length)
          throw this.peer.failure(`segment differs from the FSM oracle's prediction: ${describeMismatches(mismatches)}`, {
            oracle: expected?.why,
            actual: formatTcp(tcp),
            mismatches,
          });
        this.onStep?.(`< ${tcp.payload.length} bytes of the server's data, as the oracle predicts for its send()`);
        bytes += tcp.payload.length;
        segments++;
        unacked = Seq.add(tcp.seq, tcp.payload.length);
        unackedSegments++;
        // One ACK may cover two segments (RFC 9293 3.8.6.3, SHLD-19): what follows within a few
        // milliseconds (the rest of the answer, its FIN) shares it, and fewer paced ACKs reach
        // the server sooner.
        if (!(tcp.flags & FIN) && unackedSegments < 2 && (this.peer.pending().length || (await this.peer.waitQueued(1, GATHER_MS)))) continue;
        await ackData();
      } else if (!(tcp.flags & FIN)) {
        // A window update: it may come at any time (RFC 9293 3.8.6.2.2) and carries nothing new.
        if (tcp.seq !== dataSeq || Seq.gt(tcp.ack, this.peer.sndNxt))
          throw this.peer.failure(`unexpected segment while waiting for the server to close: ${formatTcp(tcp, rel)}`);
        this.peer.trace.note('window update from the server');
        continue;
      }
      if (tcp.flags & FIN) {
        await ackData();
        this.remoteCalled('close');
        // The PSH belonged to the data it rode with (RFC 9293 3.9.1), not to the FIN handed on.
        const fin = tcp.payload.length
          ? { ...s, tcp: { ...tcp, flags: tcp.flags & ~PSH, seq: Seq.add(tcp.seq, tcp.payload.length), payload: Buffer.alloc(0) } }
          : s;
        if (tcp.payload.length) this.peer.trace.note('its FIN rode on the last data segment: handed on as the FIN alone');
        this.peer.requeue(fin);
        return { bytes, segments };
      }
    }
  }

  /** SYN → SYN-ACK → ACK: the remote is ESTABLISHED, both signals checked on the way. */
  async handshake(): Promise<void> {
    await this.send('S');
    await this.expect({ flags: 'S.', ack: Seq.add(this.iss, 1) });
    await this.send('.');
    await this.inState('ESTABLISHED');
  }

  close(): void {
    this.peer.close();
  }
}

/** How the answer to a probe differs from the oracle's prediction (shifted by a listener's ISS learned since). */
function mismatchOf(p: Prediction, answer: DecodedTcp | null, shift: number): FieldMismatch[] {
  const mismatches: FieldMismatch[] = [];
  if (!p.reply && answer) mismatches.push({ field: 'segment', expected: 'nothing', actual: formatTcp(answer) });
  if (p.reply && !answer) mismatches.push({ field: 'segment', expected: `[${formatFlags(p.reply.flags)}]`, actual: 'nothing' });
  if (p.reply && answer) {
    const want = { flags: p.reply.flags, seq: Seq.add(p.reply.seq, shift), ack: p.reply.ack };
    if (want.flags !== answer.flags)
      mismatches.push({ field: 'tcp_flags', expected: `[${formatFlags(want.flags)}]`, actual: `[${formatFlags(answer.flags)}]` });
    if (!p.reply.unknown?.includes('seq') && want.seq >>> 0 !== answer.seq)
      mismatches.push({ field: 'tcp_seq', expected: String(want.seq >>> 0), actual: String(answer.seq) });
    if (want.flags & ACK && !p.reply.unknown?.includes('ack') && want.ack >>> 0 !== answer.ack)
      mismatches.push({ field: 'tcp_ack_seq', expected: String(want.ack >>> 0), actual: String(answer.ack) });
  }
  return mismatches;
}
