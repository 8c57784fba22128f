// What a run came to, counted the way the end of `tcpfsm run` prints it: one line per test
// outcome, the suites that ran no test, and the measured figures by outcome.
import { type FigureOutcome, figureOutcome } from './figures.js';
import { type Counts, type RunRecord, type SuiteRun, suiteOk, suiteRan, testsOf } from './run.js';

/** A suite that ran but gave no test a verdict (none matched, or every one was skipped): not a pass. */
export const ranNoTest = (s: SuiteRun): boolean => suiteRan(s) && !testsOf(s).some((t) => t.skip === undefined);

/** Test outcomes, in print order; interrupted only when the run was interrupted. */
const OUTCOMES = ['passed', 'failed', 'skipped', 'interrupted'] as const;

/**
 * "  41 passed", "   0 failed", "   1 skipped" (and interrupted, when the run was),
 * then the suites that ran no test and the figures by outcome.
 */
export function outcomeLines(run: RunRecord, counts: Counts): string[] {
  const outcomes = OUTCOMES.filter((k) => k !== 'interrupted' || counts.interrupted > 0).map((k): [string, number] => [k, counts[k]]);
  const width = Math.max(...outcomes.map(([, v]) => String(v).length));
  const lines = outcomes.map(([k, v]) => `  ${String(v).padStart(width)} ${k}`);
  const empty = run.suites.filter((s) => suiteOk(s) && ranNoTest(s)).map((s) => s.suite);
  if (empty.length) lines.push(`  ${empty.length} suite${empty.length === 1 ? '' : 's'} ran no test: ${empty.join(', ')}`);
  // Graded findings of tests that did not fail (src/verdict): choices and deviations the RFC allows.
  const findings = run.suites.flatMap((s) => testsOf(s).flatMap((t) => t.findings ?? []));
  if (findings.length) {
    const by = (g: string) => findings.filter((f) => f.level === g).length;
    lines.push(
      `  findings: ${['deviation', 'choice', 'inconclusive']
        .filter((g) => by(g))
        .map((g) => `${by(g)} ${g}${by(g) === 1 ? '' : 's'}`)
        .join(', ')}`,
    );
  }
  const figures = run.suites.flatMap((s) => testsOf(s).flatMap((t) => t.figures.map(figureOutcome)));
  const n = (o: FigureOutcome) => figures.filter((x) => x === o).length;
  if (figures.length - n('info') > 0) {
    const parts = [`${n('pass')} within tolerance`, `${n('fail')} out of range`, ...(n('inconclusive') ? [`${n('inconclusive')} inconclusive`] : [])];
    lines.push(`  figures: ${parts.join(', ')}`);
  }
  return lines;
}
