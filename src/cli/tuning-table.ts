// check-tuning's table: the figures an operator asks about, each read from the measured figures of
// the suites' runs (the run record, as the runner collected it), beside the sysctl it follows and
// that sysctl's value on the target. Pure: a run record in, rows out. A figure the run could not
// measure says why (the test's skip reason: slow, capped, or a capability the target lacks).
import type { Figure, TestResult } from '../peer/contract.js';
import type { RunRecord, SuiteRun } from '../report/run.js';

export type Match = 'yes' | 'no' | 'inconclusive' | 'not measured';

export interface TuningRow {
  figure: string;
  /** the sysctl the figure follows, or what fixes it when no sysctl does */
  follows: string;
  /** that sysctl's value on the target ('' when unknown or not a sysctl) */
  value: string;
  measured: string;
  expected: string;
  match: Match;
  /** for 'not measured' (and 'no'): why */
  why?: string;
}

interface Spec {
  figure: string;
  suite: string;
  follows: string;
  /** figure names to read (all matching ones, in order), or a test whose outcome is the answer */
  figures?: RegExp;
  outcome?: RegExp;
  /** how a figure's value is shown */
  show?: (f: Figure) => string;
  /** why a server cannot give it, when that is the figure's nature rather than the suite's present form */
  remote?: string;
}

const seconds = (f: Figure): string => (f.unit === 'ms' ? `${(f.value / 1000).toFixed(f.value < 10_000 ? 2 : 1)} s` : `${f.value} ${f.unit}`);
const expectedSeconds = (f: Figure): string =>
  f.expected === undefined ? '' : f.unit === 'ms' ? `${(f.expected / 1000).toFixed(f.expected < 10_000 ? 2 : 1)} s` : `${f.expected}`;
const yesNo = (f: Figure): string => (f.value ? 'yes' : 'no');
/** A count, or its range when the expectation has one (Linux's time budget: 2–3). */
const expectedCount = (f: Figure): string =>
  f.expected === undefined ? '' : f.tolerance ? `${f.expected - f.tolerance}–${f.expected + f.tolerance}` : String(f.expected);

/** The suites check-tuning runs, and the tests in them that measure the target as it is set. */
export const TUNING_SUITES = ['timer-synack', 'timer-data-retransmit', 'timer-fin-retransmit', 'timer-fin-wait-2', 'timer-time-wait', 'time-wait-reuse'];
/** --grep for those tests: not the ones that set a sysctl themselves ("(set to 1)"), two of time-wait-reuse. */
export const TUNING_GREP = '^(timer-\\S+ (?!.*\\(set to)|time-wait-reuse (a SYN above RCV\\.NXT reopens|tcp_tw_reuse as the run sets it))';

const SPECS: readonly Spec[] = [
  { figure: 'SYN-ACK retransmissions', suite: 'timer-synack', follows: 'net.ipv4.tcp_synack_retries', figures: /^SYN-ACK retransmissions$/ },
  {
    figure: 'SYN-ACK schedule (intervals)',
    suite: 'timer-synack',
    follows: 'net.ipv4.tcp_synack_retries',
    figures: /^SYN-ACK retransmission \d+ interval$/,
    show: seconds,
  },
  { figure: 'half-open lifetime', suite: 'timer-synack', follows: 'net.ipv4.tcp_synack_retries', figures: /^half-open lifetime/, show: seconds },
  { figure: 'data retransmissions', suite: 'timer-data-retransmit', follows: 'net.ipv4.tcp_retries2', figures: /^data retransmissions$/ },
  {
    figure: 'data give-up (connection dropped after)',
    suite: 'timer-data-retransmit',
    follows: 'net.ipv4.tcp_retries2',
    figures: /lifetime \(first data/,
    show: seconds,
  },
  { figure: 'FIN retransmissions (orphan)', suite: 'timer-fin-retransmit', follows: 'net.ipv4.tcp_orphan_retries', figures: /^FIN retransmissions$/ },
  { figure: 'FIN-WAIT-2 lifetime (orphan)', suite: 'timer-fin-wait-2', follows: 'net.ipv4.tcp_fin_timeout', figures: /FIN-WAIT-2 lifetime/, show: seconds },
  { figure: 'TIME-WAIT length', suite: 'timer-time-wait', follows: 'TCP_TIMEWAIT_LEN (compiled in, no sysctl)', figures: /^TIME-WAIT duration/, show: seconds },
  {
    figure: 'a SYN reopens TIME-WAIT',
    suite: 'time-wait-reuse',
    follows: 'none (RFC 9293 MAY-2, RFC 6191)',
    outcome: /^a SYN above RCV\.NXT reopens TIME-WAIT/,
  },
  {
    figure: 'connect() reuses its own TIME-WAIT',
    suite: 'time-wait-reuse',
    follows: 'net.ipv4.tcp_tw_reuse',
    figures: /^TIME-WAIT 4-tuple reused/,
    show: yesNo,
    remote: 'tcp_tw_reuse acts on connect() from the target, and nothing but the lab agent can make a server connect out',
  },
];

/** Several values in one cell: "1.03 2.01 4.03 s" rather than the unit each time. */
const joined = (xs: readonly string[]): string =>
  xs.length > 1 && xs.every((x) => x.endsWith(' s')) ? `${xs.map((x) => x.slice(0, -2)).join(' ')} s` : xs.join(', ');

const gradeOf = (f: Figure): Match =>
  f.grade === 'violation' || f.ok === false ? 'no' : f.grade === 'inconclusive' ? 'inconclusive' : f.expected === undefined ? 'not measured' : 'yes';

/** The worst of several figures' matches: one mismatch is a mismatch. */
function worst(ms: readonly Match[]): Match {
  for (const m of ['no', 'inconclusive', 'not measured'] as const) if (ms.includes(m)) return m;
  return 'yes';
}

/** Why a suite's selected tests gave no figure: its skip reason, its error, or the suite's fate. */
function whyMissing(spec: Spec, run: SuiteRun | undefined, tests: readonly TestResult[], target: string | undefined): string {
  if (!run) return 'not run';
  if (run.interrupted) return `interrupted by ${run.interrupted} before it was measured`;
  if (run.notRun) return `not run: ${run.notRun}`;
  if (!run.result) return `the suite gave no results${run.resultProblem ? `: ${run.resultProblem}` : ''}`;
  const t = tests[0];
  if (!t) return 'no test of the suite measures it here';
  if (t.skip && /^needs (the lab agent|ground truth|the target's settings)/.test(t.skip) && target)
    return `cannot be measured on ${target}: ${t.skip} (${spec.remote ?? "the test reads the target's socket table and sysctls through it; a server shows only its packets"})`;
  if (t.skip && /^needs /.test(t.skip) && target) return `cannot be measured on ${target}: ${t.skip}`;
  if (t.skip) return t.skip;
  if (t.error) return `the test failed before measuring it: ${t.error.message.split('\n')[0]}`;
  return 'the test recorded no such figure';
}

/** The table's rows from a finished run. */
export function tuningRows(run: RunRecord): TuningRow[] {
  const target = run.options.target;
  return SPECS.map((spec): TuningRow => {
    const sr = run.suites.find((s) => s.suite === spec.suite);
    const tests = sr?.result?.tests ?? [];
    const value = spec.follows.startsWith('net.') ? (sr?.result?.sysctls?.[spec.follows] ?? '') : '';
    const base = { figure: spec.figure, follows: spec.follows, value };
    if (spec.outcome) {
      const t = tests.find((x) => spec.outcome!.test(x.name));
      if (!t || t.skip) return { ...base, measured: '', expected: 'yes', match: 'not measured', why: whyMissing(spec, sr, t ? [t] : [], target) };
      return {
        ...base,
        measured: t.ok ? 'yes' : 'no',
        expected: 'yes',
        match: t.ok ? 'yes' : 'no',
        ...(t.ok ? {} : { why: t.error?.message.split('\n')[0] ?? 'the test failed' }),
      };
    }
    const figs = tests.flatMap((t) => t.figures.filter((f) => spec.figures!.test(f.name)));
    if (!figs.length) return { ...base, measured: '', expected: '', match: 'not measured', why: whyMissing(spec, sr, tests, target) };
    const show = spec.show ?? ((f: Figure) => String(f.value));
    const expected = spec.show === yesNo ? (f: Figure) => (f.expected ? 'yes' : 'no') : spec.show === seconds ? expectedSeconds : expectedCount;
    // The value the test measured against (it may set the sysctl itself: tcp_tw_reuse), else the lab's.
    const said = figs.map((f) => f.toleranceWhy?.match(new RegExp(`${spec.follows.replaceAll('.', '\\.')} = (\\S+?)[;:,]?(\\s|$)`))?.[1]).find(Boolean);
    const match = worst(figs.map(gradeOf));
    const off = figs.find((f) => gradeOf(f) !== 'yes');
    return {
      ...base,
      ...(said ? { value: said } : {}),
      measured: joined(figs.map(show)),
      expected: joined(figs.map(expected)),
      match,
      ...(match !== 'yes' && off?.gradeWhy ? { why: off.gradeWhy } : {}),
    };
  });
}

/** The rows as a plain-text table, each not-measured or mismatched row followed by its reason. */
export function tuningTableText(rows: readonly TuningRow[]): string[] {
  const head: TuningRow = { figure: 'figure', follows: 'follows', value: 'value', measured: 'measured', expected: 'expected', match: 'yes' };
  const cols = (r: TuningRow) => [r.figure, r.follows, r.value || '—', r.measured || '—', r.expected || '—', r === head ? 'match' : r.match];
  const all = [head, ...rows].map(cols);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  const out = [line(all[0]!)];
  rows.forEach((r, i) => {
    out.push(line(all[i + 1]!));
    if (r.why) out.push(`    ${r.why}`);
  });
  return out;
}
