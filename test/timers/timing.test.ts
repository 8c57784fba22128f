// The timer arithmetic the timer suites derive their expectations and tolerances from.
import t from 'tap';
import { kernelHz, linuxRetransmissionCount, linuxRto, wheelGranularityMs } from '../../src/fsm/linux-timers.js';
import { gradeFigure } from '../../src/peer/grade.js';
import { backoffSchedule, intervalsMs, msBetween, stallBetween, timerTolerance } from '../../src/peer/timing.js';

const HZ250 = { hz: 250, source: 'test' };
const HZ1000 = { hz: 1000, source: 'test' };

t.test('timer wheel granularity follows the level the timeout falls in (kernel/time/timer.c)', async (t) => {
  t.equal(wheelGranularityMs(200, 250), 4, '50 jiffies: level 0, 1 jiffy');
  t.equal(wheelGranularityMs(248, 250), 4, '62 jiffies: still level 0');
  t.equal(wheelGranularityMs(252, 250), 32, '63 jiffies: level 1, 8 jiffies');
  t.equal(wheelGranularityMs(1000, 250), 32, '250 jiffies: level 1');
  t.equal(wheelGranularityMs(2012, 250), 32, '503 jiffies: level 1');
  t.equal(wheelGranularityMs(2016, 250), 256, '504 jiffies: level 2, 64 jiffies');
  t.equal(wheelGranularityMs(4000, 250), 256, '1000 jiffies: level 2');
  t.equal(wheelGranularityMs(60_000, 250), 2048, '15000 jiffies: level 3, 512 jiffies');
  t.equal(wheelGranularityMs(1000, 1000), 64, 'HZ=1000: 1000 jiffies is level 2');
});

t.test('a tolerance adds wheel lateness, a jiffy per timer and the stamp errors, and says so', async (t) => {
  const one = timerTolerance(1000, 5, { hz: HZ250 });
  t.equal(one.ms, 32 + 4 + 5 + 5);
  t.match(one.why, /32 ms.*HZ=250.*start stamp error 5 ms.*end stamp error 5 ms/);
  const ends = timerTolerance(1000, { ms: 7, why: 'a' }, { end: { ms: 40, why: 'b' }, hz: HZ250 });
  t.equal(ends.ms, 32 + 4 + 7 + 40);
  const chain = timerTolerance([1000, 2000, 4000], 2, { hz: HZ250, pollResolutionMs: 25 });
  t.equal(chain.ms, 32 + 32 + 256 + 12 + 2 + 25);
  t.match(chain.why, /25 ms polling resolution/);
});

t.test('kernelHz reads a real tick rate or says it assumed one', async (t) => {
  const hz = kernelHz();
  t.ok([100, 250, 300, 1000].includes(hz.hz), `HZ ${hz.hz}`);
  t.match(hz.source, /CONFIG_HZ|assumed/);
});

t.test('backoff doubles from the initial RTO and stops at the cap (RFC 6298 5.5)', async (t) => {
  t.same(backoffSchedule(1000, 4), [1000, 2000, 4000, 8000]);
  t.same(backoffSchedule(50_000, 3), [50_000, 100_000, 120_000]);
  t.same(backoffSchedule(200, 0), []);
});

t.test('intervals between hrtime stamps, in ms', async (t) => {
  t.same(intervalsMs([0n, 1_000_000_000n, 3_000_500_000n]), [1000, 2000.5]);
  t.equal(msBetween(5n, 1_000_005n), 1);
});

t.test('Linux gives up on time since the first retransmission, so the count depends on the RTO', async (t) => {
  // tcp_orphan_retries 2: budget 7 × 200 ms
  t.match(linuxRetransmissionCount(216, 2, HZ250), { min: 3, max: 3, budgetMs: 1400 });
  t.match(linuxRetransmissionCount(240, 2, HZ250), { min: 2, max: 2, budgetMs: 1400 });
  // A negative interval (stamps out of order) once spun here forever: refused instead.
  t.throws(() => linuxRetransmissionCount(-362, 2, HZ250), RangeError);
  t.throws(() => linuxRetransmissionCount(0, 2, HZ250), RangeError);
  // tcp_retries2 3: budget 15 × 200 ms; 424 + 848 + 1696 = 2968 is within the wheel's lateness of 3000
  const near = linuxRetransmissionCount(212, 3, HZ250);
  t.match(near, { min: 3, max: 4, budgetMs: 3000 });
  t.match(near.why, /3 or 4 retransmissions/);
  t.match(linuxRetransmissionCount(224, 3, HZ250), { min: 3, max: 3 });
  // tcp_retries2 15 (the kernel default): linear past TCP_RTO_MAX, 924.6 s; counted from the
  // first retransmission, 400 + 800 + … + 120 000 ms reaches 924 400 ms after 15 retransmissions,
  // 200 ms short of the budget: a 16th goes unless the timers ran late.
  t.equal(linuxRetransmissionCount(200, 15, HZ1000).budgetMs, 1023 * 200 + 6 * 120_000);
  t.match(linuxRetransmissionCount(200, 15, HZ1000), { min: 15, max: 16 });
});

t.test('Linux RTO = srtt + max(4 rttvar, rto_min)', async (t) => {
  t.equal(linuxRto(13.9, 3.5, HZ250).ms, 213.9);
  t.equal(linuxRto(80, 60, HZ250).ms, 320);
  t.equal(linuxRto(1, 1, HZ250).tolerance, 4);
});

t.test('CPU stall in an interval (PSI) bounds a late timer: beyond tolerance within it is inconclusive', async (t) => {
  const a = { ms: 4, why: '', stallUs: 1_000_000 };
  const b = { ms: 4, why: '', stallUs: 1_300_000 };
  t.equal(stallBetween(a, b), 300, '300 ms of stall between the two windows');
  t.equal(stallBetween(a, { ms: 4, why: '', stallUs: null }), 0, 'no PSI: no stall');
  t.equal(stallBetween(undefined, b), 0, 'no window: no stall');
  // The CI case: a 212 ms RTO that fired 94 ms late at 98 % CPU pressure.
  t.equal(
    gradeFigure({ value: 306.4, expected: 212, tolerance: 50.8, unit: 'ms', delay: 34.4 }).grade,
    'violation',
    'our own loop delay alone does not explain it',
  );
  t.equal(gradeFigure({ value: 306.4, expected: 212, tolerance: 50.8, unit: 'ms', delay: stallBetween(a, b) }).grade, 'inconclusive', 'the stall does');
  t.equal(
    gradeFigure({ value: 620, expected: 212, tolerance: 50.8, unit: 'ms', delay: stallBetween(a, b) }).grade,
    'violation',
    'more than tolerance and stall together stays a violation',
  );
});
