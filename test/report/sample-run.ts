// A run record shaped like a real one, for the rendering tests: lab suites with ladders and FSM
// rows, timer figures (within tolerance, out of range, inconclusive, without an expectation), a
// remote-mode suite whose states are inferred by the state probe, and a suite that ran no test;
// and the builders the report and CLI tests make their own small runs with.
import type { Figure, SuiteResult, TestResult, TraceLine } from '../../src/peer/contract.js';
import type { RunRecord, SuiteRun, TapTest } from '../../src/report/run.js';

const seg = (t: number, kind: 'out' | 'in', flags: string, seq: number, ack: number | undefined, len = 0, extra: Partial<TraceLine> = {}): TraceLine => ({
  t,
  kind,
  flags,
  seq,
  ...(ack !== undefined ? { ack } : {}),
  len,
  text: `${flags} ${seq}:${seq + len}(${len})${ack !== undefined ? ` ack ${ack}` : ''} win 65535`,
  ...extra,
});

/** One test's result: passed, no trace, unless `over` says otherwise. */
export const testResult = (over: Partial<TestResult> & { name?: string } = {}): TestResult => ({
  name: 't',
  rfc: 'RFC 9293 3.5',
  ok: true,
  durationMs: 12,
  trace: [],
  rows: [],
  figures: [],
  ...over,
});
const test = testResult;

/** A suite process that ended with exit 0 and no tests, unless `over` says otherwise. */
export const suiteRunOf = (over: Partial<SuiteRun> = {}): SuiteRun => ({
  suite: 's',
  file: '/x/s.js',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 10,
  exitCode: 0,
  signal: null,
  tap: '',
  stderr: '',
  tapTests: [],
  tapOk: true,
  ...over,
});

/** A run record around `suites`, with default options. */
export const runRecord = (suites: SuiteRun[], over: Partial<RunRecord> = {}): RunRecord => ({
  version: '0.0.0',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationMs: 20,
  command: 'tcpfsm run',
  suites,
  options: { slow: false, bail: false, jobs: 1, asRemote: false, keepLab: false, labSysctls: {}, expect: {} },
  ...over,
});

/** The suite process that produced `result`: its TAP tests follow the results. */
function suiteRun(result: SuiteResult, over: Partial<SuiteRun> = {}): SuiteRun {
  const tapTests: TapTest[] = result.tests.map((x) => ({
    name: x.name,
    ok: x.ok,
    ...(x.skip !== undefined ? { skip: x.skip } : {}),
    failures: x.ok ? [] : [{ name: x.error?.message ?? 'failed' }],
  }));
  const ok = result.tests.every((x) => x.ok);
  return suiteRunOf({ suite: result.suite, file: `/x/${result.suite}.js`, durationMs: 900, exitCode: ok ? 0 : 1, tapTests, tapOk: ok, result, ...over });
}

const suite = (name: string, title: string, tests: TestResult[], over: Partial<SuiteResult> = {}): SuiteResult => ({
  suite: name,
  title,
  rfc: 'RFC 9293',
  mode: 'lab',
  profile: 'linux',
  target: 'lab tcpfsm-7 198.18.0.2:8080',
  sysctls: { 'net.ipv4.tcp_fin_timeout': '1', 'net.ipv4.tcp_synack_retries': '3' },
  startedAt: '',
  durationMs: 800,
  tests,
  ...over,
});

const interval = (i: number, value: number, expected: number, tol: number): Figure => ({
  name: `SYN-ACK retransmission ${i} interval`,
  value,
  unit: 'ms',
  expected,
  tolerance: tol,
  ok: Math.abs(value - expected) <= tol,
  toleranceWhy: `RTO doubling from 1 s (RFC 6298 5.5): ± ${tol} ms = 2 × the probe's timestamp error bound (0.4 ms) + the worst event-loop delay seen (${tol - 1} ms) + 1 ms of timer slack`,
});

const handshakeTrace: TraceLine[] = [
  { t: 0, kind: 'note', text: 'agent listen 8080' },
  seg(0.000412, 'out', 'S', 0, undefined, 0, { model: 'SYN-RECEIVED', truth: 'SYN-RECEIVED' }),
  seg(0.000533, 'in', 'S.', 0, 1),
  seg(0.000701, 'out', '.', 1, 1, 0, { model: 'ESTABLISHED', truth: 'ESTABLISHED' }),
  {
    t: 0.0012,
    kind: 'note',
    text: 'agent accept → the socket is ESTABLISHED on both sides; the connection now goes through its data phase and the remote closes first: FIN-WAIT-1 expected next',
  },
];

const remoteTrace: TraceLine[] = [
  seg(0.0004, 'out', 'S', 0, undefined, 0, { model: 'SYN-RECEIVED' }),
  seg(0.0011, 'in', 'S.', 0, 1),
  seg(0.2, 'out', '.', 1, 1, 0, { model: 'ESTABLISHED' }),
  {
    t: 0.4,
    kind: 'note',
    text: 'state probe: 1 old byte left of the window with ACK; the oracle expects [.] in ESTABLISHED (sequence number not acceptable: send ACK, drop, RFC 9293 3.10.7.4 (first))',
  },
  seg(0.4002, 'out', '.', -1048575 >>> 0, 1, 1),
  seg(0.4009, 'in', '.', 1, 1),
  {
    t: 0.401,
    kind: 'note',
    text: 'state probe answer: [.]: synchronized (3.10.7.4 first check); we sent no FIN; it sent no FIN; we ACKed its SYN → ESTABLISHED',
  },
  { t: 0.401, kind: 'state', text: 'state: fsm ESTABLISHED, state probe ESTABLISHED', model: 'ESTABLISHED', truth: 'ESTABLISHED', source: 'state probe' },
];

export function sampleRun(): RunRecord {
  const handshake = suite('handshake', 'Three-way handshake', [
    test({
      name: 'SYN to a listening port is answered by SYN-ACK acking ISN+1; the final ACK makes it ESTABLISHED',
      trace: handshakeTrace,
      rows: ['closed-passive-open', 'listen-rcv-syn', 'syn-received-rcv-ack-of-syn'],
    }),
    test({
      name: 'SYN to a closed port is answered by RST-ACK',
      rows: ['closed-rcv-without-ack'],
      trace: [seg(0, 'out', 'S', 0, undefined), seg(0.0001, 'in', 'R.', 0, 1)],
    }),
  ]);
  const close = suite('active-close', 'Active close', [
    test({
      name: 'close() sends FIN; our ACK gives FIN-WAIT-2, our FIN TIME-WAIT',
      rows: ['close-send-fin', 'fin-wait-1-rcv-ack-of-fin', 'fin-wait-2-rcv-fin', 'time-wait-rcv-fin', 'rcv-data'],
    }),
  ]);
  const reset = suite('reset', 'RST handling', [
    test({
      name: 'in-window RST in ESTABLISHED gets a challenge ACK',
      rfc: 'RFC 5961 3.2',
      ok: false,
      error: { message: 'tcp_flags: expected [.] vs actual: [R]' },
      rows: ['rcv-rst-in-window', 'rcv-rst-reset', 'rcv-rst-outside-window'],
      trace: [
        ...handshakeTrace.slice(1, 4),
        seg(0.002, 'out', 'R', 100, undefined, 0, { model: 'ESTABLISHED', truth: 'CLOSED' }),
        {
          t: 0.003,
          kind: 'note',
          text: 'expected a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; nothing came within 200 ms and the kernel reports the socket as CLOSED: the connection was reset by an in-window RST',
        },
      ],
    }),
    test({ name: 'SYN in ESTABLISHED gets a challenge ACK', rows: ['rcv-syn-challenge', 'rcv-unacceptable'] }),
  ]);
  const synack = suite('timer-synack', 'SYN-ACK retransmission', [
    test({
      name: 'SYN-ACK is retransmitted tcp_synack_retries times at 1, 2, 4 s, then the half-open connection is dropped',
      rfc: 'RFC 9293 3.8.1; RFC 6298 5.5',
      durationMs: 15_123,
      rows: ['listen-rcv-syn', 'retransmission-exhausted'],
      figures: [
        { name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: 0.213, unit: 'ms' },
        {
          name: 'SYN-ACK retransmissions',
          value: 3,
          unit: 'count',
          expected: 3,
          tolerance: 0,
          ok: true,
          toleranceWhy: 'a count is exact: net.ipv4.tcp_synack_retries = 3 in the lab',
        },
        interval(1, 1003.2, 1000, 12),
        interval(2, 2008.7, 2000, 12),
        interval(3, 4001.1, 4000, 12),
        {
          name: 'half-open lifetime (SYN → connection dropped)',
          value: 15_020,
          unit: 'ms',
          expected: 15_000,
          tolerance: 60,
          ok: true,
          toleranceWhy: 'sum of the schedule 1 + 2 + 4 + 8 s; ± 4 × 12 ms + 12 ms',
        },
        { name: 'worst probe event-loop delay during the measurement', value: 3.4, unit: 'ms' },
      ],
    }),
  ]);
  const fw2 = suite('timer-fin-wait-2', 'FIN-WAIT-2 timeout', [
    test({
      name: 'an orphaned FIN-WAIT-2 socket lives tcp_fin_timeout',
      rfc: 'RFC 9293 3.6',
      ok: false,
      durationMs: 1_301,
      error: { message: 'orphaned FIN-WAIT-2 lifetime: measured 1134 ms, expected 1000 ± 104 ms' },
      rows: ['fin-wait-2-timeout'],
      figures: [
        {
          name: 'orphaned FIN-WAIT-2 lifetime (our ACK of its FIN → socket gone)',
          value: 1134,
          unit: 'ms',
          expected: 1000,
          tolerance: 104,
          ok: false,
          toleranceWhy: 'tcp_fin_timeout = 1 s; ± 100 ms for the ss polling interval + 4 ms timestamp error',
        },
        { name: 'worst probe event-loop delay during the measurement', value: 130.2, unit: 'ms' },
      ],
    }),
    test({
      name: 'FIN-WAIT-2 lifetime under load',
      rfc: 'RFC 9293 3.6',
      durationMs: 1_250,
      figures: [
        {
          name: 'orphaned FIN-WAIT-2 lifetime, second socket',
          value: 1390,
          unit: 'ms',
          expected: 1000,
          tolerance: 104,
          grade: 'inconclusive',
          inconclusive: 'the probe was descheduled for 350 ms during the measurement (more than the tolerance): no verdict',
        } as Figure,
        { name: 'exact zero tolerance far off', value: 3, unit: 'count', expected: 1, tolerance: 0, ok: false },
      ],
    }),
  ]);
  const matrix = suite('matrix', 'Conformance matrix', [
    test({
      name: 'cells',
      figures: ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSE-WAIT', 'TIME-WAIT', 'CLOSING', 'LAST-ACK'].flatMap((s) => [
        { name: `${s} cells`, value: 36, unit: 'count' as const },
        { name: `${s} wall time`, value: 410, unit: 'ms' as const },
      ]),
    }),
  ]);
  const remote = suite(
    'passive-close',
    'Passive close (remote)',
    [
      test({
        name: 'the remote is ESTABLISHED after the handshake (inferred by the state probe)',
        trace: remoteTrace,
        rows: ['listen-rcv-syn', 'syn-received-rcv-ack-of-syn', 'rcv-unacceptable'],
      }),
      test({ name: 'CLOSE-WAIT then LAST-ACK', skip: 'needs the lab agent' }),
    ],
    { mode: 'remote', target: '198.18.0.2:8080' },
  );
  const empty = suite(
    'lost-ack',
    'The lost third ACK',
    [test({ name: 'SYN-ACK retransmitted until the half-open connection is dropped', skip: 'needs the lab agent' })],
    { mode: 'remote', target: '198.18.0.2:8080' },
  );
  const suites = [handshake, close, reset, synack, fw2, matrix, remote, empty].map((r) => suiteRun(r));
  const record = runRecord(suites, { version: '0.1.0', durationMs: 30_000 });
  return { ...record, options: { ...record.options, jobs: 2 } };
}
