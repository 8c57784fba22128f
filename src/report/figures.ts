// The measured figures of a run, grouped by test: one card per test, one row per figure with a
// small chart (the tolerance band around the expected value and a marker at the measured one),
// the plain sentence "measured X, expected Y ± T" for figures out of range, and the derivation of
// the tolerance on demand (<details>). Figures without an expectation are listed apart.

import type { Figure } from '../peer/contract.js';
import { xmlAttr as attr, xmlText as text } from './escape.js';
import { type FontSpec, SANS, textWidth } from './text-width.js';

export type FigureOutcome = 'pass' | 'fail' | 'inconclusive' | 'info';

/**
 * pass / fail by the figure's `ok`; 'inconclusive' when the suite said so. That field is being
 * added elsewhere (a `grade`, `outcome` or `inconclusive` on Figure): read defensively, so any of
 * those spellings works and a report of an older run still renders.
 */
export function figureOutcome(f: Figure): FigureOutcome {
  const x = f as Figure & Record<string, unknown>;
  if (x.inconclusive === true || typeof x.inconclusive === 'string' || x.grade === 'inconclusive' || x.outcome === 'inconclusive') return 'inconclusive';
  if (f.ok === false) return 'fail';
  if (f.ok === true) return 'pass';
  return f.expected !== undefined && f.tolerance !== undefined ? 'inconclusive' : 'info';
}

/** Why an inconclusive figure is inconclusive, when the suite gave a reason. */
function inconclusiveWhy(f: Figure): string | undefined {
  const x = f as Figure & Record<string, unknown>;
  for (const v of [x.inconclusive, x.inconclusiveWhy, x.reason, x.why]) if (typeof v === 'string' && v) return v;
  return undefined;
}

const COLOUR: Readonly<Record<FigureOutcome, string>> = { pass: '#2e7d32', fail: '#c62828', inconclusive: '#757575', info: '#757575' };
const WORD: Readonly<Record<FigureOutcome, string>> = { pass: 'within tolerance', fail: 'out of range', inconclusive: 'inconclusive', info: '—' };
const CLASS: Readonly<Record<FigureOutcome, string>> = { pass: 'pass', fail: 'fail', inconclusive: 'skip', info: 'muted' };

/** Numbers as people write them: no float noise (1000.0000001 → 1000), at most 3 decimals. */
export const num = (v: number): string => String(Number.isInteger(v) ? v : Number(v.toFixed(Math.abs(v) >= 100 ? 1 : 3)));
const unit = (f: Figure): string => (f.unit === 'count' ? '' : ` ${f.unit}`);
export const measured = (f: Figure): string => `${num(f.value)}${unit(f)}`;
export const expectedText = (f: Figure): string =>
  f.expected === undefined ? '—' : `${num(f.expected)}${f.tolerance !== undefined ? ` ± ${num(f.tolerance)}` : ''}${unit(f)}`;

/** "measured 1134 ms, expected 1000 ± 104 ms: 30 ms above the allowed range" */
export function figureSentence(f: Figure): string {
  const base = `measured ${measured(f)}, expected ${expectedText(f)}`;
  if (f.expected === undefined || f.tolerance === undefined) return base;
  const over = Math.abs(f.value - f.expected) - f.tolerance;
  if (over <= 0) return base;
  return `${base}: ${num(over)}${unit(f)} ${f.value > f.expected ? 'above' : 'below'} the allowed range`;
}

const CHART = { w: 240, h: 50, pad: 10, axis: 26 } as const;
const FONT: FontSpec = { size: 10 };

/** A text label kept inside the chart: its x clamped so that the whole text fits. */
function clampX(x: number, label: string): number {
  const half = textWidth(label, FONT) / 2;
  return Math.min(Math.max(x, CHART.pad + half), CHART.w - CHART.pad - half);
}

/**
 * The chart: an axis over the expected range and the measured value, the tolerance band shaded,
 * a tick at the expected value, a dot at the measured one (coloured by outcome) with its value
 * above, the band's ends below (one "expected ± tolerance" label when they would collide).
 */
export function figureChart(f: Figure): string {
  if (f.expected === undefined) return '';
  const outcome = figureOutcome(f);
  const tol = f.tolerance ?? 0;
  const lo = f.expected - tol;
  const hi = f.expected + tol;
  let min = Math.min(lo, f.value);
  let max = Math.max(hi, f.value);
  if (max - min === 0) {
    const d = Math.max(Math.abs(f.expected) * 0.1, 1);
    min -= d;
    max += d;
  }
  const span = max - min;
  min -= span * 0.12;
  max += span * 0.12;
  const x = (v: number) => CHART.pad + ((v - min) / (max - min)) * (CHART.w - 2 * CHART.pad);
  const y = CHART.axis;
  const parts: string[] = [];
  parts.push(`<line x1="${CHART.pad}" y1="${y}" x2="${CHART.w - CHART.pad}" y2="${y}" stroke="#b0bec5" stroke-width="1"/>`);
  if (tol > 0)
    parts.push(`<rect class="band" x="${x(lo).toFixed(1)}" y="${y - 7}" width="${(x(hi) - x(lo)).toFixed(1)}" height="14" fill="#e8f5e9" stroke="#81c784"/>`);
  parts.push(
    `<line class="expected" x1="${x(f.expected).toFixed(1)}" y1="${y - 10}" x2="${x(f.expected).toFixed(1)}" y2="${y + 10}" stroke="#37474f" stroke-width="1.5"/>`,
  );
  parts.push(`<circle class="measured" cx="${x(f.value).toFixed(1)}" cy="${y}" r="5" fill="${COLOUR[outcome]}" stroke="#ffffff" stroke-width="1.2"/>`);
  const valueLabel = num(f.value);
  parts.push(
    `<text x="${clampX(x(f.value), valueLabel).toFixed(1)}" y="${y - 13}" text-anchor="middle" font-size="${FONT.size}" font-weight="bold" fill="${COLOUR[outcome]}">${text(valueLabel)}</text>`,
  );
  // Band ends below the axis, or one label when they would collide.
  const below = y + 18;
  const loText = num(lo);
  const hiText = num(hi);
  const loX = clampX(x(lo), loText);
  const hiX = clampX(x(hi), hiText);
  if (tol > 0 && hiX - loX >= (textWidth(loText, FONT) + textWidth(hiText, FONT)) / 2 + 6) {
    parts.push(`<text x="${loX.toFixed(1)}" y="${below}" text-anchor="middle" font-size="${FONT.size}" fill="#546e7a">${text(loText)}</text>`);
    parts.push(`<text x="${hiX.toFixed(1)}" y="${below}" text-anchor="middle" font-size="${FONT.size}" fill="#546e7a">${text(hiText)}</text>`);
  } else {
    const label = tol > 0 ? `${num(f.expected)} ± ${num(tol)}` : `${num(f.expected)} exactly`;
    parts.push(
      `<text x="${clampX(x(f.expected), label).toFixed(1)}" y="${below}" text-anchor="middle" font-size="${FONT.size}" fill="#546e7a">${text(label)}</text>`,
    );
  }
  const title = `${f.name}: ${figureSentence(f)}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="figure-chart" width="${CHART.w}" height="${CHART.h}" viewBox="0 0 ${CHART.w} ${CHART.h}" font-family="${attr(SANS)}" role="img" aria-label="${attr(title)}">` +
    `<title>${text(title)}</title>${parts.join('')}</svg>`
  );
}

export interface FigureGroup {
  suite: string;
  test: string;
  /** the test's anchor in the page */
  href?: string;
  figures: Figure[];
}

function card(g: FigureGroup): string {
  const judged = g.figures.filter((f) => figureOutcome(f) !== 'info');
  const info = g.figures.filter((f) => figureOutcome(f) === 'info');
  const outcomes = judged.map(figureOutcome);
  const worst: FigureOutcome = outcomes.includes('fail') ? 'fail' : outcomes.includes('inconclusive') ? 'inconclusive' : outcomes.length ? 'pass' : 'info';
  const counts = (['pass', 'fail', 'inconclusive'] as const).map((o) => [o, outcomes.filter((x) => x === o).length] as const).filter(([, n]) => n);
  const head =
    `<h3>${g.href ? `<a href="${attr(g.href)}">${text(g.suite)} › ${text(g.test)}</a>` : `${text(g.suite)} › ${text(g.test)}`}</h3>` +
    (counts.length ? `<p class="fig-counts">${counts.map(([o, n]) => `<span class="${CLASS[o]}">${n} ${WORD[o]}</span>`).join(' · ')}</p>` : '');
  const rows = judged.map((f) => {
    const o = figureOutcome(f);
    const why = o === 'inconclusive' ? inconclusiveWhy(f) : undefined;
    const plain = o === 'fail' ? `<p class="fig-plain fail">${text(figureSentence(f))}</p>` : why ? `<p class="fig-plain skip">${text(why)}</p>` : '';
    const derivation = f.toleranceWhy
      ? `<details><summary>how ± ${text(num(f.tolerance ?? 0))} was derived</summary><p>${text(f.toleranceWhy)}</p></details>`
      : '';
    return (
      `<tr class="fig-row outcome-${o}"><td class="fig-name">${text(f.name)}${plain}${derivation}</td>` +
      `<td class="fig-chart">${figureChart(f)}</td><td class="num">${text(measured(f))}</td><td class="num">${text(expectedText(f))}</td>` +
      `<td><span class="${CLASS[o]}">${WORD[o]}</span></td></tr>`
    );
  });
  const table = rows.length
    ? `<table class="figures"><tr><th>figure</th><th>measured vs expected</th><th>measured</th><th>expected</th><th>result</th></tr>${rows.join('')}</table>`
    : '';
  const infoRows = info.map((f) => `<tr><td>${text(f.name)}</td><td class="num">${text(measured(f))}</td></tr>`).join('');
  const infoTable = info.length ? `<table class="figures-info"><tr><th>recorded without an expectation</th><th>value</th></tr>${infoRows}</table>` : '';
  const infoBlock = info.length > 6 ? `<details><summary>${info.length} figures recorded without an expectation</summary>${infoTable}</details>` : infoTable;
  return `<section class="fig-card outcome-${worst}">${head}${table}${infoBlock}</section>`;
}

export const FIGURES_CSS = `
.fig-card { border: 1px solid #cfd8dc; border-left: 5px solid #90a4ae; border-radius: 4px; padding: 4px 14px 8px; margin: 12px 0; }
.fig-card.outcome-pass { border-left-color: #2e7d32; } .fig-card.outcome-fail { border-left-color: #c62828; } .fig-card.outcome-inconclusive { border-left-color: #9e9e9e; }
.fig-card h3 { margin: 8px 0 2px; } .fig-counts { margin: 0 0 4px; }
table.figures td { vertical-align: middle; } td.fig-chart { padding: 2px 6px; } td.fig-name { max-width: 420px; }
.fig-plain { margin: 4px 0 0; } .fig-card details p { margin: 4px 0; color: #455a64; }
`;

export function figuresSection(groups: readonly FigureGroup[]): string {
  const withFigures = groups.filter((g) => g.figures.length);
  if (!withFigures.length) return `<h2 id="figures">Measured figures</h2><p class="muted">No test measured a figure in this run.</p>`;
  const all = withFigures.flatMap((g) => g.figures.map(figureOutcome));
  const n = (o: FigureOutcome) => all.filter((x) => x === o).length;
  const summary = [
    `${n('pass')} within tolerance`,
    `${n('fail')} out of range`,
    ...(n('inconclusive') ? [`${n('inconclusive')} inconclusive`] : []),
    `${n('info')} without an expectation`,
  ];
  return (
    `<h2 id="figures">Measured figures</h2><p>${all.length} figures from ${withFigures.length} test${withFigures.length === 1 ? '' : 's'}: ${summary.join(', ')}. ` +
    `The chart shows the allowed range (shaded), the expected value (tick) and the measured one (dot).</p>` +
    withFigures.map(card).join('\n')
  );
}
