// The probe's side of the timestamps option (RFC 7323): our TSval clock, the option for each
// segment we send (echoing the target's latest TSval), and PAWS — the check a receiver with
// timestamps makes: a segment whose TSval is older than the last one it accepted on this
// connection (TS.Recent) is an old duplicate, answered with an ACK and dropped (RFC 7323 5.3).
import type { DecodedTcp, TcpOption } from '../packet/types.js';
import { ACK, RST, SYN } from '../packet/types.js';

/** Our TSval: milliseconds since the session began, from 1000 (a clock that only moves forward). */
export class TsClock {
  private readonly start = performance.now();
  now(): number {
    return (1000 + Math.floor(performance.now() - this.start)) >>> 0;
  }
}

/** Timestamps on one connection, as the probe sees them. */
export class ConnTimestamps {
  /** we offered the option on our SYN or SYN-ACK */
  offered = false;
  /** the target put it on its SYN or SYN-ACK */
  theirs = false;
  /** the target's latest TSval: what we echo (TS.Recent on our side) */
  recent = 0;
  /** the highest TSval we sent that the target took in: its TS.Recent */
  highestSent: number | undefined;

  /** Both SYNs carried the option: both sides use it on every segment (RFC 7323 3.2). */
  get negotiated(): boolean {
    return this.offered && this.theirs;
  }

  /** Learn from a segment of the target's. */
  received(tcp: DecodedTcp): void {
    const ts = tsOf(tcp.options);
    if (tcp.flags & SYN) this.theirs = !!ts;
    if (ts) this.recent = ts.val;
  }

  /**
   * The option for our next segment, or null. `on` (the session's `timestamps on|off`) decides
   * what our SYN or SYN-ACK offers; after that the option goes on every segment exactly when both
   * SYNs carried it (RFC 7323 3.2).
   */
  option(clock: TsClock, flags: number, on: boolean): TcpOption | null {
    if (flags & SYN) {
      const synAck = (flags & ACK) !== 0;
      this.offered = on && (!synAck || this.theirs);
      return this.offered ? tsOption(clock.now(), synAck ? this.recent : 0) : null;
    }
    return this.negotiated ? tsOption(clock.now(), this.recent) : null;
  }

  /** Our segment left with this TSval: the target will take it as its TS.Recent if acceptable. */
  sent(val: number): void {
    if (this.highestSent === undefined || newer(val, this.highestSent)) this.highestSent = val;
  }

  /**
   * PAWS: would the target drop this segment as an old duplicate? Only on a connection that
   * negotiated timestamps, for a non-RST segment whose TSval is older than its TS.Recent.
   */
  pawsRejects(flags: number, options: readonly TcpOption[]): { tsval: number; recent: number } | null {
    const ts = tsOf(options);
    if (!this.negotiated || flags & RST || !ts || this.highestSent === undefined) return null;
    return newer(this.highestSent, ts.val) ? { tsval: ts.val, recent: this.highestSent } : null;
  }
}

export function tsOf(options: readonly TcpOption[]): Extract<TcpOption, { kind: 'ts' }> | undefined {
  return options.find((o): o is Extract<TcpOption, { kind: 'ts' }> => o.kind === 'ts');
}

function tsOption(val: number, ecr: number): TcpOption {
  return { kind: 'ts', val, ecr: ecr >>> 0 };
}

/** a is later than b on the 32-bit timestamp clock (RFC 7323 5.3: compared modulo 2^32). */
function newer(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
