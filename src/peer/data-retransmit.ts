// Data retransmission measured black-box (RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5): the target is
// made to send (ctx.makeSend), we never ACK, and we watch its retransmissions of the first
// segment until it gives up (silence past twice its last gap, or a RST) or the watch ends.
//   RTO schedule and backoff     gaps double (MUST-19)
//   count                        at least 3 retransmissions before giving up (SHLD-10)
//   give-up                      not before 100 s (SHLD-11: R2); then the connection is closed (MUST-20)
// No settings, no states: a non-Linux target is judged by the RFC, not by Linux's sysctls.

import { RST } from '../packet/types.js';
import type { WireSegment } from '../wire/transport.js';
import { covers, firstData, gradeDoubling } from './server-data.js';
import type { TestContext } from './suite.js';
import { handshakeRoundTrip, hrnow, msBetween, round, type StampBound, StampError } from './timing.js';

/** RFC 9293 3.8.3: R2 SHOULD correspond to at least 100 s (SHLD-11). */
export const R2_MIN_MS = 100_000;
/** RFC 9293 3.8.3: R1 SHOULD correspond to at least 3 retransmissions (SHLD-10). */
export const R1_MIN_COUNT = 3;
/** The first retransmission: RFC 6298 2.1 sets the initial RTO to 1 s (RFC 1122: 3 s); a long first RTT may add. */
const FIRST_RTO_WAIT_MS = 7000;

type End = { kind: 'rst'; at: bigint } | { kind: 'silent'; lastAt: bigint; seenAt: bigint } | { kind: 'watching'; at: bigint };

/** Watch for `watchMs` after the first data segment at most; grade what was seen. */
export async function dataRetransmissionBlackBox(ctx: TestContext, watchMs: number): Promise<void> {
  const { note, figure, finding } = ctx;
  const c = ctx.connect(await ctx.listen());
  c.peer.dropOldDuplicates = false; // its retransmissions are what we measure
  const rtt = await handshakeRoundTrip(c);
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: rtt, unit: 'ms' });
  const stamp = new StampError(rtt);
  const made = await ctx.makeSend(c, 100);
  const first = await firstData(c, made, 3000);
  if (first.tcp.flags & RST) throw c.peer.failure('the server reset the connection instead of sending its data');
  note(`first data: ${first.tcp.payload.length} bytes; we never ACK it`);
  const stamps = [first.at];
  const errors: StampBound[] = [stamp.window()];
  const watchEnd = first.at + BigInt(watchMs) * 1_000_000n;
  let end: End | undefined;
  while (!end) {
    const lastGap = stamps.length > 1 ? msBetween(stamps.at(-2)!, stamps.at(-1)!) : 0;
    // Backoff at most doubles a gap (MUST-19): silence past that (with our error) means it gave up.
    const due = stamps.length > 1 ? 2 * lastGap * 1.5 + 2 * stamp.ms + 500 : FIRST_RTO_WAIT_MS;
    const untilWatchEnd = msBetween(hrnow(), watchEnd);
    const waitMs = Math.min(due - msBetween(stamps.at(-1)!, hrnow()), untilWatchEnd);
    ctx.t.comment(`waiting up to ${Math.round(waitMs)} ms for data retransmission ${stamps.length}`);
    const s: WireSegment | null = waitMs > 0 ? await c.peer.next(waitMs) : null;
    if (!s) {
      end = waitMs >= untilWatchEnd ? { kind: 'watching', at: hrnow() } : { kind: 'silent', lastAt: stamps.at(-1)!, seenAt: hrnow() };
    } else if (s.tcp.flags & RST) end = { kind: 'rst', at: s.at };
    else if (covers(s, first.tcp.seq)) {
      stamps.push(s.at);
      errors.push(stamp.window());
      // Alive at R2's floor: SHLD-11 is settled, waiting on for its give-up would only cost time.
      if (watchMs > R2_MIN_MS && msBetween(first.at, s.at) >= R2_MIN_MS) end = { kind: 'watching', at: s.at };
    }
  }
  const count = stamps.length - 1;
  const elapsed = (at: bigint) => round(msBetween(first.at, at));
  figure({ name: 'data retransmissions seen', value: count, unit: 'count' });
  if (count) figure({ name: 'first data → retransmission 1 (the RTO)', value: round(msBetween(stamps[0]!, stamps[1]!)), unit: 'ms' });
  const backoff = gradeDoubling(ctx, 'data retransmission', stamps, errors, stamp, true);
  stamp.stop();
  finding({
    requirement: 'MUST-19',
    check: 'data retransmission backoff',
    expected: 'each retransmission gap twice the one before (RFC 6298 5.5)',
    level: backoff.grade ?? 'inconclusive',
    observed: backoff.observed,
  });
  const how =
    end.kind === 'rst'
      ? `a RST ${elapsed(end.at)} ms after the first data`
      : end.kind === 'silent'
        ? `silence after the retransmission at ${elapsed(end.lastAt)} ms (watched until ${elapsed(end.seenAt)} ms)`
        : `still retransmitting when the watch ended at ${elapsed(end.at)} ms`;
  note(`the target ${end.kind === 'watching' ? 'did not give up' : 'gave up'}: ${how}`);
  if (ctx.target.has('settings')) note(`its settings: net.ipv4.tcp_retries2 = ${ctx.target.settings.values['net.ipv4.tcp_retries2']}`);
  const gaveUp = end.kind !== 'watching';
  finding({
    requirement: 'SHLD-10',
    check: 'retransmissions before giving up (R1)',
    expected: `at least ${R1_MIN_COUNT}`,
    level: count >= R1_MIN_COUNT ? 'conforms' : gaveUp ? 'deviation' : 'inconclusive',
    observed: `${count} retransmissions; ${how}`,
  });
  // When it gave up lies between its last retransmission (still alive) and when we saw the end.
  const lastAlive = elapsed(stamps.at(-1)!);
  const seenEnd = end.kind === 'rst' ? elapsed(end.at) : end.kind === 'silent' ? elapsed(end.seenAt) : Number.POSITIVE_INFINITY;
  finding({
    requirement: 'SHLD-11',
    check: 'time until giving up (R2)',
    expected: `at least ${R2_MIN_MS / 1000} s`,
    level: lastAlive >= R2_MIN_MS ? 'conforms' : seenEnd < R2_MIN_MS ? 'deviation' : 'inconclusive',
    observed: `${how}${!gaveUp && lastAlive < R2_MIN_MS ? ` (run with --slow to watch ${R2_MIN_MS / 1000} s and more)` : ''}`,
  });
  if (!gaveUp) return; // the connection is released with a RST when the test ends
  figure({ name: 'first data → given up (at most)', value: seenEnd, unit: 'ms' });
  if (end.kind === 'rst') {
    note('the target reset the connection as it gave up');
    c.model.state = 'CLOSED';
  } else c.remoteCalled('timeout-retransmission-exhausted');
  // MUST-20: at R2 the connection is closed: checked with the target's states or a state probe.
  await c.inState('CLOSED');
  finding({
    requirement: 'MUST-20',
    check: 'the connection after the retransmissions stopped',
    expected: 'closed (R2 reached)',
    level: 'conforms',
    observed: `closed; ${how}`,
  });
}
