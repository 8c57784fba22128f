// The pure parts of --sysctls and check-tuning: what differs from the host, which waits a run
// allows, and the table rows read from a run record (matches, mismatches, skips with reasons).
import t from 'tap';
import { tuningRows, tuningTableText } from '../../src/cli/tuning-table.js';
import { differencesFromHost, parseSysctlSet, sysctlSetLine } from '../../src/lab/host-sysctls.js';
import type { Figure, SuiteResult, TestResult } from '../../src/peer/contract.js';
import { waitRefusal } from '../../src/peer/long-wait.js';
import type { RunRecord } from '../../src/report/run.js';

t.test('differences from the host, and the header line', async (t) => {
  const host: Record<string, string> = { 'net.ipv4.tcp_synack_retries': '5', 'net.ipv4.tcp_fin_timeout': '60', 'net.ipv4.tcp_rmem': '4096 131072 6291456' };
  const diffs = differencesFromHost({ tcp_synack_retries: '2', tcp_fin_timeout: '60', 'net.ipv4.tcp_rmem': '4096  131072\t6291456' }, (n) => host[n] ?? null);
  t.same(diffs, [{ name: 'net.ipv4.tcp_synack_retries', lab: '2', host: '5' }], 'short names compared by their dotted name; whitespace normalised');
  t.match(
    sysctlSetLine('fast', 0, diffs),
    /^sysctls: fast — .*says nothing about this machine's own tuning.*differ from the host: tcp_synack_retries 2 \(host 5\)$/,
  );
  t.match(sysctlSetLine('host', 93, []), /^sysctls: host — 93 per-namespace TCP\/IP sysctls .*; none differs from the host$/);
  t.equal(parseSysctlSet(undefined), 'fast');
  t.throws(() => parseSysctlSet('slow'), /--sysctls wants fast or host, got 'slow'/);
});

t.test('which waits a run allows', async (t) => {
  t.equal(waitRefusal(8000, 'x', {}), undefined, 'the fast set: seconds, always');
  t.match(waitRefusal(63_000, 'the half-open connection', {}), /^slow: the half-open connection takes about 63 s: run with --slow$/);
  t.equal(waitRefusal(63_000, 'x', { TCPFSM_SLOW: '1' }), undefined);
  t.match(waitRefusal(957_000, 'y', { TCPFSM_SLOW: '1', TCPFSM_MAX_WAIT: '240' }), /^capped: y takes about 957 s, over the 240 s cap \(--max-wait\)$/);
  t.match(waitRefusal(1_300_000, 'z', { TCPFSM_SLOW: '1' }), /over the 1200 s cap/, 'a default cap');
});

const fig = (
  name: string,
  value: number,
  expected: number,
  grade: Figure['grade'] = 'conforms',
  unit: Figure['unit'] = 'count',
  extra: Partial<Figure> = {},
): Figure => ({
  name,
  value,
  unit,
  expected,
  tolerance: 0,
  grade,
  ok: grade !== 'violation',
  ...extra,
});
const test = (name: string, figures: Figure[], extra: Partial<TestResult> = {}): TestResult => ({
  name,
  rfc: '',
  ok: true,
  durationMs: 1,
  trace: [],
  rows: [],
  figures,
  ...extra,
});
const suite = (name: string, tests: TestResult[], sysctls: Record<string, string> = {}) => ({
  suite: name,
  file: '',
  startedAt: '',
  durationMs: 0,
  exitCode: 0,
  signal: null,
  tap: '',
  stderr: '',
  tapTests: [],
  tapOk: true,
  result: { suite: name, title: '', rfc: '', mode: 'lab', profile: 'linux', target: '', startedAt: '', durationMs: 0, tests, sysctls } as SuiteResult,
});
const record = (suites: RunRecord['suites'], target?: string): RunRecord => ({
  version: '0',
  startedAt: '',
  durationMs: 0,
  command: '',
  options: { slow: true, bail: false, jobs: 1, asRemote: false, keepLab: false, labSysctls: {}, expect: {}, ...(target ? { target } : {}) },
  suites,
});

t.test('the table rows from a run record', async (t) => {
  const run = record([
    suite(
      'timer-synack',
      [
        test('SYN-ACK is retransmitted', [
          fig('SYN-ACK retransmissions', 4, 5, 'violation', 'count', { gradeWhy: 'off by 1' }),
          fig('SYN-ACK retransmission 1 interval', 1010, 1000, 'conforms', 'ms'),
          fig('SYN-ACK retransmission 2 interval', 2300, 2000, 'inconclusive', 'ms', { gradeWhy: 'busy' }),
          fig('half-open lifetime (first SYN-ACK → socket gone)', 63_100, 63_000, 'conforms', 'ms'),
        ]),
      ],
      { 'net.ipv4.tcp_synack_retries': '5' },
    ),
    suite('timer-data-retransmit', [test('unacknowledged data', [], { skip: 'capped: … takes about 957 s, over the 240 s cap (--max-wait)' })], {
      'net.ipv4.tcp_retries2': '15',
    }),
    suite('time-wait-reuse', [
      test('tcp_tw_reuse as the run sets it', [
        fig('TIME-WAIT 4-tuple reused by connect() (1 yes, 0 no)', 1, 1, 'conforms', 'count', {
          toleranceWhy: 'net.ipv4.tcp_tw_reuse = 1: reuse with timestamps',
        }),
      ]),
      test('a SYN above RCV.NXT reopens TIME-WAIT (no timestamps)', []),
    ]),
  ]);
  const rows = new Map(tuningRows(run).map((r) => [r.figure, r]));
  t.match(rows.get('SYN-ACK retransmissions'), { value: '5', measured: '4', expected: '5', match: 'no', why: 'off by 1' }, 'a mismatch, with why');
  t.match(rows.get('SYN-ACK schedule (intervals)'), { measured: '1.01 2.30 s', expected: '1.00 2.00 s', match: 'inconclusive' }, 'the worst interval decides');
  t.match(rows.get('half-open lifetime'), { measured: '63.1 s', match: 'yes' });
  t.match(rows.get('data retransmissions'), { value: '15', match: 'not measured', why: /^capped: / }, 'a skipped test says why');
  t.match(
    rows.get('connect() reuses its own TIME-WAIT'),
    { value: '1', measured: 'yes', expected: 'yes', match: 'yes' },
    'the value the test set, from its figure',
  );
  t.match(rows.get('a SYN reopens TIME-WAIT'), { measured: 'yes', match: 'yes' }, "a test's outcome");
  t.match(rows.get('TIME-WAIT length'), { match: 'not measured', why: 'not run' });
  const text = tuningTableText([...rows.values()]);
  t.match(text[0], /^figure +follows +value +measured +expected +match$/);
  t.ok(text.includes('    off by 1'), 'reasons under their rows');
});

t.test('a remote target: what needs the lab is named as not measurable there', async (t) => {
  const run = record([suite('timer-fin-wait-2', [test('an orphaned FIN-WAIT-2', [], { skip: 'needs the lab agent' })])], '198.18.0.2:80');
  const r = tuningRows(run).find((x) => x.figure === 'FIN-WAIT-2 lifetime (orphan)');
  t.match(r, { match: 'not measured', why: /^cannot be measured on 198\.18\.0\.2:80: needs the lab agent \(the test reads the target's socket table/ });
});
