// What a run came to, counted the way the end of `tcpfsm run` prints it: one line per test
// outcome, the suites that ran no test, and the measured figures by outcome.
import { figureOutcome, type FigureOutcome } from './figures.js';
import { suiteOk, suiteRan, testsOf, type Counts, type RunRecord, type SuiteRun } from './run.js';

/** A suite that ran but gave no test a verdict (none matched, or every one was skipped): not a pass. */
export const ranNoTest = (s: SuiteRun): boolean => suiteRan(s) && !testsOf(s).some((t) => t.skip === undefined);

const NOT_OUTCOMES = new Set(['suites', 'suitesFailed', 'suitesNotRun', 'tests']);

/**
 * "  41 passed", "   0 failed", "   1 skipped" (any further outcome Counts gains is listed too),
 * then the suites that ran no test and the figures by outcome.
 */
export function outcomeLines(run: RunRecord, counts: Counts): string[] {
  const outcomes = Object.entries(counts).filter(([k, v]) => !NOT_OUTCOMES.has(k) && typeof v === 'number') as Array<[string, number]>;
  const width = Math.max(...outcomes.map(([, v]) => String(v).length));
  const lines = outcomes.map(([k, v]) => `  ${String(v).padStart(width)} ${k}`);
  const empty = run.suites.filter((s) => suiteOk(s) && ranNoTest(s)).map((s) => s.suite);
  if (empty.length) lines.push(`  ${empty.length} suite${empty.length === 1 ? '' : 's'} ran no test: ${empty.join(', ')}`);
  const figures = run.suites.flatMap((s) => testsOf(s).flatMap((t) => t.figures.map(figureOutcome)));
  const n = (o: FigureOutcome) => figures.filter((x) => x === o).length;
  if (figures.length - n('info') > 0) {
    const parts = [`${n('pass')} within tolerance`, `${n('fail')} out of range`, ...(n('inconclusive') ? [`${n('inconclusive')} inconclusive`] : [])];
    lines.push(`  figures: ${parts.join(', ')}`);
  }
  return lines;
}
