// Watching the data a target sends, black-box: the agent or a data request makes it send
// (ctx.makeSend), and the test decides what we answer (nothing, ACKs, a zero window). The
// target's timers are read from packet stamps alone; a doubling schedule (RFC 6298 5.5, MUST-19;
// zero-window probes, SHLD-30) is graded interval by interval against twice the one before, each
// with a tolerance derived from our stamp errors and the target's timer lateness.

import { isIPv6 } from 'node:net';
import { ACK, RST } from '../packet/types.js';
import type { WireSegment } from '../wire/transport.js';
import type { Figure } from './contract.js';
import { gradeFigure } from './grade.js';
import type { ScriptedConnection } from './scripted.js';
import { dataShortfall, type MadeSend, type TestContext } from './suite.js';
import { round, type StampBound, type StampError, timerTolerance } from './timing.js';

/** RFC 9293 3.7.1: the send MSS without an MSS option (MUST-15), by address family. */
export const defaultSendMss = (targetAddress: string): number => (isIPv6(targetAddress) ? 1220 : 536);

/** RFC 6298 2.5: a maximum may be placed on the RTO, provided it is at least 60 s. */
export const RTO_CAP_FLOOR_MS = 60_000;

/**
 * The first data segment after ctx.makeSend, within `ms` (the server's pure ACK of our request
 * is passed over). None: the request did not work (inconclusive). A RST: returned as it is.
 */
export async function firstData(c: ScriptedConnection, made: MadeSend, ms: number): Promise<WireSegment> {
  const end = performance.now() + ms;
  for (;;) {
    const left = end - performance.now();
    const s = left > 0 ? await c.peer.next(left) : null;
    if (!s) throw dataShortfall(made, 0, 1, ms);
    if (s.tcp.payload.length || s.tcp.flags & RST) return s;
  }
}

/** A segment that carries (again) the byte at `seq`. */
export const covers = (s: WireSegment, seq: number): boolean => {
  const len = s.tcp.payload.length;
  return len > 0 && ((s.tcp.seq - seq) | 0) <= 0 && ((seq - s.tcp.seq) | 0) < len;
};

export interface DoublingGrade {
  grade: GapGrade | undefined;
  observed: string;
  /** each gap's grade against twice the one before (gap 2 first) */
  grades: GapGrade[];
}
type GapGrade = 'conforms' | 'violation' | 'inconclusive';

/**
 * Grade the gaps between `stamps` (each with its stamp error) as a doubling schedule: gap i
 * (i ≥ 1) is expected at twice gap i−1 (or equal to it once gap i−1 reached a cap of 60 s or
 * more, RFC 6298 2.5), within our stamp errors of all three stamps, the base's error doubled,
 * and the target's timer lateness (src/peer/timing.ts timerTolerance). Records one figure per gap;
 * `must`: a gap out of range fails the test (a MUST); otherwise it is only graded (a SHOULD).
 * `starts`: when we answered each stamped segment. A stack may restart its timer on our answer
 * (Linux re-arms the zero-window probe timer on each ACK), so a gap runs from our answer, and the
 * answer's own delay (our pacing) widens the tolerance for stacks whose timer runs from their segment.
 */
export function gradeDoubling(
  ctx: TestContext,
  what: string,
  stamps: readonly bigint[],
  errors: readonly StampBound[],
  stamp: StampError,
  must: boolean,
  starts: readonly bigint[] = stamps,
): DoublingGrade {
  const gaps = stamps.slice(1).map((s, i) => round(Number(s - starts[i]!) / 1e6));
  const answerMs = stamps.map((s, i) => round(Number((starts[i] ?? s) - s) / 1e6));
  const delay = stamp.delay();
  const grades: GapGrade[] = [];
  gaps.forEach((gap, i) => {
    if (i === 0) {
      ctx.figure({ name: `${what} gap 1`, value: gap, unit: 'ms' });
      return;
    }
    const base = gaps[i - 1]!;
    const expected = base >= RTO_CAP_FLOOR_MS && Math.abs(gap - base) < Math.abs(gap - 2 * base) ? base : 2 * base;
    const baseTol = timerTolerance(base, errors[i - 1]!, { end: errors[i]! });
    const tol = timerTolerance(expected, errors[i]!, { end: errors[i + 1]! });
    const k = expected / base;
    const answers = answerMs[i]! + k * answerMs[i - 1]!;
    const f: Figure = {
      name: `${what} gap ${i + 1} (twice gap ${i})`,
      value: gap,
      unit: 'ms',
      expected,
      tolerance: round(tol.ms + k * baseTol.ms + answers),
      toleranceWhy: `${tol.why}; + ${k} × gap ${i}'s own error ${baseTol.ms} ms${answers ? `; + ${round(answers)} ms our answers took (a timer may run from the segment, not our answer)` : ''}`,
      ...delay,
    };
    if (must) {
      ctx.figure(f);
      grades.push(f.grade ?? 'inconclusive');
      return;
    }
    const g = gradeFigure({ ...f, expected, tolerance: f.tolerance! });
    const { tolerance: _graded, ...shown } = f; // recorded with its grade, not graded again (a SHOULD fails nothing)
    ctx.figure({ ...shown, grade: g.grade, gradeWhy: `${g.why} (± ${f.tolerance} ms: ${f.toleranceWhy})` });
    grades.push(g.grade);
  });
  const observed = `gaps ${gaps.join(', ')} ms`;
  if (grades.length < 1) return { grade: undefined, observed: `${observed}: too few to see a backoff`, grades };
  if (grades.includes('violation')) return { grade: 'violation', observed, grades };
  if (grades.includes('inconclusive')) return { grade: 'inconclusive', observed: `${observed} (a gap within the measured scheduling delay)`, grades };
  return { grade: 'conforms', observed, grades };
}

/** A pure ACK (no data, no SYN/FIN/RST). */
export const isPureAck = (s: WireSegment): boolean => s.tcp.flags === ACK && !s.tcp.payload.length;
