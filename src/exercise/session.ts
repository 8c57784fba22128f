// An exercise session: one fresh lab, scripted connections into it, and the commands of
// commands.ts acting on the current connection. After every step it shows the segments both
// ways (tcpdump style, relative seq/ack), the state the FSM predicts for the target and the
// kernel's real one, our own side's state, and flags every disagreement — as text, never as a
// thrown error, so a student's experiment that surprises the FSM is a finding, not a crash.
// A kernel timer that moves the target on while the student reads is named as a timer
// (timers.ts), not flagged.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TcpState, TimeoutEvent } from '../fsm/index.js';
import { type AgentClient, AgentCommandError, AgentError, type ConnId, type LabSysctls, labSysctlsFrom, StateTimeoutError, sysctlPairs } from '../lab/index.js';
import { formatFlags, formatTcp, parseFlags, Seq } from '../packet/index.js';
import { ACK, type DecodedTcp, SYN, type TcpOption } from '../packet/types.js';
import { ExpectationError, PeerConnection, PROBE_PORT_RANGE, type SendSpec } from '../peer/connection.js';
import { RemoteModel } from '../peer/model.js';
import type { FieldMismatch } from '../peer/pattern.js';
import { QUIET_MS, REPLY_DEADLINE_MS, ScriptedConnection, stateGroundTruth } from '../peer/scripted.js';
import { socketDetails } from '../peer/timing.js';
import { type IsnPair, Trace, type TraceEntry } from '../peer/trace.js';
import { UsageError } from '../sys/errors.js';
import type { StateSource } from '../target/stack.js';
import { openTarget, type Target } from '../target/target.js';
import type { WireSegment } from '../wire/transport.js';
import { type AgentAction, type Command, HELP, type Offset, parseCommand, type SegmentCommand } from './commands.js';
import { isnTable } from './isn-table.js';
import { CONNECT_NOTE, ladder } from './ladder.js';
import type { Printer } from './output.js';
import { ProbeSide } from './probe-side.js';
import { halfOpenSyns, QUEUE_COUNTERS, queueReport } from './syn-queue.js';
import { explainTimer } from './timers.js';
import { ConnTimestamps, TsClock } from './timestamps.js';

/** Probe source ports of a session: 40001, 40002, … (a fresh lab each time, so never reused). */
const FIRST_PROBE_PORT = PROBE_PORT_RANGE[0] + 1;

/** How long `timeout <timer>` waits for the kernel to act on its own timer. */
const TIMER_DEADLINE_MS: Readonly<Record<string, number>> = {
  // Linux's SYN-ACK give-up with the lab's synack_retries 2 is 7 s after the first; 5 retries: 63 s.
  'timeout-retransmission-exhausted': 130_000,
  // TCP_TIMEWAIT_LEN = 60 s (include/net/tcp.h), restarted by a retransmitted FIN.
  'timeout-2msl': 65_000,
  'timeout-fin-wait-2': 65_000,
  // Linux has no user timeout unless TCP_USER_TIMEOUT is set (the agent never sets it): a short look.
  'timeout-user': 2_000,
};

/** Linux's ISN for a connection reopened over a TIME-WAIT: the old SND.NXT + 65535 + 2 (tcp_twsk_unique, tcp_timewait_state_process). */
const TW_ISN_STEP = 65535 + 2;

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
  /** we connected to the target, or the target's application connected to us */
  origin: 'probe' | 'target';
  /** the agent's id of the target's socket, when the target opened the connection */
  agentConn?: ConnId;
  /** our own side of the state machine */
  side: ProbeSide;
  ts: ConnTimestamps;
  /** the last segment from the target: a repeat of it with nothing predicted is a retransmission */
  lastIn?: { tcp: DecodedTcp; at: bigint };
  /** seconds after the original at which the target repeated its last segment */
  repeatsAt: number[];
  /** when the target's SYN or SYN-ACK arrived: its ISN sample for `isns` */
  isnAt?: bigint;
  /** our last data segment, byte for byte: what `replay` sends on the next connection of these ports */
  lastData?: DecodedTcp;
  /** the connection these ports carried before this one */
  previous?: Conn;
  /** the target answered our SYN with a SYN cookie: it keeps no state until our ACK */
  cookie?: boolean;
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
  /** Kernel timers that moved the target on by themselves (explained, not disagreements). */
  timersFired = 0;
  /** The kernel's state of the current connection at the last check. */
  lastKernel: string | undefined;
  private readonly conns: Conn[] = [];
  private current: Conn | undefined;
  private readonly listening = new Map<number, { backlog: number }>();
  private lastListen: number | undefined;
  private nextPort = FIRST_PROBE_PORT;
  private timestamps = false;
  private readonly clock = new TsClock();
  private arrivalWaiters: Array<() => void> = [];
  /** the target's state in the FSM before the segment being sent */
  private stateBefore: TcpState | undefined;
  private readonly out: Printer;
  private readonly stable: boolean;

  private constructor(
    readonly target: Target,
    opts: SessionOptions,
  ) {
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

  /** The lab's sysctls as the namespace reads them back (dotted names). */
  get sysctls(): Readonly<Record<string, string>> {
    return this.target.settings!.values;
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
        return this.listen(cmd.port, cmd.backlog);
      case 'connect':
        return this.connect(cmd.port, cmd.from);
      case 'segment':
        return this.sendSegment(cmd);
      case 'replay':
        return this.replay(cmd.ack);
      case 'timestamps':
        this.timestamps = cmd.on;
        this.out.line(
          cmd.on
            ? '  our SYN and SYN-ACK offer the timestamps option from now on (RFC 7323); a connection whose two SYNs carried it uses it on every segment'
            : '  our SYN and SYN-ACK no longer offer timestamps: connections opened from now on run without them',
        );
        return;
      case 'syns':
        return this.syns(cmd.n);
      case 'sysctl':
        return this.sysctl(cmd.key, cmd.value);
      case 'agent':
        return this.agent(cmd.action);
      case 'wait':
        return this.wait(cmd.ms);
      case 'timeout':
        return this.timeout(cmd.event);
      case 'state':
        return this.state();
      case 'trace':
        for (const row of ladder(this.trace.entries))
          this.out.line(row.text, row.kind === 'bad' ? 'bad' : row.kind === 'out' ? 'out' : row.kind === 'in' ? 'in' : row.kind === 'note' ? 'note' : 'plain');
        return;
      case 'isns':
        return this.out.lines(isnTable(this.isnRows()).map((l) => `  ${l}`));
      case 'queue':
        return this.queue();
      case 'quit':
        return;
    }
  }

  private async listen(port: number, backlog = 511): Promise<void> {
    await this.app.listen(port, { backlog });
    this.listening.set(port, { backlog });
    this.lastListen = port;
    this.trace.note(`app listen(${port})`);
    this.out.line(
      `  the target's application listens on port ${port}${backlog !== 511 ? ` with a backlog of ${backlog}` : ''}: its socket is in LISTEN (passive open, RFC 9293 3.5)`,
    );
  }

  private async connect(port = this.lastListen, from?: number): Promise<void> {
    if (port === undefined) throw new UsageError('connect to which port? nothing listens yet: listen 8080 first (or connect 9999 to try a closed port)');
    const localPort = from ?? this.freshPort();
    const previous = await this.release(localPort);
    const listening = this.listening.has(port);
    const conn = this.newConn({ port, localPort, origin: 'probe', state: listening ? 'LISTEN' : 'CLOSED', previous });
    this.trace.note(`${CONNECT_NOTE} ${conn.n}: probe port ${localPort} → target port ${port}`);
    this.out.line(`  connection ${conn.n}: probe port ${localPort} → target port ${port} (nothing sent yet; the FSM starts the target in ${conn.c.state})`);
    this.startPump(conn);
    await this.showState(conn);
  }

  /** A new session connection on these ports; the pump shows what the target sends on it. */
  private newConn(o: {
    port: number;
    localPort: number;
    origin: Conn['origin'];
    state: 'LISTEN' | 'CLOSED';
    previous?: Conn;
    iss?: number;
    model?: RemoteModel;
  }): Conn {
    const { wire, profile } = this.target;
    const n = this.conns.length + 1;
    const peer = new PeerConnection(wire, this.target.address, o.port, {
      trace: this.trace,
      localPort: o.localPort,
      ...(o.iss !== undefined ? { iss: o.iss } : {}),
      ...(o.origin === 'target' ? { acceptAnyPort: true } : {}),
    });
    const model = o.model ?? RemoteModel.listening(profile);
    if (!o.model) model.state = o.state;
    const c = new ScriptedConnection(peer, model, this.truth());
    c.checkTruthOnSend = false; // showState checks after the answers (settle), once per step
    const conn: Conn = {
      n,
      c,
      open: true,
      pump: Promise.resolve(),
      origin: o.origin,
      side: new ProbeSide(o.origin === 'target' ? 'LISTEN' : 'CLOSED'),
      ts: new ConnTimestamps(),
      repeatsAt: [],
      previous: o.previous,
    };
    this.conns.push(conn);
    this.current = conn;
    return conn;
  }

  private startPump(conn: Conn): void {
    conn.pump = this.pump(conn);
  }

  /** A port the session has not used yet. */
  private freshPort(): number {
    const used = new Set(this.conns.map((c) => c.c.peer.localPort));
    while (used.has(this.nextPort)) this.nextPort++;
    return this.nextPort++;
  }

  /** Stop showing an older connection on `localPort` (a new one takes its ports); returns it. */
  private async release(localPort: number): Promise<Conn | undefined> {
    const old = this.conns.filter((c) => c.c.peer.localPort === localPort && c.open).at(-1);
    if (!old) return this.conns.filter((c) => c.c.peer.localPort === localPort).at(-1);
    old.open = false;
    await old.pump;
    old.c.close();
    return old;
  }

  private async sendSegment(cmd: SegmentCommand): Promise<void> {
    let conn = this.need();
    await this.reconcile(conn);
    const { c } = conn;
    const spec: SendSpec = { flags: cmd.flags };
    if (cmd.seq) spec.seq = cmd.seq.from === 'next' ? Seq.add(c.sndNxt, cmd.seq.delta) : Seq.add(c.iss, cmd.seq.delta);
    if (cmd.ack) {
      if (cmd.ack.from === 'isn' && c.peer.irs === undefined) throw new UsageError("ack=N counts from the target's ISN, unknown before its SYN-ACK: use ack+N");
      spec.ack = cmd.ack.from === 'next' ? Seq.add(c.rcvNxt, cmd.ack.delta) : Seq.add(c.peer.irs!, cmd.ack.delta);
    }
    if (cmd.window !== undefined) spec.window = cmd.window;
    if (cmd.payload !== undefined) spec.payload = cmd.payload;
    const flags = parseFlags(cmd.flags);
    const newSyn = (flags & SYN) !== 0 && !(flags & ACK);
    // A SYN on a connection that is over (CLOSED, or TIME-WAIT) starts a new one on the same ports.
    const used = c.peer.irs !== undefined || c.sndNxt !== c.iss;
    if (newSyn && conn.origin === 'probe' && used && (c.state === 'CLOSED' || c.state === 'TIME-WAIT')) {
      conn = await this.reincarnate(conn, spec.seq ?? c.sndNxt);
      delete spec.seq;
    } else if (conn.origin === 'probe' && used && c.state === 'CLOSED' && this.listening.has(c.peer.remotePort)) {
      // Any other segment for a connection that is gone reaches the port's listener (RFC 9293 3.10.7.2).
      c.model.state = 'LISTEN';
      c.model.tcb = RemoteModel.listening(this.target.profile).tcb;
      this.out.line(`  (connection ${conn.n} is CLOSED, but port ${c.peer.remotePort} still listens: the segment reaches the listener, in LISTEN)`, 'dim');
    }
    await this.send(conn, spec);
  }

  /** Send on `conn` with our timestamps option, let the FSM predict, then show what came back. */
  private async send(conn: Conn, spec: SendSpec, explicitOptions?: TcpOption[]): Promise<void> {
    const { c } = conn;
    const flags = parseFlags(spec.flags);
    if (explicitOptions) spec.options = explicitOptions;
    else {
      // The probe's default SYN options (an MSS) plus, when in use, the timestamps option.
      const ts = conn.ts.option(this.clock, flags, this.timestamps);
      if (ts) spec.options = flags & SYN ? [{ kind: 'mss', value: 1460 }, ts] : [ts];
    }
    this.stateBefore = c.state;
    const paws = conn.ts.pawsRejects(flags, spec.options ?? []);
    if (paws) {
      await this.sendPawsRejected(conn, spec, paws);
    } else {
      try {
        const sent = await c.send(spec);
        this.ourSegment(conn, sent.tcp);
      } catch (e) {
        // The kernel disagreeing with the FSM is shown by showState below, after the replies.
        if (!(e instanceof ExpectationError && 'kernel' in e.details)) throw e;
      }
    }
    await this.settle(conn);
    await this.showState(conn);
  }

  /** Bookkeeping for a segment of ours that left: our side's state, timestamps, data for `replay`. */
  private ourSegment(conn: Conn, tcp: DecodedTcp): void {
    const ts = tcp.options.find((o) => o.kind === 'ts');
    if (ts && ts.kind === 'ts') conn.ts.sent(ts.val);
    if (tcp.payload.length) conn.lastData = tcp;
  }

  /**
   * PAWS (RFC 7323 5.3): the target drops the segment as an old duplicate and answers with an ACK
   * of what it really has; the FSM of RFC 9293 knows nothing of timestamps, so the session
   * predicts this answer itself and the segment moves nothing on either side.
   */
  private async sendPawsRejected(conn: Conn, spec: SendSpec, paws: { tsval: number; recent: number }): Promise<void> {
    const { c } = conn;
    const sndNxt = c.peer.sndNxt;
    await c.peer.send(spec);
    c.peer.sndNxt = sndNxt; // not accepted: our next byte is still the same
    const tcb = c.model.tcb;
    c.model.expected.push({
      reply: { flags: ACK, seq: tcb.sndNxt, ack: tcb.rcvNxt },
      len: 0,
      rfc: 'RFC 7323 5.3',
      ruleIds: [],
      answersOurSegment: true,
      why: `PAWS: TSval older than TS.Recent: ACK and drop (RFC 7323 5.3)`,
    });
    this.trace.note(`PAWS: TSval ${paws.tsval} < TS.Recent ${paws.recent}: the target drops the segment`);
    this.out.line(
      `  FSM: ${c.state} → ${c.state}: PAWS: its TSval ${paws.tsval} is older than the ${paws.recent} the target last took on this connection: an old duplicate, ` +
        `answered with an ACK and dropped (RFC 7323 5.3; RFC 9293 leaves timestamps to RFC 7323); expects [.] from the target`,
      'dim',
    );
  }

  /** `replay`: our last data segment of the previous connection on these ports, exactly as it left. */
  private async replay(ack?: Offset): Promise<void> {
    const conn = this.need();
    const old = conn.previous?.lastData;
    if (!old) throw new UsageError('replay needs a previous connection on these ports that sent data (send hello there first)');
    await this.reconcile(conn);
    const { c } = conn;
    const newAck = ack === undefined ? undefined : ack.from === 'next' ? Seq.add(c.rcvNxt, ack.delta) : Seq.add(c.peer.irs ?? 0, ack.delta);
    this.out.line(
      `  an old duplicate: our "${old.payload.toString('latin1')}" from connection ${conn.previous!.n}, delayed in the network, arrives now ` +
        (newAck === undefined ? '(same seq, ack and options as then)' : "(same seq, data and options; its ACK field is this connection's)"),
    );
    await this.send(conn, { flags: formatFlags(old.flags), seq: old.seq, ack: newAck ?? old.ack, window: old.window, payload: old.payload }, [...old.options]);
  }

  /**
   * A SYN on a connection that is over: a new connection of the same 4-tuple, our ISN the SYN's
   * seq. Over a TIME-WAIT the FSM keeps the old connection's variables (a reopen depends on them,
   * RFC 9293 MAY-2); over CLOSED the SYN reaches the port's listener, if it has one.
   */
  private async reincarnate(old: Conn, iss: number): Promise<Conn> {
    const port = old.c.peer.remotePort;
    const localPort = old.c.peer.localPort;
    const wasTimeWait = old.c.state === 'TIME-WAIT';
    await this.release(localPort);
    const listening = this.listening.has(port);
    const conn = this.newConn({
      port,
      localPort,
      origin: 'probe',
      state: listening ? 'LISTEN' : 'CLOSED',
      previous: old,
      iss,
      ...(wasTimeWait ? { model: old.c.model } : {}),
    });
    this.trace.note(`${CONNECT_NOTE} ${conn.n}: probe port ${localPort} → target port ${port}`);
    const where = wasTimeWait
      ? `the target still holds connection ${old.n} in TIME-WAIT: the SYN reaches that TIME-WAIT`
      : listening
        ? `connection ${old.n} is CLOSED but port ${port} still listens: the SYN reaches the listener (LISTEN)`
        : `connection ${old.n} is CLOSED and nothing listens on port ${port}`;
    this.out.line(`  connection ${conn.n}: a new connection on the same ports (probe port ${localPort} → target port ${port}); ${where}`);
    this.startPump(conn);
    return conn;
  }

  private async agent(action: AgentAction): Promise<void> {
    if (typeof action === 'object' && 'connect' in action) return this.agentConnect(action.connect, action.from);
    const conn = this.need();
    if (action !== 'read') await this.reconcile(conn);
    const { c } = conn;
    const agent = this.app;
    const id = await this.accepted(conn);
    if (action === 'read') {
      const r = await agent.read(id);
      const text = r.data.toString('latin1');
      const shown = JSON.stringify(text.length > 60 ? text.slice(0, 59) + '…' : text);
      this.out.line(
        `  the application read ${r.bytes} byte${r.bytes === 1 ? '' : 's'}${r.bytes ? `: ${shown}` : ''} (${r.total} in all)${r.fin ? '; then end of stream: the FIN arrived' : ''}`,
      );
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

  /**
   * `agent connect`: the target's application connects to a probe port (its active open, RFC
   * 9293 3.5), from `from` or a port its kernel picks. We wait for its SYN; a connect() the
   * kernel refuses (the 4-tuple still in TIME-WAIT) is shown with the reason.
   */
  private async agentConnect(probePort: number, from?: number): Promise<void> {
    const { profile } = this.target;
    const previous = await this.release(probePort);
    // Our ISN on these ports stays what it was: the old connection's numbers then fall inside the
    // new window, as they do whenever the old connection moved further than the ISN clock.
    const iss = previous?.origin === 'target' ? previous.c.iss : undefined;
    const conn = this.newConn({ port: 0, localPort: probePort, origin: 'target', state: 'CLOSED', previous, ...(iss !== undefined ? { iss } : {}) });
    // The call is noted first: on the ladder it sits above the SYN it causes.
    const noteAt = this.trace.entries.length;
    this.trace.note(`app connect(probe port ${probePort}${from !== undefined ? ` from port ${from}` : ''})`);
    const r = await this.app.connect(this.target.probeAddress, probePort, from !== undefined ? { localPort: from } : {});
    conn.agentConn = r.conn;
    this.out.line(`  the target's application calls connect() to probe port ${probePort}${from !== undefined ? ` from its port ${from}` : ''} (active open)`);
    const failed = this.app
      .waitForEvent((e) => e.event === 'error' && e.conn === r.conn, REPLY_DEADLINE_MS)
      .then(
        (e) => e as { code: string | null; message: string },
        () => null,
      );
    const syn = await Promise.race([conn.c.peer.next(REPLY_DEADLINE_MS), failed.then((e) => (e ? e : null))]);
    if (!syn || !('tcp' in syn)) {
      this.conns.splice(this.conns.indexOf(conn), 1);
      conn.open = false;
      conn.c.close();
      this.current = previous;
      const error = syn && 'code' in syn ? syn : await failed;
      if (error) this.trace.note(`connect() failed: ${error.code ?? error.message}`);
      if (error) this.out.line(`  connect() failed: ${error.code ?? error.message}. ${this.whyConnectFailed(error.code, previous)}`, 'note');
      else {
        this.problems++;
        this.out.line(`  ✗ no SYN from the target within ${REPLY_DEADLINE_MS} ms`, 'bad');
      }
      if (previous) await this.showState(previous);
      return;
    }
    const tcp = syn.tcp;
    conn.ts.received(tcp);
    conn.isnAt = syn.at;
    conn.lastIn = { tcp, at: syn.at };
    // The target's SYN-SENT, from what its SYN showed (src/peer/fixtures.ts toSynSent).
    const model = new RemoteModel(
      'SYN-SENT',
      {
        iss: tcp.seq,
        irs: conn.c.iss,
        sndUna: tcp.seq,
        sndNxt: Seq.add(tcp.seq, 1),
        sndWnd: 0,
        rcvNxt: conn.c.iss,
        rcvWnd: tcp.window,
        passiveOpen: false,
        listening: false,
      },
      profile,
    );
    conn.c = new ScriptedConnection(conn.c.peer, model, this.truth());
    conn.c.checkTruthOnSend = false;
    // The ladder's header for this connection goes before the application's call and its SYN.
    this.trace.entries.splice(noteAt, 0, { kind: 'note', at: syn.at, text: `${CONNECT_NOTE} ${conn.n}: probe port ${probePort} → target port ${tcp.srcPort}` });
    this.out.line(`  < ${this.segmentLine(conn.c, syn)}`, 'in');
    this.out.line(`      ✓ the target's SYN: it is in SYN-SENT (connection ${conn.n}: target port ${tcp.srcPort} → probe port ${probePort})`, 'good');
    this.ourMove(conn, conn.side.state, conn.side.received({ flags: tcp.flags, seq: tcp.seq, ack: tcp.ack, len: tcp.payload.length }));
    const reused = previous && previous.origin === 'target' && previous.c.peer.remotePort === tcp.srcPort ? previous : undefined;
    if (reused) this.explainReuse(reused, tcp);
    this.startPump(conn);
    await this.showState(conn);
  }

  /** The target reconnected over its own TIME-WAIT of the same 4-tuple: say how Linux chose its numbers. */
  private explainReuse(old: Conn, syn: DecodedTcp): void {
    const oldNxt = old.c.model.tcb.sndNxt;
    const step = Seq.sub(syn.seq, oldNxt);
    const ts = syn.options.find((o) => o.kind === 'ts');
    this.out.line(
      `  the 4-tuple of connection ${old.n} was in TIME-WAIT and the kernel reused it: its new ISN is the old SND.NXT + ${step === TW_ISN_STEP ? '65537 (65535 + 2, Linux tcp_twsk_unique: above anything the old connection sent)' : step}` +
        (ts && ts.kind === 'ts' && ts.ecr ? `; its SYN echoes our old TSval ${ts.ecr} (TS.Recent carried over)` : ''),
      'note',
    );
  }

  private whyConnectFailed(code: string | null, previous: Conn | undefined): string {
    if (code !== 'EADDRNOTAVAIL') return '';
    const reuse = this.sysctls['net.ipv4.tcp_tw_reuse'] ?? '?';
    const range = this.sysctls['net.ipv4.ip_local_port_range'];
    const hadTs = previous?.ts.negotiated;
    return (
      `No free 4-tuple: ${range ? `its port range (${range.replace(/\s+/, '-')}) has ` : ''}the port of the previous connection to this address and port, still in TIME-WAIT, ` +
      `and the kernel may not reuse it: tcp_tw_reuse = ${reuse}` +
      (previous ? (hadTs ? '' : ', and the old connection ran without timestamps (reuse needs them: PAWS then keeps old duplicates out)') : '') +
      '.'
    );
  }

  /** The agent call, then the FSM follows (the order the suites use: the call has happened). */
  private async callAgent(c: ScriptedConnection, id: ConnId, action: Exclude<AgentAction, 'read' | { connect: number }>): Promise<string> {
    const agent = this.app;
    if (typeof action === 'object' && !('send' in action)) throw new Error('agent connect has no connection yet');
    const call =
      action === 'close'
        ? 'close()'
        : action === 'shutdown'
          ? 'shutdown(SHUT_WR)'
          : action === 'abort'
            ? 'abort (SO_LINGER 0 + close())'
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
    if (await this.reconcile(conn)) {
      this.out.line('  (the timer had already fired while you read: see above)', 'dim');
      await this.showState(conn);
      return;
    }
    const { c } = conn;
    const before = c.state;
    this.followFsm(() => c.remoteCalled(event));
    this.trace.note(`timer: ${event}`);
    this.out.line(`  FSM: ${before} → ${c.state} on ${event} (the FSM has no clock: you say when the target's timer fired)${this.predicted(c)}`, 'dim');
    const deadline = TIMER_DEADLINE_MS[event] ?? 10_000;
    this.out.line(`  waiting for the target's kernel to get there (up to ${deadline / 1000} s)…`, 'dim');
    const want: TcpState = c.state === 'LISTEN' ? 'CLOSED' : c.state;
    try {
      await this.states.waitForState(this.tuple(conn), want, deadline);
      this.scheduleSeen(conn, process.hrtime.bigint());
    } catch (e) {
      if (!(e instanceof StateTimeoutError)) throw e; // showState reports the disagreement
    }
    await this.settle(conn);
    await this.showState(conn);
  }

  /** After a give-up: when the target sent its last segment again, and when it stopped. */
  private scheduleSeen(conn: Conn, endedAt: bigint): void {
    if (!conn.lastIn || !conn.repeatsAt.length) return;
    const first = conn.lastIn.at - BigInt(Math.round(conn.repeatsAt.at(-1)! * 1e9));
    const s = (x: number) => (this.stable ? `${Math.round(x)}` : x.toFixed(1));
    const end = Number(endedAt - first) / 1e9;
    this.out.line(
      `  the target sent it at 0 s and again at ${conn.repeatsAt.map((x) => `+${s(x)}`).join(', ')} s (the timeout doubling each time), then gave up: gone at about +${s(end)} s`,
      'note',
    );
  }

  private async syns(n: number): Promise<void> {
    const port = this.lastListen;
    if (port === undefined) throw new UsageError('syns to which port? listen 8080 first');
    const ports = Array.from({ length: n }, () => this.freshPort());
    this.out.line(
      `  ${n} SYN${n === 1 ? '' : 's'} to port ${port} from probe ports ${ports[0]}–${ports.at(-1)}, one every 50 ms; none of them will be completed`,
    );
    const results = await halfOpenSyns(this.target, port, ports);
    for (const r of results) {
      if (r.answer) {
        const a = r.answer;
        this.out.line(`  < target.${port} > probe.${r.port}: ${formatTcp(a, { relativeTo: { srcIsn: a.seq, dstIsn: Seq.sub(a.ack, 1) } })}`, 'in');
      } else this.out.line(`    probe port ${r.port}: no answer within 300 ms: the SYN was dropped`, 'note');
    }
    const answered = results.filter((r) => r.answer).length;
    this.out.line(`  ${answered} of ${n} answered with a SYN-ACK, ${n - answered} dropped without an answer`);
  }

  private async queue(): Promise<void> {
    const port = this.lastListen;
    if (port === undefined) throw new UsageError('nothing listens yet: listen 8080 first');
    const q = await queueReport(this.target, port);
    if (!q) throw new UsageError(`no listener on port ${port}`);
    const s = (name: string) => this.sysctls[name] ?? '?';
    const asked = this.listening.get(port)?.backlog ?? 511;
    this.out.line(`  listener on port ${port}: backlog ${q.backlog} (listen() asked ${asked}, capped at net.core.somaxconn = ${s('net.core.somaxconn')})`);
    this.out.line(
      `  SYN queue: ${q.halfOpen} half-open connection${q.halfOpen === 1 ? '' : 's'} (SYN-RECV); full above ${q.backlog}` +
        (s('net.ipv4.tcp_syncookies') === '0' ? `, and with cookies off also at 3/4 of tcp_max_syn_backlog = ${s('net.ipv4.tcp_max_syn_backlog')}` : ''),
    );
    this.out.line(`  accept queue: ${q.acceptQueue} established, waiting for accept() (the lab's application accepts at once)`);
    this.out.line(`  tcp_syncookies = ${s('net.ipv4.tcp_syncookies')}, tcp_synack_retries = ${s('net.ipv4.tcp_synack_retries')}`);
    this.out.line(`  counters: ${QUEUE_COUNTERS.map((k) => `${k} ${q.counters[k] ?? 0}`).join(', ')}`);
  }

  private async sysctl(key: string, value: string): Promise<void> {
    const read = await this.target.settings!.set(sysctlPairs(labSysctlsFrom({ [key]: value })));
    const name = Object.keys(read).find((k) => k === key || k.endsWith(`.${key}`)) ?? key;
    this.trace.note(`sysctl ${name} = ${read[name]}`);
    this.out.line(`  ${name} = ${read[name]} in the lab's namespace (the target only; the host is untouched)`);
  }

  private async state(): Promise<void> {
    const listening = [...this.listening.keys()].sort((a, b) => a - b);
    this.out.line(`  the target's application listens on: ${listening.length ? listening.join(', ') : '(nothing)'}`);
    const accepted = this.app.events.filter((e) => e.event === 'accepted').length;
    if (listening.length) this.out.line(`  connections its application has accepted: ${accepted || 'none'}`);
    const conn = this.current;
    if (!conn) {
      this.out.line('  no connection yet: connect');
      return;
    }
    const { c } = conn;
    this.out.line(`  connection ${conn.n}: probe port ${c.peer.localPort} ${conn.origin === 'probe' ? '→' : '←'} target port ${c.peer.remotePort}`);
    await this.showState(conn);
    const socket = await socketDetails(this.states, this.tuple(conn));
    if (socket) {
      const timer =
        socket.timer && socket.timer.name !== 'off'
          ? `, timer ${socket.timer.name} ${this.remaining(socket.timer.remainingMs)}${socket.timer.retransmits ? ` (${socket.timer.retransmits} retransmissions so far)` : ''}`
          : ', no timer running';
      this.out.line(`  kernel socket (ss): ${socket.ssState}, Recv-Q ${socket.recvQ}, Send-Q ${socket.sendQ}${timer}`);
    } else {
      this.out.line('  kernel socket (ss): none for this connection');
    }
    const irs = c.peer.irs;
    const rel = (n: number, isn: number | undefined) => (isn === undefined ? '?' : String(Seq.sub(n, isn)));
    this.out.line(
      `  probe (us):    ${conn.side.state}, SND.NXT ${rel(c.sndNxt, c.iss)}, RCV.NXT ${irs === undefined ? '- (no SYN from the target yet)' : rel(c.rcvNxt, irs)}   (relative to the ISNs)`,
    );
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

  /**
   * Before a step: the kernel may have moved on by itself while the student read (a timer). Catch
   * the FSM up and say which timer, so the step is predicted from where the target really is.
   */
  private async reconcile(conn: Conn): Promise<boolean> {
    const { c } = conn;
    if (c.state === 'CLOSED' || c.state === 'LISTEN' || c.state === 'SYN-SENT') return false;
    const kernel = (await this.states.sockets(this.tuple(conn)))[0]?.state ?? 'CLOSED';
    return kernel !== c.state && this.explainTimer(conn, kernel);
  }

  private explainTimer(conn: Conn, kernel: string): boolean {
    const { c } = conn;
    if (conn.cookie) return false;
    const why = explainTimer({ fsm: c.state, kernel, orphaned: !!c.model.tcb.orphaned, retransmissions: conn.repeatsAt.length, sysctls: this.sysctls });
    if (!why) return false;
    const before = c.state;
    c.model.expected.splice(0);
    c.remoteCalled(why.event);
    this.timersFired++;
    this.trace.note(`timer: ${why.event}`);
    this.out.line(`  ⏱ ${why.text}`, 'note');
    this.out.line(`  FSM: ${before} → ${c.state} on ${why.event}: a timer of the target fired while you read (not a disagreement)`, 'dim');
    return true;
  }

  /** Model vs kernel, now: one line, flagged when they disagree. */
  private async showState(conn: Conn): Promise<void> {
    const { c } = conn;
    const us = `   · probe (us): ${conn.side.state}`;
    try {
      const kernel = await c.checkTruth();
      this.lastKernel = kernel;
      this.out.line(`  state: FSM ${c.state} | kernel ${kernel}  ✓ agree${us}`, 'good');
    } catch (e) {
      if (!(e instanceof ExpectationError)) throw e;
      const kernel = String(e.details.kernel);
      if (await this.explainCookie(conn, kernel)) {
        this.lastKernel = c.state;
        this.out.line(`  state: FSM ${c.state} | kernel (no socket: a SYN cookie)  ✓ explained${us}`, 'good');
        return;
      }
      if (this.explainTimer(conn, kernel)) return this.showState(conn);
      this.problems++;
      this.lastKernel = kernel;
      this.out.line(`  state: FSM ${c.state} | kernel ${kernel}  ✗ DISAGREE: ${e.message}${us}`, 'bad');
    }
  }

  /**
   * SYN-RECEIVED in the FSM, nothing in the kernel: with SYN cookies on and the SYN queue full (or
   * tcp_syncookies = 2) the SYN-ACK carried the connection's state in its ISN and the target kept
   * nothing (RFC 4987 3.6). The ACK that echoes the cookie will create the socket.
   */
  private async explainCookie(conn: Conn, kernel: string): Promise<boolean> {
    const { c } = conn;
    if (c.state !== 'SYN-RECEIVED' || kernel !== 'CLOSED' || !c.peer.irs) return false;
    if (conn.cookie) return true;
    const cookies = this.sysctls['net.ipv4.tcp_syncookies'];
    if (cookies === '0' || conn.repeatsAt.length) return false;
    const q = await queueReport(this.target, c.peer.remotePort);
    if (!q || (cookies !== '2' && q.halfOpen <= q.backlog)) return false;
    conn.cookie = true;
    this.out.line(
      `  no SYN-RECV socket for this connection: the SYN queue is full (${q.halfOpen} half-open, backlog ${q.backlog}) and tcp_syncookies = ${cookies}, ` +
        'so the SYN-ACK carried a SYN cookie: the connection lives only in its ISN until our ACK returns it',
      'note',
    );
    return true;
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
    conn.ts.received(tcp);
    if (tcp.flags & SYN && conn.isnAt === undefined) conn.isnAt = s.at;
    this.out.line(`  < ${this.segmentLine(c, s)}`, 'in');
    if (!c.model.expected.length && prev && sameSegment(prev.tcp, tcp)) {
      const s10 = Number(s.at - prev.at) / 1e9;
      const when = s10 < 0.5 ? 'less than half a second' : `≈${Math.round(s10)} s`;
      conn.repeatsAt.push(Number(s.at - prev.at) / 1e9 + (conn.repeatsAt.at(-1) ?? 0));
      conn.lastIn = { tcp, at: s.at };
      this.out.line(
        `      ↻ a retransmission, ${when} after the previous copy: the target's retransmission timer fired (RFC 9293 3.8.1, RFC 6298 5.5)`,
        'note',
      );
    } else {
      conn.lastIn = { tcp, at: s.at };
      conn.repeatsAt = [];
      const { expected, mismatches } = c.model.match(tcp);
      if (tcp.flags & ACK) c.model.learnWindow(tcp.window);
      if (mismatches.length) {
        this.problems++;
        this.out.line(`      ✗ differs from the FSM: ${this.describeMismatches(c, mismatches)}${expected ? ` (it predicted: ${expected.why})` : ''}`, 'bad');
      } else {
        this.out.line('      ✓ as predicted', 'good');
      }
      this.ourMove(conn, conn.side.state, conn.side.received({ flags: tcp.flags, seq: tcp.seq, ack: tcp.ack, len: tcp.payload.length }));
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

  /** Our segments are shown the moment they leave, with our own side's move; the FSM's reasoning right after. */
  private recorded(e: TraceEntry): void {
    const conn = this.current;
    if (!conn) return;
    const { c } = conn;
    if (e.kind === 'segment' && e.segment.dir === 'out') {
      this.out.line(`  > ${this.segmentLine(c, e.segment)}`, 'out');
      const tcp = e.segment.tcp;
      this.ourMove(conn, conn.side.state, conn.side.sent({ flags: tcp.flags, seq: tcp.seq, ack: tcp.ack, len: tcp.payload.length }));
    } else if (e.kind === 'note' && e.text.startsWith('fsm: ') && c.model.last) {
      const p = c.model.last;
      const answer = p.reply ? `; expects [${formatFlags(p.reply.flags)}] from the target` : '; expects no answer';
      this.out.line(`  FSM: ${this.stateBefore} → ${p.next}: ${p.rule} (${p.rfc})${answer}`, 'dim');
      if (p.deviation) this.out.line(`       (Linux departs from the RFC's letter here: ${p.deviation})`, 'dim');
    }
  }

  /** Our own side's state changed (the note's figures follow the client): one line. */
  private ourMove(conn: Conn, before: TcpState, after: TcpState): void {
    if (after !== before) this.out.line(`      probe (us): ${before} → ${after}`, 'dim');
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

  /**
   * Mismatches with seq/ack relative to the ISNs, like everything else on screen; a number far
   * from the ISN (the 0 of a RST,ACK, another connection's numbers) is shown as it is, marked.
   */
  private describeMismatches(c: ScriptedConnection, ms: FieldMismatch[]): string {
    const rel = (text: string, isn: number | undefined) => {
      const n = Number(/^\d+/.exec(text)?.[0]);
      if (!Number.isFinite(n) || isn === undefined) return text;
      const d = Seq.sub(n, isn);
      return Math.abs(d) < 2 ** 30 ? String(d) : `${n} (absolute)`;
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

  private truth() {
    return stateGroundTruth(this.states, this.target.address, this.target.probeAddress);
  }

  private isnRows() {
    return this.conns.map((conn) => ({
      conn: conn.n,
      probePort: conn.c.peer.localPort,
      targetPort: conn.c.peer.remotePort,
      ours: conn.c.iss,
      ...(conn.c.peer.irs !== undefined && conn.isnAt !== undefined ? { theirs: { isn: conn.c.peer.irs, atNs: conn.isnAt } } : {}),
    }));
  }

  private tuple(conn: Conn) {
    return { localAddress: this.target.address, localPort: conn.c.peer.remotePort, peerAddress: this.target.probeAddress, peerPort: conn.c.peer.localPort };
  }

  private need(): Conn {
    if (!this.current) throw new UsageError('no connection yet: listen 8080, then connect');
    return this.current;
  }

  /** The agent's id for the target's socket of `conn` (accepted after the handshake, or the one it connected). */
  private async accepted(conn: Conn): Promise<ConnId> {
    if (conn.agentConn !== undefined) return conn.agentConn;
    try {
      return (await this.app.accepted(conn.c.peer.remotePort, conn.c.peer.localPort, 1000)).conn;
    } catch (e) {
      if (!(e instanceof AgentError)) throw e;
      throw new UsageError(
        `the target's application has not accepted connection ${conn.n} (from probe port ${conn.c.peer.localPort}): complete the handshake first (syn, ack)`,
      );
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
