// The memory stack: a TCP endpoint at one address, in this process, reached through the in-memory
// transport. It owns the listeners and the connection table, answers segments nobody has a TCB
// for as the oracle says CLOSED and LISTEN answer (3.10.7.1, 3.10.7.2), and tells the application
// (the in-process agent) what happens to its connections.
import { type Profile, predict, profiles, rfcTable, type Tcb } from '../../fsm/index.js';
import { rfc793Deviations } from '../../fsm/profiles.js';
import type { SsSocket } from '../../lab/ss.js';
import { ACK, type DecodedTcp, RST, SYN, type TcpOption } from '../../packet/types.js';
import type { MemoryTransport } from '../../wire/memory.js';
import type { WireSegment } from '../../wire/transport.js';
import { ssSocketOf } from '../gvisor-states.js';
import { Connection, type ConnectionHost, type Endpoint } from './connection.js';
import { initialSequence } from './isn.js';
import type { MemorySettings } from './settings.js';

/** What the application side (the agent) hears from the stack. */
export interface StackEvents {
  accepted(conn: Connection): void;
  connected(conn: Connection): void;
  data(conn: Connection, bytes: number): void;
  end(conn: Connection): void;
  error(conn: Connection, code: string, message: string): void;
  closed(conn: Connection): void;
}

interface Listener {
  port: number;
  backlog: number;
}

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

const rfc793: Profile = { name: 'rfc793', table: rfcTable, deviations: rfc793Deviations() };

const key = (localPort: number, remote: Endpoint) => `${localPort}|${remote.address}|${remote.port}`;

export class MemoryStack {
  private readonly listeners = new Map<number, Listener>();
  private readonly conns = new Map<string, Connection>();
  private nextEphemeral = EPHEMERAL_FIRST;
  private readonly host: ConnectionHost;
  events: StackEvents | null = null;
  private wire: MemoryTransport | null = null;

  constructor(
    readonly address: string,
    private readonly settings: MemorySettings,
  ) {
    const stack = this;
    this.host = {
      get config() {
        return settings.config;
      },
      get profile() {
        return stack.profile;
      },
      emit: (conn, seg) => this.send(conn.local.port, conn.remote, seg),
      established: (conn) => (conn.appId === null ? this.events?.accepted(conn) : this.events?.connected(conn)),
      data: (conn, bytes) => this.events?.data(conn, bytes),
      end: (conn) => this.events?.end(conn),
      error: (conn, code, message) => this.events?.error(conn, code, message),
      removed: (conn) => {
        if (this.conns.get(key(conn.local.port, conn.remote)) === conn) this.conns.delete(key(conn.local.port, conn.remote));
        this.events?.closed(conn);
      },
    };
  }

  /** RFC 9293 with RFC 5961 (the oracle's rfc profile), or RFC 793's resets when rfc5961=0. */
  get profile(): Profile {
    return this.settings.config.rfc5961 ? profiles.rfc : rfc793;
  }

  /** The wire the stack answers on (the probe's in-memory transport). */
  attach(wire: MemoryTransport): void {
    this.wire = wire;
  }

  /** Every segment the probe sends: checked, then to its TCB, its listener, or CLOSED. */
  receive(s: WireSegment): void {
    if (s.ip.dst !== this.address) return; // not ours: nothing else lives on this wire
    const seg = s.tcp;
    if (seg.checksumOk === false) return; // MUST-2: a segment with a bad checksum is discarded
    const remote = { address: s.ip.src, port: seg.srcPort };
    const conn = this.conns.get(key(seg.dstPort, remote));
    if (conn) return conn.arrive(seg);
    const listener = this.listeners.get(seg.dstPort);
    if (listener) return this.listen(listener, remote, seg);
    this.noTcb(seg, remote);
  }

  // ------------------------------------------------------------------ the application's calls

  listenOn(port: number, backlog: number): number {
    const p = port === 0 ? this.freePort() : port;
    if (this.listeners.has(p)) throw Object.assign(new Error(`listen EADDRINUSE: port ${p} is already listening`), { code: 'EADDRINUSE' });
    this.listeners.set(p, { port: p, backlog });
    return p;
  }

  unlisten(port: number): boolean {
    return this.listeners.delete(port);
  }

  /** Active open towards `remote`; the SYN goes out now. */
  connect(remote: Endpoint, localPort = 0): Connection {
    const port = localPort || this.freePort(remote);
    if (this.conns.has(key(port, remote)))
      throw Object.assign(new Error(`connect EADDRNOTAVAIL: ${port} -> ${remote.address}:${remote.port} is in use`), { code: 'EADDRNOTAVAIL' });
    const iss = initialSequence(this.address, port, remote.address, remote.port);
    const conn = new Connection(this.host, { address: this.address, port }, remote, 'CLOSED', this.emptyTcb(iss));
    this.conns.set(key(port, remote), conn);
    return conn;
  }

  get listening(): number[] {
    return [...this.listeners.keys()];
  }

  /** The stack's TCBs in ss's shape: ground truth, read directly. */
  sockets(): SsSocket[] {
    const out: SsSocket[] = [];
    for (const l of this.listeners.values()) {
      out.push(
        ssSocketOf({
          state: 'LISTEN',
          netstackState: 'LISTEN',
          local: { address: this.address, port: l.port },
          remote: null,
          recvQ: 0,
          sendQ: l.backlog,
          rtoMs: 0,
          rttMs: 0,
          rttVarMs: 0,
          cwnd: 0,
          ssthresh: 0,
        }),
      );
    }
    for (const c of this.conns.values()) {
      if (c.state === 'CLOSED') continue; // an active open before its SYN
      const s = ssSocketOf({
        state: c.state,
        netstackState: c.state,
        local: c.local,
        remote: c.remote,
        recvQ: c.unread,
        sendQ: c.unacked,
        ...c.info,
      });
      const timer = c.timer();
      out.push({ ...s, timer, raw: `${c.state} ${c.local.address}:${c.local.port} ${c.remote.address}:${c.remote.port} timer:(${timer.name})` });
    }
    return out;
  }

  /** Stop every timer: the stack is going away. */
  close(): void {
    for (const c of this.conns.values()) c.destroy();
    this.conns.clear();
    this.listeners.clear();
  }

  // ------------------------------------------------------------------ segments without a TCB

  private emptyTcb(iss: number): Tcb {
    return { iss, irs: 0, sndUna: iss, sndNxt: iss, sndWnd: 0, rcvNxt: 0, rcvWnd: this.settings.config.receive_buffer };
  }

  /** 3.10.7.2: a SYN makes a new TCB in SYN-RECEIVED (the SYN-ACK goes out); the rest as the oracle says. */
  private listen(l: Listener, remote: Endpoint, seg: DecodedTcp): void {
    const iss = initialSequence(this.address, l.port, remote.address, remote.port);
    const p = predict('LISTEN', { flags: seg.flags, seq: seg.seq, ack: seg.ack, len: seg.payload.length }, this.emptyTcb(iss), this.profile);
    if (p.next === 'SYN-RECEIVED') {
      const halfOpen = [...this.conns.values()].filter((c) => c.listenPort === l.port && c.state === 'SYN-RECEIVED').length;
      if (halfOpen >= l.backlog) return; // the queue is full: the SYN is dropped, the peer retransmits
      const conn = new Connection(this.host, { address: this.address, port: l.port }, remote, 'SYN-RECEIVED', p.tcb, {
        listenPort: l.port,
        peerOptions: seg.options,
      });
      this.conns.set(key(l.port, remote), conn);
      conn.startPassive();
      return;
    }
    if (p.reply) this.send(l.port, remote, { flags: p.reply.flags, seq: p.reply.seq, ack: p.reply.ack, window: 0 });
  }

  /** 3.10.7.1: no TCB at all. */
  private noTcb(seg: DecodedTcp, remote: Endpoint): void {
    const p = predict('CLOSED', { flags: seg.flags, seq: seg.seq, ack: seg.ack, len: seg.payload.length }, this.emptyTcb(0), this.profile);
    if (p.reply) this.send(seg.dstPort, remote, { flags: p.reply.flags, seq: p.reply.seq, ack: p.reply.flags & ACK ? p.reply.ack : 0, window: 0 });
  }

  private send(
    localPort: number,
    remote: Endpoint,
    seg: { flags: number; seq: number; ack: number; window: number; options?: TcpOption[]; payload?: Buffer },
  ): void {
    this.wire?.inject(this.address, {
      srcPort: localPort,
      dstPort: remote.port,
      seq: seg.seq >>> 0,
      ack: seg.flags & ACK ? seg.ack >>> 0 : 0,
      flags: seg.flags,
      window: Math.min(seg.flags & RST && !(seg.flags & SYN) ? 0 : seg.window, 65535),
      options: seg.options ?? [],
      payload: seg.payload ?? Buffer.alloc(0),
    });
  }

  private freePort(remote?: Endpoint): number {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (this.listeners.has(p)) continue;
      if ([...this.conns.values()].some((c) => c.local.port === p && (!remote || (c.remote.address === remote.address && c.remote.port === remote.port))))
        continue;
      return p;
    }
    throw Object.assign(new Error('EADDRNOTAVAIL: no free local port'), { code: 'EADDRNOTAVAIL' });
  }
}
