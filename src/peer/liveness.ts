// Black-box liveness: does the target still hold a connection for this 4-tuple? Asked with a
// segment that changes nothing it holds, so the timer being measured keeps running, and repeated
// ("looks") until the answer turns: the end of the timer lies between the last look that found
// the connection and the first that did not.
//
// Two looks (both start far left of the remote's window, SEG.SEQ = SND.NXT − 2^20):
// - 'old-data' (the state probe, ./state-probe.ts): an ACK with one old byte. Any synchronized
//   state or SYN-RECEIVED answers with an ACK and drops it (RFC 9293 3.10.7.4 first check): no
//   timer restarts (Linux: tcp_validate_incoming / tcp_check_req send a dupack, untimed). A
//   listener or no TCB answers RST (3.10.7.1/3.10.7.2). Not for TIME-WAIT: Linux restarts
//   TIME-WAIT on any segment with ACK (tcp_timewait_state_process), which the RFC does not ask.
// - 'old-syn': a SYN without ACK at the same old sequence number, no options. TIME-WAIT must
//   ACK an unacceptable segment (3.10.7.4 first check) and restarts 2 MSL only for a
//   retransmitted FIN (3.10.7.4 TIME-WAIT); Linux does not reschedule on an ACK-less SYN that
//   is not after RCV.NXT (and, without timestamps, does not take it as a new connection). With
//   no TCB, a listener answers SYN-ACK to it (a new half-open connection, which we reset at
//   once) and a closed port RST: either says the old connection is gone.
import { Seq } from '../packet/index.js';
import { ACK, type DecodedTcp, FIN, RST, SYN } from '../packet/types.js';
import type { WireSegment } from '../wire/transport.js';
import type { PeerConnection, SendSpec } from './connection.js';
import { PROBE_BACKOFF, probeSegment } from './state-probe.js';
import type { GoneAt } from './timing.js';

export type Look = 'old-data' | 'old-syn';

/** The segment of one look on `peer`'s connection. */
export function lookSegment(peer: PeerConnection, look: Look): SendSpec {
  if (look === 'old-data') return probeSegment({ sndNxt: peer.sndNxt, rcvNxt: peer.rcvNxt });
  return { flags: 'S', seq: Seq.sub(peer.sndNxt, PROBE_BACKOFF), options: [] };
}

/** What an arriving segment says as the answer to a look sent with `seq` (undefined: not an answer). */
export function lookAnswer(tcp: DecodedTcp, look: Look, seq: number): 'alive' | 'gone' | undefined {
  if (tcp.flags & RST) return 'gone';
  if (look === 'old-syn' && (tcp.flags & (SYN | ACK)) === (SYN | ACK) && tcp.ack === Seq.add(seq, 1)) return 'gone';
  if ((tcp.flags & (SYN | ACK | FIN | RST)) === ACK && tcp.payload.length === 0) return 'alive';
  return undefined;
}

export type WatchEnd =
  /** a look found the connection gone */
  | { end: 'gone'; gone: GoneAt; looks: number }
  /** a segment that answers no look arrived (e.g. a retransmission): handed back */
  | { end: 'segment'; segment: WireSegment; lastAliveAt: bigint; looks: number }
  /** the deadline passed with the connection still there */
  | { end: 'deadline'; lastAliveAt: bigint; looks: number };

export interface WatchOptions {
  look: Look;
  /** hrtime from which to look (before it: only listen) */
  from: bigint;
  /** hrtime at which to stop */
  until: bigint;
  /** gap between looks, given the ms since `from` */
  everyMs: number | ((sinceMs: number) => number);
  /** the latest evidence that the connection was there (a segment from it, a look's answer) */
  lastAliveAt: bigint;
}

/** Each connection's looks not answered yet, across watches (an answer may come after its watch ended). */
const outstanding = new WeakMap<PeerConnection, { at: bigint; seq: number; look: Look }[]>();

const hrnow = (): bigint => process.hrtime.bigint();
const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;

/**
 * Listen on `peer` and look at the connection every `everyMs` from `from` until a look finds it
 * gone, a segment that is no answer arrives, or `until` passes. Gone is stamped at the send of
 * the look that found it so, its resolution the time back to the last evidence it was there
 * (the same shape as waitGone's ground-truth polls).
 */
export async function watchConnection(peer: PeerConnection, o: WatchOptions): Promise<WatchEnd> {
  let nextLook = o.from;
  let lastAlive = o.lastAliveAt;
  // Looks not answered yet, oldest first: answers come back in order, so each answer is the
  // oldest one's, even when a busy event loop sent the next look before it read the answer.
  const out = outstanding.get(peer) ?? [];
  outstanding.set(peer, out);
  let looks = 0;
  const trail: string[] = [];
  for (;;) {
    const now = hrnow();
    if (now >= o.until) return { end: 'deadline', lastAliveAt: lastAlive, looks };
    if (now >= nextLook) {
      const spec = lookSegment(peer, o.look);
      const acked = peer.highestAckSent;
      const sent = await peer.send(spec);
      peer.highestAckSent = acked; // a look acknowledges nothing (its SEQ is unacceptable)
      out.push({ at: sent.at, seq: sent.tcp.seq, look: o.look });
      looks++;
      const every = typeof o.everyMs === 'number' ? o.everyMs : o.everyMs(ms(o.from, sent.at));
      nextLook = sent.at + BigInt(Math.round(every * 1e6));
    }
    // biome-ignore lint/complexity/useMathMinMax: bigint stamps (Math.min takes numbers)
    const waitMs = Math.max(1, ms(hrnow(), nextLook < o.until ? nextLook : o.until));
    const s = await peer.next(waitMs);
    if (!s) continue;
    const oldest = out[0];
    const answer = oldest ? lookAnswer(s.tcp, oldest.look, oldest.seq) : undefined;
    if (!answer || !oldest) return { end: 'segment', segment: s, lastAliveAt: lastAlive, looks };
    out.shift();
    if (answer === 'alive') {
      if (oldest.at > lastAlive) lastAlive = oldest.at;
      trail.push('alive');
      continue;
    }
    trail.push('gone');
    out.length = 0; // later answers are about no connection: set aside as duplicates would be
    if (s.tcp.flags & SYN) {
      // A listener took our look for a new connection: free it at once (RFC 9293 3.10.7.3).
      await peer.send({ flags: 'R', seq: Seq.add(oldest.seq, 1), ack: 0 });
      peer.trace.note("the look's SYN opened a new half-open connection at the listener: reset at once");
    }
    return { end: 'gone', gone: { at: oldest.at, resolutionMs: Math.round(ms(lastAlive, oldest.at) * 10) / 10, trail }, looks };
  }
}

/**
 * Look for the end of a timer that started at `start`: near `expectedMs` (± `toleranceMs`,
 * looks `everyMs` apart) when something predicts it, and otherwise, or past it, with looks
 * spaced a twentieth of the time so far (the relative precision stays ~5 %) up to `capMs`.
 */
export async function lookForEnd(
  peer: PeerConnection,
  o: { look: Look; start: bigint; expectedMs?: number; toleranceMs?: number; everyMs: number; capMs: number; lastAliveAt: bigint },
): Promise<WatchEnd> {
  const at = (ms: number) => o.start + BigInt(Math.round(ms * 1e6));
  let lastAliveAt = o.lastAliveAt;
  let from = o.start;
  if (o.expectedMs !== undefined) {
    const lead = Math.max(1000, o.toleranceMs ?? 0);
    const until = Math.min(o.expectedMs + (o.toleranceMs ?? 0) + 1000, o.capMs);
    // Sparse looks before the window (each gap half the time so far), so an early end is
    // bracketed too; then `everyMs` apart through it.
    const window = Math.max(0, o.expectedMs - lead);
    const everyMs = (since: number) => (since < window ? Math.min(window - since, Math.max(o.everyMs, since / 2)) : o.everyMs);
    const end = await watchConnection(peer, { look: o.look, from: o.start, until: at(until), everyMs, lastAliveAt });
    if (end.end !== 'deadline') return end;
    lastAliveAt = end.lastAliveAt;
    from = at(until);
  }
  const sinceStart = (sinceFromMs: number) => ms(o.start, from) + sinceFromMs;
  return watchConnection(peer, {
    look: o.look,
    from,
    until: at(o.capMs),
    everyMs: (since) => Math.min(5000, Math.max(o.everyMs, sinceStart(since) / 20)),
    lastAliveAt,
  });
}

/**
 * A bracketed end as a figure's value: its middle, ± half the bracket. Graded that way, a
 * figure conforms exactly when the bracket (last evidence alive, first evidence gone] overlaps
 * the expected range: a wide bracket is imprecise, never a pass for a wrong value.
 */
export function bracketMiddle(g: GoneAt): { at: bigint; halfMs: number } {
  const halfMs = Math.round((g.resolutionMs / 2) * 10) / 10;
  return { at: g.at - BigInt(Math.round(halfMs * 1e6)), halfMs };
}
