// A test's exchange as a ladder (sequence) diagram, the way textbooks draw the TCP handshake:
// the probe's lifeline on the left, the target's on the right, one sloped arrow per segment with
// its tcpdump flags and relative seq/ack/len, time on the far left, and beside the target the
// state the FSM expects and the state the kernel reported (red where they disagree). Notes span
// the gap between the lifelines. Hand-written SVG: every piece of text goes through xmlText.
import { xmlAttr, xmlText } from './escape.js';
import type { TestResult, TraceLine } from '../peer/contract.js';

const W = 1000;
const TIME_X = 12;
const PROBE_X = 250;
const TARGET_X = 670;
const STATE_X = 690;
const HEADER = 104;
const ROW = 46;
/** how far an arrow falls: a segment arrives later than it leaves */
const DROP = 18;
const MONO = `font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, monospace"`;
const SANS = `font-family="system-ui, 'DejaVu Sans', Helvetica, Arial, sans-serif"`;

const COLOUR = {
  out: '#1565c0',
  in: '#6a1b9a',
  lifeline: '#90a4ae',
  text: '#212121',
  muted: '#757575',
  bad: '#c62828',
  good: '#2e7d32',
  note: { fill: '#fff8e1', stroke: '#ffca28' },
};

export interface LadderOptions {
  suite: string;
  /** lifeline captions, e.g. the probe's and target's addresses */
  probeLabel?: string;
  targetLabel?: string;
  /** unique within an HTML page: the arrowhead markers are referenced by id */
  idPrefix?: string;
}

/** "[S.] seq 0 ack 1 len 0": tcpdump flags, numbers relative to the ISNs. */
export function segmentLabel(line: TraceLine): string {
  if (line.flags === undefined) return line.text;
  const parts = [`[${line.flags}]`];
  if (line.seq !== undefined) parts.push(`seq ${line.seq}`);
  if (line.ack !== undefined) parts.push(`ack ${line.ack}`);
  if (line.len !== undefined) parts.push(`len ${line.len}`);
  return parts.join(' ');
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Greedy word wrap for the failure box (SVG 1.1 text does not wrap itself). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = '';
      }
      line = line ? `${line} ${word}` : word;
      while (line.length > width) {
        out.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    out.push(line);
  }
  return out;
}

function stateLabels(line: TraceLine, y: number): string {
  if (!line.model && !line.truth) return '';
  const disagree = !!line.model && !!line.truth && line.model !== line.truth;
  const parts: string[] = [];
  if (line.model) {
    parts.push(`<text x="${STATE_X}" y="${y}" ${SANS} font-size="12" font-weight="bold" fill="${disagree ? COLOUR.bad : COLOUR.text}">${xmlText(`FSM: ${line.model}`)}</text>`);
  }
  if (line.truth) {
    const mark = disagree ? ' ≠ FSM' : line.model ? ' ✓' : '';
    parts.push(
      `<text x="${STATE_X}" y="${y + (line.model ? 14 : 0)}" ${SANS} font-size="11" fill="${disagree ? COLOUR.bad : COLOUR.muted}">${xmlText(`kernel: ${line.truth}${mark}`)}</text>`,
    );
  }
  return parts.join('\n');
}

function row(line: TraceLine, i: number, markerOf: (kind: 'out' | 'in') => string): string {
  const y = HEADER + 24 + i * ROW;
  const mid = (PROBE_X + TARGET_X) / 2;
  const time = `<text x="${TIME_X}" y="${y + DROP / 2 + 4}" ${MONO} font-size="11" fill="${COLOUR.muted}">${xmlText(`+${line.t.toFixed(6)} s`)}</text>`;
  if (line.kind === 'out' || line.kind === 'in') {
    const [x1, x2] = line.kind === 'out' ? [PROBE_X, TARGET_X] : [TARGET_X, PROBE_X];
    const colour = COLOUR[line.kind];
    const label = clip(segmentLabel(line), 56);
    return [
      `<g class="segment ${line.kind}">`,
      `<title>${xmlText(`${line.kind === 'out' ? '>' : '<'} ${line.text}`)}</title>`,
      time,
      `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y + DROP}" stroke="${colour}" stroke-width="1.6" marker-end="url(#${markerOf(line.kind)})"/>`,
      `<text x="${mid}" y="${y + DROP / 2 - 5}" text-anchor="middle" ${MONO} font-size="12" fill="${colour}">${xmlText(label)}</text>`,
      stateLabels(line, y + DROP - 2),
      '</g>',
    ].join('\n');
  }
  if (line.kind === 'state') {
    return [
      '<g class="state">',
      `<title>${xmlText(line.text)}</title>`,
      time,
      `<circle cx="${TARGET_X}" cy="${y + DROP / 2}" r="5" fill="#fff" stroke="${COLOUR.text}" stroke-width="1.4"/>`,
      stateLabels(line, y + DROP / 2) || `<text x="${STATE_X}" y="${y + DROP / 2 + 4}" ${SANS} font-size="12">${xmlText(clip(line.text, 40))}</text>`,
      '</g>',
    ].join('\n');
  }
  return [
    '<g class="note">',
    `<title>${xmlText(line.text)}</title>`,
    time,
    `<rect x="${PROBE_X + 12}" y="${y - 6}" width="${TARGET_X - PROBE_X - 24}" height="${ROW - 18}" rx="4" fill="${COLOUR.note.fill}" stroke="${COLOUR.note.stroke}"/>`,
    `<text x="${mid}" y="${y + DROP / 2 + 3}" text-anchor="middle" ${SANS} font-size="12" font-style="italic" fill="${COLOUR.text}">${xmlText(clip(line.text, 58))}</text>`,
    '</g>',
  ].join('\n');
}

export function ladderSvg(test: TestResult, opts: LadderOptions): string {
  const id = opts.idPrefix ?? 'ladder';
  const markerOf = (kind: 'out' | 'in') => `${id}-arrow-${kind}`;
  const lines = test.trace.length ? test.trace : [{ t: 0, kind: 'note' as const, text: 'no segments were recorded' }];
  const verdict = test.skip !== undefined ? 'skipped' : test.ok ? 'passed' : 'failed';
  const footer: string[] = [];
  if (verdict === 'failed') footer.push(...wrap(`FAILED: ${test.error?.message ?? 'test failed'}`, 130).slice(0, 12));
  if (verdict === 'skipped') footer.push(`skipped: ${test.skip}`);
  const bodyBottom = HEADER + 24 + lines.length * ROW;
  const height = bodyBottom + (footer.length ? 24 + footer.length * 15 : 8);
  const verdictColour = verdict === 'failed' ? COLOUR.bad : verdict === 'passed' ? COLOUR.good : COLOUR.muted;

  const marker = (kind: 'out' | 'in') =>
    `<marker id="${xmlAttr(markerOf(kind))}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOUR[kind]}"/></marker>`;
  const lifeline = (x: number, caption: string, sub: string | undefined) =>
    [
      `<rect x="${x - 90}" y="52" width="180" height="${sub ? 40 : 28}" rx="5" fill="#eceff1" stroke="${COLOUR.lifeline}"/>`,
      `<text x="${x}" y="70" text-anchor="middle" ${SANS} font-size="13" font-weight="bold" fill="${COLOUR.text}">${xmlText(caption)}</text>`,
      sub ? `<text x="${x}" y="85" text-anchor="middle" ${MONO} font-size="11" fill="${COLOUR.muted}">${xmlText(clip(sub, 26))}</text>` : '',
      `<line x1="${x}" y1="${sub ? 92 : 80}" x2="${x}" y2="${bodyBottom}" stroke="${COLOUR.lifeline}" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    ].join('\n');

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${xmlAttr(`ladder diagram: ${test.name}`)}">`,
    `<defs>${marker('out')}${marker('in')}</defs>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${TIME_X}" y="22" ${SANS} font-size="15" font-weight="bold" fill="${COLOUR.text}">${xmlText(clip(test.name, 120))}</text>`,
    `<text x="${TIME_X}" y="40" ${SANS} font-size="12" fill="${COLOUR.muted}">${xmlText(`${opts.suite}${test.rfc ? ` · ${test.rfc}` : ''} · ${test.durationMs.toFixed(0)} ms · `)}<tspan fill="${verdictColour}" font-weight="bold">${verdict}</tspan></text>`,
    lifeline(PROBE_X, 'probe (tcpfsm)', opts.probeLabel),
    lifeline(TARGET_X, 'target', opts.targetLabel),
    `<text x="${STATE_X}" y="${HEADER + 6}" ${SANS} font-size="11" fill="${COLOUR.muted}">target state after each line</text>`,
    ...lines.map((l, i) => row(l, i, markerOf)),
  ];
  footer.forEach((text, i) => {
    const y = bodyBottom + 20 + i * 15;
    parts.push(`<text x="${TIME_X}" y="${y}" ${MONO} font-size="12" fill="${verdict === 'failed' ? COLOUR.bad : COLOUR.muted}">${xmlText(text)}</text>`);
  });
  parts.push('</svg>');
  return parts.filter(Boolean).join('\n') + '\n';
}
