// The start order of a run's suites: never timed first, then the longest last time first.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DurationMemory, durationKey } from '../../src/cli/durations.js';
import type { SuiteFile } from '../../src/cli/suites.js';

const suite = (stem: string, stack?: string, family?: 4 | 6): SuiteFile => ({
  name: [stem, stack].filter(Boolean).join('@'),
  file: `/x/dist/suites/${stem}.js`,
  ...(stack ? { stack } : {}),
  ...(family ? { family } : {}),
});
const names = (s: SuiteFile[]) => s.map((x) => x.name);

t.test('what a duration depends on: the suite, its stack (or the run’s), family and --slow', async (t) => {
  t.equal(durationKey(suite('matrix'), { slow: false }), 'matrix|linux|ipv4');
  t.equal(durationKey(suite('matrix'), { stack: 'gvisor', slow: false }), 'matrix|gvisor|ipv4');
  t.equal(durationKey(suite('matrix', 'passt'), { slow: false }), 'matrix|passt|ipv4');
  t.equal(durationKey(suite('matrix', 'passt', 6), { slow: true }), 'matrix|passt|ipv6|slow');
});

t.test('no memory: the given order; then the longest first, the untimed before them', async (t) => {
  const file = join(t.testdir(), 'durations.json');
  const m = new DurationMemory(file);
  const run = { slow: false };
  const all = [suite('data', 'linux'), suite('matrix', 'linux'), suite('matrix', 'passt'), suite('handshake', 'passt')];
  t.same(names(m.order(all, run)), names(all), 'nothing remembered yet');
  m.record(
    [
      { suite: all[0]!, durationMs: 500 },
      { suite: all[1]!, durationMs: 12_566.3 },
      { suite: all[2]!, durationMs: 112_138 },
    ],
    run,
  );
  t.same(JSON.parse(readFileSync(file, 'utf8')), { 'data|linux|ipv4': 500, 'matrix|linux|ipv4': 12566, 'matrix|passt|ipv4': 112138 });
  t.same(names(m.order(all, run)), ['handshake@passt', 'matrix@passt', 'matrix@linux', 'data@linux']);
  t.same(names(m.order(all, { slow: true })), names(all), 'a --slow run was never timed');
  m.record([{ suite: all[2]!, durationMs: 100 }], run);
  t.same(names(m.order(all, run)), ['handshake@passt', 'matrix@linux', 'data@linux', 'matrix@passt'], 'the last time counts');
});

t.test('a damaged or foreign file is the given order, and is replaced on the next record', async (t) => {
  const file = join(t.testdir(), 'durations.json');
  const all = [suite('a'), suite('b')];
  for (const junk of ['{', '[1,2]', '"x"', '{"b|linux|ipv4": "long", "a|linux|ipv4": -5}']) {
    writeFileSync(file, junk);
    t.same(names(new DurationMemory(file).order(all, { slow: false })), ['a', 'b'], junk);
  }
  new DurationMemory(file).record([{ suite: all[1]!, durationMs: 7 }], { slow: false });
  t.same(names(new DurationMemory(file).order(all, { slow: false })), ['a', 'b']);
  t.same(JSON.parse(readFileSync(file, 'utf8')), { 'b|linux|ipv4': 7 });
});

t.test('a memory that cannot be written loses only the next order', async (t) => {
  const dir = t.testdir({ file: 'not a directory' });
  const m = new DurationMemory(join(dir, 'file', 'durations.json'));
  t.doesNotThrow(() => m.record([{ suite: suite('a'), durationMs: 1 }], { slow: false }));
  t.same(names(m.order([suite('a')], { slow: false })), ['a']);
});
