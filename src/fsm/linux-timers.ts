// The Linux TCP timer model, part of the linux profile: the tick rate (HZ), the timer wheel's
// lateness, TCP_RTO_MIN/MAX, how Linux derives its RTO and how many retransmissions its time
// budget (tcp_retries2, tcp_orphan_retries) allows. The generic timing code (src/peer/timing.ts)
// measures; this says what a Linux target should show.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The kernel's tick rate and where the figure came from. */
export interface KernelHz {
  hz: number;
  source: string;
}

let cachedHz: KernelHz | undefined;

/**
 * CONFIG_HZ of the running kernel, read from /proc/config.gz. The lab's target shares the host
 * kernel (a namespace, not a VM), so this is the target's tick. Without the config, 250 is
 * assumed (Debian's and most distributions' default) and the source says so.
 */
export function kernelHz(): KernelHz {
  if (cachedHz) return cachedHz;
  try {
    const config = gunzipSync(readFileSync('/proc/config.gz')).toString('latin1');
    const m = /^CONFIG_HZ=(\d+)$/m.exec(config);
    if (m) return (cachedHz = { hz: Number(m[1]), source: 'CONFIG_HZ from /proc/config.gz' });
  } catch {
    // no /proc/config.gz (CONFIG_IKCONFIG_PROC off): fall through to the assumption
  }
  return (cachedHz = { hz: 250, source: 'assumed HZ=250 (no /proc/config.gz)' });
}

/**
 * A target that runs its own kernel (User-Mode Linux: HZ=100 where the host has 250) states its
 * tick; a suite process judges one target, so this replaces the host's for the process. Null:
 * back to the running kernel's.
 */
export function useTargetKernelHz(hz: KernelHz | null): void {
  cachedHz = hz ?? undefined;
}

/** Timer wheel geometry (kernel/time/timer.c): 64 slots a level, each level 8× coarser. */
const LVL_BITS = 6;
const LVL_CLK_SHIFT = 3;

/**
 * How late (ms, at most) the timer wheel fires a timeout of `timeoutMs`: the granularity of the
 * level that holds it. Level n starts at (64-1) << 3(n-1) jiffies and has granularity 8^n jiffies.
 */
export function wheelGranularityMs(timeoutMs: number, hz = kernelHz().hz): number {
  const jiffies = Math.ceil((timeoutMs * hz) / 1000);
  let level = 0;
  while (level < 8 && jiffies >= ((1 << LVL_BITS) - 1) << (LVL_CLK_SHIFT * level)) level++;
  return ((1 << (LVL_CLK_SHIFT * level)) * 1000) / hz;
}

/**
 * How late a Linux timer chain can fire: `runsMs` back-to-back timeouts (each armed when the one
 * before fired), each late by its wheel level's granularity plus one jiffy of arming round-up.
 */
export function linuxTimerLateness(runsMs: readonly number[], hz: KernelHz = kernelHz()): { ms: number; why: string } {
  const wheel = runsMs.reduce((sum, t) => sum + wheelGranularityMs(t, hz.hz), 0);
  const jiffies = (runsMs.length * 1000) / hz.hz;
  const what = runsMs.length === 1 ? `a ${runsMs[0]} ms timeout` : `timeouts ${runsMs.join('+')} ms`;
  return {
    ms: wheel + jiffies,
    why: `timer wheel lateness ≤ ${round(wheel)} ms for ${what} at HZ=${hz.hz} (${hz.source}) + ${runsMs.length} jiffy arming round-up (${round(jiffies)} ms)`,
  };
}

/** Linux's TCP_RTO_MIN and TCP_RTO_MAX (include/net/tcp.h). */
export const LINUX_RTO_MIN_MS = 200;
export const LINUX_RTO_MAX_MS = 120_000;

/**
 * How many retransmissions Linux makes before giving up on a connection whose retry limit is
 * `boundary` (tcp_retries2, tcp_orphan_retries), with a measured RTO of `rtoMs`.
 * Linux counts time, not retransmissions (net/ipv4/tcp_timer.c): it gives up when the time since
 * the first retransmission (retrans_stamp) reaches tcp_model_timeout(boundary) =
 * TCP_RTO_MIN × (2^(boundary+1) − 1) (linear past TCP_RTO_MAX). Retransmission 1 always goes;
 * retransmission k goes while the time since the first, rto × (2 + 4 + … + 2^(k−1)) plus the
 * timers' lateness, is still below that budget. With an RTO a little above 200 ms the count can be
 * boundary + 1, and where the margin is smaller than the timer wheel's accumulated lateness either
 * count can happen: `min` assumes every timer maximally late, `max` assumes none late.
 */
export function linuxRetransmissionCount(
  rtoMs: number,
  boundary: number,
  hz: KernelHz = kernelHz(),
  rtoBaseMs = LINUX_RTO_MIN_MS,
): { min: number; max: number; budgetMs: number; why: string } {
  // The count below loops until the budget is spent: a non-positive RTO would never spend it.
  if (!(rtoMs > 0)) throw new RangeError(`an RTO must be positive, not ${rtoMs} ms`);
  const thresh = Math.floor(Math.log2(LINUX_RTO_MAX_MS / rtoBaseMs));
  const budgetMs = boundary <= thresh ? ((2 << boundary) - 1) * rtoBaseMs : ((2 << thresh) - 1) * rtoBaseMs + (boundary - thresh) * LINUX_RTO_MAX_MS;
  const count = (late: (t: number) => number): number => {
    let sinceFirst = 0;
    for (let k = 1; ; k++) {
      const next = Math.min(rtoMs * 2 ** k, LINUX_RTO_MAX_MS);
      sinceFirst += next + late(next);
      if (sinceFirst >= budgetMs) return k;
    }
  };
  const max = count(() => 0);
  const min = count((t) => wheelGranularityMs(t, hz.hz) + 1000 / hz.hz);
  const why =
    `Linux gives up ${budgetMs} ms after the first retransmission (TCP_RTO_MIN × (2^${boundary + 1} − 1), tcp_model_timeout); ` +
    `with RTO ${rtoMs} ms that is ${min === max ? `${max} retransmissions` : `${min} or ${max} retransmissions (the margin is within the timer wheel's accumulated lateness at HZ=${hz.hz})`}`;
  return { min, max, budgetMs, why };
}

/**
 * The RTO Linux derives from its RTT estimate (tcp_set_rto, RFC 6298 2.3 with rto_min as the
 * floor of the variance term, not of the RTO): srtt + max(4 · rttvar, TCP_RTO_MIN), kept in
 * jiffies (rounded up), as ss prints srtt/rttvar in ms (3 decimals).
 */
export function linuxRto(srttMs: number, rttVarMs: number, hz: KernelHz = kernelHz()): { ms: number; tolerance: number; why: string } {
  const variance = Math.max(4 * rttVarMs, LINUX_RTO_MIN_MS);
  const jiffy = 1000 / hz.hz;
  return {
    ms: round(srttMs + variance),
    tolerance: round(jiffy + 0.002),
    why: `srtt ${srttMs} + max(4 × rttvar ${rttVarMs}, rto_min ${LINUX_RTO_MIN_MS}) ms; the kernel keeps the RTO in jiffies rounded up (1 jiffy = ${round(jiffy)} ms at HZ=${hz.hz}) and ss rounds to µs`,
  };
}
