// Measuring a retransmission timer from packets: the remote sends a segment we never ACK
// (a SYN-ACK, a FIN, data), and we time its retransmissions (RFC 9293 3.8.1; RFC 6298 5.5:
// the RTO doubles, MUST-19), count them, and find when the remote gives up (3.8.3). How many
// and when it gives up come from packets alone: near each due retransmission we look at the
// connection (./liveness.ts, a look that restarts no timer), so the end lies between the last
// look answered and the first one refused. Where the target offers them, its settings say what
// the count should be and its own states (ground truth) time the end a second way; the suite
// asks for capabilities, never for a kind of target.

import type { TcpState } from '../fsm/index.js';
import { LINUX_RTO_MAX_MS } from '../fsm/linux-timers.js';
import { formatFlags, Seq } from '../packet/index.js';
import { type DecodedTcp, PSH } from '../packet/types.js';
import { InconclusiveError } from './connection.js';
import { ENV } from './contract.js';
import { bracketMiddle, watchConnection } from './liveness.js';
import { maxWaitMs } from './long-wait.js';
import { compareSegment, describeMismatches } from './pattern.js';
import type { ScriptedConnection } from './scripted.js';
import type { TestContext } from './suite.js';
import { backoffSchedule, type GoneAt, intervalsMs, msBetween, round, type StampBound, StampError, stallBetween, timerTolerance, waitGone } from './timing.js';

type Arrived = DecodedTcp & { at: bigint };

/** The RTO the remote starts with, when it can be known before the first retransmission. */
export interface KnownRto {
  ms: number;
  why: string;
}

/** How many retransmissions to expect: a range (a time budget can allow either of two). */
export interface ExpectedCount {
  min: number;
  max: number;
  why: string;
}

/** What differs between the retransmission suites (SYN-ACK in SYN-RECEIVED, FIN in FIN-WAIT-1, data). */
export interface RetransmissionScenario {
  /** 'SYN-ACK', 'FIN', 'data', in figure names */
  what: string;
  /** the state the remote sits in while it retransmits, and how to name its lifetime */
  state: TcpState;
  lifetime: string;
  /**
   * Bring the connection to the segment we will never ACK; returns it as it arrived, the round
   * trip that bounds our stamps' error, and the RTO it was sent with when that can be known
   * (RFC 6298 2.1's fixed initial 1 s, or the target's own figure).
   */
  start: (ctx: TestContext, c: ScriptedConnection) => Promise<{ first: Arrived; roundTripMs: number; rto?: KnownRto }>;
  /**
   * The count to expect, given the RTO it started with (known or measured), from the target's
   * settings or the user's --expect; undefined where neither says (the RFC fixes no count):
   * the count is then reported, not graded.
   */
  expectedCount: (ctx: TestContext, rtoMs: number) => ExpectedCount | undefined;
  /** the segment starts a connection (no RTT sample yet): RFC 6298 2.1's initial RTO applies to the first interval */
  initialRto?: boolean;
}

/**
 * `tcp` as a retransmission of `first` is compared: a retransmission may be repacketized (RFC
 * 9293 3.8.1), so one that ends where `first` ends and starts before it (a FIN that rode on data
 * our paced ACK had not yet covered when the RTO fired) is trimmed to `first`'s start; PSH
 * belongs to the data (3.9.1), so it is not compared.
 */
function asRetransmissionOf(first: DecodedTcp, tcp: DecodedTcp): DecodedTcp {
  const flags = tcp.flags & ~PSH;
  const extra = Seq.diff(first.seq, tcp.seq);
  if (extra > 0 && extra <= tcp.payload.length && Seq.add(tcp.seq, tcp.payload.length) === Seq.add(first.seq, first.payload.length))
    return { ...tcp, flags, seq: first.seq, payload: tcp.payload.subarray(extra) };
  return { ...tcp, flags };
}

/** Gap between looks near a due retransmission: the precision of the end's bracket. */
const LOOK_EVERY_MS = 250;
/** How long before a due retransmission to start looking. */
const LOOK_LEAD_MS = 1000;
/** How long to follow the retransmissions (from the first segment): a remote Linux server's SYN-ACKs give up after 63 s. */
export const CAP_MS = 75_000;
export const SLOW_CAP_MS = 300_000;
/** With the RTO unknown, how long to wait for the first retransmission (RFC 6298 2.4 floor 1 s, 2.1 initial 1 s, ×3). */
const FIRST_WAIT_UNKNOWN_MS = 3000;
/** RFC 6298 2.5: a maximum MAY be placed on the RTO, provided it is at least 60 s. */
const RFC_RTO_MAX_FLOOR_MS = 60_000;

export interface RetransmissionResult {
  /** arrival stamps, the original first */
  stamps: bigint[];
  /** the end by looks (packets only) */
  gone: GoneAt;
  /** the end by the target's own states, where it offers them */
  truth?: GoneAt;
  first: Arrived;
  /** the connection, for what the suite does after the give-up */
  connection: ScriptedConnection;
}

/**
 * Trigger the segment, follow its retransmissions until the remote gives up, and report: the
 * count (against the expectation, when there is one), each interval against the doubling
 * schedule (MUST-19), and the lifetime until the connection is gone — each figure with its
 * tolerance derived from the timer model and our own timestamp error.
 */
export async function measureRetransmissions(ctx: TestContext, s: RetransmissionScenario): Promise<RetransmissionResult> {
  const { listen, connect, target, t, figure, note } = ctx;
  const c = connect(await listen());
  // Each retransmission is what we measure here, not a duplicate to set aside.
  c.peer.dropOldDuplicates = false;
  const { first, roundTripMs, rto } = await s.start(ctx, c);
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: roundTripMs, unit: 'ms' });
  const stamp = new StampError(roundTripMs);
  if (rto) note(`initial RTO ${rto.ms} ms: ${rto.why}`);
  else note('the initial RTO is not known before the first retransmission: the first interval measures it, the later ones must double it (RFC 6298 5.5)');

  // Ground truth where offered: the target's own end of the connection, timed beside the looks.
  const tuple = ctx.tuple(c);
  let truthP: Promise<GoneAt> | undefined;
  if (target.has('states')) {
    truthP = waitGone(target.states, tuple, 300_000, () => undefined, s.lifetime);
    truthP.catch(() => undefined);
  }

  const stamps: bigint[] = [first.at];
  const errors: StampBound[] = [stamp.window()];
  let gone: GoneAt | undefined;
  // Doubling stops at the stack's RTO maximum: Linux's TCP_RTO_MAX (120 s) under its profile; any
  // other stack may stop anywhere from 60 s up (RFC 6298 2.5), so its waits look from 60 s on.
  const rtoMax = ctx.profile.name === 'linux' ? LINUX_RTO_MAX_MS : Number.POSITIVE_INFINITY;
  const dueMs = (i: number): number | undefined => {
    if (rto) return Math.min(rto.ms * 2 ** i, rtoMax);
    if (i === 0) return undefined;
    return Math.min(msBetween(stamps[0]!, stamps[1]!) * 2 ** i, rtoMax);
  };
  // --slow follows the host's long settings (tcp_retries2 = 15: ~15 min) up to --max-wait.
  const capMs = process.env[ENV.slow] === '1' ? Math.max(SLOW_CAP_MS, maxWaitMs()) : CAP_MS;
  /** why the give-up was not seen, if it was not */
  let unfinished: string | undefined;
  for (let i = 0; !gone; ) {
    const last = stamps.at(-1)!;
    const due = dueMs(i);
    const tol = due === undefined ? 0 : timerTolerance(due, stamp.roundTripMs).ms + 200 + (rto ? 0 : 2 ** i * errors[0]!.ms);
    const wait = due ?? FIRST_WAIT_UNKNOWN_MS;
    if (msBetween(first.at, last) + wait + tol > capMs) {
      unfinished = `still retransmitting after ${stamps.length - 1} retransmissions when the next would come past ${capMs / 1000} s${process.env[ENV.slow] === '1' ? '' : ` (--slow looks for ${Math.max(SLOW_CAP_MS, maxWaitMs()) / 1000} s)`}: the give-up was not seen`;
      break;
    }
    t.comment(`waiting for ${s.what} retransmission ${i + 1}${due !== undefined ? ` (due in ${round(due)} ms)` : ''}`);
    const at = (ms: number) => last + BigInt(Math.round(ms * 1e6));
    // Look from a little before it is due until it is overdue; then, if still there, a while longer.
    let end = await watchConnection(c.peer, {
      look: 'old-data',
      from: at(Math.min(Math.max(wait - LOOK_LEAD_MS, wait / 2), RFC_RTO_MAX_FLOOR_MS - LOOK_LEAD_MS)),
      until: at(wait + tol),
      everyMs: LOOK_EVERY_MS,
      lastAliveAt: last,
    });
    if (end.end === 'deadline') {
      t.comment(`no ${s.what} retransmission ${i + 1} by ${round(wait + tol)} ms, and the connection is still there: looking on`);
      end = await watchConnection(c.peer, {
        look: 'old-data',
        from: at(wait + tol),
        until: at(3 * wait + tol),
        everyMs: Math.max(LOOK_EVERY_MS, wait / 10),
        lastAliveAt: end.lastAliveAt,
      });
    }
    if (end.end === 'gone') {
      gone = end.gone;
      break;
    }
    if (end.end === 'deadline') {
      unfinished = `the remote stopped retransmitting its ${s.what} after ${stamps.length - 1} retransmissions but still holds the connection ${round(msBetween(last, end.lastAliveAt))} ms after the last: its give-up was not seen`;
      break;
    }
    const seg = end.segment;
    if (seg.at <= last) {
      // It left before the timer we follow (re)started: an earlier timer's retransmission, e.g.
      // of data+FIN before our paced ACK of the data restarted it at the FIN (RFC 6298 5.3).
      c.peer.trace.note(
        `a retransmission that arrived ${round(msBetween(seg.at, last))} ms before the schedule's start (our last ACK of new data): an earlier timer's, not counted`,
      );
      continue;
    }
    const mismatches = compareSegment(
      { flags: formatFlags(first.flags & ~PSH), seq: first.seq, ack: first.ack, len: first.payload.length },
      asRetransmissionOf(first, seg.tcp),
    );
    if (mismatches.length) throw c.peer.failure(`not a retransmission of the ${s.what}: ${describeMismatches(mismatches)}`, { mismatches });
    c.onStep?.(`< [${formatFlags(seg.tcp.flags)}] ${s.what} retransmitted`);
    stamps.push(seg.at);
    errors.push(stamp.window());
    i++;
  }
  const truth = truthP && !unfinished ? await truthP : undefined;

  const count = stamps.length - 1;
  const measured = intervalsMs(stamps);
  const base = rto?.ms ?? measured[0];
  const expected = base === undefined ? undefined : s.expectedCount(ctx, base);
  if (expected) note(expected.why);
  figure({
    name: `${s.what} retransmissions`,
    value: count,
    unit: 'count',
    ...(unfinished
      ? { toleranceWhy: `at least: ${unfinished}` }
      : expected
        ? { expected: (expected.min + expected.max) / 2, tolerance: (expected.max - expected.min) / 2, toleranceWhy: expected.why }
        : {
            toleranceWhy: "no expected count: RFC 9293 3.8.3 fixes none (R2 is the implementation's), and the target offers no setting and --expect gives none",
          }),
  });

  const delay = stamp.delay(); // what the busy machine may have added to every span below
  if (s.initialRto && !rto && measured[0] !== undefined) {
    // RFC 6298 2.1: initial RTO 1 s (SHOULD), or 3 s as before, or any value above 1 s (MAY).
    const tol = timerTolerance(1000, errors[0]!, { end: errors[1]! });
    const low = measured[0] < 1000 - tol.ms;
    ctx.finding({
      level: low ? 'deviation' : 'conforms',
      requirement: 'RFC 6298 2.1',
      check: `initial RTO of the ${s.what} (no RTT sample yet)`,
      expected: `≥ 1000 ms (1 s SHOULD; more MAY), ± ${tol.ms} ms`,
      observed: `${measured[0]} ms`,
    });
  }
  measured.forEach((ms, i) => {
    if (!rto && i === 0) {
      // The first interval is the initial RTO itself: nothing to compare it with but the RFC's advice.
      figure({
        name: `${s.what} retransmission 1 interval`,
        value: ms,
        unit: 'ms',
        toleranceWhy: s.initialRto
          ? 'the initial RTO, measured: RFC 6298 2.1 says 1 s, or any value above (MAY)'
          : 'the RTO, measured: RFC 6298 2.4 advises ≥ 1 s, Linux uses 200 ms + RTT',
      });
      return;
    }
    const firstErr = rto ? 0 : 2 ** i * timerTolerance(measured[0]!, errors[0]!, { end: errors[1]! }).ms;
    const doubled = round(Math.min(base! * 2 ** i, rtoMax));
    const tol = timerTolerance(doubled, errors[i]!, { end: errors[i + 1]! });
    // Past 60 s a stack without a known maximum may have stopped doubling (RFC 6298 2.5): any
    // interval from 60 s to the doubled value conforms.
    const lo = doubled > RFC_RTO_MAX_FLOOR_MS && rtoMax === Number.POSITIVE_INFINITY ? RFC_RTO_MAX_FLOOR_MS : doubled;
    figure({
      name: `${s.what} retransmission ${i + 1} interval`,
      value: ms,
      unit: 'ms',
      expected: round((lo + doubled) / 2),
      tolerance: round((doubled - lo) / 2 + tol.ms + firstErr),
      toleranceWhy:
        (rto
          ? `${rto.ms} ms × 2^${i} (${rto.why}; RFC 6298 5.5); `
          : `the measured first interval ${base} ms × 2^${i} (RFC 6298 5.5; ± ${round(firstErr)} ms: that interval's own error, doubled); `) +
        (doubled < base! * 2 ** i ? `capped at the RTO maximum ${rtoMax / 1000} s; ` : '') +
        (lo < doubled ? `RFC 6298 2.5 lets the RTO stop doubling anywhere from 60 s: ${lo}–${doubled} ms; ` : '') +
        tol.why,
      ...intervalDelay(delay, stallBetween(errors[i], errors[i + 1])),
    });
  });

  if (unfinished) {
    stamp.stop();
    throw new InconclusiveError(unfinished, c.peer.trace.lines());
  }
  // The give-up comes at the timer that would have sent the next retransmission (RFC 9293 3.8.3:
  // R2 is checked when the retransmission timer fires), after the count measured.
  const runs = backoffSchedule(base ?? 0, count + 1);
  // With the RTO measured (not known), the schedule is built on the first interval: its own error
  // counts once per RTO the schedule adds up (1 + 2 + 4 + … times), as the intervals' figures do.
  const baseErr =
    !rto && measured[0] !== undefined && errors[1]
      ? runs.reduce((sum, r) => sum + r / base!, 0) * timerTolerance(measured[0], errors[0]!, { end: errors[1] }).ms
      : 0;
  const lifeFigure = (name: string, g: GoneAt, how: string) => {
    const mid = bracketMiddle(g);
    const t0 = timerTolerance(runs, errors[0]!, { pollResolutionMs: mid.halfMs });
    const tol = baseErr
      ? { ms: round(t0.ms + baseErr), why: `${t0.why} + ${round(baseErr)} ms: the measured first interval's error, once per RTO in the schedule` }
      : t0;
    figure({
      name,
      value: round(msBetween(first.at, mid.at)),
      unit: 'ms',
      ...(base !== undefined
        ? {
            expected: round(runs.reduce((a, b) => a + b, 0)),
            tolerance: tol.ms,
            toleranceWhy: `the timer that would send retransmission ${count + 1} gives up (RFC 9293 3.8.3); ${how}; ${tol.why}`,
            ...delay,
          }
        : { toleranceWhy: `not graded: no retransmission, so no RTO to build on; ${how}` }),
    });
  };
  lifeFigure(`${s.lifetime} lifetime (first ${s.what} → gone, by looks)`, gone!, `the middle of a bracket of looks ${gone!.resolutionMs} ms apart`);
  if (truth)
    lifeFigure(
      `${s.lifetime} lifetime (first ${s.what} → socket gone, ground truth)`,
      truth,
      `the middle of the ${truth.resolutionMs} ms in which the target's own socket table lost it`,
    );
  figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
  stamp.stop();
  c.remoteCalled('timeout-retransmission-exhausted');
  await c.inState('CLOSED');
  return { stamps, gone: gone!, ...(truth ? { truth } : {}), first, connection: c };
}

/** The scheduling delay for one interval: the measurement's, or the CPU stall within it when larger. */
function intervalDelay(whole: { delay: number; delayWhy: string }, stallMs: number): { delay: number; delayWhy: string } {
  if (stallMs <= whole.delay) return whole;
  return {
    delay: stallMs,
    delayWhy: `some task waited for a CPU during ${stallMs} ms of this interval (/proc/pressure/cpu), so the target's timer, run by ksoftirqd under load, may have too; ${whole.delayWhy}`,
  };
}
