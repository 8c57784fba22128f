// Graded findings. A check's outcome is one of five grades, from the requirement it rests on:
//   conforms      the answer is what the RFC requires
//   violation     a MUST / MUST NOT is broken, or the functional specification's answer (RFC 9293
//                 3.10) is replaced by another kind of answer (a RST for a SYN-ACK, silence for a RST…)
//   deviation     a SHOULD / SHOULD NOT is not followed, or the RFC's prescribed segment differs
//                 in a detail without a requirement label (the ACK bit on a RST, its sequence number)
//   choice        a MAY, or something the RFC leaves open (PSH, data riding on a FIN, options)
//   inconclusive  no evidence: loss on the path, a precondition not met, nothing listening
import { UsageError } from '../sys/errors.js';
import { isRfc9293Label, type Level, requirement } from './requirements.js';

export const GRADES = ['conforms', 'violation', 'deviation', 'choice', 'inconclusive'] as const;
export type Grade = (typeof GRADES)[number];

/** One graded observation. The key names are read by other tools: keep them. */
export interface Finding {
  level: Grade;
  /** 'MUST-13', 'SHLD-2', 'MAY-12', or another RFC's section ('RFC 5961 3.2', 'RFC 9293 3.10.7.4') */
  requirement: string;
  /** what was checked, in a few words */
  check: string;
  expected: string;
  observed: string;
  /**
   * Set when the answer was a known stack's documented departure (profile knownDepartures) and the
   * model followed it: what the departure departs from. Such a finding ends the test's RFC path.
   */
  departure?: string;
}

/** The grade a check that was not met gets from the level of its requirement. */
export function gradeOfUnmet(ref: string, unlabelled: Grade = 'violation'): Grade {
  if (!isRfc9293Label(ref)) return unlabelled;
  return GRADE_OF_LEVEL[requirement(ref).level];
}

const GRADE_OF_LEVEL: Record<Level, Grade> = { MUST: 'violation', SHOULD: 'deviation', MAY: 'choice' };

/** Worse grades first: what a test reports as its own outcome when it has several findings. */
const SEVERITY: Record<Grade, number> = { violation: 4, deviation: 3, inconclusive: 2, choice: 1, conforms: 0 };

export function worst(findings: readonly Pick<Finding, 'level'>[]): Grade {
  let w: Grade = 'conforms';
  for (const f of findings) if (SEVERITY[f.level] > SEVERITY[w]) w = f.level;
  return w;
}

export type Counts = Record<Grade, number>;

export const emptyCounts = (): Counts => ({ conforms: 0, violation: 0, deviation: 0, choice: 0, inconclusive: 0 });

export function countGrades(grades: Iterable<Grade>): Counts {
  const c = emptyCounts();
  for (const g of grades) c[g]++;
  return c;
}

/** `--fail-on`: the least grade that makes the run fail (exit 1). Default: only violations. */
export type FailOn = 'violation' | 'deviation';

export function failsRun(counts: Counts, failOn: FailOn = 'violation'): boolean {
  return counts.violation > 0 || (failOn === 'deviation' && counts.deviation > 0);
}

export function parseFailOn(raw: string): FailOn {
  if (raw === 'violation' || raw === 'deviation') return raw;
  throw new UsageError(`--fail-on wants 'violation' or 'deviation', got '${raw}'`);
}
