// A test's exchange as a ladder (sequence) diagram, the way textbooks draw the TCP handshake:
// the probe's lifeline on the left, the target's on the right, one sloped arrow per segment with
// its tcpdump flags and relative seq/ack/len, time on the far left, and beside the target the
// state the FSM expects and the state the kernel reported (red where they disagree). In remote
// mode no kernel is read: the state beside the target is the one the state probe inferred, said
// so, and the probe's segments are marked. Notes span the gap between the lifelines. Long text
// wraps (SVG 1.1 text does not wrap itself) and each row is as tall as its text.
// Hand-written SVG: every piece of text goes through xmlText.

import type { TestResult, TraceLine } from '../peer/contract.js';
import { xmlAttr, xmlText } from './escape.js';
import { type FontSpec, MONO as MONO_FONTS, SANS as SANS_FONTS, textWidth, wrapText } from './text-width.js';

const W = 1000;
const TIME_X = 12;
const PROBE_X = 250;
const TARGET_X = 670;
const STATE_X = 690;
const ROW = 46;
/** how far an arrow falls: a segment arrives later than it leaves */
const DROP = 18;
const LINE = 15;
const MONO = `font-family="${xmlAttr(MONO_FONTS)}"`;
const SANS = `font-family="${xmlAttr(SANS_FONTS)}"`;
const SEGMENT_FONT: FontSpec = { size: 12, mono: true };
const NOTE_FONT: FontSpec = { size: 12 };
const STATE_FONT: FontSpec = { size: 12, bold: true };
const TRUTH_FONT: FontSpec = { size: 11 };
const TITLE_FONT: FontSpec = { size: 15, bold: true };
const NOTE_W = TARGET_X - PROBE_X - 24;
const STATE_W = W - STATE_X - 10;

const COLOUR = {
  out: '#1565c0',
  in: '#6a1b9a',
  lifeline: '#90a4ae',
  text: '#212121',
  muted: '#757575',
  bad: '#c62828',
  good: '#2e7d32',
  probe: '#ef6c00',
  note: { fill: '#fff8e1', stroke: '#ffca28' },
};

export interface LadderOptions {
  suite: string;
  /** lifeline captions, e.g. the probe's and target's addresses */
  probeLabel?: string;
  targetLabel?: string;
  /** unique within an HTML page: the arrowhead markers are referenced by id */
  idPrefix?: string;
  /**
   * The suite's mode. In 'remote' mode no kernel state is read: a state line's second value is
   * what the state probe inferred (also when the trace does not say where it came from).
   */
  mode?: 'lab' | 'remote';
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

/** Greedy word wrap by characters, for monospace text (the failure box). */
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

/** Where the second state value came from: the kernel (lab) or the state probe (remote). */
const sourceOf = (line: TraceLine, mode: LadderOptions['mode']): string => line.source ?? (mode === 'remote' ? 'state probe' : 'kernel');

/** The state texts beside the target, wrapped: FSM first, then the kernel's or the inferred state. */
function stateTexts(line: TraceLine, mode: LadderOptions['mode']): Array<{ text: string; font: FontSpec; colour: string }> {
  if (!line.model && !line.truth) return [];
  const disagree = !!line.model && !!line.truth && line.model !== line.truth;
  const out: Array<{ text: string; font: FontSpec; colour: string }> = [];
  if (line.model)
    for (const l of wrapText(`FSM: ${line.model}`, STATE_W, STATE_FONT)) out.push({ text: l, font: STATE_FONT, colour: disagree ? COLOUR.bad : COLOUR.text });
  if (line.truth) {
    const mark = disagree ? ' ≠ FSM' : line.model ? ' ✓' : '';
    const source = sourceOf(line, mode);
    const text = source === 'kernel' ? `kernel: ${line.truth}${mark}` : `inferred: ${line.truth}${mark} (from the ${source} above; no kernel state read)`;
    for (const l of wrapText(text, STATE_W, TRUTH_FONT))
      out.push({ text: l, font: TRUTH_FONT, colour: disagree ? COLOUR.bad : source === 'kernel' ? COLOUR.muted : COLOUR.probe });
  }
  return out;
}

function stateLabels(texts: ReturnType<typeof stateTexts>, y: number): string {
  return texts
    .map(
      (t, i) =>
        `<text x="${STATE_X}" y="${y + i * 14}" ${SANS} font-size="${t.font.size}"${t.font.bold ? ' font-weight="bold"' : ''} fill="${t.colour}">${xmlText(t.text)}</text>`,
    )
    .join('\n');
}

/**
 * The segments of the state probe behind each inferred state line: walking back from the state
 * line over the note that reports the answer, the segments up to the note that announced the
 * probe (scripted.ts probeState writes: note, probe, answer, note, state).
 */
function probeSegments(lines: readonly TraceLine[], mode: LadderOptions['mode']): Set<number> {
  const out = new Set<number>();
  lines.forEach((line, i) => {
    if (line.kind !== 'state' || !line.truth || sourceOf(line, mode) === 'kernel') return;
    let j = i - 1;
    while (j >= 0 && lines[j]!.kind === 'note') j--;
    while (j >= 0 && (lines[j]!.kind === 'out' || lines[j]!.kind === 'in')) out.add(j--);
  });
  return out;
}

interface Row {
  height: number;
  render: (top: number) => string;
}

function row(line: TraceLine, markerOf: (kind: 'out' | 'in') => string, mode: LadderOptions['mode'], probe: boolean): Row {
  const mid = (PROBE_X + TARGET_X) / 2;
  const time = (y: number) =>
    `<text class="time" x="${TIME_X}" y="${y + DROP / 2 + 4}" ${MONO} font-size="11" fill="${COLOUR.muted}">${xmlText(`+${line.t.toFixed(6)} s`)}</text>`;
  const states = stateTexts(line, mode);
  if (line.kind === 'out' || line.kind === 'in') {
    const kind = line.kind;
    const labels = wrapText(segmentLabel(line), TARGET_X - PROBE_X - 40, SEGMENT_FONT);
    const above = (labels.length - 1) * LINE;
    const height = Math.max(ROW, 14 + above + DROP + states.length * 14 + 8);
    return {
      height,
      render: (top) => {
        const y = top + 14 + above;
        const [x1, x2] = kind === 'out' ? [PROBE_X, TARGET_X] : [TARGET_X, PROBE_X];
        const colour = COLOUR[kind];
        const tag = probe
          ? `<text x="${PROBE_X - 10}" y="${y + DROP / 2 + 4}" text-anchor="end" ${SANS} font-size="11" font-style="italic" fill="${COLOUR.probe}">${kind === 'out' ? 'state probe' : 'probe answer'}</text>`
          : '';
        return [
          `<g class="segment ${kind}${probe ? ' probe' : ''}">`,
          `<title>${xmlText(`${kind === 'out' ? '>' : '<'} ${line.text}${probe ? ' (state probe)' : ''}`)}</title>`,
          time(y),
          tag,
          `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y + DROP}" stroke="${colour}" stroke-width="1.6"${probe ? ' stroke-dasharray="6 3"' : ''} marker-end="url(#${markerOf(kind)})"/>`,
          ...labels.map(
            (l, k) =>
              `<text x="${mid}" y="${y + DROP / 2 - 5 - (labels.length - 1 - k) * LINE}" text-anchor="middle" ${MONO} font-size="12" fill="${colour}" paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round">${xmlText(l)}</text>`,
          ),
          stateLabels(states, y + DROP - 2),
          '</g>',
        ]
          .filter(Boolean)
          .join('\n');
      },
    };
  }
  if (line.kind === 'state') {
    const texts = states.length ? states : wrapText(line.text, STATE_W, NOTE_FONT).map((text) => ({ text, font: NOTE_FONT, colour: COLOUR.text }));
    const height = Math.max(ROW, 14 + DROP / 2 + 4 + texts.length * 14 + 8);
    return {
      height,
      render: (top) => {
        const y = top + 14;
        return [
          `<g class="state${line.truth && sourceOf(line, mode) !== 'kernel' ? ' inferred' : ''}">`,
          `<title>${xmlText(line.text)}</title>`,
          time(y),
          `<circle cx="${TARGET_X}" cy="${y + DROP / 2}" r="5" fill="#fff" stroke="${COLOUR.text}" stroke-width="1.4"/>`,
          stateLabels(texts, y + DROP / 2 + 4),
          '</g>',
        ].join('\n');
      },
    };
  }
  const texts = wrapText(line.text, NOTE_W - 20, { ...NOTE_FONT });
  const box = 9 + texts.length * LINE;
  return {
    height: Math.max(ROW, box + 18),
    render: (top) => {
      const y = top + 14;
      return [
        '<g class="note">',
        `<title>${xmlText(line.text)}</title>`,
        time(y),
        `<rect x="${PROBE_X + 12}" y="${y - 6}" width="${NOTE_W}" height="${box}" rx="4" fill="${COLOUR.note.fill}" stroke="${COLOUR.note.stroke}"/>`,
        ...texts.map(
          (t, k) =>
            `<text x="${mid}" y="${y + 10 + k * LINE}" text-anchor="middle" ${SANS} font-size="12" font-style="italic" fill="${COLOUR.text}">${xmlText(t)}</text>`,
        ),
        '</g>',
      ].join('\n');
    },
  };
}

export function ladderSvg(test: TestResult, opts: LadderOptions): string {
  const id = opts.idPrefix ?? 'ladder';
  const markerOf = (kind: 'out' | 'in') => `${id}-arrow-${kind}`;
  const lines = test.trace.length ? test.trace : [{ t: 0, kind: 'note' as const, text: 'no segments were recorded' }];
  const verdict = test.skip !== undefined ? 'skipped' : test.ok ? 'passed' : 'failed';
  const footer: string[] = [];
  if (verdict === 'failed') footer.push(...wrap(`FAILED: ${test.error?.message ?? 'test failed'}`, 130).slice(0, 12));
  if (verdict === 'skipped') footer.push(`skipped: ${test.skip}`);
  const titleLines = wrapText(test.name, W - 2 * TIME_X, TITLE_FONT);
  const shift = (titleLines.length - 1) * 19;
  const header = 104 + shift;
  const probes = probeSegments(lines, opts.mode);
  const rows = lines.map((l, i) => row(l, markerOf, opts.mode, probes.has(i)));
  const bodyTop = header + 10;
  const bodyBottom = bodyTop + rows.reduce((a, r) => a + r.height, 0);
  const height = bodyBottom + (footer.length ? 24 + footer.length * 15 : 8);
  const verdictColour = verdict === 'failed' ? COLOUR.bad : verdict === 'passed' ? COLOUR.good : COLOUR.muted;

  const marker = (kind: 'out' | 'in') =>
    `<marker id="${xmlAttr(markerOf(kind))}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOUR[kind]}"/></marker>`;
  const lifeline = (x: number, caption: string, sub: string | undefined) => {
    // The box fits its address (an IPv4 address and port fit in 2 × 120 px around the lifeline).
    const w = Math.min(240, Math.max(180, sub ? textWidth(sub, { size: 11, mono: true }) + 16 : 0));
    return [
      `<rect x="${x - w / 2}" y="${52 + shift}" width="${w}" height="${sub ? 40 : 28}" rx="5" fill="#eceff1" stroke="${COLOUR.lifeline}"/>`,
      `<text x="${x}" y="${70 + shift}" text-anchor="middle" ${SANS} font-size="13" font-weight="bold" fill="${COLOUR.text}">${xmlText(caption)}</text>`,
      sub ? `<text x="${x}" y="${85 + shift}" text-anchor="middle" ${MONO} font-size="11" fill="${COLOUR.muted}">${xmlText(clip(sub, 34))}</text>` : '',
      `<line x1="${x}" y1="${(sub ? 92 : 80) + shift}" x2="${x}" y2="${bodyBottom}" stroke="${COLOUR.lifeline}" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    ].join('\n');
  };
  const remote = opts.mode === 'remote' || lines.some((l) => l.kind === 'state' && l.truth && sourceOf(l, opts.mode) !== 'kernel');

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${xmlAttr(`ladder diagram: ${test.name}`)}">`,
    `<defs>${marker('out')}${marker('in')}</defs>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    ...titleLines.map((l, k) => `<text x="${TIME_X}" y="${22 + k * 19}" ${SANS} font-size="15" font-weight="bold" fill="${COLOUR.text}">${xmlText(l)}</text>`),
    `<text x="${TIME_X}" y="${40 + shift}" ${SANS} font-size="12" fill="${COLOUR.muted}">${xmlText(`${opts.suite}${test.rfc ? ` · ${test.rfc}` : ''} · ${test.durationMs.toFixed(0)} ms · `)}<tspan fill="${verdictColour}" font-weight="bold">${verdict}</tspan></text>`,
    lifeline(PROBE_X, 'probe (tcpfsm)', opts.probeLabel),
    lifeline(TARGET_X, 'target', opts.targetLabel),
    `<text x="${STATE_X}" y="${header + 6}" ${SANS} font-size="11" fill="${COLOUR.muted}">${remote ? 'target state after each line (inferred: no kernel read)' : 'target state after each line'}</text>`,
  ];
  let top = bodyTop;
  for (const r of rows) {
    parts.push(r.render(top));
    top += r.height;
  }
  footer.forEach((text, i) => {
    const y = bodyBottom + 20 + i * 15;
    parts.push(`<text x="${TIME_X}" y="${y}" ${MONO} font-size="12" fill="${verdict === 'failed' ? COLOUR.bad : COLOUR.muted}">${xmlText(text)}</text>`);
  });
  parts.push('</svg>');
  return parts.filter(Boolean).join('\n') + '\n';
}
