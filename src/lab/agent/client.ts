// The harness side of the target agent: spawns it inside the lab namespace, turns each command
// into an awaitable call with a deadline, and keeps every event it pushes (accepted, data, end,
// error, close) so a test can wait for one that may already have happened.

import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { missingTool, spawn } from '../../sys/exec.js';
import type { AgentEvent, Command, ConnId, RequestMap } from './protocol.js';

export type { AgentEvent, ConnId, Endpoint } from './protocol.js';

/** The agent answered ok:false: the message is the agent's own, e.g. "listen EADDRINUSE: …". */
export class AgentCommandError extends Error {
  override name = 'AgentCommandError';
  constructor(
    readonly command: string,
    message: string,
    readonly code?: string,
  ) {
    super(`agent ${command}: ${message}`);
  }
}

/** The agent process is gone (crashed, killed) or did not answer in time. */
export class AgentError extends Error {
  override name = 'AgentError';
}

/** The agent runs, but the event waited for (a connection accepted, its peer's FIN read) did not happen in time. */
export class AgentEventTimeout extends AgentError {
  override name = 'AgentEventTimeout';
}

export const AGENT_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));
const STDERR_TAIL = 2000;

interface Pending {
  command: string;
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The agent's start-up deadline (AgentClientOptions.startTimeoutMs). */
export const AGENT_START_TIMEOUT_MS = 30_000;

export interface AgentClientOptions {
  /** Default deadline of each call. */
  timeoutMs?: number;
  /**
   * How long to wait for the agent's `ready` line (Node start-up is ~80 ms here; a CI run at 98 %
   * CPU pressure once took over 10 s). An agent that died says so at once (its exit), so the
   * deadline is only for one that is slow.
   */
  startTimeoutMs?: number;
  /**
   * The child's file descriptor (>= 3, a socket pair) that carries the protocol both ways instead
   * of stdin/stdout, which are then diagnostics like stderr (a guest kernel's boot messages).
   */
  protocolFd?: number;
}

/** What the client needs of the process behind it: a child process, or a server in this process. */
export interface AgentProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly unknown[];
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

/** The agent protocol served inside this process (an in-process stack): request lines in, answer and event lines out. */
export interface InProcessAgent {
  /** Where answers and events go, given once before the first request; the agent says `ready` there. */
  open(emit: (line: string) => void): void;
  /** Handle one request line. */
  handle(line: string): void;
  /** The client stopped: release what the agent holds. */
  stop(): void;
}

export class AgentClient extends EventEmitter<{ event: [AgentEvent]; exit: [string] }> {
  /** Every event received, in order. */
  readonly events: AgentEvent[] = [];
  readonly pid: number;
  /** Resolves when the process has exited, with a sentence saying how. */
  readonly exited: Promise<string>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitReason: string | null = null;
  private stopping = false;
  private stderrTail = '';
  private readonly timeoutMs: number;

  private readonly input: Writable;

  private constructor(
    private readonly child: AgentProcess,
    opts: AgentClientOptions,
  ) {
    super();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.pid = child.pid ?? -1;
    const channel = opts.protocolFd !== undefined ? (child.stdio[opts.protocolFd] as Readable & Writable) : null;
    this.input = channel ?? child.stdin!;
    // EPIPE after the process died: its exit reports that better than an unhandled stream error.
    this.input.on('error', () => undefined);
    for (const diagnostics of channel ? [child.stdout!, child.stderr!] : [child.stderr!]) {
      diagnostics.setEncoding('utf8');
      diagnostics.on('data', (s: string) => {
        this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL);
      });
    }
    createInterface({ input: channel ?? child.stdout!, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const stderr = this.stderrTail.trim();
        this.exitReason = `target agent (pid ${this.pid}) ${how}` + (stderr ? `: ${stderr}` : '');
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          this.pending.delete(id);
          p.reject(new AgentError(`${p.command}: ${this.exitReason}`));
        }
        this.emit('exit', this.exitReason);
        resolve(this.exitReason);
      });
    });
  }

  /** Start `ip netns exec <namespace> node main.js` and wait for its ready line. */
  static start(namespace: string, opts: AgentClientOptions = {}): Promise<AgentClient> {
    return AgentClient.spawn('ip', ['netns', 'exec', namespace, process.execPath, AGENT_SCRIPT], `namespace ${namespace}`, opts);
  }

  /**
   * Start any program that speaks the agent protocol on its stdin/stdout (our Node agent, a
   * user-space stack's own agent, a guest kernel's console) and wait for its ready line.
   * Lines that are not JSON objects (a guest's boot messages) are ignored.
   */
  static async spawn(cmd: string, args: readonly string[], where: string, opts: AgentClientOptions = {}): Promise<AgentClient> {
    const fd = opts.protocolFd;
    if (fd !== undefined && !(Number.isInteger(fd) && fd >= 3)) throw new RangeError(`protocolFd must be an integer >= 3, got ${fd}`);
    const stdio = fd === undefined ? ['pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', ...Array<string>(fd - 2).fill('pipe')];
    const child = spawn(cmd, args, { stdio: stdio as ('pipe' | 'ignore')[] });
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? missingTool(cmd) : e));
    });
    if (spawned) throw spawned;
    const client = new AgentClient(child, opts);
    const deadline = opts.startTimeoutMs ?? AGENT_START_TIMEOUT_MS;
    try {
      await client.waitForEvent((e) => e.event === 'ready', deadline);
    } catch (e) {
      client.kill();
      throw new AgentError(`target agent did not start in ${where}: ${(e as Error).message}`);
    }
    return client;
  }

  /**
   * A client of an agent served in this process (`agent`), through the same line protocol as a
   * child's pipes: stop() ends it, kill() too (there is nothing to kill).
   */
  static async inProcess(agent: InProcessAgent, where: string, opts: AgentClientOptions = {}): Promise<AgentClient> {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const process_ = new EventEmitter() as EventEmitter & AgentProcess;
    let exited = false;
    const exit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      agent.stop();
      stdout.end();
      stderr.end();
      // After the streams' last lines: as a child's exit follows its output.
      setImmediate(() => process_.emit('exit', code, signal));
    };
    Object.assign(process_, {
      pid: process.pid,
      stdin,
      stdout,
      stderr,
      stdio: [stdin, stdout, stderr],
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        exit(null, signal);
        return true;
      },
    });
    const emit = (line: string) => {
      if (!exited) stdout.write(`${line}\n`);
    };
    createInterface({ input: stdin, crlfDelay: Infinity }).on('line', (line) => agent.handle(line));
    stdin.on('end', () => exit(0, null));
    const client = new AgentClient(process_, opts);
    agent.open(emit);
    try {
      await client.waitForEvent((e) => e.event === 'ready', opts.startTimeoutMs ?? AGENT_START_TIMEOUT_MS);
    } catch (e) {
      client.kill();
      throw new AgentError(`in-process agent did not start (${where}): ${(e as Error).message}`);
    }
    return client;
  }

  get alive(): boolean {
    return this.exitReason === null;
  }

  /** Send one command; resolves with the agent's answer or rejects with its error / a timeout. */
  call<C extends Command>(cmd: C, args: RequestMap[C]['args'], timeoutMs = this.timeoutMs): Promise<RequestMap[C]['result']> {
    return this.callOwn(cmd, args, timeoutMs);
  }

  /** A command outside the shared protocol that one target's own agent adds (gVisor's `endpoints`, …). */
  callOwn<R>(cmd: string, args: object, timeoutMs = this.timeoutMs): Promise<R> {
    if (this.exitReason !== null) return Promise.reject(new AgentError(`${cmd}: ${this.exitReason}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentError(`${cmd}: no answer from the target agent within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command: cmd, resolve: resolve as (v: never) => void, reject, timer });
      this.input.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  ping = () => this.call('ping', {});
  sysctl = (set: Record<string, string>, get: string[] = []) => this.call('sysctl', { set, get });
  /** where listen() binds when not told: '::' (IPv6 and IPv4) for a target reached over IPv6; unset: the agent's 0.0.0.0 */
  listenHost: string | undefined;
  listen = (port: number, opts: { host?: string; backlog?: number; keepAliveMs?: number } = {}) =>
    this.call('listen', { port, ...(this.listenHost ? { host: this.listenHost } : {}), ...opts });
  unlisten = (port: number) => this.call('unlisten', { port });
  connect = (host: string, port: number, opts: { localAddress?: string; localPort?: number; keepAliveMs?: number } = {}) =>
    this.call('connect', { host, port, ...opts });
  send = (conn: ConnId, data: Buffer | string | { n: number }) =>
    this.call('send', Buffer.isBuffer(data) ? { conn, hex: data.toString('hex') } : typeof data === 'string' ? { conn, text: data } : { conn, n: data.n });
  read = async (conn: ConnId) => {
    const r = await this.call('read', { conn });
    return { ...r, data: Buffer.from(r.hex, 'hex') };
  };
  shutdown = (conn: ConnId) => this.call('shutdown', { conn });
  close = (conn: ConnId) => this.call('close', { conn });
  abort = (conn: ConnId) => this.call('abort', { conn });
  pause = (conn: ConnId) => this.call('pause', { conn });
  resume = (conn: ConnId) => this.call('resume', { conn });
  list = () => this.call('list', {});
  ss = (filter: string[] = []) => this.call('ss', { filter });
  /** The target's TCP table (/proc/net/tcp{,6} in its namespace), sockets with these ports. */
  tcp = (ports: { localPort?: number; peerPort?: number } = {}) => this.call('tcp', ports);

  /** The first event (past or future) matching `pred`; rejects after timeoutMs or if the agent dies. */
  waitForEvent<E extends AgentEvent>(pred: (e: AgentEvent) => e is E, timeoutMs?: number): Promise<E>;
  waitForEvent(pred: (e: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent>;
  waitForEvent(pred: (e: AgentEvent) => boolean, timeoutMs = this.timeoutMs): Promise<AgentEvent> {
    const past = this.events.find(pred);
    if (past) return Promise.resolve(past);
    if (this.exitReason !== null) return Promise.reject(new AgentError(this.exitReason));
    return new Promise((resolve, reject) => {
      const onEvent = (e: AgentEvent) => {
        if (!pred(e)) return;
        done();
        resolve(e);
      };
      const onExit = (reason: string) => {
        done();
        reject(new AgentError(`while waiting for an event: ${reason}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new AgentEventTimeout(`no matching agent event within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('exit', onExit);
      };
      this.on('event', onEvent);
      this.on('exit', onExit);
    });
  }

  /** The accepted connection on `listenPort` (optionally from `remotePort`). */
  accepted(listenPort: number, remotePort?: number, timeoutMs?: number) {
    return this.waitForEvent(
      (e): e is Extract<AgentEvent, { event: 'accepted' }> =>
        e.event === 'accepted' && e.listenPort === listenPort && (remotePort === undefined || e.remote.port === remotePort),
      timeoutMs,
    );
  }

  /**
   * Stop the agent and wait until it is gone: close its stdin (it exits at once, and a coverage
   * tool gets to write its data), SIGKILL if it has not exited within `graceMs`. Either way the
   * kernel closes its sockets as close(2) would.
   */
  async stop(graceMs = 1000): Promise<void> {
    if (this.exitReason !== null) return;
    this.stopping = true;
    this.input.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous kill for exit paths that cannot await. */
  kill(): void {
    if (this.exitReason !== null) return;
    this.stopping = true;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  get wasStopped(): boolean {
    return this.stopping;
  }

  private onLine(line: string): void {
    let msg: { id?: number | null; ok?: boolean; event?: string; error?: string; code?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      this.stderrTail = (this.stderrTail + `\n(stdout) ${line}`).slice(-STDERR_TAIL);
      return;
    }
    if (msg.event !== undefined) {
      this.events.push(msg as AgentEvent);
      this.emit('event', msg as AgentEvent);
      return;
    }
    const p = msg.id != null ? this.pending.get(msg.id) : undefined;
    if (!p) return; // an answer after its deadline, or id:null for a line we never sent
    this.pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.ok) {
      const { id: _id, ok: _ok, ...result } = msg;
      p.resolve(result as never);
    } else {
      p.reject(new AgentCommandError(p.command, msg.error ?? '(no message)', msg.code));
    }
  }
}
