// Remote mode: nothing answers the ACK that completes our handshake, so a cell that starts in
// ESTABLISHED rests on the server having taken it. Linux drops that ACK when the listener's accept
// queue is full (tcp_abort_on_overflow=0) and keeps the connection half-open; the cell's segment
// then meets SYN-RECEIVED. An answer that is not ESTABLISHED's but is SYN-RECEIVED's says so.
import { type Profile, predict, type Segment, type Tcb } from '../fsm/index.js';
import type { DecodedTcp } from '../packet/types.js';

export const HALF_OPEN =
  "the answer is the server's in SYN-RECEIVED: it had not taken our ACK of its SYN (nothing answers that ACK, and a full accept queue drops it: Linux with tcp_abort_on_overflow=0), so the cell's precondition (ESTABLISHED) is not met";

/**
 * The rule by which the server, had it still been in SYN-RECEIVED (our SYN taken, our ACK of its
 * SYN not), would answer `segment` with a segment of `answer`'s flags — by the profile or, when the
 * profile is not strict, a known stack's departures; undefined if none would. Silence is not
 * read this way: it has too many other readings. `tcb` is the model's ESTABLISHED TCB.
 */
export function halfOpenAnswer(sent: { segment: Segment; tcb: Tcb }, answer: unknown, profile: Profile): string | undefined {
  if (!answer || typeof (answer as DecodedTcp).flags !== 'number') return undefined;
  const { flags } = answer as DecodedTcp;
  const halfOpen: Tcb = { ...sent.tcb, sndUna: sent.tcb.iss, passiveOpen: true };
  for (const p of [profile, ...(profile.strict ? [] : (profile.knownDepartures ?? []))]) {
    const q = predict('SYN-RECEIVED', sent.segment, halfOpen, p);
    if (q.reply && q.reply.flags === flags) return `${q.rule}, ${q.rfc}`;
  }
  return undefined;
}
