// An exercise session: one fresh lab, scripted connections into it, and the commands of
// commands.ts acting on the current connection. After every step it shows the segments both
// ways (tcpdump style, relative seq/ack), the state the FSM predicts for the target and the
// kernel's real one, and flags every disagreement — as text, never as a thrown error, so a
// student's experiment that surprises the FSM is a finding, not a crash.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TcpState, TimeoutEvent } from '../fsm/index.js';
import { AgentCommandError, AgentError, StateTimeoutError, sysctlPairs, type AgentClient, type ConnId, type LabSysctls } from '../lab/index.js';
import { Seq, formatFlags, formatTcp } from '../packet/index.js';
import { ACK, type DecodedTcp } from '../packet/types.js';
import { ExpectationError, PROBE_PORT_RANGE, PeerConnection, type SendSpec } from '../peer/connection.js';
import { RemoteModel } from '../peer/model.js';
import type { FieldMismatch } from '../peer/pattern.js';
import { QUIET_MS, REPLY_DEADLINE_MS, ScriptedConnection, stateGroundTruth } from '../peer/scripted.js';
import { socketDetails } from '../peer/timing.js';
import type { StateSource } from '../target/stack.js';
import { openTarget, type Target } from '../target/target.js';
import { Trace, type IsnPair, type TraceEntry } from '../peer/trace.js';
import { UsageError } from '../sys/errors.js';
import type { WireSegment } from '../wire/transport.js';
import { HELP, parseCommand, type AgentAction, type Command, type SegmentCommand } from './commands.js';
import { CONNECT_NOTE, ladder } from './ladder.js';
import type { Printer } from './output.js';

/** Probe source ports of a session: 40001, 40002, … (a fresh lab each time, so never reused). */
const FIRST_PROBE_PORT = PROBE_PORT_RANGE[0] + 1;

/** How long `timeout <timer>` waits for the kernel to act on its own timer. */
const TIMER_DEADLINE_MS: Readonly<Record<string, number>> = {
  // Linux's SYN-ACK give-up with the lab's synack_retries 2 is 7 s after the first; 5 retries: 63 s.
  'timeout-retransmission-exhausted': 70_000,
  // TCP_TIMEWAIT_LEN = 60 s (include/net/tcp.h), restarted by a retransmitted FIN.
  'timeout-2msl': 65_000,
  'timeout-fin-wait-2': 65_000,
  // Linux has no user timeout unless TCP_USER_TIMEOUT is set (the agent never sets it): a short look.
  'timeout-user': 2_000,
};

export interface SessionOptions {
  printer: Printer;
  /** lab sysctls on top of the fast defaults */
  sysctls?: LabSysctls;
  /** stable text: no lab id, addresses or exact timer values (for --auto and pipes) */
  stable: boolean;
}

interface Conn {
  n: number;
  c: ScriptedConnection;
  open: boolean;
  pump: Promise<void>;
  /** the last segment from the target: a repeat of it with nothing predicted is a retransmission */
  lastIn?: { tcp: DecodedTcp; at: bigint };
  /**
   * Set while the target's application acts: what it sends may arrive before the FSM has been told
   * of the call, so arrivals wait here until it has.
   */
  held?: WireSegment[];
}

/** A Trace that also tells the session about each entry as it is recorded. */
class LiveTrace extends Trace {
  constructor(private readonly onEntry: (e: TraceEntry) => void) {
    super();
  }
  override segment(segment: WireSegment, isn?: () => IsnPair): void {
    super.segment(segment, isn);
    this.onEntry(this.entries.at(-1)!);
  }
  override note(text: string): void {
    super.note(text);
    this.onEntry(this.entries.at(-1)!);
  }
}

export class Session {
  readonly trace: LiveTrace;
  /** Disagreements seen: kernel vs FSM, a segment vs its prediction, a predicted segment missing. */
  problems = 0;
  /** The kernel's state of the current connection at the last check. */
  lastKernel: string | undefined;
  private readonly conns: Conn[] = [];
  private current: Conn | undefined;
  private readonly listening = new Set<number>();
  private lastListen: number | undefined;
  private arrivalWaiters: Array<() => void> = [];
  /** the target's state in the FSM before the segment being sent */
  private stateBefore: TcpState | undefined;
  private readonly out: Printer;
  private readonly stable: boolean;

  private constructor(readonly target: Target, opts: SessionOptions) {
    this.out = opts.printer;
    this.stable = opts.stable;
    this.trace = new LiveTrace((e) => this.recorded(e));
  }

  static async open(opts: SessionOptions): Promise<Session> {
    const target = await openTarget({ settings: sysctlPairs(opts.sysctls ?? {}) });
    if (!target.agent || !target.states) {
      await target.close();
      throw new UsageError(`an exercise needs a target with app control and ground truth; ${target.name} has ${target.agent ? 'no ground truth' : 'no agent'}`);
    }
    return new Session(target, opts);
  }

  /** The FSM's state of the target for the current connection (undefined before `connect`). */
  get modelState(): TcpState | undefined {
    return this.current?.c.state;
  }

  /**
   * Run one command line. Everything a student can cause (a typo, an agent refusing, a kernel
   * that disagrees with the FSM) is printed; returns false on `quit`.
   */
  async execute(line: string): Promise<boolean> {
    let cmd: Command;
    try {
      cmd = parseCommand(line);
    } catch (e) {
      this.report(e);
      return true;
    }
    if (cmd.kind === 'quit') return false;
    try {
      await this.run(cmd);
    } catch (e) {
      this.report(e);
    }
    return true;
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.open = false;
    await Promise.all(this.conns.map((conn) => conn.pump));
    for (const conn of this.conns) conn.c.close();
    await this.target.close();
  }

  private async run(cmd: Command): Promise<void> {
    switch (cmd.kind) {
      case 'empty':
        return;
      case 'help':
        return this.out.lines(HELP.map((l) => `  ${l}`));
      case 'listen':
        return this.listen(cmd.port);
      case 'connect':
        return this.connect(cmd.port);
      case 'segment':
        return this.sendSegment(cmd);
      case 'agent':
        return this.agent(cmd.action);
      case 'wait':
        return this.wait(cmd.ms);
      case 'timeout':
        return this.timeout(cmd.event);
      case 'state':
        return this.state();
      case 'trace':
        for (const row of ladder(this.trace.entries)) this.out.line(row.text, row.kind === 'bad' ? 'bad' : row.kind === 'out' ? 'out' : row.kind === 'in' ? 'in' : row.kind === 'note' ? 'note' : 'plain');
        return;
      case 'quit':
        return;
    }
  }

  private async listen(port: number): Promise<void> {
    await this.app.listen(port);
    this.listening.add(port);
    this.lastListen = port;
    this.trace.note(`app listen(${port})`);
    this.out.line(`  the target's application listens on port ${port}: its socket is in LISTEN (passive open, RFC 9293 3.5)`);
  }

  private async connect(port = this.lastListen): Promise<void> {
    if (port === undefined) throw new UsageError('connect to which port? nothing listens yet: listen 8080 first (or connect 9999 to try a closed port)');
    const { wire, profile } = this.target;
    const n = this.conns.length + 1;
    const peer = new PeerConnection(wire, this.target.address, port, { trace: this.trace, localPort: FIRST_PROBE_PORT + n - 1 });
    const model = RemoteModel.listening(profile);
    model.state = this.listening.has(port) ? 'LISTEN' : 'CLOSED';
    const c = new ScriptedConnection(peer, model, stateGroundTruth(this.states, this.target.address, this.target.probeAddress));
    c.checkTruthOnSend = false; // showState checks after the answers (settle), once per step
    const conn: Conn = { n, c, open: true, pump: Promise.resolve() };
    conn.pump = this.pump(conn);
    this.conns.push(conn);
    this.current = conn;
    this.trace.note(`${CONNECT_NOTE} ${n}: probe port ${peer.localPort} → target port ${port}`);
    this.out.line(`  connection ${n}: probe port ${peer.localPort} → target port ${port} (nothing sent yet; the FSM starts the target in ${model.state})`);
    await this.showState(conn);
  }

  private async sendSegment(cmd: SegmentCommand): Promise<void> {
    const conn = this.need();
    const { c } = conn;
    const spec: SendSpec = { flags: cmd.flags };
    if (cmd.seq) spec.seq = cmd.seq.from === 'next' ? Seq.add(c.sndNxt, cmd.seq.delta) : Seq.add(c.iss, cmd.seq.delta);
    if (cmd.ack) {
      if (cmd.ack.from === 'isn' && c.peer.irs === undefined) throw new UsageError("ack=N counts from the target's ISN, unknown before its SYN-ACK: use ack+N");
      spec.ack = cmd.ack.from === 'next' ? Seq.add(c.rcvNxt, cmd.ack.delta) : Seq.add(c.peer.irs!, cmd.ack.delta);
    }
    if (cmd.window !== undefined) spec.window = cmd.window;
    if (cmd.payload !== undefined) spec.payload = cmd.payload;
    this.stateBefore = c.state;
    try {
      await c.send(spec);
    } catch (e) {
      // The kernel disagreeing with the FSM is shown by showState below, after the replies.
      if (!(e instanceof ExpectationError && 'kernel' in e.details)) throw e;
    }
    await this.settle(conn);
    await this.showState(conn);
  }

  private async agent(action: AgentAction): Promise<void> {
    const conn = this.need();
    const { c } = conn;
    const agent = this.app;
    const id = await this.accepted(conn);
    if (action === 'read') {
      const r = await agent.read(id);
      const text = r.data.toString('latin1');
      const shown = JSON.stringify(text.length > 60 ? text.slice(0, 59) + '…' : text);
      this.out.line(`  the application read ${r.bytes} byte${r.bytes === 1 ? '' : 's'}${r.bytes ? `: ${shown}` : ''} (${r.total} in all)${r.fin ? '; then end of stream: the FIN arrived' : ''}`);
      return;
    }
    const before = c.state;
    conn.held = [];
    let held: WireSegment[];
    try {
      const call = await this.callAgent(c, id, action);
      this.out.line(`  the target's application calls ${call}`);
      this.out.line(`  FSM: ${before} → ${c.state}${this.predicted(c)}`, 'dim');
    } finally {
      held = conn.held;
      conn.held = undefined;
    }
    for (const s of held) this.arrived(conn, s);
    await this.settle(conn);
    await this.showState(conn);
  }

  /** The agent call, then the FSM follows (the order the suites use: the call has happened). */
  private async callAgent(c: ScriptedConnection, id: ConnId, action: Exclude<AgentAction, 'read'>): Promise<string> {
    const agent = this.app;
    const call =
      action === 'close' ? 'close()'
      : action === 'shutdown' ? 'shutdown(SHUT_WR)'
      : action === 'abort' ? 'abort (SO_LINGER 0 + close())'
      : `send(${action.send} bytes)`;
    this.trace.note(`app ${call}`);
    if (action === 'close') {
      await agent.close(id);
      this.followFsm(() => c.remoteCalled('close', { orphaned: true }));
    } else if (action === 'shutdown') {
      await agent.shutdown(id);
      this.followFsm(() => c.remoteCalled('close', { orphaned: false }));
    } else if (action === 'abort') {
      await agent.abort(id);
      this.followFsm(() => c.remoteCalled('abort'));
    } else {
      await agent.send(id, { n: action.send });
      this.followFsm(() => c.remoteCalled('send', { len: action.send }));
    }
    return call;
  }

  private async wait(ms: number): Promise<void> {
    this.out.line(`  waiting ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}; segments from the target are shown as they come…`, 'dim');
    await sleep(ms);
    const conn = this.current;
    if (!conn) return;
    await this.settle(conn);
    await this.showState(conn);
  }

  private async timeout(event: TimeoutEvent): Promise<void> {
    const conn = this.need();
    const { c } = conn;
    const before = c.state;
    this.followFsm(() => c.remoteCalled(event));
    this.trace.note(`timer: ${event}`);
    this.out.line(`  FSM: ${before} → ${c.state} on ${event} (the FSM has no clock: you say when the target's timer fired)${this.predicted(c)}`, 'dim');
    const deadline = TIMER_DEADLINE_MS[event] ?? 10_000;
    this.out.line(`  waiting up to ${deadline / 1000} s for the target's kernel to get there…`, 'dim');
    const want: TcpState = c.state === 'LISTEN' ? 'CLOSED' : c.state;
    try {
      await this.states.waitForState(this.tuple(conn), want, deadline);
    } catch (e) {
      if (!(e instanceof StateTimeoutError)) throw e; // showState reports the disagreement
    }
    await this.settle(conn);
    await this.showState(conn);
  }

  private async state(): Promise<void> {
    const listening = [...this.listening].sort((a, b) => a - b);
    this.out.line(`  the target's application listens on: ${listening.length ? listening.join(', ') : '(nothing)'}`);
    const conn = this.current;
    if (!conn) {
      this.out.line('  no connection yet: connect');
      return;
    }
    const { c } = conn;
    this.out.line(`  connection ${conn.n}: probe port ${c.peer.localPort} → target port ${c.peer.remotePort}`);
    await this.showState(conn);
    const socket = await socketDetails(this.states, this.tuple(conn));
    if (socket) {
      const timer = socket.timer && socket.timer.name !== 'off' ? `, timer ${socket.timer.name} ${this.remaining(socket.timer.remainingMs)}${socket.timer.retransmits ? ` (${socket.timer.retransmits} retransmissions so far)` : ''}` : ', no timer running';
      this.out.line(`  kernel socket (ss): ${socket.ssState}, Recv-Q ${socket.recvQ}, Send-Q ${socket.sendQ}${timer}`);
    } else {
      this.out.line('  kernel socket (ss): none for this connection');
    }
    const irs = c.peer.irs;
    const rel = (n: number, isn: number | undefined) => (isn === undefined ? '?' : String(Seq.sub(n, isn)));
    this.out.line(`  probe (us):    SND.NXT ${rel(c.sndNxt, c.iss)}, RCV.NXT ${irs === undefined ? '- (no SYN from the target yet)' : rel(c.rcvNxt, irs)}   (relative to the ISNs)`);
    const tcb = c.model.tcb;
    if (irs !== undefined && c.state !== 'LISTEN' && c.state !== 'CLOSED') {
      this.out.line(`  target (FSM):  SND.NXT ${rel(tcb.sndNxt, irs)}, SND.UNA ${rel(tcb.sndUna, irs)}, RCV.NXT ${rel(tcb.rcvNxt, c.iss)}`);
    }
  }

  /** After a step: wait for what the FSM predicts (≤ 1.5 s), then a quiet spell for anything else. */
  private async settle(conn: Conn): Promise<void> {
    const { c } = conn;
    const deadline = performance.now() + REPLY_DEADLINE_MS;
    while (c.model.expected.length) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.nextArrival(left);
    }
    await sleep(QUIET_MS);
    for (const missing of c.model.expected.splice(0)) {
      this.problems++;
      this.out.line(`  ✗ the FSM predicted [${formatFlags(missing.reply.flags)}] (${missing.why}), but nothing arrived within ${REPLY_DEADLINE_MS} ms`, 'bad');
    }
  }

  /** Model vs kernel, now: one line, flagged when they disagree. */
  private async showState(conn: Conn): Promise<void> {
    const { c } = conn;
    try {
      const kernel = await c.checkTruth();
      this.lastKernel = kernel;
      this.out.line(`  state: FSM ${c.state} | kernel ${kernel}  ✓ agree`, 'good');
    } catch (e) {
      if (!(e instanceof ExpectationError)) throw e;
      this.problems++;
      this.lastKernel = String(e.details.kernel);
      this.out.line(`  state: FSM ${c.state} | kernel ${this.lastKernel}  ✗ DISAGREE: ${e.message}`, 'bad');
    }
  }

  /** Collect the target's segments for one connection and show each as it arrives. */
  private async pump(conn: Conn): Promise<void> {
    while (conn.open) {
      const s = await conn.c.peer.next(100);
      if (s) this.arrived(conn, s);
    }
  }

  private arrived(conn: Conn, s: WireSegment): void {
    if (conn.held) {
      conn.held.push(s);
      return;
    }
    const { c } = conn;
    const tcp = s.tcp;
    const prev = conn.lastIn;
    conn.lastIn = { tcp, at: s.at };
    this.out.line(`  < ${this.segmentLine(c, s)}`, 'in');
    if (!c.model.expected.length && prev && sameSegment(prev.tcp, tcp)) {
      const s10 = Number(s.at - prev.at) / 1e9;
      const when = s10 < 0.5 ? 'less than half a second' : `≈${Math.round(s10)} s`;
      this.out.line(`      ↻ a retransmission, ${when} after the previous copy: the target's retransmission timer fired (RFC 9293 3.8.1, RFC 6298 5.5)`, 'note');
    } else {
      const { expected, mismatches } = c.model.match(tcp);
      if (tcp.flags & ACK) c.model.learnWindow(tcp.window);
      if (mismatches.length) {
        this.problems++;
        this.out.line(`      ✗ differs from the FSM: ${this.describeMismatches(c, mismatches)}${expected ? ` (it predicted: ${expected.why})` : ''}`, 'bad');
      } else {
        this.out.line('      ✓ as predicted', 'good');
      }
    }
    const waiters = this.arrivalWaiters;
    this.arrivalWaiters = [];
    for (const w of waiters) w();
  }

  private nextArrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.arrivalWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Our segments are shown the moment they leave; the FSM's reasoning right after. */
  private recorded(e: TraceEntry): void {
    const c = this.current?.c;
    if (!c) return;
    if (e.kind === 'segment' && e.segment.dir === 'out') this.out.line(`  > ${this.segmentLine(c, e.segment)}`, 'out');
    else if (e.kind === 'note' && e.text.startsWith('fsm: ') && c.model.last) {
      const p = c.model.last;
      const answer = p.reply ? `; expects [${formatFlags(p.reply.flags)}] from the target` : '; expects no answer';
      this.out.line(`  FSM: ${this.stateBefore} → ${p.next}: ${p.rule} (${p.rfc})${answer}`, 'dim');
      if (p.deviation) this.out.line(`       (Linux departs from the RFC's letter here: ${p.deviation})`, 'dim');
    }
  }

  /** tcpdump style with relative numbers; `probe`/`target` instead of the lab's addresses (stable text). */
  private segmentLine(c: ScriptedConnection, s: WireSegment): string {
    const out = s.dir === 'out';
    const probeIsn = c.iss;
    const targetIsn = c.peer.irs ?? 0;
    const relativeTo = out ? { srcIsn: probeIsn, dstIsn: targetIsn } : { srcIsn: targetIsn, dstIsn: probeIsn };
    const src = out ? `probe.${s.tcp.srcPort}` : `target.${s.tcp.srcPort}`;
    const dst = out ? `target.${s.tcp.dstPort}` : `probe.${s.tcp.dstPort}`;
    return `${src} > ${dst}: ${formatTcp(s.tcp, { relativeTo })}`;
  }

  /** Mismatches with seq/ack relative to the ISNs, like everything else on screen. */
  private describeMismatches(c: ScriptedConnection, ms: FieldMismatch[]): string {
    const rel = (text: string, isn: number | undefined) => {
      const n = Number(/^\d+/.exec(text)?.[0]);
      return Number.isFinite(n) && isn !== undefined ? String(Seq.sub(n, isn)) : text;
    };
    return ms
      .map((m) => {
        if (m.field === 'tcp_seq') return `seq: expected ${rel(m.expected, c.peer.irs)}, got ${rel(m.actual, c.peer.irs)}`;
        if (m.field === 'tcp_ack_seq') return `ack: expected ${rel(m.expected, c.iss)}, got ${rel(m.actual, c.iss)}`;
        return `${m.field.replace(/^tcp_/, '')}: expected ${m.expected}, got ${m.actual}`;
      })
      .join('; ');
  }

  private predicted(c: ScriptedConnection): string {
    const next = c.model.expected.map((e) => `[${formatFlags(e.reply.flags)}]${e.len ? ` ${e.len} bytes` : ''}`);
    return next.length ? `; expects the target to send ${next.join(', ')}` : '';
  }

  private remaining(ms: number): string {
    if (!this.stable) return `${ms >= 10_000 ? Math.round(ms / 1000) : (ms / 1000).toFixed(1)} s left`;
    return ms >= 10_000 ? `about ${Math.round(ms / 10_000) * 10} s left` : `about ${Math.max(1, Math.round(ms / 1000))} s left`;
  }

  /** The target's application (Session.open checked it has one). */
  private get app(): AgentClient {
    return this.target.agent!;
  }

  private get states(): StateSource {
    return this.target.states!;
  }

  private tuple(conn: Conn) {
    return { localAddress: this.target.address, localPort: conn.c.peer.remotePort, peerAddress: this.target.probeAddress, peerPort: conn.c.peer.localPort };
  }

  private need(): Conn {
    if (!this.current) throw new UsageError('no connection yet: listen 8080, then connect');
    return this.current;
  }

  /** The agent's id for the connection it accepted from `conn` (there is one after the handshake). */
  private async accepted(conn: Conn): Promise<ConnId> {
    try {
      return (await this.app.accepted(conn.c.peer.remotePort, conn.c.peer.localPort, 1000)).conn;
    } catch (e) {
      if (!(e instanceof AgentError)) throw e;
      throw new UsageError(`the target's application has not accepted connection ${conn.n} (from probe port ${conn.c.peer.localPort}): complete the handshake first (syn, ack)`);
    }
  }

  /** Tell the FSM of a call or timer on the target; one it has no transition for is the student's to fix. */
  private followFsm(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (/has no transition/.test((e as Error).message)) throw new UsageError(`${(e as Error).message}: not possible in this state`);
      throw e;
    }
  }

  private report(e: unknown): void {
    if (e instanceof ExpectationError) {
      this.problems++;
      this.out.line(`  ✗ ${e.message}`, 'bad');
    } else if (e instanceof UsageError || e instanceof AgentCommandError) {
      this.out.line(`  ? ${e.message}`, 'note');
    } else {
      this.out.line(`  error: ${(e as Error).message}`, 'bad');
    }
  }
}

function sameSegment(a: DecodedTcp, b: DecodedTcp): boolean {
  return a.flags === b.flags && a.seq === b.seq && a.ack === b.ack && a.payload.equals(b.payload);
}
