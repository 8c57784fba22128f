// The requirement coverage table: each of RFC 9293's labelled requirements, how it can be
// observed, and which tests judge it (from the suites' own `requirements` declarations, plus the
// checks the harness makes on every segment of every test).
import { type Level, type Observability, REQUIREMENT_COUNTS, REQUIREMENTS, type Requirement } from './requirements.js';

/** Checks the harness applies to every segment of every test, whatever the suite. */
export const HARNESS_CHECKS: Readonly<Record<string, string>> = {
  'MUST-2': 'every segment from the target has its TCP checksum verified',
};

export interface CoverageRow extends Requirement {
  /** 'suite › test' names, or the harness check */
  coveredBy: string[];
}

export interface LevelCount {
  covered: number;
  observable: number;
  total: number;
}

export interface Coverage {
  rows: CoverageRow[];
  /** per level: covered by a test / observable on the wire / all labelled */
  counts: Record<Level, LevelCount>;
  /** wire-observable MUSTs and SHOULDs no test covers yet */
  gaps: string[];
}

export interface ListedTest {
  suite: string;
  name: string;
  requirements?: readonly string[];
}

const order = (id: string): [number, number] => [id.startsWith('MUST') ? 0 : id.startsWith('SHLD') ? 1 : 2, Number(id.split('-')[1])];

export function requirementCoverage(tests: readonly ListedTest[]): Coverage {
  const by = new Map<string, string[]>();
  for (const [id, what] of Object.entries(HARNESS_CHECKS)) by.set(id, [`harness: ${what}`]);
  for (const t of tests) for (const id of t.requirements ?? []) (by.get(id) ?? by.set(id, []).get(id)!).push(`${t.suite} › ${t.name}`);
  const rows = [...REQUIREMENTS.values()]
    .map((r) => ({ ...r, coveredBy: by.get(r.id) ?? [] }))
    .sort((a, b) => {
      const [la, na] = order(a.id);
      const [lb, nb] = order(b.id);
      return la - lb || na - nb;
    });
  const counts = Object.fromEntries(
    (Object.keys(REQUIREMENT_COUNTS) as Level[]).map((level) => {
      const of = rows.filter((r) => r.level === level);
      return [level, { covered: of.filter((r) => r.coveredBy.length).length, observable: of.filter((r) => r.observable === 'wire').length, total: of.length }];
    }),
  ) as Record<Level, LevelCount>;
  const gaps = rows.filter((r) => r.observable === 'wire' && r.level !== 'MAY' && !r.coveredBy.length).map((r) => r.id);
  return { rows, counts, gaps };
}

export const OBSERVABILITY_TEXT: Record<Observability, string> = {
  wire: 'on the wire',
  app: "needs the target's application",
  none: 'not testable with packets',
};
