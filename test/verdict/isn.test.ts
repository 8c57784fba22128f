// ISN grading on synthetic series: an RFC 6528 generator (clock + keyed hash of the 4-tuple)
// conforms; a constant step (old BSD: +64000 per connection) and a clock-free ISN are caught.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { COMMON_STEP_GCD, gradeIsns, type IsnSample, isnFigures } from '../../src/verdict/isn.js';

const MS = 1_000_000n;
// Linux: M = ns >> 6 (a 64 ns tick), F = keyed hash of the 4-tuple.
const rfc6528 = (port: number, atNs: bigint): number =>
  (Number((atNs >> 6n) & 0xffffffffn) + createHash('sha256').update(`secret|198.18.0.2|80|198.18.0.1|${port}`).digest().readUInt32BE(0)) >>> 0;
const series = (n: number, isn: (i: number, at: bigint) => number): IsnSample[] =>
  Array.from({ length: n }, (_, i) => {
    const atNs = BigInt(i) * 100n * MS + 12_345n * BigInt(i * i);
    return { isn: isn(i, atNs) >>> 0, atNs };
  });

t.test('an RFC 6528 generator conforms to MUST-8 and SHLD-1', async (t) => {
  const same = series(6, (_, at) => rfc6528(40000, at));
  const different = series(20, (i, at) => rfc6528(40001 + i, at));
  const { findings, same: fs } = gradeIsns(same, different);
  t.same(
    findings.map((f) => [f.requirement, f.level]),
    [
      ['MUST-8', 'conforms'],
      ['SHLD-1', 'conforms'],
    ],
  );
  t.ok(Math.abs(fs.rates[0]! / 15_625_000 - 1) < 0.01, `same-tuple rate is the clock's 15.6 M/s (${fs.rates[0]})`);
});

t.test('a constant step across 4-tuples is predictable: SHLD-1 deviation', async (t) => {
  const same = series(6, (i) => 1000 + 64000 * i);
  const different = series(20, (i) => 7 + 64000 * i);
  const { findings, different: fd } = gradeIsns(same, different);
  t.same(
    findings.map((f) => [f.requirement, f.level]),
    [
      ['MUST-8', 'conforms'],
      ['SHLD-1', 'deviation'],
    ],
  );
  t.equal(fd.gcd, 64000, "nmap's GCD finds the step");
  t.equal(fd.stepSpread, 0);
});

t.test('steps that vary but share a large unit are predictable too: SHLD-1 deviation', async (t) => {
  // 4.4BSD (slirp): +64000 per connection, +64000 per 500 ms tick; a busy machine lets ticks fall
  // between connections, so the steps vary (spread well over 0.05), all multiples of 64000.
  const ticks = [0, 1, 0, 2, 0, 0, 1, 3, 0, 1];
  const different = series(11, (i) => 7 + 64000 * (i + ticks.slice(0, i).reduce((a, b) => a + b, 0)));
  const { findings, different: fd } = gradeIsns(
    series(6, (i) => 1000 + 64000 * i),
    different,
  );
  t.ok(fd.stepSpread > 0.05, `the spread alone would miss it (${fd.stepSpread.toFixed(2)})`);
  t.equal(fd.gcd, 64000);
  t.match(findings[1], { requirement: 'SHLD-1', level: 'deviation', observed: /GCD 64000/ });
});

t.test('random increments share no large divisor (fast-check)', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 20 }), (isns) => {
      const samples = isns.map((isn, i) => ({ isn, atNs: BigInt(i) * 1_000_000n }));
      return isnFigures(samples).gcd < COMMON_STEP_GCD || new Set(isns).size < isns.length;
    }),
    { seed: 6528, numRuns: 2000 },
  );
  t.pass(`2000 random series of 4 to 20 ISNs: GCD < ${COMMON_STEP_GCD}`);
});

t.test('an ISN that does not advance for a reused 4-tuple violates MUST-8', async (t) => {
  const same = series(5, () => 0xdeadbeef);
  const different = series(10, (i) => rfc6528(50000 + i, BigInt(i) * MS));
  const { findings } = gradeIsns(same, different);
  t.equal(findings[0]!.level, 'violation');
  t.equal(findings[0]!.requirement, 'MUST-8');
});

t.test('increments are taken modulo 2^32 the short way round; too few samples is inconclusive', async (t) => {
  const f = isnFigures([
    { isn: 0xfffffff0, atNs: 0n },
    { isn: 0x10, atNs: 1_000_000_000n },
  ]);
  t.same(f.increments, [0x20]);
  t.equal(f.rates[0], 32);
  t.equal(f.isr, 40, 'ISR = 8·log2(32)');
  const { findings } = gradeIsns(
    series(2, (i) => i),
    series(2, (i) => i),
  );
  t.same(
    findings.map((x) => x.level),
    ['inconclusive'],
  );
});
