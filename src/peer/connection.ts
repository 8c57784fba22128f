// A scripted peer connection: the probe's side of one TCP connection, driven step by step by a
// suite. It tracks our own sequence space (ISS, SND.NXT) and what we learned of the remote's
// (IRS, RCV.NXT, window, options); every field of a segment it sends can be overridden, so a
// suite can send out-of-window or wrong-ack segments on purpose.
import { randomInt } from 'node:crypto';
import { Seq, parseFlags, formatTcp } from '../packet/index.js';
import { ACK, FIN, SYN, type DecodedTcp, type IPv4Header, type TcpOption, type TcpSegment } from '../packet/types.js';
import type { Transport, Unsubscribe, WireSegment } from '../wire/transport.js';
import { compareSegment, describeMismatches, type SegmentPattern } from './pattern.js';
import { Trace, type IsnPair } from './trace.js';

/** Source ports the probe uses; remote mode scopes its nft rule to this range. */
export const PROBE_PORT_RANGE: [number, number] = [40000, 59999];

export interface SendSpec {
  /** tcpdump ('S.', 'F.', 'R', '.') or scapy letters ('SA', 'FA', 'PA') */
  flags: string;
  /** default SND.NXT */
  seq?: number;
  /** default RCV.NXT when ACK is set, 0 otherwise */
  ack?: number;
  window?: number;
  options?: TcpOption[];
  payload?: Buffer | string;
  urgent?: number;
  /** explicit (possibly wrong) checksum / data offset, sent as given */
  checksum?: number;
  dataOffset?: number;
  /** the 4 bits after the data offset (reserved; the last one is Accurate ECN's AE) */
  reserved?: number;
  /** IPv4 header fields for this one segment (options, TTL…) */
  ip?: Partial<IPv4Header>;
}

export class ExpectationError extends Error {
  override name = 'ExpectationError';
  constructor(
    message: string,
    readonly trace: string[],
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface PeerOptions {
  /** our ISS; random by default */
  iss?: number;
  /** source port; a free one from PROBE_PORT_RANGE by default */
  localPort?: number;
  window?: number;
  trace?: Trace;
  /**
   * The probe plays server for the remote's active open: accept segments from any port of the
   * remote address and adopt the source port of the first one (see PeerConnection.accepting).
   */
  acceptAnyPort?: boolean;
}

const usedPorts = new Set<number>();

/** A source port no other peer of this process is using (kernel sockets never see ours). */
export function allocatePort(): number {
  for (let i = 0; i < 1000; i++) {
    const p = randomInt(PROBE_PORT_RANGE[0], PROBE_PORT_RANGE[1] + 1);
    if (!usedPorts.has(p)) {
      usedPorts.add(p);
      return p;
    }
  }
  throw new Error('no free probe source port');
}

export class PeerConnection {
  readonly localPort: number;
  readonly iss: number;
  sndNxt: number;
  /** highest ACK the remote sent us */
  sndUna: number;
  /** the remote's ISN, once its SYN was seen */
  irs: number | undefined;
  /** next sequence number we expect from the remote */
  rcvNxt = 0;
  /** the remote's last advertised window (unscaled) */
  remoteWindow = 0;
  /** options of the remote's SYN or SYN-ACK */
  remoteSynOptions: TcpOption[] = [];
  window: number;
  readonly trace: Trace;
  /** seq of the FIN we sent (at SND.NXT), once sent */
  ourFinSeq: number | undefined;
  /** seq of the remote's FIN, once seen */
  remoteFinSeq: number | undefined;
  /** highest ACK we sent (undefined before our first ACK) */
  highestAckSent: number | undefined;
  /** segments from the target whose TCP checksum was wrong (not delivered) */
  readonly badChecksums: WireSegment[] = [];
  private readonly inbox: WireSegment[] = [];
  private waiter: ((s: WireSegment) => void) | null = null;
  private readonly arrivals = new Set<() => void>();
  private readonly unsubscribe: Unsubscribe;

  constructor(
    private readonly transport: Transport,
    readonly remoteAddr: string,
    /** 0 until learned when the remote opens the connection (acceptAnyPort) */
    public remotePort: number,
    opts: PeerOptions = {},
  ) {
    this.localPort = opts.localPort ?? allocatePort();
    this.iss = (opts.iss ?? randomInt(0, 2 ** 32)) >>> 0;
    this.sndNxt = this.iss;
    this.sndUna = this.iss;
    this.window = opts.window ?? 65535;
    this.trace = opts.trace ?? new Trace();
    this.unsubscribe = transport.listen(
      { localPort: this.localPort, remoteAddr, remotePort: opts.acceptAnyPort ? undefined : remotePort },
      (s) => this.arrive(s),
    );
  }

  /**
   * A connection the remote opens towards us (its active open, RFC 9293 3.5 figure 8 from the
   * other side): listen on `localPort` (default: a fresh probe port) for its SYN from any port.
   */
  static accepting(transport: Transport, remoteAddr: string, opts: Omit<PeerOptions, 'acceptAnyPort'> = {}): PeerConnection {
    return new PeerConnection(transport, remoteAddr, 0, { ...opts, acceptAnyPort: true });
  }

  /** Build the segment `spec` describes, with defaults from the connection's state. */
  segment(spec: SendSpec): TcpSegment {
    const flags = parseFlags(spec.flags);
    const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
    return {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: (spec.seq ?? this.sndNxt) >>> 0,
      ack: (spec.ack ?? (flags & ACK ? this.rcvNxt : 0)) >>> 0,
      flags,
      window: spec.window ?? this.window,
      urgent: spec.urgent,
      checksum: spec.checksum,
      dataOffset: spec.dataOffset,
      reserved: spec.reserved,
      options: spec.options ?? (flags & SYN ? [{ kind: 'mss', value: 1460 }] : []),
      payload,
    };
  }

  /**
   * Send a segment. SND.NXT advances over SYN, FIN and data only when the segment starts at
   * SND.NXT: a crafted out-of-sequence segment does not move our sequence space.
   */
  async send(spec: SendSpec | string): Promise<WireSegment> {
    const s = typeof spec === 'string' ? { flags: spec } : spec;
    const seg = this.segment(s);
    if (seg.seq === this.sndNxt) {
      const len = (seg.payload?.length ?? 0) + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
      if (seg.flags & FIN) this.ourFinSeq = Seq.add(seg.seq, seg.payload?.length ?? 0);
      this.sndNxt = Seq.add(this.sndNxt, len);
    }
    // Only ACKs of what we really received count (a crafted ACK beyond RCV.NXT acknowledges nothing).
    if (seg.flags & ACK && Seq.le(seg.ack, this.rcvNxt) && (this.highestAckSent === undefined || Seq.gt(seg.ack, this.highestAckSent))) this.highestAckSent = seg.ack;
    const sent = await this.transport.send(this.remoteAddr, seg, s.ip);
    this.trace.segment(sent, this.isns);
    return sent;
  }

  /** The next segment from the remote, or null after `timeoutMs`. Consumes it. */
  next(timeoutMs: number): Promise<WireSegment | null> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.waiter) return Promise.reject(new Error('two concurrent next() calls on one connection'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (s) => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(s);
      };
    });
  }

  /** Wait for the next segment and check it against `pattern`; throws ExpectationError otherwise. */
  async expect(pattern: SegmentPattern | string, timeoutMs = 2000, what = 'segment'): Promise<DecodedTcp & { at: bigint }> {
    const p = typeof pattern === 'string' ? { flags: pattern } : pattern;
    const s = await this.next(timeoutMs);
    if (!s) throw this.failure(`expected ${what} ${describePattern(p)} within ${timeoutMs} ms, got nothing`, { expected: p });
    const mismatches = compareSegment(p, s.tcp);
    if (mismatches.length)
      throw this.failure(`${what} mismatch: ${describeMismatches(mismatches)}`, {
        expected: describePattern(p),
        actual: formatTcp(s.tcp),
        mismatches,
      });
    return { ...s.tcp, at: s.at };
  }

  /** Fail if the remote sends anything within `durationMs`. */
  async expectNothing(durationMs: number, why = 'no answer'): Promise<void> {
    const s = await this.next(durationMs);
    if (s) throw this.failure(`expected ${why} for ${durationMs} ms, got ${formatTcp(s.tcp)}`, { actual: formatTcp(s.tcp) });
  }

  /** Segments received and not yet consumed by expect(). */
  pending(): readonly WireSegment[] {
    return this.inbox;
  }

  /** Wait (without consuming anything) until at least `n` segments are queued; false on timeout. */
  async waitQueued(n: number, timeoutMs: number): Promise<boolean> {
    if (this.waiter) throw new Error('waitQueued() while a next() is waiting');
    const deadline = performance.now() + timeoutMs;
    while (this.inbox.length < n) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.arrivals.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.arrivals.add(done);
      });
    }
    return true;
  }

  /** Remove and return the queued segment at `index` (segments before it stay queued). */
  takeQueued(index: number): WireSegment | undefined {
    return this.inbox.splice(index, 1)[0];
  }

  /** Put a segment back at the head of the queue: the next next() returns it. */
  requeue(s: WireSegment): void {
    this.inbox.unshift(s);
  }

  failure(message: string, details: Record<string, unknown> = {}): ExpectationError {
    return new ExpectationError(message, this.trace.lines(), details);
  }

  /** Both ISNs, for printing this connection's numbers relative like tcpdump. */
  readonly isns = (): IsnPair => ({ probe: this.iss, remote: this.irs });

  close(): void {
    this.unsubscribe();
    usedPorts.delete(this.localPort);
  }

  /** Learn from every arriving segment: IRS, RCV.NXT over in-order data/FIN, SND.UNA, window. */
  private arrive(s: WireSegment): void {
    const tcp = s.tcp;
    // RFC 9293 3.1: the sender MUST compute the checksum (MUST-2), the receiver MUST check it
    // and drop a bad segment (MUST-3): recorded as the target's violation, otherwise ignored.
    if (tcp.checksumOk === false) {
      this.badChecksums.push(s);
      this.trace.segment(s, this.isns);
      this.trace.note('bad TCP checksum from the target (MUST-2 violated); the segment is ignored as a receiver must (MUST-3)');
      return;
    }
    if (this.remotePort === 0) this.remotePort = tcp.srcPort;
    if (tcp.flags & SYN && this.irs === undefined) {
      this.irs = tcp.seq;
      this.rcvNxt = Seq.add(tcp.seq, 1);
      this.remoteSynOptions = tcp.options;
    } else if (this.irs !== undefined && tcp.seq === this.rcvNxt) {
      const len = tcp.payload.length + (tcp.flags & FIN ? 1 : 0);
      this.rcvNxt = Seq.add(this.rcvNxt, len);
    }
    if (tcp.flags & FIN && this.remoteFinSeq === undefined) this.remoteFinSeq = Seq.add(tcp.seq, tcp.payload.length);
    if (tcp.flags & ACK && Seq.gt(tcp.ack, this.sndUna) && Seq.le(tcp.ack, this.sndNxt)) this.sndUna = tcp.ack;
    this.remoteWindow = tcp.window;
    this.trace.segment(s, this.isns);
    if (this.waiter) this.waiter(s);
    else {
      this.inbox.push(s);
      for (const f of [...this.arrivals]) f();
    }
  }
}

export function describePattern(p: SegmentPattern): string {
  const parts: string[] = [];
  if (p.flags !== undefined) parts.push(`[${p.flags}]`);
  if (p.seq !== undefined) parts.push(`seq ${p.seq >>> 0}`);
  if (p.ack !== undefined) parts.push(`ack ${p.ack >>> 0}`);
  if (p.window !== undefined) parts.push(`win ${p.window}`);
  if (p.len !== undefined) parts.push(`length ${p.len}`);
  return parts.join(' ') || 'any segment';
}
