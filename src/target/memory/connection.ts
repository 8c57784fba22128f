// One connection of the memory stack: a TCB whose control decisions are the FSM oracle's
// (predict for an arriving segment, predictEvent for a user call or a timeout: reply, next state,
// TCB), and whose data, windows and timers are its own — a receive buffer and window that never
// shrinks (RFC 9293 3.8.6), out-of-order segments held and merged (SHLD-31), segmentation to the
// peer's MSS within its window, a retransmission timer after RFC 6298 (Karn, backoff, R2), a
// window probe when the peer's window is zero (3.8.6.1), slow start and congestion avoidance
// (RFC 5681 3.1, MUST-19; no fast retransmit), TIME-WAIT for 2 MSL (3.10.8).
import { idealize, type Profile, predict, predictEvent, type Segment, type Tcb, type TcpState, type TimeoutEvent, type UserCall } from '../../fsm/index.js';
import { add, diff, gt, le, lt, sub } from '../../packet/seq.js';
import { ACK, type DecodedTcp, FIN, PSH, RST, SYN, type TcpOption } from '../../packet/types.js';
import type { MemoryConfig } from './settings.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** What a connection needs of its stack. */
export interface ConnectionHost {
  readonly config: MemoryConfig;
  readonly profile: Profile;
  /** Put a segment on the wire from this connection's endpoint. */
  emit(conn: Connection, seg: { flags: number; seq: number; ack: number; window: number; options?: TcpOption[]; payload?: Buffer }): void;
  /** The connection reached ESTABLISHED (accept() or connect() completes). */
  established(conn: Connection): void;
  /** In-order data is in the receive buffer. */
  data(conn: Connection, bytes: number): void;
  /** The peer's FIN was taken in. */
  end(conn: Connection): void;
  /** The connection failed: reset (ECONNRESET, ECONNREFUSED) or gave up (ETIMEDOUT). */
  error(conn: Connection, code: string, message: string): void;
  /** The TCB is gone (CLOSED, or a passive SYN-RECEIVED back to LISTEN): drop it from the tables. */
  removed(conn: Connection): void;
}

/** Ids of the rows that take the peer's FIN in (RCV.NXT steps over it); the first four end the peer's data. */
const FIRST_FIN_ROWS = ['established-rcv-fin', 'fin-wait-1-rcv-fin', 'fin-wait-1-rcv-fin-ack-of-fin', 'fin-wait-2-rcv-fin'];
const FIN_ROWS = new Set([...FIRST_FIN_ROWS, 'rcv-fin-again', 'time-wait-rcv-fin']);
/** Rows after which SEG.WND may update SND.WND (3.10.7.4 fifth, 3.10.7.3). */
const WINDOW_ROWS = new Set(['rcv-ack', 'fin-wait-1-rcv-ack-of-fin', 'fin-wait-1-rcv-fin-ack-of-fin', 'closing-rcv-ack-of-fin']);
/** States whose data may still go out (before our FIN). */
const SENDING: readonly TcpState[] = ['ESTABLISHED', 'CLOSE-WAIT', 'FIN-WAIT-1', 'LAST-ACK', 'CLOSING'];
const DEFAULT_MSS = 536; // RFC 9293 3.7.1 (MUST-15): without the option, assume 536

interface Held {
  seq: number;
  data: Buffer;
  fin: boolean;
  flags: number;
}

export class Connection {
  state: TcpState;
  tcb: Tcb;
  /** agent connection id once the application has it (accepted or connected) */
  appId: number | null = null;
  /** the listening port for a passive open */
  readonly listenPort: number | null;
  /** the application called close() (not shutdown): nobody reads any more */
  orphaned = false;
  /** the application stopped reading: the receive buffer fills and the window closes */
  paused = false;
  /** in-order data not yet read by the application */
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private held: Held[] = [];
  /** data queued by the application and not yet acknowledged, from sequence number txSeq */
  private tx = Buffer.alloc(0);
  private txSeq = 0;
  private finQueued = false;
  private finSeq: number | null = null;
  private sndMss = DEFAULT_MSS;
  private wl1 = 0;
  private wl2 = 0;
  // RFC 6298 state
  private srtt: number | null = null;
  private rttvar = 0;
  private rto: number;
  private retransmits = 0;
  private timing: { end: number; at: number } | null = null;
  // RFC 5681 state (bytes)
  private cwnd = 0;
  private ssthresh = 0x7fff_ffff;
  private rexmt: NodeJS.Timeout | null = null;
  private rexmtDue = 0;
  private persist = false;
  /** a window probe's byte is out, unacknowledged (a window update sends it again as data) */
  private probeOut = false;
  private waitTimer: NodeJS.Timeout | null = null;
  private waitDue = 0;
  private waitKind: 'timewait' | 'fin-wait-2' | null = null;
  private gone = false;
  private inArrival = false;

  constructor(
    private readonly host: ConnectionHost,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    state: TcpState,
    tcb: Tcb,
    opts: { listenPort?: number; peerOptions?: readonly TcpOption[] } = {},
  ) {
    this.state = state;
    this.tcb = { ...tcb, rcvWnd: host.config.receive_buffer };
    this.listenPort = opts.listenPort ?? null;
    this.rto = host.config.rto_initial_ms;
    this.learnMss(opts.peerOptions ?? []);
    this.txSeq = add(tcb.iss, 1);
    this.cwnd = this.initialWindow();
  }

  get closed(): boolean {
    return this.gone;
  }

  // ------------------------------------------------------------------ what the stack asks

  /** Passive open: the SYN-ACK goes out now. */
  startPassive(): void {
    this.sendSyn(SYN | ACK);
  }

  /** Active open (3.10.1): SYN-SENT, the SYN goes out. */
  startActive(): void {
    this.userCall('active-open');
  }

  /** An arriving segment addressed to this connection. */
  arrive(seg: DecodedTcp): void {
    if (this.gone) return;
    const before = this.state;
    // In SYN-SENT RCV.NXT is not defined before the peer's SYN: its data starts after that SYN.
    const rcvNxt0 = before === 'SYN-SENT' && seg.flags & SYN ? add(seg.seq, 1) : this.tcb.rcvNxt;
    const sndUna0 = this.tcb.sndUna;
    const s: Segment = { flags: seg.flags, seq: seg.seq, ack: seg.ack, len: seg.payload.length };
    const p = this.predict(before, s);
    const rows = new Set(p.ruleIds);
    this.state = p.next;
    if (before === 'SYN-SENT' && seg.flags & SYN) this.learnMss(seg.options);
    this.inArrival = true;

    // Data and FIN the oracle took in (RCV.NXT moved): into the receive buffer.
    const dataSeq = add(seg.seq, seg.flags & SYN ? 1 : 0);
    const fin = p.ruleIds.some((id) => FIN_ROWS.has(id));
    const taken = diff(this.tcb.rcvNxt, rcvNxt0) - (fin ? 1 : 0);
    if (taken > 0) this.deliver(seg.payload.subarray(diff(rcvNxt0, dataSeq), diff(rcvNxt0, dataSeq) + taken));
    if (rows.has('rcv-out-of-order')) this.hold(s, seg, this.tcb.rcvNxt);
    if (FIRST_FIN_ROWS.some((r) => rows.has(r))) this.host.end(this);

    // The ACK: SND.UNA moved (acknowledged data leaves the queue), the window, the timers.
    if (seg.flags & ACK) this.acked(sndUna0, seg, rows);
    // Held segments that are now next: processed as if they arrived now, ACKed once (MUST-58).
    let reply = p.reply;
    if ((taken > 0 || fin) && this.held.length) {
      const merged = this.drainHeld();
      if (merged && reply === null) reply = { flags: ACK, seq: this.tcb.sndNxt, ack: this.tcb.rcvNxt };
    }
    if (reply) {
      // ACKs carry the numbers as they are now (after any merge); other answers as predicted.
      const pureAck = reply.flags === ACK;
      this.host.emit(this, {
        flags: reply.flags,
        seq: pureAck ? this.tcb.sndNxt : reply.seq,
        ack: pureAck ? this.tcb.rcvNxt : reply.ack,
        window: reply.flags & RST ? 0 : this.tcb.rcvWnd,
      });
    }
    this.inArrival = false;
    this.after(before, p.verdict, p.timers ?? []);
    this.pump();
  }

  /** The application's calls (3.10.1-3.10.5); false where the RFC answers with an error. */
  userCall(call: UserCall, opts: { orphan?: boolean } = {}): boolean {
    if (this.gone) return false;
    const before = this.state;
    const e = predictEvent(before, call, this.tcb, this.host.profile);
    if (!e) return false;
    if (call === 'close' && opts.orphan) this.orphaned = true;
    this.state = e.next;
    if (call === 'active-open') {
      this.tcb = { ...e.tcb, rcvWnd: this.tcb.rcvWnd };
      this.sendSyn(SYN);
    }
    for (const out of e.sends) {
      if (out.flags & FIN) this.finQueued = true;
      // ABORT: <SEQ=SND.NXT><CTL=RST> (3.10.5); queued data is dropped.
      if (out.flags & RST) this.host.emit(this, { flags: out.flags, seq: this.tcb.sndNxt, ack: out.flags & ACK ? this.tcb.rcvNxt : 0, window: 0 });
    }
    if (this.state === 'CLOSED') this.remove();
    else this.pump();
    return true;
  }

  /** SEND: queue the bytes; they go out as the window allows. */
  write(data: Buffer): boolean {
    if (this.gone || this.finQueued || !['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT'].includes(this.state)) return false;
    this.tx = Buffer.concat([this.tx, data]);
    this.pump();
    return true;
  }

  /** Take what the application reads; the window opens by as much (a window update if it was closed). */
  read(): Buffer {
    const data = Buffer.concat(this.received);
    this.received = [];
    this.receivedBytes = 0;
    const was = this.tcb.rcvWnd;
    this.tcb.rcvWnd = this.host.config.receive_buffer;
    // RFC 9293 3.8.6.2.2 (receiver SWS avoidance): announce a reopened window once it is worth it.
    // (During an arrival its own answer carries the window.)
    if (!this.gone && !this.inArrival && was < this.tcb.rcvWnd && was < Math.min(this.sndMss, this.tcb.rcvWnd / 2) && this.receiving())
      this.host.emit(this, { flags: ACK, seq: this.tcb.sndNxt, ack: this.tcb.rcvNxt, window: this.tcb.rcvWnd });
    return data;
  }

  get unread(): number {
    return this.receivedBytes;
  }

  /** Bytes queued for sending and not yet acknowledged. */
  get unacked(): number {
    return this.tx.length;
  }

  /** The timer a look at the TCB would show, like ss's timer column. */
  timer(): { name: 'on' | 'persist' | 'timewait' | 'off'; remainingMs: number; retransmits: number } {
    const now = performance.now();
    if (this.rexmt) return { name: this.persist ? 'persist' : 'on', remainingMs: Math.max(0, this.rexmtDue - now), retransmits: this.retransmits };
    if (this.waitTimer) return { name: this.waitKind === 'timewait' ? 'timewait' : 'on', remainingMs: Math.max(0, this.waitDue - now), retransmits: 0 };
    return { name: 'off', remainingMs: 0, retransmits: 0 };
  }

  /** RTT estimates and congestion state, as tcp_info shows them. */
  get info(): { rtoMs: number; rttMs: number; rttVarMs: number; cwnd: number; ssthresh: number } {
    return { rtoMs: this.rto, rttMs: this.srtt ?? 0, rttVarMs: this.rttvar, cwnd: this.cwnd, ssthresh: this.ssthresh };
  }

  /** Stop every timer and forget the TCB (the stack is closing). */
  destroy(): void {
    this.gone = true;
    this.stopRexmt();
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
  }

  // ------------------------------------------------------------------ receiving

  private receiving(): boolean {
    return ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'].includes(this.state);
  }

  private deliver(bytes: Buffer): void {
    // After close() nobody reads: the data is acknowledged (as the oracle says) and discarded.
    if (bytes.length === 0 || this.orphaned) return;
    this.received.push(Buffer.from(bytes));
    this.receivedBytes += bytes.length;
    // The right edge stays where it was: RCV.NXT moved by as much as the free buffer shrank.
    this.tcb.rcvWnd = Math.max(0, this.tcb.rcvWnd - bytes.length);
    this.host.data(this, bytes.length);
  }

  /** Keep the part of an out-of-order segment inside the window (SHLD-31). */
  private hold(s: Segment, seg: DecodedTcp, rcvNxt: number): void {
    const ideal = idealize(s, rcvNxt, this.tcb.rcvWnd);
    const dataStart = add(ideal.start, ideal.syn ? 1 : 0);
    const from = diff(dataStart, add(seg.seq, seg.flags & SYN ? 1 : 0));
    const data = Buffer.from(seg.payload.subarray(from, from + ideal.data));
    if (data.length === 0 && !ideal.fin) return;
    if (this.held.some((h) => h.seq === dataStart && h.data.length >= data.length && (h.fin || !ideal.fin))) return;
    this.held.push({ seq: dataStart, data, fin: ideal.fin, flags: seg.flags & ~SYN });
  }

  /** Process held segments that RCV.NXT has reached; true if any was taken in. */
  private drainHeld(): boolean {
    let merged = false;
    for (;;) {
      const rcvNxt = this.tcb.rcvNxt;
      this.held = this.held.filter((h) => gt(add(h.seq, h.data.length + (h.fin ? 1 : 0)), rcvNxt));
      const next = this.held.find((h) => le(h.seq, rcvNxt));
      if (!next || !this.receiving()) return merged;
      this.held.splice(this.held.indexOf(next), 1);
      const before = this.state;
      const s: Segment = { flags: ACK | (next.fin ? FIN : 0), seq: next.seq, ack: this.tcb.sndUna, len: next.data.length };
      const p = this.predict(before, s);
      this.state = p.next;
      const fin = p.ruleIds.some((id) => FIN_ROWS.has(id));
      const taken = diff(this.tcb.rcvNxt, rcvNxt) - (fin ? 1 : 0);
      if (taken > 0) this.deliver(next.data.subarray(diff(rcvNxt, next.seq), diff(rcvNxt, next.seq) + taken));
      if (p.ruleIds.some((r) => FIRST_FIN_ROWS.includes(r))) this.host.end(this);
      merged ||= taken > 0 || fin;
      this.after(before, p.verdict, p.timers ?? []);
      if (this.gone) return merged;
    }
  }

  /**
   * The oracle's answer to an arrival; the TCB takes its variables (the window stays ours). A FIN
   * the application asked for but still queued behind data (3.10.4) counts as sent for the
   * decision, so an ACK of the data alone is not taken for the ACK of our FIN.
   */
  private predict(state: TcpState, s: Segment) {
    const finQueued = this.finQueued && this.finSeq === null;
    const p = predict(state, s, finQueued ? { ...this.tcb, sndNxt: add(this.tcb.sndNxt, 1) } : this.tcb, this.host.profile);
    this.tcb = { ...p.tcb, rcvWnd: this.tcb.rcvWnd };
    if (finQueued) {
      this.tcb.sndNxt = sub(this.tcb.sndNxt, 1);
      if (gt(this.tcb.sndUna, this.tcb.sndNxt)) this.tcb.sndUna = this.tcb.sndNxt;
    }
    return p;
  }

  // ------------------------------------------------------------------ acknowledgments

  private acked(sndUna0: number, seg: DecodedTcp, rows: Set<string>): void {
    const t = this.tcb;
    if (rows.has('syn-received-rcv-ack-of-syn') || rows.has('syn-sent-rcv-syn-ack')) {
      t.sndWnd = seg.window;
      this.wl1 = seg.seq;
      this.wl2 = seg.ack;
    } else if ([...rows].some((r) => WINDOW_ROWS.has(r)) && (lt(this.wl1, seg.seq) || (this.wl1 === seg.seq && le(this.wl2, seg.ack)))) {
      t.sndWnd = seg.window;
      this.wl1 = seg.seq;
      this.wl2 = seg.ack;
    }
    if (t.sndWnd > (t.maxSndWnd ?? 0)) t.maxSndWnd = t.sndWnd;
    if (!gt(t.sndUna, sndUna0)) {
      // A window update may open a closed window: the persist timer's probe is no longer needed,
      // and the probe's byte, never acknowledged, goes again as the start of the data (as BSD's
      // persist exit rewinds snd_nxt): else the data would start after a hole only an RTO fills.
      if (t.sndWnd > 0 && (this.persist || this.probeOut)) {
        this.stopRexmt();
        if (this.probeOut) t.sndNxt = t.sndUna;
        this.probeOut = false;
      }
      return;
    }
    // Acknowledged data leaves the queue (the SYN and our FIN are not in it).
    const drop = Math.min(Math.max(0, diff(t.sndUna, this.txSeq)), this.tx.length);
    // RFC 5681 3.1: slow start below ssthresh (at most one SMSS per ACK), then about one SMSS per RTT.
    if (drop > 0) this.cwnd += this.cwnd < this.ssthresh ? Math.min(drop, this.sndMss) : Math.max(1, Math.floor((this.sndMss * this.sndMss) / this.cwnd));
    this.tx = this.tx.subarray(drop);
    this.txSeq = add(this.txSeq, drop);
    if (this.timing && le(this.timing.end, t.sndUna)) {
      this.sample(performance.now() - this.timing.at);
      this.timing = null;
    }
    this.retransmits = 0;
    this.probeOut = false;
    this.stopRexmt();
    if (this.tcb.sndNxt !== this.tcb.sndUna) this.armRexmt();
  }

  /** RFC 6298 2.2, 2.3: a new RTT measurement. */
  private sample(r: number): void {
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = this.clampRto(this.srtt + Math.max(1, 4 * this.rttvar));
  }

  private clampRto(ms: number): number {
    const { rto_min_ms, rto_max_ms } = this.host.config;
    return Math.min(Math.max(ms, rto_min_ms), rto_max_ms);
  }

  // ------------------------------------------------------------------ sending

  private learnMss(options: readonly TcpOption[]): void {
    const mss = options.find((o): o is Extract<TcpOption, { kind: 'mss' }> => o.kind === 'mss');
    this.sndMss = Math.max(1, Math.min(mss?.value ?? DEFAULT_MSS, this.host.config.mss));
    this.cwnd = this.initialWindow();
  }

  /** RFC 5681 3.1 (RFC 3390): IW = min(4 SMSS, max(2 SMSS, 4380 bytes)). */
  private initialWindow(): number {
    return Math.min(4 * this.sndMss, Math.max(2 * this.sndMss, 4380));
  }

  private sendSyn(flags: number): void {
    const t = this.tcb;
    this.host.emit(this, {
      flags,
      seq: t.iss,
      ack: flags & ACK ? t.rcvNxt : 0,
      window: Math.min(t.rcvWnd, 65535),
      options: [{ kind: 'mss', value: this.host.config.mss }],
    });
    this.armRexmt();
  }

  /** Send what the window allows, then our FIN once every byte before it is out. */
  private pump(): void {
    if (this.gone || !SENDING.includes(this.state)) return;
    const t = this.tcb;
    for (;;) {
      const sent = diff(t.sndNxt, this.txSeq) - (this.finSeq !== null ? 1 : 0);
      const unsent = this.tx.length - sent;
      if (unsent <= 0 || this.finSeq !== null) break;
      const usable = diff(add(t.sndUna, Math.min(t.sndWnd, this.cwnd)), t.sndNxt);
      if (usable <= 0) {
        // Zero window with data waiting: the persist timer probes it (3.8.6.1, MUST-36).
        if (t.sndNxt === t.sndUna) this.armRexmt(true);
        return;
      }
      const n = Math.min(unsent, usable, this.sndMss);
      this.sendData(t.sndNxt, sent, n, false);
      t.sndNxt = add(t.sndNxt, n);
    }
    if (this.finQueued && this.finSeq === null && diff(t.sndNxt, this.txSeq) === this.tx.length) {
      this.finSeq = t.sndNxt;
      this.host.emit(this, { flags: FIN | ACK, seq: t.sndNxt, ack: t.rcvNxt, window: t.rcvWnd });
      t.sndNxt = add(t.sndNxt, 1);
      this.timing ??= { end: t.sndNxt, at: performance.now() };
    }
    if (t.sndNxt !== t.sndUna && !this.rexmt) this.armRexmt();
  }

  private sendData(seq: number, offset: number, n: number, retransmission: boolean): void {
    const t = this.tcb;
    const payload = this.tx.subarray(offset, offset + n);
    const last = offset + n === this.tx.length;
    this.host.emit(this, { flags: ACK | (last ? PSH : 0), seq, ack: t.rcvNxt, window: t.rcvWnd, payload: Buffer.from(payload) });
    if (!retransmission) this.timing ??= { end: add(seq, n), at: performance.now() };
  }

  // ------------------------------------------------------------------ timers

  private armRexmt(persist = false): void {
    this.stopRexmt();
    this.persist = persist;
    const ms = this.rto;
    this.rexmtDue = performance.now() + ms;
    this.rexmt = setTimeout(() => this.onRexmt(), ms);
    this.rexmt.unref();
  }

  private stopRexmt(): void {
    if (this.rexmt) clearTimeout(this.rexmt);
    this.rexmt = null;
    this.persist = false;
  }

  private onRexmt(): void {
    this.rexmt = null;
    if (this.gone) return;
    const t = this.tcb;
    const { syn_retries, synack_retries, retries, rto_max_ms } = this.host.config;
    // Karn: no RTT sample across a retransmission; the RTO doubles (RFC 6298 5.5).
    this.timing = null;
    this.rto = Math.min(this.rto * 2, rto_max_ms);
    if (this.persist) {
      // Window probe: one byte beyond the closed window; the peer answers with its window.
      const sent = diff(t.sndNxt, this.txSeq);
      if (sent < this.tx.length && t.sndWnd === 0) {
        this.sendData(t.sndNxt, sent, 1, true);
        t.sndNxt = add(t.sndNxt, 1);
        this.probeOut = true;
      }
      this.retransmits++;
      if (t.sndNxt === t.sndUna) this.armRexmt(true);
      else this.armRexmt();
      return;
    }
    const limit = this.state === 'SYN-SENT' ? syn_retries : this.state === 'SYN-RECEIVED' ? synack_retries : retries;
    if (this.retransmits >= limit) return this.timeout('timeout-retransmission-exhausted');
    this.retransmits++;
    // RFC 5681 3.1 (4), (5): a timeout halves ssthresh (of what was in flight) and restarts from one segment.
    const flight = diff(t.sndNxt, t.sndUna);
    if (this.retransmits === 1) this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.sndMss);
    this.cwnd = this.sndMss;
    if (this.state === 'SYN-SENT') this.sendSyn(SYN);
    else if (this.state === 'SYN-RECEIVED') this.sendSyn(SYN | ACK);
    else {
      const inFlight = diff(t.sndNxt, t.sndUna) - (this.finSeq !== null ? 1 : 0);
      const offset = diff(t.sndUna, this.txSeq);
      if (inFlight > 0 && offset >= 0) this.sendData(t.sndUna, offset, Math.min(inFlight, this.sndMss), true);
      else if (this.finSeq !== null && le(t.sndUna, this.finSeq)) this.host.emit(this, { flags: FIN | ACK, seq: this.finSeq, ack: t.rcvNxt, window: t.rcvWnd });
      this.armRexmt();
    }
  }

  /** A timeout of the RFC's (3.8.3, 3.10.8): the TCB goes, the application is told where it still listens. */
  private timeout(event: TimeoutEvent): void {
    const e = predictEvent(this.state, event, this.tcb, this.host.profile);
    if (!e) return;
    const wasOpen = this.state !== 'TIME-WAIT' && !(this.state === 'SYN-RECEIVED' && this.appId === null);
    this.state = e.next;
    if (wasOpen && event === 'timeout-retransmission-exhausted') this.host.error(this, 'ETIMEDOUT', 'connection timed out (retransmissions exhausted)');
    if (this.state === 'CLOSED') this.remove();
  }

  private armWait(kind: 'timewait' | 'fin-wait-2', ms: number): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitKind = kind;
    this.waitDue = performance.now() + ms;
    this.waitTimer = setTimeout(() => {
      this.waitTimer = null;
      this.timeout(kind === 'timewait' ? 'timeout-2msl' : 'timeout-fin-wait-2');
    }, ms);
    this.waitTimer.unref();
  }

  /** After a transition: timers, the application's view, the tables. */
  private after(before: TcpState, verdict: string, timers: readonly string[]): void {
    const now = this.state;
    if (now === 'TIME-WAIT') {
      this.stopRexmt();
      if (before !== 'TIME-WAIT' || timers.includes('restart-2msl') || timers.includes('start-2msl')) this.armWait('timewait', this.host.config.time_wait_ms);
    }
    if (now === 'FIN-WAIT-2' && before !== 'FIN-WAIT-2') {
      this.stopRexmt();
      const ms = this.host.config.fin_wait_2_timeout_ms;
      if (ms > 0 && this.orphaned) this.armWait('fin-wait-2', ms);
    }
    if (now === 'ESTABLISHED' && (before === 'SYN-RECEIVED' || before === 'SYN-SENT')) {
      if (this.tcb.sndUna === this.tcb.sndNxt) this.stopRexmt();
      this.host.established(this);
      this.pump();
    }
    if (now === 'CLOSED' || now === 'LISTEN') {
      if (verdict === 'reset' && this.appId !== null)
        this.host.error(this, before === 'SYN-SENT' ? 'ECONNREFUSED' : 'ECONNRESET', before === 'SYN-SENT' ? 'connection refused' : 'connection reset by peer');
      else if (verdict === 'reset' && before === 'SYN-SENT') this.host.error(this, 'ECONNREFUSED', 'connection refused');
      this.remove();
    }
  }

  private remove(): void {
    if (this.gone) return;
    this.destroy();
    this.host.removed(this);
  }
}
