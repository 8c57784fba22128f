// Stack expectations as data: a run's findings against a stack's known ones — as expected, new,
// and expected ones that no longer happen (only for tests that ran).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { SuiteResult, TestResult } from '../../src/peer/contract.js';
import { checkExpectations, expectationLines, loadExpectations, observedFindings } from '../../src/verdict/expectations.js';

const test = (name: string, over: Partial<TestResult> = {}): TestResult => ({
  name,
  rfc: 'RFC 9293 3.10.7.4',
  ok: true,
  durationMs: 1,
  trace: [],
  rows: [],
  figures: [],
  ...over,
});
const suite = (tests: TestResult[]): SuiteResult =>
  ({ suite: 'reset', title: '', rfc: '', mode: 'lab', profile: 'rfc', target: '', startedAt: '', durationMs: 1, tests }) as SuiteResult;
const choice = { level: 'choice' as const, requirement: 'MAY-12', check: 'no challenge ACK', expected: '[.]', observed: 'reset' };
const deviation = { level: 'deviation' as const, requirement: 'RFC 9293 3.10.7.1', check: 'ACK bit of a reset', expected: '[R]', observed: '[R.]' };

t.test('findings and failed tests are observed; conforms are not', async (t) => {
  const seen = observedFindings([
    suite([
      test('a', { findings: [choice, { ...choice, level: 'conforms' }] }),
      test('b', { ok: false, error: { message: 'boom' } }),
      test('c', { skip: 'needs the agent' }),
    ]),
  ]);
  t.same(
    seen.map((f) => [f.test, f.level, f.check]),
    [
      ['a', 'choice', 'no challenge ACK'],
      ['b', 'violation', 'the test failed'],
    ],
  );
});

t.test('as expected, new, and no longer seen', async (t) => {
  const dir = `${mkdtempSync(join(tmpdir(), 'tcpfsm-exp-'))}/`;
  writeFileSync(
    join(dir, 'gvisor.json'),
    JSON.stringify({
      stack: 'gvisor',
      known: [
        { suite: 'reset', test: 'in-window', level: 'choice', requirement: 'MAY-12', check: 'no challenge ACK' },
        { suite: 'reset', test: 'aborts', level: 'deviation', requirement: 'RFC 9293 3.10.7.1', check: 'ACK bit of a reset' },
        { suite: 'reset', test: 'not run this time', level: 'choice', requirement: 'MAY-2', check: 'x' },
      ],
    }),
  );
  const known = loadExpectations('gvisor', dir)!;
  t.equal(known.length, 3);
  t.equal(loadExpectations('nosuchstack', dir), null);
  const c = checkExpectations(known, [suite([test('in-window', { findings: [choice] }), test('aborts'), test('fresh', { findings: [deviation] })])]);
  t.same(
    c.expected.map((f) => f.test),
    ['in-window'],
  );
  t.same(
    c.fresh.map((f) => f.test),
    ['fresh'],
  );
  t.same(
    c.gone.map((f) => f.test),
    ['aborts'],
    'an expected deviation that no longer happens; a test that did not run is not counted',
  );
  t.same(expectationLines('gvisor', c), [
    'gvisor: 1 findings as expected, 1 new, 1 expected but no longer seen',
    '  new: reset › fresh: deviation RFC 9293 3.10.7.1: ACK bit of a reset',
    '  no longer: reset › aborts: deviation RFC 9293 3.10.7.1: ACK bit of a reset',
  ]);
});
