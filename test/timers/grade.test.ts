// Grading a figure against its expectation with the scheduling delay measured meanwhile: within
// the tolerance it conforms; beyond it but within tolerance + delay it is inconclusive (a busy
// machine could explain it); beyond both it is a violation, whatever the load.
import t from 'tap';
import { gradeFigure } from '../../src/peer/grade.js';
import { cpuStallUs } from '../../src/sys/load.js';

const fig = { value: 1134, expected: 1000, tolerance: 104, unit: 'ms' };

t.test('within the tolerance: conforms, with or without delay', async (t) => {
  t.equal(gradeFigure({ ...fig, value: 1100 }).grade, 'conforms');
  t.equal(gradeFigure({ ...fig, value: 896 }).grade, 'conforms', 'early within the tolerance too');
  t.equal(gradeFigure({ ...fig, value: 1100, delay: 500 }).grade, 'conforms');
});

t.test("the issue's case: 1134 ms vs 1000 ± 104 ms", async (t) => {
  t.equal(gradeFigure(fig).grade, 'violation', 'no delay measured: a violation, as before');
  t.equal(gradeFigure({ ...fig, delay: 2 }).grade, 'violation', 'a quiet machine (2 ms wake-up delay) does not explain 30 ms');
  const g = gradeFigure({ ...fig, delay: 45, delayWhy: 'worst probe wake-up delay 45 ms' });
  t.equal(g.grade, 'inconclusive', '45 ms of measured delay explains 30 ms beyond the tolerance');
  t.match(g.why, /off by 134 ms, beyond ± 104 ms but within it plus the 45 ms scheduling delay measured meanwhile \(worst probe wake-up delay 45 ms\)/);
});

t.test('exactly at the edge of tolerance + delay: inconclusive; one step beyond: violation', async (t) => {
  t.equal(gradeFigure({ ...fig, delay: 30 }).grade, 'inconclusive');
  t.equal(gradeFigure({ ...fig, delay: 29.9 }).grade, 'violation');
});

t.test('a large deviation stays a violation on a busy machine', async (t) => {
  const g = gradeFigure({ value: 3000, expected: 5000, tolerance: 300, unit: 'ms', delay: 200 });
  t.equal(g.grade, 'violation');
  t.match(g.why, /off by 2000 ms: more than ± 300 ms plus the 200 ms scheduling delay/);
  t.equal(gradeFigure({ value: 3, expected: 2, tolerance: 0, unit: 'count' }).grade, 'violation', 'a count with no delay is exact');
});

t.test('CPU pressure is read from the PSI format', async (t) => {
  t.equal(cpuStallUs('some avg10=97.94 avg60=98.57 avg300=98.85 total=2071095951\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), 2071095951);
  t.equal(cpuStallUs('garbage'), null);
});
