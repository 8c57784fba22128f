// One `tcpfsm run` as data: what each suite process did (exit status, its TAP stream, its
// SuiteResult sidecar) and the options it ran with. Every report is drawn from this record.
// The suite's TAP stream and exit status are the verdict; the SuiteResult JSON adds the details
// (traces, FSM rows, figures). A suite that crashed before writing its JSON still shows up, with
// tests taken from its TAP stream and one failing entry for the crash itself.
import type { SuiteResult, TestResult } from '../peer/contract.js';

/** One top-level test point of a suite's TAP stream (one suite test). */
export interface TapTest {
  name: string;
  ok: boolean;
  skip?: string;
  todo?: string;
  /** node-tap's `# time=` on the point */
  durationMs?: number;
  /** the failing assertions inside the test, with their YAML diagnostics */
  failures: Array<{ name: string; diag?: Record<string, unknown> }>;
  diag?: Record<string, unknown>;
  /** the run was interrupted (this signal) while the test ran: it did not finish, it did not fail */
  interrupted?: string;
}

export interface SuiteRun {
  /** file stem, e.g. 'handshake' */
  suite: string;
  /** the compiled suite file that ran */
  file: string;
  startedAt: string;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  /** the suite's stdout: TAP 14 */
  tap: string;
  /** the end of its stderr */
  stderr: string;
  tapTests: TapTest[];
  /** the TAP stream's own verdict: plan met, nothing failed, no bail out */
  tapOk: boolean;
  bailout?: string;
  result?: SuiteResult;
  /** why `result` is missing or was rejected */
  resultProblem?: string;
  /** the suite's pcap, when it wrote one */
  pcapFile?: string;
  /** set when the suite never started (--bail after a failure, or the run was interrupted) */
  notRun?: string;
  /** the signal forwarded to the suite while it ran (what finished before it is reported as it was) */
  interrupted?: string;
}

export interface RunOptionsRecord {
  grep?: string;
  slow: boolean;
  bail: boolean;
  jobs: number;
  profile?: string;
  /** --stack as given (unset: linux) */
  stack?: string;
  /** --family as given (unset: 4) */
  family?: string;
  target?: string;
  asRemote: boolean;
  keepLab: boolean;
  labSysctls: Record<string, string>;
  /** --sysctls: the set the labs started from (unset in remote mode and in older runs) */
  sysctlSet?: 'fast' | 'host';
  /** this machine's own values of the sysctls the labs reported (dotted names), to show what differs */
  hostSysctls?: Record<string, string>;
  expect: Record<string, number>;
}

export interface RunRecord {
  version: string;
  startedAt: string;
  durationMs: number;
  /** the command line, for the report header */
  command: string;
  options: RunOptionsRecord;
  suites: SuiteRun[];
  /** the signal that stopped the run early */
  interrupted?: string;
}

export const suiteRan = (s: SuiteRun): boolean => s.notRun === undefined;

/** The suite's verdict: it ran, exited 0, and its TAP stream says ok. */
export const suiteOk = (s: SuiteRun): boolean => suiteRan(s) && s.exitCode === 0 && s.tapOk;

/** The TAP point of a SuiteResult test: the harness names it "<name> [<rfc>]" or just "<name>". */
const tapPointOf = (s: SuiteRun, name: string): TapTest | undefined => s.tapTests.find((p) => p.name === name || p.name.startsWith(`${name} [`));

function failureMessage(p: TapTest): string {
  const first = p.failures[0];
  if (!first) return 'test failed';
  const more = p.failures.length > 1 ? ` (and ${p.failures.length - 1} more)` : '';
  return first.name + more;
}

/** A crashed or killed suite process, as one failing test the reports can show. */
function crashTest(s: SuiteRun): TestResult | null {
  if (!suiteRan(s) || (s.exitCode === 0 && s.tapOk)) return null;
  if (s.interrupted && s.signal !== 'SIGKILL') return null; // stopped as asked: not a crash
  const testsFailed = s.tapTests.some((p) => !p.ok && !p.skip && !p.todo);
  if (testsFailed && s.exitCode !== null) return null; // the failing tests say it all (a --bail stop too)
  const how = s.signal ? `was killed by ${s.signal}` : `exited with code ${s.exitCode}`;
  const why = s.bailout ? `bailed out: ${s.bailout}` : !s.tapOk && s.exitCode === 0 ? 'its TAP stream is not ok' : how;
  const stderr = s.stderr.trim();
  return {
    name: `suite process (${s.file})`,
    rfc: '',
    ok: false,
    durationMs: s.durationMs,
    error: { message: `suite ${s.suite} ${why}`, ...(stderr ? { details: { stderr } } : {}) },
    trace: [],
    rows: [],
    figures: [],
  };
}

/**
 * The suite's tests for the reports: the SuiteResult's tests (verdicts checked against the TAP
 * stream), tests seen only in TAP (the JSON is missing or incomplete), and the crash, if any.
 */
export function testsOf(s: SuiteRun): TestResult[] {
  if (!suiteRan(s)) return [];
  const out: TestResult[] = [];
  const covered = new Set<TapTest>();
  for (const test of s.result?.tests ?? []) {
    const point = tapPointOf(s, test.name);
    if (point) covered.add(point);
    if (point?.interrupted) {
      out.push({ ...test, ok: false, interrupted: point.interrupted });
    } else if (point && !point.ok && test.ok && !test.skip) {
      // TAP is the verdict: a JSON that says ok while TAP says not ok is reported as a failure.
      out.push({ ...test, ok: false, error: test.error ?? { message: failureMessage(point), details: point.failures[0]?.diag } });
    } else {
      out.push(test);
    }
  }
  for (const p of s.tapTests) {
    if (covered.has(p)) continue;
    out.push({
      name: p.name,
      rfc: '',
      ok: p.ok,
      ...(p.skip !== undefined ? { skip: p.skip } : p.todo !== undefined ? { skip: `todo: ${p.todo}` } : {}),
      durationMs: p.durationMs ?? 0,
      ...(p.ok || (p.interrupted && !p.failures.length)
        ? {}
        : { error: { message: failureMessage(p), ...(p.failures[0]?.diag ? { details: p.failures[0].diag } : {}) } }),
      ...(p.interrupted ? { interrupted: p.interrupted } : {}),
      trace: [],
      rows: [],
      figures: [],
    });
  }
  const crash = crashTest(s);
  if (crash) out.push(crash);
  return out;
}

export interface Counts {
  suites: number;
  suitesFailed: number;
  suitesNotRun: number;
  /** stopped by the run's signal with no failure of their own */
  suitesInterrupted: number;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  /** running when the run was interrupted: neither passed nor failed */
  interrupted: number;
}

/** A test's verdict, one word: what the reports print and count. */
export type Verdict = 'pass' | 'fail' | 'skip' | 'interrupted';
export const verdictOf = (test: TestResult): Verdict =>
  test.skip !== undefined ? 'skip' : test.interrupted !== undefined ? 'interrupted' : test.ok ? 'pass' : 'fail';

/** The suite was stopped by the run's signal and nothing in it failed on its own. */
export const suiteInterrupted = (s: SuiteRun): boolean => s.interrupted !== undefined && !testsOf(s).some((t) => verdictOf(t) === 'fail');

export function countRun(run: RunRecord): Counts {
  const c: Counts = {
    suites: run.suites.length,
    suitesFailed: 0,
    suitesNotRun: 0,
    suitesInterrupted: 0,
    tests: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    interrupted: 0,
  };
  const key = { pass: 'passed', fail: 'failed', skip: 'skipped', interrupted: 'interrupted' } as const;
  for (const s of run.suites) {
    if (!suiteRan(s)) c.suitesNotRun++;
    else if (suiteInterrupted(s)) c.suitesInterrupted++;
    else if (!suiteOk(s)) c.suitesFailed++;
    for (const test of testsOf(s)) {
      c.tests++;
      c[key[verdictOf(test)]]++;
    }
  }
  return c;
}

/** The run passed: every suite ran and passed (an interrupted run never passes). */
export const runOk = (run: RunRecord): boolean => !run.interrupted && run.suites.every(suiteOk);

/** The run in one word: an interrupted run in which nothing failed on its own is 'interrupted', not 'fail'. */
export function runVerdict(run: RunRecord): 'pass' | 'fail' | 'interrupted' {
  if (runOk(run)) return 'pass';
  const c = countRun(run);
  return run.interrupted && c.failed === 0 && c.suitesFailed === 0 ? 'interrupted' : 'fail';
}
