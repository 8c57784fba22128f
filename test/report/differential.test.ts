// The differential view over stacks: answers side by side, differences flagged by verdict and grade.
import t from 'tap';
import type { SuiteResult, TestResult } from '../../src/peer/contract.js';
import { differential, differentialText } from '../../src/report/differential.js';

const test = (name: string, over: Partial<TestResult> = {}): TestResult => ({
  name,
  rfc: 'RFC 9293',
  ok: true,
  durationMs: 1,
  trace: [],
  rows: [],
  figures: [],
  ...over,
});
const suite = (tests: TestResult[], matrix?: SuiteResult['matrix']): SuiteResult =>
  ({
    suite: 'reset',
    title: '',
    rfc: '',
    mode: 'lab',
    profile: 'rfc',
    target: '',
    startedAt: '',
    durationMs: 1,
    tests,
    ...(matrix ? { matrix } : {}),
  }) as SuiteResult;

t.test("a cell's absolute sequence numbers are no difference (two runs never share ISNs); its flags and states are", async (t) => {
  const cell = (observed: string) => ({
    state: 'TIME-WAIT' as const,
    kind: 'SYN',
    position: 'RCV.NXT',
    outcome: 'deviation' as const,
    observed,
    expected: '[.]',
  });
  const rows = (a: string, b: string) =>
    differential(
      new Map([
        ['ipv4', [suite([], [cell(a)])]],
        ['ipv6', [suite([], [cell(b)])]],
      ]),
    ).rows[0]!;
  t.notOk(rows('[S.] seq 1907826513 ack 4089336999 -> SYN-RECEIVED', '[S.] seq 2504046241 ack 2121087981 -> SYN-RECEIVED').differs);
  t.ok(rows('[S.] seq 1 ack 2 -> SYN-RECEIVED', '[R.] seq 1 ack 2 -> CLOSED').differs, 'another answer is a difference');
  t.ok(rows('[S.] seq 1 ack 2 -> SYN-RECEIVED', '[S.] seq 1 ack 2 -> TIME-WAIT').differs, 'another state is a difference');
});

t.test('stacks that agree show no difference; a choice, a failure and a cell outcome do', async (t) => {
  const choice = { level: 'choice' as const, requirement: 'MAY-12', check: 'challenge ACK', expected: '[.]', observed: 'nothing' };
  const d = differential(
    new Map([
      [
        'linux',
        [
          suite(
            [test('exact RST closes'), test('in-window RST'), test('SYN in ESTABLISHED')],
            [{ state: 'LISTEN', kind: 'SYN', position: 'RCV.NXT', outcome: 'pass', observed: '[S.]', expected: '[S.]' }],
          ),
        ],
      ],
      [
        'gvisor',
        [
          suite(
            [
              test('exact RST closes'),
              test('in-window RST', { findings: [choice] }),
              test('SYN in ESTABLISHED', { ok: false, error: { message: 'expected [.] got [R.]' } }),
            ],
            [{ state: 'LISTEN', kind: 'SYN', position: 'RCV.NXT', outcome: 'deviation', observed: 'nothing', expected: '[S.]' }],
          ),
        ],
      ],
      ['slirp', [suite([test('exact RST closes'), test('in-window RST', { skip: 'needs the lab agent' })])]],
    ]),
  );
  t.same(d.stacks, ['linux', 'gvisor', 'slirp']);
  const by = new Map(d.rows.map((r) => [r.key, r]));
  t.notOk(by.get('reset › exact RST closes')!.differs);
  t.ok(by.get('reset › in-window RST')!.differs, 'a choice differs from a plain pass');
  t.same(by.get('reset › in-window RST')!.byStack.gvisor, { verdict: 'pass', grade: 'choice', observed: 'challenge ACK: nothing (MAY-12)' });
  t.equal(by.get('reset › in-window RST')!.byStack.slirp!.verdict, 'skip', 'a skip is shown but does not make a difference');
  t.same(by.get('reset › SYN in ESTABLISHED')!.byStack.gvisor, { verdict: 'fail', grade: 'violation', observed: 'expected [.] got [R.]' });
  t.ok(by.get('reset › LISTEN <- SYN @RCV.NXT')!.differs);
  t.equal(by.get('reset › LISTEN <- SYN @RCV.NXT')!.byStack.slirp, undefined, 'a stack without the row');
  const text = differentialText(d);
  t.match(text[0], /^differences between linux, gvisor, slirp: 3 of 4 tests and cells$/);
  t.ok(text.some((l) => /^ {4}gvisor +fail \(violation\): expected \[\.\] got \[R\.\]$/.test(l)));
  t.same(
    differentialText(
      differential(
        new Map([
          ['linux', [suite([test('a')])]],
          ['uml', [suite([test('a')])]],
        ]),
      ),
    ),
    ['stacks linux, uml: no differences'],
  );
});

t.test('an inconclusive cell is graded inconclusive, not a violation, and is no difference', async (t) => {
  const cell = (outcome: 'pass' | 'inconclusive' | 'fail') => ({
    state: 'ESTABLISHED' as const,
    kind: 'SYN',
    position: 'RCV.NXT',
    outcome,
    observed: '[.]',
    expected: '[.]',
  });
  const d = differential(
    new Map([
      ['linux', [suite([], [cell('pass')])]],
      ['passt', [suite([], [cell('inconclusive')])]],
      ['slirp', [suite([], [cell('fail')])]],
    ]),
  );
  const row = d.rows[0]!;
  t.same([row.byStack.linux?.grade, row.byStack.passt?.grade, row.byStack.slirp?.grade], ['conforms', 'inconclusive', 'violation']);
  t.match(differentialText(d), /passt\s+inconclusive \(inconclusive\)/);
  const quiet = differential(
    new Map([
      ['linux', [suite([], [cell('pass')])]],
      ['passt', [suite([], [cell('inconclusive')])]],
    ]),
  );
  t.notOk(quiet.rows[0]!.differs, 'no evidence either way');
});
