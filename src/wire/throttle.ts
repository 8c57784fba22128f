// A Transport that paces what it sends, for remote targets: tcpfsm must never look like a flood.
// The bounds (pacingBounds) hold over sliding windows: "at most N in any window [t, t + W)".
// - Per connection (dst addr, dst port, src port): at most max(1, ⌊rate⌋) segments in any 1 s,
//   and at most `burst` (2, or 1 when rate < 2) in any burst/rate s: two back to back at most.
// - In total, every connection of this transport together: at most max(1, ⌊rate × maxHalfOpen⌋)
//   segments in any 1 s. The window starts full (a quiet first second), so processes that use
//   the target one after another (remote mode runs one suite at a time) share the bound too.
// - At most `maxHalfOpen` connections may be half-open at once: a SYN we send opens one (the
//   remote holds a SYN-RECEIVED for it, RFC 9293 3.5 / RFC 4987 2), and it counts until the
//   remote can have left SYN-RECEIVED: our ACK (no SYN) that acknowledges its SYN (SEG.ACK = its
//   ISS+1, SEG.SEQ = our ISS+1: RFC 9293 3.10.7.4 first and fifth checks), our RST at exactly
//   its RCV.NXT (second check, RFC 5961 3.2), its RST, or the connection's listener is removed (its
//   test ended). An ACK it rejects (wrong number, old SEG.SEQ) leaves it half-open: counting that
//   as done let a small listen backlog (python's http.server: 5) overflow into SYN cookies.
//   A SYN that would exceed the cap waits for a slot.
// A send is recorded when the socket has taken it, never when it was allowed: a segment that
// left late (a busy machine) pushes the next one later, so the bounds hold for the stamps in the
// run's pcap, not just for the schedule.
import type { IpFields, TcpSegment } from '../packet/types.js';
import { ACK, RST, SYN } from '../packet/types.js';
import type { Match, Transport, Unsubscribe, WireSegment } from './transport.js';

export interface ThrottleOptions {
  /** segments per second per connection */
  rate: number;
  /** half-open connections allowed at once */
  maxHalfOpen: number;
  /** clock (ms, monotonic) and sleep, for tests */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PacingBounds {
  /** segments one connection may send in any 1 s window */
  perConnPerSecond: number;
  /** segments one connection may send in any burstWindowMs window */
  burst: number;
  burstWindowMs: number;
  /** segments all connections together may send in any 1 s window */
  totalPerSecond: number;
  /** connections half-open at once */
  maxHalfOpen: number;
}

/** The bounds a throttle with these options keeps (see the header). */
export function pacingBounds(rate: number, maxHalfOpen: number): PacingBounds {
  if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
  if (!Number.isInteger(maxHalfOpen) || maxHalfOpen < 1) throw new RangeError(`maxHalfOpen must be an integer ≥ 1, got ${maxHalfOpen}`);
  const perConnPerSecond = Math.max(1, Math.floor(rate));
  const burst = Math.min(2, perConnPerSecond);
  return { perConnPerSecond, burst, burstWindowMs: (burst / rate) * 1000, totalPerSecond: Math.max(1, Math.floor(rate * maxHalfOpen)), maxHalfOpen };
}

/** At most `cap` events in any window [t, t + widthMs): it keeps the times of the last `cap`. */
export class WindowLimiter {
  private readonly times: number[] = [];

  constructor(
    readonly cap: number,
    readonly widthMs: number,
    /** start as if `cap` events had just happened at this time (a quiet first window) */
    saturatedAt?: number,
  ) {
    if (!(Number.isInteger(cap) && cap >= 1)) throw new RangeError(`window cap must be an integer ≥ 1, got ${cap}`);
    if (!(widthMs > 0)) throw new RangeError(`window width must be > 0 ms, got ${widthMs}`);
    if (saturatedAt !== undefined) for (let i = 0; i < cap; i++) this.times.push(saturatedAt);
  }

  /** Milliseconds from `now` until `n` more events fit back to back (0: now); `n` is at most the cap. */
  waitFrom(now: number, n = 1): number {
    const room = this.cap - Math.min(n, this.cap);
    if (this.times.length <= room) return 0;
    return Math.max(0, this.times[this.times.length - room - 1]! + this.widthMs - now);
  }

  /** An event happened at `at` (not earlier than the last one recorded). */
  record(at: number): void {
    this.times.push(Math.max(at, this.times[this.times.length - 1] ?? at));
    if (this.times.length > this.cap) this.times.splice(0, this.times.length - this.cap);
  }

  /** When the last event was (undefined: none yet). */
  get last(): number | undefined {
    return this.times[this.times.length - 1];
  }
}

const connKey = (addr: string, remotePort: number, localPort: number): string => `${addr}|${remotePort}|${localPort}`;

/** One connection's limits, and the chain its sends queue on (one at a time, in order). */
interface ConnPace {
  second: WindowLimiter;
  burst: WindowLimiter;
  chain: Promise<unknown>;
  /** sends queued or under way */
  pending: number;
}

export interface ThrottleStats {
  /** segments sent */
  sent: number;
  /** sends that had to wait for their connection's or the total bound, and the total wait */
  paced: number;
  pacedMs: number;
  /** SYNs that waited for a half-open slot */
  synWaits: number;
  /** the most half-open connections seen at once */
  peakHalfOpen: number;
}

export class ThrottledTransport implements Transport {
  readonly stats: ThrottleStats = { sent: 0, paced: 0, pacedMs: 0, synWaits: 0, peakHalfOpen: 0 };
  readonly bounds: PacingBounds;
  private readonly conns = new Map<string, ConnPace>();
  private readonly total: WindowLimiter;
  private totalChain: Promise<unknown> = Promise.resolve();
  /** half-open connections: our ISS, and the remote's ISS and window once its SYN-ACK came */
  private readonly halfOpen = new Map<string, { iss: number; remoteIss?: number }>();
  private readonly slotWaiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly inner: Transport,
    opts: ThrottleOptions,
  ) {
    this.bounds = pacingBounds(opts.rate, opts.maxHalfOpen);
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.total = new WindowLimiter(this.bounds.totalPerSecond, 1000, this.now());
  }

  get localAddr(): string {
    return this.inner.localAddr;
  }

  /** Half-open connections right now. */
  get halfOpenCount(): number {
    return this.halfOpen.size;
  }

  async send(dst: string, seg: TcpSegment, ip?: IpFields): Promise<WireSegment> {
    const key = connKey(dst, seg.dstPort, seg.srcPort);
    const opensOne = (seg.flags & (SYN | ACK | RST)) === SYN && !this.halfOpen.has(key);
    if (opensOne) {
      if (this.halfOpen.size >= this.bounds.maxHalfOpen) this.stats.synWaits++;
      while (this.halfOpen.size >= this.bounds.maxHalfOpen) await new Promise<void>((r) => this.slotWaiters.push(r));
      // Claimed before the pacing wait, so two SYNs cannot both take the last slot.
      this.halfOpen.set(key, { iss: seg.seq >>> 0 });
      this.stats.peakHalfOpen = Math.max(this.stats.peakHalfOpen, this.halfOpen.size);
    }
    const pace = this.pace(key);
    pace.pending++;
    const turn = pace.chain.then(() => this.paced(pace, () => this.inner.send(dst, seg, ip)));
    pace.chain = turn.catch(() => undefined);
    let sent: WireSegment;
    try {
      sent = await turn;
    } finally {
      pace.pending--;
    }
    if (this.endsHalfOpen(key, seg)) this.release(key);
    return sent;
  }

  /** This connection's turn: wait for its own windows, then for the total's, then send. */
  private async paced<T>(pace: ConnPace, send: () => Promise<T>): Promise<T> {
    const waited = await this.waitFor([pace.second, pace.burst]);
    const turn = this.totalChain.then(async () => {
      const more = await this.waitFor([this.total]);
      const sent = await send();
      const at = this.now(); // after the socket took it: never earlier than its pcap stamp
      for (const w of [pace.second, pace.burst, this.total]) w.record(at);
      return { sent, more };
    });
    this.totalChain = turn.catch(() => undefined);
    const { sent, more } = await turn;
    this.stats.sent++;
    if (waited + more > 0) {
      this.stats.paced++;
      this.stats.pacedMs += waited + more;
    }
    return sent;
  }

  /**
   * Wait until `n` segments of this connection could leave back to back within every bound (at
   * most the burst): a request whose answer must be ACKed before the remote's RTO fires goes only
   * when that ACK will not be held back behind it.
   */
  async room(dst: string, about: Match, n: number): Promise<void> {
    const pace = this.pace(connKey(dst, about.remotePort ?? 0, about.localPort));
    await pace.chain;
    await this.waitFor([pace.second, pace.burst, this.total], n);
  }

  private async waitFor(windows: readonly WindowLimiter[], n = 1): Promise<number> {
    let waited = 0;
    for (;;) {
      const ms = Math.max(...windows.map((w) => w.waitFrom(this.now(), n)));
      if (ms <= 0) return waited;
      await this.sleep(ms);
      waited += ms;
    }
  }

  listen(match: Match, handler: (s: WireSegment) => void): Unsubscribe {
    const off = this.inner.listen(match, (s) => {
      const key = connKey(s.ip.src, s.tcp.srcPort, s.tcp.dstPort);
      if (s.tcp.flags & RST) this.release(key);
      const open = this.halfOpen.get(key);
      if (open && (s.tcp.flags & (SYN | ACK)) === (SYN | ACK) && s.tcp.ack === (open.iss + 1) >>> 0) {
        open.remoteIss = s.tcp.seq >>> 0;
      }
      handler(s);
    });
    return () => {
      off();
      for (const key of [...this.halfOpen.keys()]) if (key.startsWith(`${match.remoteAddr}|`) && key.endsWith(`|${match.localPort}`)) this.release(key);
      this.forgetIdle();
    };
  }

  onSegment(observer: (s: WireSegment) => void): Unsubscribe {
    return this.inner.onSegment(observer);
  }

  /** An ICMP error about one of our connections counts as one of that connection's segments. */
  async sendIp(dst: string, packet: Buffer, about: Match): Promise<bigint> {
    const inner = this.inner;
    if (!inner.sendIp) throw new Error('this transport cannot send IP packets');
    const pace = this.pace(connKey(dst, about.remotePort ?? 0, about.localPort));
    pace.pending++;
    const turn = pace.chain.then(() => this.paced(pace, () => inner.sendIp!(dst, packet, about)));
    pace.chain = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      pace.pending--;
    }
  }

  onIpPacket(observer: (at: bigint, bytes: Buffer) => void): Unsubscribe {
    return this.inner.onIpPacket?.(observer) ?? (() => undefined);
  }

  close(): Promise<void> {
    for (const w of this.slotWaiters.splice(0)) w();
    return this.inner.close();
  }

  private pace(key: string): ConnPace {
    let p = this.conns.get(key);
    if (!p) {
      const b = this.bounds;
      this.conns.set(
        key,
        (p = { second: new WindowLimiter(b.perConnPerSecond, 1000), burst: new WindowLimiter(b.burst, b.burstWindowMs), chain: Promise.resolve(), pending: 0 }),
      );
    }
    return p;
  }

  /**
   * A connection's limits are dropped once its last send is out of every window: a new
   * connection on the same ports a moment later is still held to them (it is the same 4-tuple
   * on the wire).
   */
  private forgetIdle(): void {
    const now = this.now();
    const span = Math.max(1000, this.bounds.burstWindowMs);
    for (const [key, p] of this.conns) {
      const idle = p.pending === 0 && (p.second.last === undefined || p.second.last + span <= now);
      if (idle && !this.halfOpen.has(key)) this.conns.delete(key);
    }
  }

  /**
   * Whether our segment takes the remote out of SYN-RECEIVED: an ACK of its SYN at our ISS+1
   * (RFC 9293 3.10.7.4: acceptable SEG.SEQ, SND.UNA < SEG.ACK =< SND.NXT), or our RST exactly at
   * its RCV.NXT (second check, RFC 5961 3.2: any other RST in the window only draws a challenge ACK).
   */
  private endsHalfOpen(key: string, seg: TcpSegment): boolean {
    const open = this.halfOpen.get(key);
    if (!open || seg.flags & SYN) return false;
    const offset = (seg.seq - ((open.iss + 1) >>> 0)) >>> 0;
    if (seg.flags & RST) return offset === 0;
    return !!(seg.flags & ACK) && offset === 0 && open.remoteIss !== undefined && seg.ack === (open.remoteIss + 1) >>> 0;
  }

  private release(key: string): void {
    if (!this.halfOpen.delete(key)) return;
    this.slotWaiters.shift()?.();
  }
}
