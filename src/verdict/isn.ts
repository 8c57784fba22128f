// Initial sequence number quality, from the ISNs of several SYN-ACKs (RFC 9293 3.4.1, RFC 6528):
// ISN = M + F(4-tuple, secret), M a clock (MUST-8), F a keyed PRF (SHLD-1) not computable from
// outside (MUST-9). Figures after nmap's SEQ test: the GCD of the successive increments, the
// rate of increase (ISR, 8·log2 of increments per second) and the sequence predictability index
// (SP, 8·log2 of the standard deviation of the per-second rates, after dividing by the GCD).
//   same 4-tuple reused   the PRF term cancels: the ISN must still advance with time (MUST-8)
//   different 4-tuples    the PRF term differs: increments must not be a near-constant step (SHLD-1)
import { Seq } from '../packet/index.js';
import type { Finding } from './grade.js';

export interface IsnSample {
  isn: number;
  /** when its SYN-ACK arrived, ns (any monotonic clock) */
  atNs: bigint;
}

export interface IsnFigures {
  /** successive increments modulo 2^32 (the shorter way round, signed) */
  increments: number[];
  gcd: number;
  /** increments per second, one per pair */
  rates: number[];
  /** nmap's ISR: 8·log2(mean rate), 0 for a non-positive mean */
  isr: number;
  /** nmap's SP: 8·log2(stddev of rates / gcd when gcd > 9), 0 when the stddev is ≤ 1 */
  sp: number;
  /** coefficient of variation of the increments: near 0 = a constant step */
  stepSpread: number;
}

const gcd2 = (a: number, b: number): number => (b === 0 ? a : gcd2(b, a % b));

export function isnFigures(samples: readonly IsnSample[]): IsnFigures {
  const increments: number[] = [];
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const d = Seq.diff(samples[i]!.isn, samples[i - 1]!.isn);
    increments.push(d);
    const dtS = Number(samples[i]!.atNs - samples[i - 1]!.atNs) / 1e9;
    rates.push(dtS > 0 ? d / dtS : 0);
  }
  const gcd = increments.reduce((g, d) => gcd2(g, Math.abs(d)), 0);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const meanRate = mean(rates);
  const sd = std(rates) / (gcd > 9 ? gcd : 1);
  const meanInc = mean(increments.map(Math.abs));
  return {
    increments,
    gcd,
    rates,
    isr: meanRate > 0 ? Math.round(8 * Math.log2(meanRate)) : 0,
    sp: sd > 1 ? Math.round(8 * Math.log2(sd)) : 0,
    stepSpread: meanInc > 0 ? std(increments.map(Math.abs)) / meanInc : 0,
  };
}

/** Below this spread of increments, ISNs of different 4-tuples are a constant step (predictable). */
export const CONSTANT_STEP_SPREAD = 0.05;

/**
 * From this common divisor of ≥ 3 increments up, ISNs move in fixed units (predictable up to a
 * few guesses): random increments share a divisor d with probability ~d^-n (≤ 1e-9 here). It
 * finds a step that a second source of increments hides from the spread: 4.4BSD (slirp) adds
 * 64000 per connection and 64000 per 500 ms tick, so under load the steps vary, all multiples
 * of 64000.
 */
export const COMMON_STEP_GCD = 1024;

/**
 * Grade ISNs. `sameTuple`: successive connections from one 4-tuple (the PRF term is constant);
 * `differentTuples`: connections from distinct source ports. Each list needs ≥ 3 samples.
 */
export function gradeIsns(
  sameTuple: readonly IsnSample[],
  differentTuples: readonly IsnSample[],
): { findings: Finding[]; same: IsnFigures; different: IsnFigures } {
  const same = isnFigures(sameTuple);
  const different = isnFigures(differentTuples);
  const findings: Finding[] = [];
  const show = (xs: number[]) => xs.slice(0, 8).join(' ') + (xs.length > 8 ? ' …' : '');
  if (sameTuple.length < 3 || differentTuples.length < 3) {
    findings.push({
      level: 'inconclusive',
      requirement: 'MUST-8',
      check: 'ISN clock component',
      expected: '≥ 3 SYN-ACKs per series',
      observed: `${sameTuple.length} and ${differentTuples.length}`,
    });
    return { findings, same, different };
  }
  // MUST-8: with the PRF term fixed, a clock-driven ISN moves forward between connections.
  const advancing = same.increments.every((d) => d > 0);
  findings.push({
    level: advancing ? 'conforms' : 'violation',
    requirement: 'MUST-8',
    check: 'ISN advances with time for a reused 4-tuple',
    expected: 'every increment > 0',
    observed: `increments ${show(same.increments)} (${Math.round(same.rates.reduce((a, b) => a + b, 0) / (same.rates.length || 1))}/s)`,
  });
  // SHLD-1: distinct 4-tuples must not be predictable from each other.
  const commonStep = different.increments.length >= 3 && different.gcd >= COMMON_STEP_GCD;
  const predictable = different.stepSpread < CONSTANT_STEP_SPREAD || commonStep || new Set(differentTuples.map((s) => s.isn)).size < differentTuples.length;
  findings.push({
    level: predictable ? 'deviation' : 'conforms',
    requirement: 'SHLD-1',
    check: 'ISNs of different 4-tuples are not a constant step',
    expected: `spread of increments ≥ ${CONSTANT_STEP_SPREAD}, and no common step (GCD of the increments < ${COMMON_STEP_GCD})`,
    observed: `spread ${different.stepSpread.toFixed(3)}, GCD ${different.gcd}, ISR ${different.isr}, SP ${different.sp}; increments ${show(different.increments)}`,
  });
  return { findings, same, different };
}
