// Which rows of the FSM table the run exercised, and with what outcome: each test lists the row
// ids its steps went through (TestResult.rows). A row is
//   failed   if any test that exercised it failed,
//   passed   if every test that exercised it passed,
//   covered  if only tests without a verdict listed it (skipped ones),
//   untested otherwise.
// Row ids are rfcTable ids or profile deviation ids; deviations are not edges of the diagram
// but are listed in the report's coverage table.
import { linuxDeviations, rfcTable, toDot, type Mark, type Transition } from '../fsm/index.js';
import type { TestResult } from '../peer/contract.js';

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
      if (test.skip === undefined) {
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
 * The coverage diagram: Figure 5 edges coloured by mark. Rows that keep the state (self-loops)
 * are drawn only when a test exercised them, so the picture stays readable.
 */
export function coverageDot(coverage: ReadonlyMap<string, RowCoverage>, title = 'RFC 9293 TCP connection states: this run'): string {
  const marks = new Map([...coverage].map(([id, c]) => [id, c.mark] as const));
  const dot = toDot(marks, {
    selfLoops: true,
    include: (row) => row.on !== 'timeout-user' && (row.to !== 'same' || marks.has(row.id)),
    title,
  });
  // Untested edges keep their line but lose their label: with every label drawn, the edges into
  // CLOSED pile their text on top of each other and the run's own edges become hard to read.
  // (`tcpfsm fsm --svg` draws the full diagram.) Their text stays in the tooltip.
  return dot
    .split('\n')
    .map((line) => {
      if (!line.includes(' -> ') || !line.includes('style=dashed')) return line;
      const label = /label="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? '';
      return line.replace(/label="(?:[^"\\]|\\.)*"/, 'label=""').replace(/tooltip="((?:[^"\\]|\\.)*)"/, (_m, tip: string) => `tooltip="${label}: ${tip}"`);
    })
    .join('\n');
}
