// App control of the memory stack: the agent protocol (src/lab/agent/protocol.ts) served in this
// process, with the Node agent's semantics — the application reads what arrives at once (unless
// paused), close() is close(2) (a RST when received data was never read, RFC 1122 4.2.2.13),
// shutdown() is SHUT_WR, abort() is SO_LINGER{1,0}. `tcp` lists the stack's own TCBs; there are
// no sysctls (the stack's options are its settings) and no `ss`.
import { isIP } from 'node:net';
import type { InProcessAgent } from '../../lab/agent/client.js';
import type { AgentEvent, ConnId, ConnSummary, RequestMap } from '../../lab/agent/protocol.js';
import { matchesTuple } from '../../lab/ground-truth.js';
import type { Connection } from './connection.js';
import type { MemoryStack, StackEvents } from './stack.js';

class Failure extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface AppConn {
  id: ConnId;
  tcb: Connection;
  origin: 'accepted' | 'connected';
  unread: Buffer[];
  total: number;
  fin: boolean;
  closed: boolean;
  /** close() or abort() was called: the application no longer holds it */
  released: boolean;
}

const PATTERN = Buffer.from('abcdefghijklmnopqrstuvwxyz');

function payloadOf(args: { hex?: unknown; text?: unknown; n?: unknown }): Buffer {
  const given = (['hex', 'text', 'n'] as const).filter((k) => args[k] !== undefined);
  if (given.length !== 1) throw new Failure(`send needs exactly one of hex, text, n (got ${given.join(', ') || 'none'})`);
  if (typeof args.hex === 'string' && /^([0-9a-fA-F]{2})*$/.test(args.hex)) return Buffer.from(args.hex, 'hex');
  if (typeof args.text === 'string') return Buffer.from(args.text, 'utf8');
  if (Number.isInteger(args.n) && (args.n as number) >= 0) return Buffer.from(Array.from({ length: args.n as number }, (_, i) => PATTERN[i % PATTERN.length]!));
  throw new Failure(`send: 'hex' must be an even-length hex string, 'text' a string, 'n' a non-negative integer`);
}

function portArg(value: unknown, name: string, allowZero: boolean): number {
  if (!Number.isInteger(value) || (value as number) < (allowZero ? 0 : 1) || (value as number) > 65535)
    throw new Failure(`'${name}' must be an integer in ${allowZero ? 0 : 1}..65535, got ${JSON.stringify(value)}`);
  return value as number;
}

export class MemoryAgent implements InProcessAgent, StackEvents {
  private emit: (line: string) => void = () => {};
  private readonly conns = new Map<ConnId, AppConn>();
  private readonly byTcb = new Map<Connection, AppConn>();
  private nextId = 1;
  private readonly started = Date.now();

  constructor(private readonly stack: MemoryStack) {
    stack.events = this;
  }

  open(emit: (line: string) => void): void {
    this.emit = emit;
    this.event({ event: 'ready', pid: process.pid, node: process.version });
  }

  handle(line: string): void {
    let req: { id?: unknown; cmd?: unknown } & Record<string, unknown>;
    try {
      req = JSON.parse(line);
    } catch {
      return this.emit(JSON.stringify({ id: null, ok: false, error: 'request is not JSON' }));
    }
    const id = typeof req.id === 'number' ? req.id : null;
    try {
      const handler = (this.handlers as Record<string, ((a: Record<string, unknown>) => object) | undefined>)[String(req.cmd)];
      if (!handler) throw new Failure(`unknown command '${String(req.cmd)}' (the memory stack's agent knows: ${Object.keys(this.handlers).join(', ')})`);
      this.emit(JSON.stringify({ id, ok: true, ...handler(req) }));
    } catch (e) {
      this.emit(JSON.stringify({ id, ok: false, error: (e as Error).message, ...((e as Failure).code ? { code: (e as Failure).code } : {}) }));
    }
  }

  stop(): void {
    this.stack.close();
  }

  // ------------------------------------------------------------------ the stack's events

  accepted(tcb: Connection): void {
    const c = this.track(tcb, 'accepted');
    this.event({ event: 'accepted', conn: c.id, listenPort: tcb.listenPort ?? tcb.local.port, local: { ...tcb.local }, remote: { ...tcb.remote } });
  }

  connected(tcb: Connection): void {
    const c = this.byTcb.get(tcb);
    if (c) this.event({ event: 'connected', conn: c.id, local: { ...tcb.local }, remote: { ...tcb.remote } });
  }

  data(tcb: Connection): void {
    const c = this.byTcb.get(tcb);
    if (c && !tcb.paused) this.take(c);
  }

  end(tcb: Connection): void {
    const c = this.byTcb.get(tcb);
    if (!c || c.fin) return;
    c.fin = true;
    this.event({ event: 'end', conn: c.id });
  }

  error(tcb: Connection, code: string, message: string): void {
    const c = this.byTcb.get(tcb);
    if (c) this.event({ event: 'error', conn: c.id, code, message: `${message} (${code})` });
  }

  closed(tcb: Connection): void {
    const c = this.byTcb.get(tcb);
    if (!c || c.closed) return;
    c.closed = true;
    this.event({ event: 'close', conn: c.id, hadError: false });
  }

  // ------------------------------------------------------------------ commands

  private readonly handlers: { [C in keyof RequestMap]?: (args: RequestMap[C]['args']) => RequestMap[C]['result'] } = {
    ping: () => ({ pid: process.pid, node: process.version, uptimeMs: Date.now() - this.started }),
    sysctl: () => {
      throw new Failure('the memory stack has no sysctls: its options are its settings (rfc5961, rto_*, retries, time_wait_ms, …)', 'ENOENT');
    },
    listen: ({ port, host = this.stack.address, backlog = 511 }) => {
      portArg(port, 'port', true);
      try {
        return { port: this.stack.listenOn(port, backlog), host };
      } catch (e) {
        throw new Failure((e as Error).message, (e as Failure).code);
      }
    },
    unlisten: ({ port }) => {
      if (!this.stack.unlisten(port)) throw new Failure(`not listening on port ${port} (listening: ${this.stack.listening.join(', ') || 'none'})`);
      return {};
    },
    connect: ({ host, port, localPort }) => {
      if (typeof host !== 'string' || isIP(host) !== 4) throw new Failure(`'host' must be an IPv4 address, got ${JSON.stringify(host)}`);
      portArg(port, 'port', false);
      if (localPort !== undefined) portArg(localPort, 'localPort', true);
      let tcb: Connection;
      try {
        tcb = this.stack.connect({ address: host, port }, localPort);
      } catch (e) {
        throw new Failure((e as Error).message, (e as Failure).code);
      }
      const c = this.track(tcb, 'connected');
      tcb.startActive();
      return { conn: c.id, localPort: tcb.local.port };
    },
    send: (args) => {
      const c = this.open_(args.conn);
      const data = payloadOf(args);
      if (!c.tcb.write(data)) throw new Failure(`write EPIPE: connection ${c.id} can no longer send (${c.tcb.state})`, 'EPIPE');
      return { written: data.length, userQueued: 0 };
    },
    read: ({ conn }) => {
      const c = this.conn(conn);
      if (!c.released && !c.tcb.paused) this.take(c, false);
      const data = Buffer.concat(c.unread);
      c.unread = [];
      return { hex: data.toString('hex'), bytes: data.length, total: c.total, fin: c.fin, closed: c.closed };
    },
    shutdown: ({ conn }) => {
      const c = this.open_(conn);
      if (!c.tcb.userCall('close')) throw new Failure(`shutdown: connection ${c.id} is closing (${c.tcb.state})`, 'ENOTCONN');
      return {};
    },
    close: ({ conn }) => {
      const c = this.open_(conn);
      c.released = true;
      // Data the application never read: close(2) resets the connection (RFC 1122 4.2.2.13).
      if (c.tcb.unread > 0) c.tcb.userCall('abort');
      else c.tcb.userCall('close', { orphan: true });
      return {};
    },
    abort: ({ conn }) => {
      const c = this.open_(conn);
      c.released = true;
      c.tcb.userCall('abort');
      return {};
    },
    pause: ({ conn }) => {
      this.open_(conn).tcb.paused = true;
      return {};
    },
    resume: ({ conn }) => {
      const c = this.open_(conn);
      c.tcb.paused = false;
      this.take(c);
      return {};
    },
    list: () => ({ listening: this.stack.listening, conns: [...this.conns.values()].map((c) => this.summary(c)) }),
    tcp: ({ localPort, peerPort }) => ({ sockets: this.stack.sockets().filter((s) => matchesTuple(s, { localPort, peerPort })) }),
  };

  private track(tcb: Connection, origin: AppConn['origin']): AppConn {
    const c: AppConn = { id: this.nextId++, tcb, origin, unread: [], total: 0, fin: false, closed: false, released: false };
    tcb.appId = c.id;
    this.conns.set(c.id, c);
    this.byTcb.set(tcb, c);
    return c;
  }

  /** The application reads what the stack holds (the window opens again). */
  private take(c: AppConn, announce = true): void {
    const data = c.tcb.read();
    if (!data.length) return;
    c.unread.push(data);
    c.total += data.length;
    if (announce) this.event({ event: 'data', conn: c.id, bytes: data.length, total: c.total });
  }

  private conn(id: unknown): AppConn {
    if (typeof id !== 'number') throw new Failure(`'conn' must be a connection id (number), got ${JSON.stringify(id)}`);
    const c = this.conns.get(id);
    if (!c) throw new Failure(`no connection ${id} (known: ${[...this.conns.keys()].join(', ') || 'none'})`);
    return c;
  }

  private open_(id: unknown): AppConn {
    const c = this.conn(id);
    if (c.released || c.closed) throw new Failure(`connection ${c.id} is already closed`);
    return c;
  }

  private summary(c: AppConn): ConnSummary {
    return { conn: c.id, origin: c.origin, local: { ...c.tcb.local }, remote: { ...c.tcb.remote }, received: c.total, fin: c.fin, closed: c.closed };
  }

  private event(e: AgentEvent): void {
    this.emit(JSON.stringify(e));
  }
}
