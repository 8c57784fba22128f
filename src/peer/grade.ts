// Grading a measured figure against its expectation. A timer measured on a busy machine can be
// late because the machine was busy (the target's timer softirq, our probe and our polls all
// wait for a CPU), so a deviation that the scheduling delay measured during the measurement
// could explain is inconclusive, never a violation; only what no measured delay explains is.
// The names follow the grades planned for src/verdict (conforms / violation / deviation /
// choice / inconclusive); a figure uses the three that a number against a tolerance can give.

export type FigureGrade = 'conforms' | 'violation' | 'inconclusive';

export interface Graded {
  grade: FigureGrade;
  /** why, in a sentence: for inconclusive the measured delay that could explain the deviation */
  why: string;
}

export interface GradeInput {
  value: number;
  expected: number;
  tolerance: number;
  unit: string;
  /** the harness's own scheduling delay measured meanwhile, same unit (0 or absent: none measured) */
  delay?: number;
  delayWhy?: string;
}

export function gradeFigure(f: GradeInput): Graded {
  const off = Math.abs(f.value - f.expected);
  const r = (x: number) => Math.round(x * 10) / 10;
  if (off <= f.tolerance) return { grade: 'conforms', why: `within ± ${f.tolerance} ${f.unit}` };
  const delay = f.delay ?? 0;
  if (delay > 0 && off <= f.tolerance + delay) {
    return {
      grade: 'inconclusive',
      why: `off by ${r(off)} ${f.unit}, beyond ± ${f.tolerance} ${f.unit} but within it plus the ${r(delay)} ${f.unit} scheduling delay measured meanwhile${f.delayWhy ? ` (${f.delayWhy})` : ''}: the machine was too busy to tell`,
    };
  }
  return {
    grade: 'violation',
    why: `off by ${r(off)} ${f.unit}: more than ± ${f.tolerance} ${f.unit}${delay > 0 ? ` plus the ${r(delay)} ${f.unit} scheduling delay measured meanwhile` : ''}`,
  };
}
