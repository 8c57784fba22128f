// The differential view of a run over several stacks: for each test and each matrix cell, what
// every stack answered and how it was graded, and the rows where the stacks differ. Pure: it reads
// the suites' results, one list per stack, and knows nothing of how they ran.

import type { SuiteResult, TestResult } from '../peer/contract.js';
import type { Grade } from '../verdict/grade.js';
import { worst } from '../verdict/grade.js';
import type { RunRecord } from './run.js';

/** One stack's answer to one test or matrix cell. */
export interface StackAnswer {
  /** pass / fail / skip (with a reason), or the matrix cell's outcome */
  verdict: string;
  /** the worst graded finding ('conforms' when there was none) */
  grade: Grade;
  /** what was observed, in a few words (the failure, the first finding, the cell's answer) */
  observed: string;
}

export interface DiffRow {
  /** 'suite › test' or 'matrix › STATE <- KIND @POSITION' */
  key: string;
  byStack: Record<string, StackAnswer | undefined>;
  /** the stacks disagree (in verdict or grade) */
  differs: boolean;
}

export interface Differential {
  stacks: string[];
  rows: DiffRow[];
}

function testAnswer(t: TestResult): StackAnswer {
  const findings = t.findings ?? [];
  const verdict = t.skip !== undefined ? (t.skip.startsWith('inconclusive') ? 'inconclusive' : 'skip') : t.ok ? 'pass' : 'fail';
  const grade: Grade = verdict === 'fail' ? 'violation' : verdict === 'inconclusive' ? 'inconclusive' : worst(findings);
  const first = findings.find((f) => f.level === grade);
  const observed =
    verdict === 'fail'
      ? (t.error?.message ?? 'failed')
      : first
        ? `${first.check}: ${first.observed} (${first.requirement})`
        : verdict === 'skip'
          ? (t.skip ?? '')
          : '';
  return { verdict, grade, observed };
}

const CELL_GRADE: Record<string, Grade> = { pass: 'conforms', deviation: 'deviation', fail: 'violation', inconclusive: 'inconclusive' };

export function differential(byStack: ReadonlyMap<string, readonly SuiteResult[]>): Differential {
  const stacks = [...byStack.keys()];
  const rows = new Map<string, DiffRow>();
  const row = (key: string): DiffRow => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, byStack: Object.fromEntries(stacks.map((s) => [s, undefined])), differs: false }));
    return r;
  };
  for (const [stack, results] of byStack) {
    for (const suite of results) {
      for (const t of suite.tests) row(`${suite.suite} › ${t.name}`).byStack[stack] = testAnswer(t);
      for (const c of suite.matrix ?? []) {
        row(`${suite.suite} › ${c.state} <- ${c.kind} @${c.position}`).byStack[stack] = {
          verdict: c.outcome,
          grade: CELL_GRADE[c.outcome] ?? 'violation',
          observed: c.observed,
        };
      }
    }
  }
  for (const r of rows.values()) {
    // A skip or an inconclusive answer is no evidence either way: not a difference.
    const seen = stacks.map((s) => r.byStack[s]).filter((a): a is StackAnswer => a !== undefined && a.verdict !== 'skip' && a.verdict !== 'inconclusive');
    r.differs = new Set(seen.map((a) => `${a.verdict}|${a.grade}|${a.verdict === 'pass' ? '' : sameAnswer(a.observed)}`)).size > 1;
  }
  return { stacks, rows: [...rows.values()] };
}

/**
 * An answer as compared between runs: a matrix cell's observed segment carries absolute sequence
 * numbers, which two runs never share (random ISNs), so they are left out of the comparison.
 */
const sameAnswer = (observed: string): string => observed.replace(/\b(seq|ack) \d+/g, '$1 #');

/** The end of a multi-stack run: one line per difference, the stacks' answers side by side. */
export function differentialText(d: Differential, max = 40): string[] {
  const diffs = d.rows.filter((r) => r.differs);
  if (!diffs.length) return [`stacks ${d.stacks.join(', ')}: no differences`];
  const lines = [`differences between ${d.stacks.join(', ')}: ${diffs.length} of ${d.rows.length} tests and cells`];
  for (const r of diffs.slice(0, max)) {
    lines.push(`  ${r.key}`);
    for (const s of d.stacks) {
      const a = r.byStack[s];
      lines.push(`    ${s.padEnd(7)} ${a ? `${a.verdict} (${a.grade})${a.observed ? `: ${a.observed.slice(0, 140)}` : ''}` : '—'}`);
    }
  }
  if (diffs.length > max) lines.push(`  … ${diffs.length - max} more in the report`);
  return lines;
}

/** A run over several stacks (suites named `suite@stack`), its results grouped by stack; null for one stack. */
export function resultsByStack(run: RunRecord): Map<string, SuiteResult[]> | null {
  const by = new Map<string, SuiteResult[]>();
  for (const s of run.suites) {
    const at = s.suite.lastIndexOf('@');
    if (at < 0) return null;
    const stack = s.suite.slice(at + 1);
    if (!by.has(stack)) by.set(stack, []);
    if (s.result) by.get(stack)!.push(s.result);
  }
  return by.size > 1 ? by : null;
}

/** The results of lab runs grouped by the stack they ran on (remote runs have none). */
export function labResultsByStack(run: RunRecord): Map<string, SuiteResult[]> {
  const by = new Map<string, SuiteResult[]>();
  for (const s of run.suites) {
    const stack = s.result?.stack;
    if (!stack || !s.result) continue;
    if (!by.has(stack)) by.set(stack, []);
    by.get(stack)!.push(s.result);
  }
  return by;
}
