// A Transport that paces what it sends, for remote targets: tcpfsm must never look like a flood.
// - Each connection (dst addr, dst port, src port) has a token bucket: `rate` segments per second,
//   at most `burst` back to back; every send waits for its token.
// - At most `maxHalfOpen` connections may be half-open at once: a SYN we send opens one (the
//   remote holds a SYN-RECEIVED for it, RFC 9293 3.5 / RFC 4987 2), and it counts until we ACK
//   without SYN, either side sends RST, or the connection's listener is removed (its test ended).
//   A SYN that would exceed the cap waits for a slot.
import type { IPv4Header, TcpSegment } from '../packet/types.js';
import { ACK, RST, SYN } from '../packet/types.js';
import type { Match, Transport, Unsubscribe, WireSegment } from './transport.js';

export interface ThrottleOptions {
  /** segments per second per connection */
  rate: number;
  /** segments a connection may send back to back (default: one second's worth, at least 1) */
  burst?: number;
  /** half-open connections allowed at once */
  maxHalfOpen: number;
  /** clock and sleep, for tests */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A token bucket: take() resolves when a token is available; callers are served in order. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(rate > 0)) throw new RangeError(`token bucket rate must be > 0, got ${rate}`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be ≥ 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Wait for a token; resolves with the milliseconds waited. */
  take(): Promise<number> {
    const turn = this.queue.then(() => this.takeNow());
    this.queue = turn.then(() => undefined);
    return turn;
  }

  private async takeNow(): Promise<number> {
    let waited = 0;
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return waited;
      }
      const ms = ((1 - this.tokens) / this.rate) * 1000;
      await this.sleep(ms);
      waited += ms;
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}

const connKey = (addr: string, remotePort: number, localPort: number): string => `${addr}|${remotePort}|${localPort}`;

export interface ThrottleStats {
  /** segments sent */
  sent: number;
  /** sends that had to wait for a token, and the total wait */
  paced: number;
  pacedMs: number;
  /** SYNs that waited for a half-open slot */
  synWaits: number;
  /** the most half-open connections seen at once */
  peakHalfOpen: number;
}

export class ThrottledTransport implements Transport {
  readonly stats: ThrottleStats = { sent: 0, paced: 0, pacedMs: 0, synWaits: 0, peakHalfOpen: 0 };
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly halfOpen = new Set<string>();
  private readonly slotWaiters: Array<() => void> = [];
  private readonly burst: number;

  constructor(
    private readonly inner: Transport,
    private readonly opts: ThrottleOptions,
  ) {
    if (!Number.isInteger(opts.maxHalfOpen) || opts.maxHalfOpen < 1) throw new RangeError(`maxHalfOpen must be an integer ≥ 1, got ${opts.maxHalfOpen}`);
    this.burst = opts.burst ?? Math.max(1, Math.floor(opts.rate));
  }

  get localAddr(): string {
    return this.inner.localAddr;
  }

  /** Half-open connections right now. */
  get halfOpenCount(): number {
    return this.halfOpen.size;
  }

  async send(dst: string, seg: TcpSegment, ip?: Partial<IPv4Header>): Promise<WireSegment> {
    const key = connKey(dst, seg.dstPort, seg.srcPort);
    const opensOne = (seg.flags & (SYN | ACK | RST)) === SYN && !this.halfOpen.has(key);
    if (opensOne) {
      if (this.halfOpen.size >= this.opts.maxHalfOpen) this.stats.synWaits++;
      while (this.halfOpen.size >= this.opts.maxHalfOpen) await new Promise<void>((r) => this.slotWaiters.push(r));
      // Claimed before the token wait, so two SYNs cannot both take the last slot.
      this.halfOpen.add(key);
      this.stats.peakHalfOpen = Math.max(this.stats.peakHalfOpen, this.halfOpen.size);
    }
    const waited = await this.bucket(key).take();
    if (waited > 0) {
      this.stats.paced++;
      this.stats.pacedMs += waited;
    }
    const sent = await this.inner.send(dst, seg, ip);
    this.stats.sent++;
    // Our ACK completes the handshake; our RST ends the attempt: either way no longer half-open.
    if (seg.flags & RST || (seg.flags & ACK && !(seg.flags & SYN))) this.release(key);
    return sent;
  }

  listen(match: Match, handler: (s: WireSegment) => void): Unsubscribe {
    const off = this.inner.listen(match, (s) => {
      if (s.tcp.flags & RST) this.release(connKey(s.ip.src, s.tcp.srcPort, s.tcp.dstPort));
      handler(s);
    });
    return () => {
      off();
      for (const key of [...this.halfOpen]) if (key.startsWith(`${match.remoteAddr}|`) && key.endsWith(`|${match.localPort}`)) this.release(key);
      for (const key of [...this.buckets.keys()]) if (key.endsWith(`|${match.localPort}`) && key.startsWith(`${match.remoteAddr}|`)) this.buckets.delete(key);
    };
  }

  onSegment(observer: (s: WireSegment) => void): Unsubscribe {
    return this.inner.onSegment(observer);
  }

  close(): Promise<void> {
    for (const w of this.slotWaiters.splice(0)) w();
    return this.inner.close();
  }

  private bucket(key: string): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(this.opts.rate, this.burst, this.opts.now, this.opts.sleep)));
    return b;
  }

  private release(key: string): void {
    if (!this.halfOpen.delete(key)) return;
    this.slotWaiters.shift()?.();
  }
}
