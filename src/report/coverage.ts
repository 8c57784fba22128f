// Which rows of the FSM table the run exercised, and with what outcome: each test lists the row
// ids its steps went through (TestResult.rows). A row is
//   failed   if any test that exercised it failed,
//   passed   if every test that exercised it passed,
//   covered  if only tests without a verdict listed it (skipped ones),
//   untested otherwise.
// Row ids are rfcTable ids or profile deviation ids; deviations are not edges of the diagram
// but are listed in the report's coverage table.
import { linuxDeviations, type Mark, rfcTable, type Transition } from '../fsm/index.js';
import type { TestResult } from '../peer/contract.js';
import { type FsmDiagram, fsmDiagram } from './fsm-diagram.js';

export interface RowCoverage {
  id: string;
  mark: Mark;
  /** "suite › test" of every test that exercised the row */
  tests: string[];
  /** the table row or deviation it names, if known */
  kind: 'transition' | 'deviation' | 'unknown';
  rfc?: string;
  description?: string;
}

export interface ExercisedTest {
  suite: string;
  test: TestResult;
}

export function rowCoverage(tests: readonly ExercisedTest[]): Map<string, RowCoverage> {
  const byRow = new Map<string, { tests: string[]; failed: boolean; counted: number }>();
  for (const { suite, test } of tests) {
    for (const id of new Set(test.rows)) {
      const entry = byRow.get(id) ?? { tests: [], failed: false, counted: 0 };
      entry.tests.push(`${suite} › ${test.name}`);
      // An interrupted test gives no verdict on the rows it went through: covered, not failed.
      if (test.skip === undefined && test.interrupted === undefined) {
        entry.counted++;
        if (!test.ok) entry.failed = true;
      }
      byRow.set(id, entry);
    }
  }
  const rows = new Map(rfcTable.map((r) => [r.id, r]));
  const deviations = new Map(linuxDeviations().map((d) => [d.id, d]));
  const out = new Map<string, RowCoverage>();
  for (const [id, e] of byRow) {
    const mark: Mark = e.failed ? 'failed' : e.counted ? 'passed' : 'covered';
    const row = rows.get(id);
    const dev = deviations.get(id);
    out.set(id, {
      id,
      mark,
      tests: e.tests,
      kind: row ? 'transition' : dev ? 'deviation' : 'unknown',
      ...(row ? { rfc: row.rfc, description: row.note } : dev ? { rfc: dev.cite, description: dev.title } : {}),
    });
  }
  return out;
}

/** Every table row with its mark (untested where no test went), in table order. */
export function tableCoverage(coverage: ReadonlyMap<string, RowCoverage>): Array<{ row: Transition; mark: Mark; tests: string[] }> {
  return rfcTable.map((row) => ({ row, mark: coverage.get(row.id)?.mark ?? 'untested', tests: coverage.get(row.id)?.tests ?? [] }));
}

/**
 * The coverage diagram (fsm-diagram.ts): Figure 5's arrows and every row's label coloured by
 * mark, the rows that keep a state counted in its badge, the tests through each row on hover.
 */
export function coverageDiagram(coverage: ReadonlyMap<string, RowCoverage>, title = 'RFC 9293 TCP connection states: this run'): FsmDiagram {
  const marks = new Map([...coverage].map(([id, c]) => [id, c.mark] as const));
  const tests = new Map([...coverage].map(([id, c]) => [id, c.tests] as const));
  return fsmDiagram({ marks, tests, title });
}
