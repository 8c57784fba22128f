// What a remote run really sent to its target, measured from the run's own pcap: the most
// segments one connection sent in any 1 s window, the most all connections sent together, the
// most back to back (closer than 1/rate), and the most connections half-open at once.
// A window is half-open, [t, t + 1 s): the count that a sliding one-second meter shows.
import {
  decodeIcmp,
  decodeIPv4,
  decodeIPv6,
  decodePacket,
  decodePcap,
  IPV6_HEADER_LENGTH,
  PROTOCOL_ICMP,
  PROTOCOL_ICMPV6,
  type QuotedTcp,
  quotedTcp,
} from '../../src/packet/index.js';
import { ACK, RST, SYN } from '../../src/packet/types.js';

export interface SentSegment {
  /** nanoseconds since the epoch (pcap stamp) */
  at: bigint;
  /** the probe's source port: one connection per (source port, target port) */
  conn: string;
  flags: number;
}

export interface PacingAudit {
  sent: number;
  connections: number;
  /** the most segments one connection sent in any 1 s window, and which */
  maxPerConnPerSecond: number;
  busiestConn: string;
  /** the most segments sent to the target in any 1 s window, all connections together */
  maxTotalPerSecond: number;
  /** the most SYNs (opening ones) in any 1 s window */
  maxSynsPerSecond: number;
  /** the shortest time in which one connection sent `n` segments, for n = 2..5 (ms) */
  fastestRunMs: Record<number, number>;
  /** the most connections half-open at once, as the target sees them */
  maxHalfOpen: number;
}

const SECOND_NS = 1_000_000_000n;

/** An ICMP or ICMPv6 error in the trace: where it went, and the segment it quotes. */
function icmpAbout(data: Buffer): (QuotedTcp & { dst: string }) | undefined {
  // ICMPv6 errors are types 1-127 (RFC 4443 2.1); no extension headers in what we send.
  if (data[0]! >>> 4 === 6 && data[6] === PROTOCOL_ICMPV6 && data[IPV6_HEADER_LENGTH]! < 128) {
    const ip = decodeIPv6(data);
    return { ...quotedTcp(decodeIcmp(data, IPV6_HEADER_LENGTH, data.length - IPV6_HEADER_LENGTH, 6).body, 6), dst: ip.dst };
  }
  if (data[0]! >>> 4 !== 4 || data[9] !== PROTOCOL_ICMP) return undefined;
  const ip = decodeIPv4(data);
  return { ...quotedTcp(decodeIcmp(data, ip.ihl * 4, ip.totalLength - ip.ihl * 4).body), dst: ip.dst };
}

/** Every segment of `pcap` sent to `target` (the probe's side of the trace), in time order. */
export function sentTo(pcap: Buffer, target: string): SentSegment[] {
  const out: SentSegment[] = [];
  for (const r of decodePcap(pcap).records) {
    const icmp = icmpAbout(r.data);
    if (icmp) {
      // An ICMP error we sent about the target's segment counts as a send of that connection.
      if (icmp.dst === target) out.push({ at: r.timestamp, conn: `${icmp.dstPort}>${icmp.srcPort}`, flags: 0 });
      continue;
    }
    const p = decodePacket(r.data);
    if (p.ip.dst !== target) continue;
    out.push({ at: r.timestamp, conn: `${p.tcp.srcPort}>${p.tcp.dstPort}`, flags: p.tcp.flags });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Every segment of `pcap` from `target` (its answers), in time order. */
export function sentBy(pcap: Buffer, target: string): SentSegment[] {
  const out: SentSegment[] = [];
  for (const r of decodePcap(pcap).records) {
    if (icmpAbout(r.data)) continue;
    const p = decodePacket(r.data);
    if (p.ip.src !== target) continue;
    out.push({ at: r.timestamp, conn: `${p.tcp.dstPort}>${p.tcp.srcPort}`, flags: p.tcp.flags });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The most stamps (sorted) inside any window [t, t + width). */
export function maxInWindow(stamps: readonly bigint[], width: bigint = SECOND_NS): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < stamps.length; hi++) {
    while (stamps[hi]! - stamps[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** The shortest span (ns) covering `n` consecutive stamps; Infinity when fewer than n. */
function fastestRun(stamps: readonly bigint[], n: number): number {
  let best = Infinity;
  for (let i = 0; i + n - 1 < stamps.length; i++) best = Math.min(best, Number(stamps[i + n - 1]! - stamps[i]!));
  return best;
}

/**
 * Half-open as the throttle counts it and the target lives it: from our opening SYN until our ACK
 * without SYN, our RST, or the target's RST.
 */
export function maxHalfOpen(ours: readonly SentSegment[], theirs: readonly SentSegment[]): number {
  const events = [...ours.map((s) => ({ ...s, mine: true })), ...theirs.map((s) => ({ ...s, mine: false }))].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
  );
  const open = new Set<string>();
  let best = 0;
  for (const e of events) {
    if (e.mine && (e.flags & (SYN | ACK | RST)) === SYN) open.add(e.conn);
    else if (e.flags & RST || (e.mine && e.flags & ACK && !(e.flags & SYN))) open.delete(e.conn);
    best = Math.max(best, open.size);
  }
  return best;
}

export function auditPacing(pcap: Buffer, target: string): PacingAudit {
  const ours = sentTo(pcap, target);
  const byConn = new Map<string, bigint[]>();
  for (const s of ours) (byConn.get(s.conn) ?? byConn.set(s.conn, []).get(s.conn)!).push(s.at);
  let maxPerConn = 0;
  let busiest = '';
  const fastest: Record<number, number> = { 2: Infinity, 3: Infinity, 4: Infinity, 5: Infinity };
  for (const [conn, stamps] of byConn) {
    const m = maxInWindow(stamps);
    if (m > maxPerConn) [maxPerConn, busiest] = [m, conn];
    for (const n of [2, 3, 4, 5]) fastest[n] = Math.min(fastest[n]!, fastestRun(stamps, n) / 1e6);
  }
  return {
    sent: ours.length,
    connections: byConn.size,
    maxPerConnPerSecond: maxPerConn,
    busiestConn: busiest,
    maxTotalPerSecond: maxInWindow(ours.map((s) => s.at)),
    maxSynsPerSecond: maxInWindow(ours.filter((s) => (s.flags & (SYN | ACK)) === SYN).map((s) => s.at)),
    fastestRunMs: fastest,
    maxHalfOpen: maxHalfOpen(ours, sentBy(pcap, target)),
  };
}
