// Measuring the remote's timers from packet timestamps, and how far a measurement may sit from
// what the target's settings predict. Tolerances are derived, never picked: how late the
// target's own timers fire comes from its timer model (Linux's: src/fsm/linux-timers.ts), and
// our own timestamps (`at`, taken when Node sees the segment) carry the probe's receive-path
// latency, which we bound by measuring a request/answer round trip on the same path.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { TcpState } from '../fsm/index.js';
import { type KernelHz, linuxRetransmissionCount, linuxRto, linuxTimerLateness } from '../fsm/linux-timers.js';
import { type SsSocket, StateTimeoutError, type TcpTuple } from '../lab/index.js';
import { Seq } from '../packet/index.js';
import type { DecodedTcp } from '../packet/types.js';
import { cpuStallUs, loadAverage } from '../sys/load.js';
import type { StateSource } from '../target/stack.js';
import type { ExpectationKey } from './expectations.js';
import { allowWait } from './long-wait.js';
import { measureRetransmissions as measure } from './retransmissions.js';
import type { ScriptedConnection } from './scripted.js';
import type { TestContext } from './suite.js';

export interface Tolerance {
  /** ± ms */
  ms: number;
  why: string;
}

/** How late the target's timers can fire for back-to-back runs (the target's timer model). */
export type TimerLateness = (runsMs: readonly number[]) => { ms: number; why: string };

/**
 * Tolerance for a measured span made of one or more back-to-back timer runs (`timeoutsMs`, each
 * armed when the previous one fired, so their lateness adds up). The span's start and end are
 * our own timestamps (error ≤ `stampErrorMs` each), or its end is the first poll of the target's
 * states that saw the socket gone (`pollResolutionMs`: the gap between polls plus one poll).
 * How late the target's timers run comes from its model (`lateness`; default Linux's timer
 * wheel at this kernel's HZ, the lab's kernel).
 */
export function timerTolerance(
  timeoutsMs: number | readonly number[],
  start: number | StampBound,
  opts: { end?: StampBound; pollResolutionMs?: number; hz?: KernelHz; lateness?: TimerLateness } = {},
): Tolerance {
  const from: StampBound = typeof start === 'number' ? { ms: start, why: 'bounded by the measured request/answer round trip' } : start;
  const runs = typeof timeoutsMs === 'number' ? [timeoutsMs] : timeoutsMs;
  const late = (opts.lateness ?? ((r: readonly number[]) => linuxTimerLateness(r, opts.hz)))(runs);
  const to = opts.pollResolutionMs !== undefined ? undefined : (opts.end ?? from);
  const ms = round(late.ms + from.ms + (to ? to.ms : opts.pollResolutionMs!));
  return {
    ms,
    why:
      `${late.why} + start stamp error ${round(from.ms)} ms (${from.why})` +
      (to ? ` + end stamp error ${round(to.ms)} ms (${to.why})` : ` + ${round(opts.pollResolutionMs!)} ms polling resolution`),
  };
}

/** How late one of our timestamps may be, and why. */
export interface StampBound {
  ms: number;
  why: string;
  /** /proc/pressure/cpu "some" total when the window closed, µs (null: no PSI) */
  stallUs?: number | null;
}

/**
 * How long some task waited for a CPU between two windows' ends (PSI "some", ms): a bound on how
 * late any one task ran in that span, the target's timer softirq included when ksoftirqd runs it
 * (a loaded machine defers softirqs to it). 0 when PSI is not there.
 */
export function stallBetween(a: StampBound | undefined, b: StampBound | undefined): number {
  return a?.stallUs != null && b?.stallUs != null ? round((b.stallUs - a.stallUs) / 1000) : 0;
}

/**
 * How far our segment timestamps can be from wire time. `at` is taken when Node's raw socket
 * callback runs, so it is late by the kernel-to-callback latency: at most a request/answer round
 * trip when the probe is idle, and at most the event loop's worst delay (blocked loop or process
 * not scheduled, measured here with perf_hooks) when it is busy. The bound is the larger of both,
 * read at the end of the measurement window.
 */
export class StampError {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly stallAtStart = cpuStallUs();
  private readonly startedAt = performance.now();
  constructor(readonly roundTripMs: number) {
    this.loop.enable();
  }

  /**
   * The scheduling delay measured since this measurement began, for grading its figures
   * (grade.ts): the worst lateness of the probe's own wake-ups (event-loop delay, 1 ms timer).
   * A task waking on this machine waited that long for a CPU, so the target's timer softirq
   * (run by ksoftirqd under load) may have too: a deviation within it is inconclusive, not a
   * violation. CPU pressure (PSI) over the whole measurement and the load average are reported
   * beside it as context; per retransmission interval, PSI's stall in that interval also bounds
   * the lateness (stallBetween: a CI run with UML guests had a 212 ms RTO fire 94 ms late at 98 %
   * pressure while our own loop was late 34 ms).
   */
  delay(): { delay: number; delayWhy: string } {
    const loop = this.worstLoopDelayMs;
    const stallEnd = cpuStallUs();
    const stall = this.stallAtStart !== null && stallEnd !== null ? round((stallEnd - this.stallAtStart) / 1000) : null;
    const { one, cpus } = loadAverage();
    const windowMs = round(performance.now() - this.startedAt);
    return {
      delay: loop,
      delayWhy:
        `worst probe wake-up delay ${loop} ms (event loop); ` +
        (stall !== null ? `some task waited for a CPU during ${stall} of the ${windowMs} ms (/proc/pressure/cpu)` : 'no CPU pressure figures') +
        `; load average ${one} on ${cpus} CPUs`,
    };
  }
  private worst = 0;
  /** worst event-loop delay over every window so far, ms */
  get worstLoopDelayMs(): number {
    return Math.max(this.worst, this.loopDelayMs);
  }
  /** worst event-loop delay in the current window, ms */
  get loopDelayMs(): number {
    return round(this.loop.max / 1e6);
  }
  get ms(): number {
    return Math.max(this.roundTripMs, this.loopDelayMs);
  }
  get why(): string {
    return `max of the SYN → SYN-ACK round trip ${this.roundTripMs} ms and the worst probe event-loop delay ${this.loopDelayMs} ms in the window`;
  }
  /** The bound over the window since the last call (or the start), then a new window begins. */
  window(): StampBound {
    const b = { ms: this.ms, why: this.why, stallUs: cpuStallUs() };
    this.worst = Math.max(this.worst, this.loopDelayMs);
    this.loop.reset();
    return b;
  }
  stop(): void {
    this.loop.disable();
  }
}

/** Milliseconds from `a` to `b` (hrtime ns). */
export function msBetween(a: bigint, b: bigint): number {
  return Number(b - a) / 1e6;
}

/** Successive gaps, in ms, between hrtime stamps. */
export function intervalsMs(stamps: readonly bigint[]): number[] {
  return stamps.slice(1).map((s, i) => round(msBetween(stamps[i]!, s)));
}

/** RFC 6298 5.5 exponential backoff: `initialMs` doubled each time, `count` values, capped at `maxMs`. */
export function backoffSchedule(initialMs: number, count: number, maxMs = 120_000): number[] {
  return Array.from({ length: count }, (_, i) => Math.min(initialMs * 2 ** i, maxMs));
}

/** Now, in the clock the wire stamps segments with. */
export const hrnow = (): bigint => process.hrtime.bigint();

/** Round to 0.1 ms: finer digits are noise at these scales. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Sleep `ms`, printing the remaining seconds every `everyMs` through `comment` (a TAP comment,
 * so the CLI can show progress during long protocol waits).
 */
export async function waitWithProgress(ms: number, comment: (text: string) => void, what: string, everyMs = 5000): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    const left = end - performance.now();
    if (left <= 0) return;
    comment(`${what}: ${Math.ceil(left / 1000)} s left`);
    await new Promise((r) => setTimeout(r, Math.min(everyMs, left)));
  }
}

/** The ground-truth end of a timer: when the target stopped listing the socket, and how sharp that is. */
export interface GoneAt {
  /** hrtime of the poll that first saw the socket gone */
  at: bigint;
  /** the gap between that poll and the previous one (ms): the socket went away inside it */
  resolutionMs: number;
  trail: string[];
}

/**
 * Poll the target's socket for `tuple` until it is gone (CLOSED), up to `deadlineMs`, printing
 * the time left every few seconds through `comment`. Throws StateTimeoutError at the deadline.
 */
export async function waitGone(states: StateSource, tuple: TcpTuple, deadlineMs: number, comment: (text: string) => void, what: string): Promise<GoneAt> {
  const end = performance.now() + deadlineMs;
  const trail: string[] = [];
  for (;;) {
    const left = end - performance.now();
    if (left > 6000) comment(`${what}: waiting, ${Math.ceil(left / 1000)} s left at most`);
    const before = hrnow();
    try {
      const r = await states.waitForState(tuple, 'CLOSED', Math.min(5000, Math.max(left, 0)));
      for (const s of r.trail) if (trail.at(-1) !== s) trail.push(s);
      const at = hrnow();
      // The socket went away between the start of the poll before the last and now: measured,
      // so a slow `ss` or a late timer on a busy machine widens it as much as it really was.
      const resolutionMs = r.polls > 1 ? r.lastGapMs + msBetween(before, at) - r.elapsedMs : msBetween(before, at);
      return { at, resolutionMs: round(resolutionMs), trail };
    } catch (e) {
      if (!(e instanceof StateTimeoutError) || performance.now() >= end) throw e;
      for (const s of e.last.trail) if (trail.at(-1) !== s) trail.push(s);
    }
  }
}

/** The target's socket for `tuple` with every detail its state source has (tcp_info: rto, rtt). */
export async function socketDetails(states: StateSource, tuple: TcpTuple): Promise<SsSocket | null> {
  // Called on `states`: a state source's methods may use `this` (gVisor's reads its endpoints).
  return (await (states.details ? states.details(tuple) : states.sockets(tuple)))[0] ?? null;
}

/**
 * The three-way handshake (as ScriptedConnection.handshake, every step checked) returning the
 * SYN → SYN-ACK round trip in ms: the kernel answers at once, so this bounds how far any of our
 * timestamps (send or receive) can sit from the segment's time on the wire.
 */
export async function handshakeRoundTrip(c: ScriptedConnection): Promise<number> {
  const syn = await c.send('S');
  const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
  await c.send('.');
  await c.inState('ESTABLISHED');
  return round(msBetween(syn.at, synAck.at));
}

/** What differs between the retransmission suites (data in ESTABLISHED, FIN in FIN-WAIT-1). */
export interface RetransmissionScenario {
  /** the sysctl that bounds the retries, and its value in the lab */
  sysctl: string;
  setting: number;
  /** retries the kernel uses for that setting (tcp_orphan_retries 0 reads as 8) */
  retries: number;
  /** the stack gives up after exactly `retries` retransmissions (default: Linux's time budget, linuxRetransmissionCount) */
  exact?: boolean;
  /** `--expect` key that overrides the expected count */
  expectKey: ExpectationKey;
  /** 'data' or 'FIN', in figure names */
  what: string;
  /** the state the remote sits in while it retransmits, and how to name its lifetime */
  state: TcpState;
  lifetime: string;
  /** make the remote send the segment we will never ACK; returns it as it arrived */
  trigger: (ctx: TestContext, c: ScriptedConnection) => Promise<DecodedTcp & { at: bigint }>;
}

/**
 * Handshake, read the RTO where the target shows it, trigger one segment we never ACK, then
 * measure it as ./retransmissions.ts does for every retransmission timer (count against the
 * setting through Linux's time-budget model, intervals against doubling, the give-up by looks
 * and, where offered, by ground truth).
 */
export async function measureRetransmissions(ctx: TestContext, s: RetransmissionScenario): Promise<void> {
  const { figure, note, expectation } = ctx;
  await measure(ctx, {
    what: s.what,
    state: s.state,
    lifetime: s.lifetime,
    async start(_, c) {
      const roundTripMs = await handshakeRoundTrip(c);
      const info = ctx.target.has('states') ? (await socketDetails(ctx.target.states, ctx.tuple(c)))?.info : undefined;
      const rtoMs = info?.rtoMs;
      if (rtoMs != null) {
        note(`ss: rto ${rtoMs} ms, rtt ${info?.rttMs} ms (Linux RTO = max(srtt + 4·rttvar, rto_min 200 ms), RFC 6298 2.3 with rto_min)`);
        figure({ name: 'RTO before the segment (ss)', value: rtoMs, unit: 'ms' });
        if (ctx.profile.name === 'linux' && info?.rttMs != null && info.rttVarMs != null) {
          const rto = linuxRto(info.rttMs, info.rttVarMs);
          figure({
            name: 'RTO (ss) vs srtt + max(4·rttvar, rto_min)',
            value: rtoMs,
            unit: 'ms',
            expected: rto.ms,
            tolerance: rto.tolerance,
            toleranceWhy: rto.why,
          });
        }
      }
      if (rtoMs != null) {
        // With the host's sysctls (tcp_retries2 = 15) this is a quarter of an hour: --slow, capped.
        const count = linuxRetransmissionCount(rtoMs, expectation(s.expectKey) ?? s.retries);
        const total = backoffSchedule(rtoMs, count.max + 1).reduce((a, b) => a + b, 0);
        allowWait(ctx.t, total, `the connection (${s.lifetime}) to be dropped (${s.sysctl} = ${s.setting})`);
      }
      const first = await s.trigger(ctx, c);
      await c.inState(s.state);
      return { first, roundTripMs, ...(rtoMs != null ? { rto: { ms: rtoMs, why: `the target's own RTO (ss, rtt ${info?.rttMs} ms)` } } : {}) };
    },
    expectedCount(_, rtoMs) {
      const boundary = expectation(s.expectKey) ?? s.retries;
      note(
        `${s.sysctl} = ${s.setting}${s.retries !== s.setting ? ` (read as ${s.retries})` : ''}${boundary !== s.retries ? `; --expect ${s.expectKey}=${boundary}` : ''}`,
      );
      if (s.exact) return { min: boundary, max: boundary, why: `${s.sysctl} = ${s.setting}, limit ${boundary}: a count is exact` };
      const count = linuxRetransmissionCount(rtoMs, boundary);
      return { min: count.min, max: count.max, why: `${s.sysctl} = ${s.setting}, limit ${boundary}: ${count.why}` };
    },
  });
}
