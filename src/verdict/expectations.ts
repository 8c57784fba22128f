// Each known stack's expected findings, as data (expectations/<stack>.json, as gVisor's
// packetimpact lists expected failures per stack and FreeBSD's tcp-testsuite keeps .exfail
// files): a run over that stack says of each finding whether it was expected or is new, and
// which expected one no longer happens. A failing test counts as a finding of level 'violation'.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SuiteResult } from '../peer/contract.js';
import type { Grade } from './grade.js';

export interface KnownFinding {
  suite: string;
  test: string;
  level: Grade;
  requirement: string;
  check: string;
  /** what was seen when it was recorded, in a few words */
  evidence?: string;
}

export interface ExpectationCheck {
  expected: KnownFinding[];
  fresh: KnownFinding[];
  /** expected findings of tests that ran and no longer show them */
  gone: KnownFinding[];
}

/** expectations/ at the top of the project (this file is dist/src/verdict/ when it runs). */
export const EXPECTATIONS_DIR = fileURLToPath(new URL('../../../expectations/', import.meta.url));

export function loadExpectations(stack: string, dir = EXPECTATIONS_DIR): KnownFinding[] | null {
  const file = `${dir}${stack}.json`;
  if (!existsSync(file)) return null;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { stack?: string; known?: KnownFinding[] };
  if (!Array.isArray(data.known)) throw new Error(`${file}: expected {"stack", "known": [...]}`);
  return data.known;
}

/** The findings a stack's results show: graded findings, and each failed test as a violation. */
export function observedFindings(results: readonly SuiteResult[]): KnownFinding[] {
  return results.flatMap((r) =>
    r.tests.flatMap((t): KnownFinding[] => {
      if (t.skip !== undefined) return [];
      const graded = (t.findings ?? [])
        .filter((f) => f.level !== 'conforms')
        .map((f) => ({ suite: r.suite, test: t.name, level: f.level, requirement: f.requirement, check: f.check, evidence: f.observed }));
      return t.ok
        ? graded
        : [...graded, { suite: r.suite, test: t.name, level: 'violation', requirement: t.rfc, check: 'the test failed', evidence: t.error?.message ?? '' }];
    }),
  );
}

const key = (f: KnownFinding): string => `${f.suite}|${f.test}|${f.level}|${f.requirement}|${f.check}`;

export function checkExpectations(known: readonly KnownFinding[], results: readonly SuiteResult[]): ExpectationCheck {
  const observed = observedFindings(results);
  const knownKeys = new Set(known.map(key));
  const seenKeys = new Set(observed.map(key));
  const ran = new Set(results.flatMap((r) => r.tests.filter((t) => t.skip === undefined).map((t) => `${r.suite}|${t.name}`)));
  return {
    expected: observed.filter((f) => knownKeys.has(key(f))),
    fresh: observed.filter((f) => !knownKeys.has(key(f))),
    gone: known.filter((f) => ran.has(`${f.suite}|${f.test}`) && !seenKeys.has(key(f))),
  };
}

/** One line per stack, then the new and the vanished findings. */
export function expectationLines(stack: string, c: ExpectationCheck): string[] {
  const lines = [`${stack}: ${c.expected.length} findings as expected, ${c.fresh.length} new, ${c.gone.length} expected but no longer seen`];
  for (const f of c.fresh) lines.push(`  new: ${f.suite} › ${f.test}: ${f.level} ${f.requirement}: ${f.check}`);
  for (const f of c.gone) lines.push(`  no longer: ${f.suite} › ${f.test}: ${f.level} ${f.requirement}: ${f.check}`);
  return lines;
}
