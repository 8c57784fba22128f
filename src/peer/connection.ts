// A scripted peer connection: the probe's side of one TCP connection, driven step by step by a
// suite. It tracks our own sequence space (ISS, SND.NXT) and what we learned of the remote's
// (IRS, RCV.NXT, window, options); every field of a segment it sends can be overridden, so a
// suite can send out-of-window or wrong-ack segments on purpose.
import { randomInt } from 'node:crypto';
import { ethernetMss, familyOf, formatTcp, parseFlags, Seq } from '../packet/index.js';
import { ACK, type DecodedTcp, FIN, type IpFields, RST, SYN, type TcpOption, type TcpSegment } from '../packet/types.js';
import type { Finding } from '../verdict/grade.js';
import type { Transport, Unsubscribe, WireSegment } from '../wire/transport.js';
import { compareSegment, describeMismatches, type SegmentPattern } from './pattern.js';
import { PortMemory } from './ports.js';
import { type IsnPair, Trace } from './trace.js';

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
  ip?: IpFields;
}

/**
 * No evidence either way: the step needed an answer that did not come, on a path that lost
 * segments before (or a precondition did not hold). The test is reported inconclusive, not failed.
 */
export class InconclusiveError extends Error {
  override name = 'InconclusiveError';
  constructor(
    message: string,
    readonly trace: string[],
  ) {
    super(message);
  }
}

/**
 * Our fresh SYN met an older incarnation of the same 4-tuple (the server still holds it in
 * TIME-WAIT and answers with that connection's ACK): not the target's fault. The harness runs
 * the test again from other source ports.
 */
export class StaleIncarnationError extends Error {
  override name = 'StaleIncarnationError';
}

/**
 * The target took a known stack's departure the RFC allows or only advises against (graded in
 * `finding`): the model follows it, but the test's own script was written for the RFC's path,
 * so the test ends here with that finding rather than failing on its next step.
 */
export class PathDivergedError extends Error {
  override name = 'PathDivergedError';
  constructor(readonly finding: Finding) {
    super(
      `the target ${finding.level === 'choice' ? 'made a choice' : 'deviated'}: ${finding.check} (${finding.requirement}); expected ${finding.expected}, observed ${finding.observed}`,
    );
  }
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

const segmentKey = (s: Pick<DecodedTcp, 'flags' | 'seq' | 'ack' | 'payload'>): string => `${s.flags}|${s.seq}|${s.ack}|${s.payload.length}`;

/** Ports this process has used: never handed out twice (the target may hold an old one in TIME-WAIT). */
const usedPorts = new Set<number>();
/** Remote targets: ports used recently against them, by earlier runs too (see ./ports.ts). */
let portMemory: { memory: PortMemory; target: string; recent: Set<number> } | undefined;

/** Remember ports across runs for this remote target (remote mode calls it once per process). */
export function rememberPortsFor(target: string, memory = new PortMemory()): void {
  portMemory = { memory, target, recent: memory.recent(target) };
  process.once('exit', () => {
    try {
      memory.save();
    } catch {
      // a read-only home: the memory is an aid, not a requirement
    }
  });
}

/** A source port this process has not used, nor (remote) any run against this target lately. */
export function allocatePort(): number {
  for (let i = 0; i < 1000; i++) {
    const p = randomInt(PROBE_PORT_RANGE[0], PROBE_PORT_RANGE[1] + 1);
    if (usedPorts.has(p) || portMemory?.recent.has(p)) continue;
    usedPorts.add(p);
    portMemory?.memory.use(portMemory.target, p);
    return p;
  }
  // Nearly all taken: look at each once rather than guess.
  for (let p = PROBE_PORT_RANGE[0]; p <= PROBE_PORT_RANGE[1]; p++) {
    if (usedPorts.has(p) || portMemory?.recent.has(p)) continue;
    usedPorts.add(p);
    portMemory?.memory.use(portMemory.target, p);
    return p;
  }
  throw new Error(`no free probe source port: all of ${PROBE_PORT_RANGE.join('-')} were used by this process or lately against this target`);
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
  /** the last segment we sent, for a retransmission when its answer does not come */
  lastSent: TcpSegment | undefined;
  /** When our last ACK of new data went out: the remote restarts its retransmission timer there (RFC 6298 5.3). */
  newDataAckedAt: bigint | undefined;
  private lastSentIp: IpFields | undefined;
  /** answers we asked for again: their late twins are dropped as duplicates once */
  private readonly duplicatesDue = new Set<string>();
  /** segments from the target whose TCP checksum was wrong (not delivered) */
  readonly badChecksums: WireSegment[] = [];
  /**
   * Remote mode: a retransmission of what we already received (SYN, data or FIN wholly before
   * RCV.NXT) is traced but not handed to the test. Paced, our answer may come after the
   * remote's RTO, and its retransmission is then its right (RFC 9293 3.8.1), not an answer.
   */
  dropOldDuplicates = false;
  private readonly inbox: WireSegment[] = [];
  /** segments that, when they arrived, only repeated what we had already received */
  private readonly repeats = new WeakSet<WireSegment>();
  /** when our last segment left (send or resend) */
  private lastSentAt: bigint | undefined;
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
    this.unsubscribe = transport.listen({ localPort: this.localPort, remoteAddr, remotePort: opts.acceptAnyPort ? undefined : remotePort }, (s) =>
      this.arrive(s),
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
      options: spec.options ?? (flags & SYN ? [{ kind: 'mss', value: ethernetMss(familyOf(this.remoteAddr)) }] : []),
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
      // The first FIN: a second one at the new SND.NXT is one the remote ignores (it already took ours).
      if (seg.flags & FIN && this.ourFinSeq === undefined) this.ourFinSeq = Seq.add(seg.seq, seg.payload?.length ?? 0);
      this.sndNxt = Seq.add(this.sndNxt, len);
    }
    // Only ACKs of what we really received count (a crafted ACK beyond RCV.NXT acknowledges nothing).
    const advances = !!(seg.flags & ACK) && Seq.le(seg.ack, this.rcvNxt) && (this.highestAckSent === undefined || Seq.gt(seg.ack, this.highestAckSent));
    if (advances) this.highestAckSent = seg.ack;
    const sent = await this.transport.send(this.remoteAddr, seg, s.ip);
    if (advances) this.newDataAckedAt = sent.at;
    this.lastSentAt = sent.at;
    this.lastSent = seg;
    this.lastSentIp = s.ip;
    this.trace.segment(sent, this.isns);
    return sent;
  }

  /**
   * Send the last segment again, unchanged, as TCP retransmits (RFC 9293 3.8.1): our sequence
   * space does not move. Once an answer arrives, an identical second answer (to the original,
   * which was only late) is dropped when it shows up.
   */
  async resend(): Promise<WireSegment> {
    if (!this.lastSent) throw new Error('nothing was sent on this connection yet');
    const sent = await this.transport.send(this.remoteAddr, this.lastSent, this.lastSentIp);
    this.lastSentAt = sent.at;
    this.trace.segment(sent, this.isns);
    this.trace.note('no answer yet: our segment retransmitted');
    return sent;
  }

  /** Drop the next segment identical to `seg` (flags, seq, ack, length): a duplicate answer. */
  dropDuplicateOf(seg: DecodedTcp): void {
    this.duplicatesDue.add(segmentKey(seg));
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

  /**
   * The next segment that can answer our last one. A retransmission of what we had already
   * received that arrived before our segment left is the remote's retransmission timer at work
   * (RFC 9293 3.8.1: a harness slow to send, a loaded guest), not an answer: traced, set aside.
   */
  async nextAnswer(timeoutMs: number): Promise<WireSegment | null> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const s = await this.next(Math.max(0, deadline - performance.now()));
      if (!s || this.lastSentAt === undefined || s.at >= this.lastSentAt || !this.repeats.has(s)) return s;
      this.trace.note(`${formatTcp(s.tcp)} repeated what we had received before our last segment left: its retransmission, not an answer, set aside`);
    }
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

  /** Resolves when `n` of our segments could leave back to back (remote mode paces them; see Transport.room). */
  async room(n: number): Promise<void> {
    await this.transport.room?.(this.remoteAddr, { localPort: this.localPort, remoteAddr: this.remoteAddr, remotePort: this.remotePort }, n);
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
  }

  private isOldDuplicate(tcp: DecodedTcp): boolean {
    if (this.irs === undefined || tcp.flags & RST) return false;
    const len = tcp.payload.length + (tcp.flags & SYN ? 1 : 0) + (tcp.flags & FIN ? 1 : 0);
    return len > 0 && Seq.le(Seq.add(tcp.seq, len), this.rcvNxt);
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
    if (this.dropOldDuplicates && this.isOldDuplicate(tcp)) {
      this.trace.segment(s, this.isns);
      this.trace.note('a retransmission of what we already received (our paced answer came after its RTO): not an answer, set aside');
      return;
    }
    if (this.duplicatesDue.size && this.duplicatesDue.delete(segmentKey(tcp))) {
      this.trace.segment(s, this.isns);
      this.trace.note('a second answer to our retransmitted segment: the first was only late; dropped as a duplicate');
      return;
    }
    if (this.isOldDuplicate(tcp)) this.repeats.add(s);
    if (this.remotePort === 0) this.remotePort = tcp.srcPort;
    const lastSyn = this.lastSent && (this.lastSent.flags & (SYN | ACK)) === SYN ? this.lastSent.seq : undefined;
    if (tcp.flags & SYN && tcp.flags & ACK && this.irs !== undefined && tcp.seq !== this.irs && lastSyn !== undefined && tcp.ack === Seq.add(lastSyn, 1)) {
      // A new incarnation on this 4-tuple (a SYN of ours reopened TIME-WAIT, RFC 9293 3.10.7.4 MAY-2,
      // or met a listener): both sequence spaces start again from the two SYNs.
      this.irs = tcp.seq;
      this.rcvNxt = Seq.add(tcp.seq, 1);
      this.sndNxt = this.sndUna = tcp.ack;
      this.ourFinSeq = this.remoteFinSeq = this.highestAckSent = undefined;
    } else if (tcp.flags & SYN && this.irs === undefined) {
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
