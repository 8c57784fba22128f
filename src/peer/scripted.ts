// A scripted connection: the peer (our side), the RemoteModel (the FSM's view of the remote) and,
// in the lab, the kernel's ground truth. Each step checks two independent signals: the segments
// the remote sends against the oracle, and the remote's real state against the model's.
import type { TcpState, UserCall, TimeoutEvent } from '../fsm/index.js';
import { StateTimeoutError, type Lab } from '../lab/index.js';
import { Seq, formatFlags, formatTcp } from '../packet/index.js';
import type { DecodedTcp } from '../packet/types.js';
import type { WireSegment } from '../wire/transport.js';
import { PeerConnection, describePattern, type SendSpec } from './connection.js';
import { RemoteModel } from './model.js';
import { compareSegment, describeMismatches, type SegmentPattern } from './pattern.js';

/** How long a segment may take to arrive before we call it missing (delayed ACKs are up to 200 ms on Linux). */
export const REPLY_DEADLINE_MS = 1500;
/** How long we listen to be sure the remote stays quiet. */
export const QUIET_MS = 300;
/** How long the kernel may take to reach the state the model predicts. */
export const STATE_DEADLINE_MS = 1000;

/** The kernel's view of one connection, in the lab. */
export interface GroundTruth {
  /** Wait until the remote is in `state` for this connection; return what it was when the wait ended. */
  await(state: TcpState, localPort: number, remotePort: number): Promise<{ state: string; ok: boolean; trail: string[] }>;
}

export function labGroundTruth(lab: Lab, probeAddr: string): GroundTruth {
  return {
    async await(state, probePort, targetPort) {
      const tuple = { localAddress: lab.target.ipv4, localPort: targetPort, peerAddress: probeAddr, peerPort: probePort };
      // LISTEN: our connection has no socket of its own yet (or no longer); the listener must exist.
      const want: TcpState = state === 'LISTEN' ? 'CLOSED' : state;
      try {
        const r = await lab.waitForState(tuple, want, STATE_DEADLINE_MS);
        if (state === 'LISTEN') {
          const listening = (await lab.sockets({ localPort: targetPort })).some((s) => s.state === 'LISTEN');
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
  /** Called once per checked step with a one-line description (the harness makes it a TAP assertion). */
  onStep: (text: string) => void = () => {};

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
    this.peer.trace.note(`fsm: ${p.rule} → ${p.next}${p.reply ? `, answers [${formatFlags(p.reply.flags)}]` : ''} (${p.rfc})`);
    const truth = await this.checkTruth();
    this.onStep(`> [${formatFlags(sent.tcp.flags)}] → ${p.next}${truth ? ` (kernel: ${truth})` : ''}: ${p.rule}`);
    return sent;
  }

  /**
   * The next segment from the remote must be the one the oracle predicts, and match `pattern`
   * if one is given (the suite's own reading of the RFC): both must hold.
   */
  async expect(pattern?: SegmentPattern | string, timeoutMs = REPLY_DEADLINE_MS): Promise<DecodedTcp & { at: bigint }> {
    const head = this.model.expected[0];
    const p = typeof pattern === 'string' ? { flags: pattern } : (pattern ?? {});
    const s = await this.peer.next(timeoutMs);
    if (!s) {
      throw this.peer.failure(
        `expected ${head ? `[${formatFlags(head.reply.flags)}] (${head.why})` : describePattern(p)} within ${timeoutMs} ms, got nothing`,
        { expected: head?.why ?? describePattern(p), modelState: this.model.state },
      );
    }
    const suite = compareSegment(p, s.tcp);
    if (suite.length) throw this.peer.failure(`segment mismatch: ${describeMismatches(suite)}`, { actual: formatTcp(s.tcp), mismatches: suite });
    const { expected, mismatches } = this.model.match(s.tcp);
    if (mismatches.length)
      throw this.peer.failure(`segment differs from the FSM oracle's prediction: ${describeMismatches(mismatches)}`, {
        oracle: expected?.why ?? 'no segment expected',
        actual: formatTcp(s.tcp),
        mismatches,
      });
    if (s.tcp.flags & 0x10) this.model.learnWindow(s.tcp.window);
    this.onStep(`< ${formatTcp(s.tcp, { relativeTo: { srcIsn: this.peer.irs ?? 0, dstIsn: this.iss } })} as the oracle predicts`);
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
    this.onStep(`< ${formatTcp(s.tcp, { relativeTo: { srcIsn: this.peer.irs ?? 0, dstIsn: this.iss } })} retransmitted`);
    return { ...s.tcp, at: s.at };
  }

  /** Nothing may arrive for `ms`, and the oracle must not predict anything either. */
  async expectNothing(ms = QUIET_MS): Promise<void> {
    const head = this.model.expected[0];
    if (head) throw this.peer.failure(`the suite expects silence but the FSM oracle predicts [${formatFlags(head.reply.flags)}] (${head.why})`);
    await this.peer.expectNothing(ms);
    this.onStep(`no answer for ${ms} ms, as the oracle predicts`);
  }

  /** Drive the remote's application (the lab agent did it; here the model follows). */
  remoteCalled(call: UserCall | TimeoutEvent, opts: { len?: number; orphaned?: boolean } = {}): void {
    this.model.event(call, opts);
    this.peer.trace.note(`remote ${call}${opts.len ? ` ${opts.len} bytes` : ''} → fsm ${this.model.state}`);
  }

  /** Assert the remote is in `state`: the FSM model must say so, and in the lab the kernel too. */
  async inState(state: TcpState): Promise<void> {
    if (this.model.state !== state)
      throw this.peer.failure(`the FSM model puts the remote in ${this.model.state}, the suite expects ${state}`, { model: this.model.state });
    const truth = await this.checkTruth();
    this.onStep(`remote in ${state}${truth ? ` (kernel: ${truth})` : ''}`);
  }

  /** Model and kernel must agree now (lab only); returns the kernel's state. */
  async checkTruth(): Promise<string | undefined> {
    if (!this.truth) return undefined;
    const t = await this.truth.await(this.model.state, this.peer.localPort, this.peer.remotePort);
    this.peer.trace.state(this.model.state, t.state);
    if (!t.ok)
      throw this.peer.failure(`the FSM model says ${this.model.state} but the target kernel says ${t.state} (seen: ${t.trail.join(' → ')})`, {
        model: this.model.state,
        kernel: t.state,
      });
    return t.state;
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

