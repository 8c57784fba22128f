// The target agent: a small Node program that runs inside the lab namespace
// (`ip netns exec tcpfsm-<k> node dist/src/lab/agent/main.js`) and does to real kernel sockets
// whatever the harness asks, one JSON line at a time on stdin; answers and events go to stdout.
// It exits when stdin closes, so it never outlives the harness.

import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { SS_ARGS } from '../ground-truth.js';
import { ProcTcpReader } from '../proc-tcp-reader.js';
import { hostWideByName, SYSCTL_NAME, sysctlProcPath } from '../sysctl-scope.js';
import { type AgentEvent, COMMANDS, type Command, type ConnId, type ConnSummary, type Endpoint, type RequestMap } from './protocol.js';

/** A command failure the harness should see verbatim (bad argument, unknown conn, EADDRINUSE…). */
class CommandFailure extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Conn {
  id: ConnId;
  socket: net.Socket;
  origin: 'accepted' | 'connected';
  /** the port connect() aims at: Node reports no remotePort while the socket is still connecting */
  peerPort?: number;
  unread: Buffer[];
  total: number;
  fin: boolean;
  closed: boolean;
}

const conns = new Map<ConnId, Conn>();
const servers = new Map<number, net.Server>();
let nextConn = 1;
const started = Date.now();

const emit = (msg: object): void => {
  process.stdout.write(JSON.stringify(msg) + '\n');
};
const event = (e: AgentEvent): void => emit(e);

const endpoint = (address: string | undefined, port: number | undefined): Endpoint | null =>
  address !== undefined && port !== undefined ? { address, port } : null;

function track(socket: net.Socket, origin: Conn['origin'], keepAliveMs?: number, peerPort?: number): Conn {
  const conn: Conn = { id: nextConn++, socket, origin, ...(peerPort !== undefined ? { peerPort } : {}), unread: [], total: 0, fin: false, closed: false };
  conns.set(conn.id, conn);
  socket.setNoDelay(true);
  if (keepAliveMs !== undefined) socket.setKeepAlive(true, keepAliveMs);
  socket.on('data', (chunk: Buffer) => {
    conn.unread.push(chunk);
    conn.total += chunk.length;
    event({ event: 'data', conn: conn.id, bytes: chunk.length, total: conn.total });
  });
  socket.on('end', () => {
    conn.fin = true;
    event({ event: 'end', conn: conn.id });
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    event({ event: 'error', conn: conn.id, code: err.code ?? null, message: err.message });
  });
  socket.on('close', (hadError: boolean) => {
    conn.closed = true;
    event({ event: 'close', conn: conn.id, hadError });
  });
  return conn;
}

function connOf(args: { conn?: unknown }): Conn {
  if (typeof args.conn !== 'number') throw new CommandFailure(`'conn' must be a connection id (number), got ${JSON.stringify(args.conn)}`);
  const conn = conns.get(args.conn);
  if (!conn) throw new CommandFailure(`no connection ${args.conn} (known: ${[...conns.keys()].join(', ') || 'none'})`);
  return conn;
}

function openConnOf(args: { conn?: unknown }): Conn {
  const conn = connOf(args);
  if (conn.socket.destroyed) throw new CommandFailure(`connection ${conn.id} is already closed`);
  return conn;
}

function portArg(value: unknown, name: string, allowZero: boolean): number {
  if (!Number.isInteger(value) || (value as number) < (allowZero ? 0 : 1) || (value as number) > 65535) {
    throw new CommandFailure(`'${name}' must be an integer in ${allowZero ? 0 : 1}..65535, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

// Dotted sysctl name → /proc/sys path. /proc/sys/net follows the reader's network namespace,
// so the agent (inside the lab) reads and writes the lab's own values.
function sysctlPath(name: string): string {
  if (!SYSCTL_NAME.test(name)) throw new CommandFailure(`'${name}' is not a sysctl name (expected e.g. net.ipv4.tcp_fin_timeout)`);
  return sysctlProcPath(name);
}

/** User-Mode Linux says so in its cpuinfo (arch/um: vendor "User Mode Linux", model "UML"). */
function inUmlGuest(): boolean {
  try {
    return /^vendor_id\s*:\s*User Mode Linux$/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Whether this process is in the host's network namespace, or cannot tell: the same namespace as
 * pid 1 (when readable) or as the harness that started it (`ip netns exec` execs the agent, so
 * its parent is the harness, in the root namespace).
 */
function inHostNetns(): boolean {
  // Inside a guest kernel (User-Mode Linux) every namespace is the guest's own, never the host's.
  if (inUmlGuest()) return false;
  const id = (path: string): string | null => {
    try {
      const s = statSync(path);
      return `${s.dev}:${s.ino}`;
    } catch {
      return null;
    }
  };
  const mine = id('/proc/self/ns/net');
  const refs = [id('/proc/1/ns/net'), id(`/proc/${process.ppid}/ns/net`)].filter((r): r is string => r !== null);
  return mine === null || refs.length === 0 || refs.includes(mine);
}

/**
 * Defence in depth (the harness refuses these before any lab exists): write only a sysctl of
 * this lab's own network namespace. Outside net.*, or net.* keys the kernel shares with the host
 * (read-only in a namespace, or known host-wide), or from the host's own namespace: refused.
 */
function refuseHostWrite(name: string, path: string): void {
  const why = hostWideByName(name);
  if (why) throw new CommandFailure(`refused to write ${name}: ${why}`, 'EPERM');
  if (inHostNetns()) throw new CommandFailure(`refused to write ${name}: the agent is in the host's network namespace, not a lab's`, 'EPERM');
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new CommandFailure(`sysctl ${name} does not exist in the lab namespace`, 'ENOENT');
  }
  if (!(mode & 0o200))
    throw new CommandFailure(`refused to write ${name}: it is read-only inside a network namespace (the kernel shares the host's value there)`, 'EPERM');
}
const normalizeSysctl = (v: string): string => v.trim().split(/\s+/).join(' ');

function readSysctl(name: string): string {
  try {
    return normalizeSysctl(readFileSync(sysctlPath(name), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CommandFailure(`sysctl ${name} does not exist in the lab namespace`, 'ENOENT');
    throw e;
  }
}

function writeSysctl(name: string, value: string): void {
  const path = sysctlPath(name);
  refuseHostWrite(name, path);
  try {
    writeFileSync(path, value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CommandFailure(`sysctl ${name} does not exist in the lab namespace`, code);
    if (code === 'EINVAL') throw new CommandFailure(`sysctl ${name} refused the value '${value}' (EINVAL)`, code);
    throw new CommandFailure(`sysctl ${name}=${value}: ${(e as Error).message}`, code);
  }
}

/** /proc/net/tcp{,6} follow the reader's network namespace: the agent sees the target's table. */
const ownTable = new ProcTcpReader('/proc/net');

/** Unread bytes in the kernel's receive queue of a connection this process is reading (not paused). */
function kernelHolds(conn: Conn): boolean {
  const { socket } = conn;
  // A connect()ed socket starts reading once Node has seen its handshake complete, which can come
  // after the kernel already queued the peer's first bytes; until then Node gives no remotePort.
  const reading = socket.connecting || ((socket as unknown as { _handle?: { reading: boolean } })._handle?.reading ?? false);
  const peerPort = socket.remotePort ?? conn.peerPort;
  if (!reading || socket.localPort === undefined || peerPort === undefined) return false;
  return ownTable.sockets({ localPort: socket.localPort, peerPort }).some((s) => s.recvQ > 0);
}

const PATTERN = Buffer.from('abcdefghijklmnopqrstuvwxyz');
function payloadOf(args: { hex?: unknown; text?: unknown; n?: unknown }): Buffer {
  const given = (['hex', 'text', 'n'] as const).filter((k) => args[k] !== undefined);
  if (given.length !== 1) throw new CommandFailure(`send needs exactly one of hex, text, n (got ${given.join(', ') || 'none'})`);
  if (typeof args.hex === 'string') {
    if (!/^([0-9a-fA-F]{2})*$/.test(args.hex)) throw new CommandFailure(`'hex' is not an even-length hex string`);
    return Buffer.from(args.hex, 'hex');
  }
  if (typeof args.text === 'string') return Buffer.from(args.text, 'utf8');
  if (Number.isInteger(args.n) && (args.n as number) >= 0) {
    const n = args.n as number;
    const buf = Buffer.alloc(n);
    for (let i = 0; i < n; i++) buf[i] = PATTERN[i % PATTERN.length]!;
    return buf;
  }
  throw new CommandFailure(`send: 'hex'/'text' must be strings and 'n' a non-negative integer`);
}

type Handler<C extends Command> = (args: RequestMap[C]['args']) => RequestMap[C]['result'] | Promise<RequestMap[C]['result']>;

const handlers: { [C in Command]: Handler<C> } = {
  ping: () => ({ pid: process.pid, node: process.version, uptimeMs: Date.now() - started }),

  sysctl: ({ set = {}, get = [] }) => {
    for (const [name, value] of Object.entries(set)) writeSysctl(name, String(value));
    const values: Record<string, string> = {};
    for (const name of new Set([...Object.keys(set), ...get])) values[name] = readSysctl(name);
    return { values };
  },

  listen: ({ port, host = '0.0.0.0', backlog = 511, keepAliveMs }) =>
    new Promise((resolve, reject) => {
      portArg(port, 'port', true);
      // allowHalfOpen: the agent must not answer the peer's FIN with its own (CLOSE-WAIT is a state to test).
      const server = net.createServer({ allowHalfOpen: true });
      server.once('error', (err: NodeJS.ErrnoException) => reject(new CommandFailure(err.message, err.code)));
      server.on('connection', (socket) => {
        const conn = track(socket, 'accepted', keepAliveMs);
        const local = endpoint(socket.localAddress, socket.localPort)!;
        const remote = endpoint(socket.remoteAddress, socket.remotePort)!;
        event({ event: 'accepted', conn: conn.id, listenPort: boundPort, local, remote });
      });
      let boundPort = port;
      server.listen({ port, host, backlog }, () => {
        boundPort = (server.address() as net.AddressInfo).port;
        servers.set(boundPort, server);
        server.removeAllListeners('error');
        server.on('error', (err: NodeJS.ErrnoException) => event({ event: 'server-error', port: boundPort, code: err.code ?? null, message: err.message }));
        resolve({ port: boundPort, host });
      });
    }),

  unlisten: ({ port }) => {
    const server = servers.get(port);
    if (!server) throw new CommandFailure(`not listening on port ${port} (listening: ${[...servers.keys()].join(', ') || 'none'})`);
    servers.delete(port);
    server.close(); // accepted connections stay open
    return {};
  },

  connect: ({ host, port, localAddress, localPort, keepAliveMs }) =>
    new Promise((resolve) => {
      if (typeof host !== 'string' || net.isIP(host) === 0) throw new CommandFailure(`'host' must be an IP address, got ${JSON.stringify(host)}`);
      const peerPort = portArg(port, 'port', false);
      if (localPort !== undefined) portArg(localPort, 'localPort', true);
      const socket = net.connect({ host, port, localAddress, localPort, allowHalfOpen: true });
      const conn = track(socket, 'connected', keepAliveMs, peerPort);
      socket.once('connect', () => {
        event({
          event: 'connected',
          conn: conn.id,
          local: endpoint(socket.localAddress, socket.localPort)!,
          remote: endpoint(socket.remoteAddress, socket.remotePort)!,
        });
      });
      // Node issues connect(2) on the next tick for an IP literal; one macrotask later the
      // local port is bound and the SYN is out. Never wait for the handshake: it may never end.
      setImmediate(() => resolve({ conn: conn.id, localPort: socket.localPort ?? null }));
    }),

  send: (args) => {
    const conn = openConnOf(args);
    const data = payloadOf(args);
    conn.socket.write(data);
    return { written: data.length, userQueued: conn.socket.writableLength };
  },

  read: async (args) => {
    const conn = connOf(args);
    // Bytes the kernel took in (and ACKed) that this process has not read yet are due in a moment:
    // the ACK can reach the probe, and its read() arrive here, before the socket's 'data' event
    // (the bytes still in the kernel, or read by Node and buffered for a 'data' on the next tick).
    const due = () => (conn.socket.readableFlowing !== false && conn.socket.readableLength > 0) || kernelHolds(conn);
    for (const until = Date.now() + 1000; !conn.unread.length && due() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 1));
    const data = Buffer.concat(conn.unread);
    conn.unread = [];
    return { hex: data.toString('hex'), bytes: data.length, total: conn.total, fin: conn.fin, closed: conn.closed };
  },

  shutdown: (args) => {
    openConnOf(args).socket.end();
    return {};
  },

  close: (args) => {
    const { socket } = openConnOf(args);
    // destroy() is close(2) on the fd: the kernel still sends what it holds, then FIN — or RST
    // if received data is still unread in its buffer. Bytes Node itself still queues (the
    // kernel buffer was full) are handed over first, as close(2) would have them.
    if (socket.writableLength === 0) socket.destroy();
    else socket.end(() => socket.destroy());
    return {};
  },

  abort: (args) => {
    const { socket } = openConnOf(args);
    // In SYN-SENT there is no one to reset: ABORT deletes the TCB and sends nothing
    // (RFC 9293 §3.10.5); resetAndDestroy() would wait for a handshake that may never come.
    if (socket.connecting) socket.destroy();
    else socket.resetAndDestroy();
    return {};
  },

  pause: (args) => {
    const { socket } = openConnOf(args);
    // Readable.pause() alone keeps reading from the kernel until Node's own buffer holds
    // highWaterMark bytes, so the kernel's receive queue (Recv-Q, the advertised window) would
    // not notice. Stop the handle's reads now, as net.Socket does for its `onread` mode;
    // resume() restarts them through _read().
    const handle = (socket as unknown as { _handle?: { reading: boolean; readStop(): number } })._handle;
    if (handle?.reading) {
      handle.reading = false;
      handle.readStop();
    }
    socket.pause();
    return {};
  },

  resume: (args) => {
    const { socket } = openConnOf(args);
    const handle = (socket as unknown as { _handle?: { reading: boolean; readStart(): number } })._handle;
    if (handle && !handle.reading) {
      handle.reading = true;
      handle.readStart();
    }
    socket.resume();
    return {};
  },

  tcp: ({ localPort, peerPort }) => {
    if (localPort !== undefined) portArg(localPort, 'localPort', true);
    if (peerPort !== undefined) portArg(peerPort, 'peerPort', true);
    const ports = { localPort, peerPort };
    return { sockets: ownTable.sockets(ports) };
  },

  list: () => ({
    listening: [...servers.keys()],
    conns: [...conns.values()].map(
      (c): ConnSummary => ({
        conn: c.id,
        origin: c.origin,
        local: endpoint(c.socket.localAddress, c.socket.localPort),
        remote: endpoint(c.socket.remoteAddress, c.socket.remotePort),
        received: c.total,
        fin: c.fin,
        closed: c.closed,
      }),
    ),
  }),

  ss: ({ filter = [] }) =>
    new Promise((resolve, reject) => {
      if (!Array.isArray(filter) || !filter.every((f) => typeof f === 'string')) {
        throw new CommandFailure(`ss: 'filter' must be an array of strings`);
      }
      execFile('ss', [...SS_ARGS, ...filter], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = typeof err?.code === 'string' ? err.code : undefined;
        if (err) reject(new CommandFailure(`ss failed: ${stderr.trim() || err.message}`, code));
        else resolve({ stdout });
      });
    }),
};

async function handleLine(line: string, lineNo: number): Promise<void> {
  if (line.trim() === '') return;
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    return emit({ id: null, ok: false, error: `line ${lineNo} is not JSON: ${(e as Error).message}` });
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return emit({ id: null, ok: false, error: `line ${lineNo} is not a JSON object` });
  }
  const { id, cmd, ...args } = msg as { id?: unknown; cmd?: unknown };
  if (typeof id !== 'number') return emit({ id: null, ok: false, error: `line ${lineNo}: 'id' must be a number` });
  if (typeof cmd !== 'string' || !(COMMANDS as readonly string[]).includes(cmd)) {
    return emit({ id, ok: false, error: `unknown command ${JSON.stringify(cmd)} (known: ${COMMANDS.join(', ')})` });
  }
  try {
    const handler = handlers[cmd as Command] as (a: unknown) => unknown;
    const result = await handler(args);
    emit({ id, ok: true, ...(result as object) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    emit({ id, ok: false, error: err.message, ...(err.code ? { code: err.code } : {}) });
  }
}

let lineNo = 0;
const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => void handleLine(line, ++lineNo));
// The harness is gone (or is done with us): take every socket down with the process.
input.on('close', () => process.exit(0));
event({ event: 'ready', pid: process.pid, node: process.version });
