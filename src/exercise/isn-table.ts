// `isns`: the real initial sequence numbers of the session's connections side by side. Relative
// numbers (tcpdump without -S, everything else on screen) hide them; here they are absolute, with
// the step from one connection's ISN to the next (src/verdict/isn.ts isnFigures) and, for a
// 4-tuple used again, how fast the ISN moved per second: the clock part of ISN = M + F(4-tuple).
import { type IsnSample, isnFigures } from '../verdict/isn.js';

export interface IsnRow {
  conn: number;
  probePort: number;
  targetPort: number;
  /** our ISN */
  ours: number;
  /** the target's, with when its SYN or SYN-ACK arrived */
  theirs?: IsnSample;
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

export function isnTable(rows: readonly IsnRow[]): string[] {
  const known = rows.filter((r) => r.theirs);
  if (!known.length) return ['no ISN from the target yet: connect, then syn'];
  const lines = [`${pad('conn', 4)} ${pad('probe port', 10)}  ${pad('our ISN', 10)}  ${pad("target's ISN", 12)}  ${pad('step from the one above', 24)}`];
  const steps = isnFigures(known.map((r) => r.theirs!)).increments;
  known.forEach((r, i) => {
    const step = i === 0 ? '' : (steps[i - 1]! >= 0 ? '+' : '') + steps[i - 1]!.toLocaleString('en-US');
    lines.push(`${pad(r.conn, 4)} ${pad(r.probePort, 10)}  ${pad(r.ours, 10)}  ${pad(r.theirs!.isn, 12)}  ${pad(step, 24)}`);
  });
  if (known.length >= 3) {
    const f = isnFigures(known.map((r) => r.theirs!));
    lines.push(`steps between different 4-tuples: spread ${f.stepSpread.toFixed(2)} (0 would be a constant step: predictable)`);
  }
  // The same 4-tuple twice: the hash part cancels and only the clock is left.
  const byTuple = new Map<string, IsnRow[]>();
  for (const r of known) byTuple.set(`${r.probePort}>${r.targetPort}`, [...(byTuple.get(`${r.probePort}>${r.targetPort}`) ?? []), r]);
  for (const same of byTuple.values()) {
    if (same.length < 2) continue;
    const f = isnFigures(same.map((r) => r.theirs!));
    const rate = f.rates.at(-1)!;
    lines.push(
      `same 4-tuple (probe port ${same[0]!.probePort}), connections ${same.map((r) => r.conn).join(' and ')}: the ISN moved ${f.increments.at(-1)!.toLocaleString('en-US')} in ` +
        `${(Number(same.at(-1)!.theirs!.atNs - same.at(-2)!.theirs!.atNs) / 1e9).toFixed(1)} s, ${(rate / 1e6).toFixed(1)} million per second: the clock`,
    );
  }
  return lines;
}
