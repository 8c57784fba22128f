// The FSM diagram as hand-written SVG (layout: fsm-layout.ts): a box per state, one arrow per
// pair of states the table connects with a short "event / action" label, a badge per state that
// counts the rows keeping the state, and after a run every row's colour from what the tests found
// (passed / failed / covered / untested, coverage.ts). Hovering an arrow or badge shows its rows
// (<title>). Every label's box is computed here, so the layout can be checked without a browser.
import { type DiagramModel, type DiagramOptions, diagramModel, type Mark, type MarkedRow, summaryMark, type TcpState } from '../fsm/index.js';
import { xmlAttr, xmlText } from './escape.js';
import { BOX, badgeRect, boxOf, CENTER, HEIGHT, type LabelSpot, LEGEND_AT, LEGEND_WIDTH, type Rect, routeOf, WIDTH } from './fsm-layout.js';
import { type FontSpec, SANS, textWidth, wrapText } from './text-width.js';

export const MARK_COLOUR: Readonly<Record<Mark, string>> = {
  passed: '#2e7d32',
  failed: '#c62828',
  covered: '#1565c0',
  untested: '#9e9e9e',
};
/** Arrows and labels of the plain diagram (no run). */
const PLAIN = '#37474f';
const LABEL_FONT: FontSpec = { size: 11 };
const LINE = 13;
/** Glyph box of a line around its baseline (DejaVu Sans ascent / descent, 0.93 / 0.24 em). */
const ascent = (f: FontSpec) => 0.93 * f.size;
const descent = (f: FontSpec) => 0.24 * f.size;

/** A piece of a label line, in its row's colour. */
interface Piece {
  text: string;
  colour: string;
}

export interface PlacedLabel {
  /** what the label belongs to: 'arrow:FROM>TO', 'state:X', 'badge:X', 'legend', 'title' */
  owner: string;
  rect: Rect;
}

export interface FsmSvgOptions extends DiagramOptions {
  title?: string;
  /** the run's mark per row id; without, the plain diagram */
  marks?: ReadonlyMap<string, Mark>;
  /** "suite › test" per row id, for the hover text */
  tests?: ReadonlyMap<string, readonly string[]>;
}

const colourOf = (mark: Mark, marked: boolean): string => (marked ? MARK_COLOUR[mark] : PLAIN);

/** Lines of pieces: rows joined with " · ", wrapped to `width`; a row too long alone breaks at " / ". */
function wrapPieces(rows: readonly MarkedRow[], width: number, marked: boolean): Piece[][] {
  // A no-break space keeps the separator on its row's line.
  const sep = '\u00a0·';
  const lines: Piece[][] = [[]];
  const lineWidth = (l: Piece[]) => textWidth(l.map((p) => p.text).join(''), LABEL_FONT);
  rows.forEach((r, i) => {
    const colour = colourOf(r.mark, marked);
    const last = i === rows.length - 1;
    const text = r.label + (last ? '' : sep);
    const parts = textWidth(text, LABEL_FONT) > width ? wrapText(text, width, LABEL_FONT) : [text];
    for (const part of parts) {
      const line = lines[lines.length - 1]!;
      const candidate = [...line, ...(line.length ? [{ text: ' ', colour }] : []), { text: part, colour }];
      if (line.length && lineWidth(candidate) > width) lines.push([{ text: part, colour }]);
      else lines[lines.length - 1] = candidate;
    }
  });
  return lines;
}

/** The label's box and each line's baseline, from its spot and measured lines. */
function place(spot: LabelSpot, widths: number[], font: FontSpec): { rect: Rect; baselines: number[] } {
  const n = widths.length;
  const height = ascent(font) + descent(font) + (n - 1) * LINE;
  const y0 = spot.valign === 'top' ? spot.y : spot.valign === 'bottom' ? spot.y - height : spot.y - height / 2;
  const w = Math.max(...widths);
  const x0 = spot.anchor === 'start' ? spot.x : spot.anchor === 'end' ? spot.x - w : spot.x - w / 2;
  return { rect: { x: x0, y: y0, w, h: height }, baselines: widths.map((_, i) => y0 + ascent(font) + i * LINE) };
}

function labelText(spot: LabelSpot, lines: Piece[][], baselines: number[]): string {
  const chunks = lines.map((line, i) =>
    line.map((p, j) => `<tspan${j === 0 ? ` x="${spot.x}" y="${baselines[i]!.toFixed(1)}"` : ''} fill="${p.colour}">${xmlText(p.text)}</tspan>`).join(''),
  );
  return `<text class="label" text-anchor="${spot.anchor}" font-size="${LABEL_FONT.size}" paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round">${chunks.join('')}</text>`;
}

function rowLine(r: MarkedRow, marked: boolean, tests: FsmSvgOptions['tests']): string {
  const who = tests?.get(r.row.id)?.length ? `: ${tests.get(r.row.id)!.join('; ')}` : '';
  return `• ${r.label}${marked ? ` — ${r.mark}` : ''} (${r.row.id}, ${r.row.rfc})${who}`;
}

function countLine(rows: readonly MarkedRow[]): string {
  const n = (m: Mark) => rows.filter((r) => r.mark === m).length;
  return `${n('passed')} passed, ${n('failed')} failed, ${n('covered')} covered, ${n('untested')} untested`;
}

function arrowhead(id: string, colour: string): string {
  return `<marker id="${xmlAttr(id)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`;
}

export interface FsmDiagram {
  svg: string;
  /** every piece of text's box, as computed for the layout (the tests compare them) */
  labels: PlacedLabel[];
  model: DiagramModel;
}

export function fsmDiagram(opts: FsmSvgOptions = {}): FsmDiagram {
  const marked = opts.marks !== undefined;
  const model = diagramModel(opts.marks, opts);
  const labels: PlacedLabel[] = [];
  const parts: string[] = [];
  const heads = new Map<string, string>();
  const headFor = (colour: string) => {
    if (!heads.has(colour)) heads.set(colour, `fsm-head-${heads.size}`);
    return heads.get(colour)!;
  };

  // Arrows first, so boxes and labels sit on top of the lines.
  const ghosts = new Map<string, Rect>();
  for (const a of model.arrows) {
    const route = routeOf(a.from, a.to);
    if (route.ghost) ghosts.set(`${route.ghost.x},${route.ghost.y}`, route.ghost);
    const colour = colourOf(a.mark, marked);
    const lines = wrapPieces(a.rows, route.label.width, marked);
    const widths = lines.map((l) => textWidth(l.map((p) => p.text).join(''), LABEL_FONT));
    const { rect, baselines } = place(route.label, widths, LABEL_FONT);
    labels.push({ owner: `arrow:${a.from}>${a.to}`, rect });
    const d = route.points.map(([x, y], i) => `${i ? 'L' : 'M'}${x},${y}`).join(' ');
    const dash = marked && a.mark === 'untested' ? ' stroke-dasharray="5 4"' : '';
    const width = marked && a.mark === 'failed' ? 2.6 : 1.6;
    const title = [`${a.from} → ${a.to}${marked ? ` (${countLine(a.rows)})` : ''}`, ...a.rows.map((r) => rowLine(r, marked, opts.tests))].join('\n');
    parts.push(
      `<g class="arrow ${marked ? `mark-${a.mark}` : 'plain'}" data-from="${a.from}" data-to="${a.to}"><title>${xmlText(title)}</title>` +
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${width}"${dash} marker-end="url(#${headFor(colour)})"/>` +
        labelText(route.label, lines, baselines) +
        `</g>`,
    );
  }

  for (const g of ghosts.values()) {
    const big = g.w === BOX.w;
    const font: FontSpec = { size: big ? 12 : 10, bold: big };
    const cx = g.x + g.w / 2;
    const cy = g.y + g.h / 2;
    const w = textWidth('CLOSED', font);
    const { rect, baselines } = place({ x: cx, y: cy, anchor: 'middle', valign: 'middle', width: w }, [w], font);
    labels.push({ owner: `ghost:${g.x},${g.y}`, rect });
    parts.push(
      `<g class="closed-again"><title>CLOSED (drawn again here, as RFC 9293 Figure 5 does, to keep the arrow short)</title>` +
        `<rect x="${g.x}" y="${g.y}" width="${g.w}" height="${g.h}" rx="${big ? 8 : 11}" fill="#ffffff" stroke="#455a64" stroke-width="1.2" stroke-dasharray="4 3"/>` +
        `<text x="${cx}" y="${baselines[0]!.toFixed(1)}" text-anchor="middle" font-size="${font.size}"${font.bold ? ' font-weight="bold"' : ''} fill="#455a64">CLOSED</text></g>`,
    );
  }

  const loopsOf = new Map(model.loops.map((l) => [l.state, l]));
  for (const state of Object.keys(CENTER) as TcpState[]) {
    const b = boxOf(state);
    const font: FontSpec = { size: 12, bold: true };
    const w = textWidth(state, font);
    const { rect, baselines } = place({ x: b.x + b.w / 2, y: b.y + b.h / 2, anchor: 'middle', valign: 'middle', width: w }, [w], font);
    labels.push({ owner: `state:${state}`, rect });
    parts.push(
      `<g class="state" data-state="${state}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="#eceff1" stroke="#455a64" stroke-width="1.4"/>` +
        `<text x="${b.x + b.w / 2}" y="${baselines[0]!.toFixed(1)}" text-anchor="middle" font-size="12" font-weight="bold" fill="#212121">${xmlText(state)}</text></g>`,
    );
    const loops = loopsOf.get(state);
    if (!loops?.rows.length) continue;
    const badge = badgeRect(state);
    const bfont: FontSpec = { size: 11, bold: true };
    const text = `↻ ${loops.rows.length}`;
    const tw = textWidth(text, bfont);
    const placed = place({ x: badge.x + badge.w / 2, y: badge.y + badge.h / 2, anchor: 'middle', valign: 'middle', width: tw }, [tw], bfont);
    labels.push({ owner: `badge:${state}`, rect: placed.rect });
    const fill = marked ? (loops.mark === 'untested' ? '#ffffff' : MARK_COLOUR[loops.mark]) : '#ffffff';
    const ink = fill === '#ffffff' ? (marked ? MARK_COLOUR.untested : PLAIN) : '#ffffff';
    const title = [
      `${state} keeps its state on ${loops.rows.length} row${loops.rows.length === 1 ? '' : 's'}${marked ? ` (${countLine(loops.rows)})` : ''}:`,
      ...loops.rows.map((r) => rowLine(r, marked, opts.tests)),
    ].join('\n');
    parts.push(
      `<g class="loops ${marked ? `mark-${loops.mark}` : 'plain'}" data-state="${state}"><title>${xmlText(title)}</title>` +
        `<rect x="${badge.x}" y="${badge.y}" width="${badge.w}" height="${badge.h}" rx="9" fill="${fill}" stroke="${marked ? MARK_COLOUR[loops.mark] : PLAIN}" stroke-width="1.2"/>` +
        `<text x="${badge.x + badge.w / 2}" y="${placed.baselines[0]!.toFixed(1)}" text-anchor="middle" font-size="11" font-weight="bold" fill="${ink}">${xmlText(text)}</text></g>`,
    );
  }

  // Title and legend.
  const title = opts.title ?? (marked ? 'RFC 9293 TCP connection states: this run' : 'RFC 9293 TCP connection states');
  const tfont: FontSpec = { size: 15, bold: true };
  const tw = textWidth(title, tfont);
  labels.push({ owner: 'title', rect: place({ x: 16, y: 12, anchor: 'start', valign: 'top', width: tw }, [tw], tfont).rect });
  parts.push(`<text class="title" x="16" y="${(12 + ascent(tfont)).toFixed(1)}" font-size="15" font-weight="bold" fill="#212121">${xmlText(title)}</text>`);
  parts.push(legend(model, marked, labels));

  const defs = [...heads].map(([colour, id]) => arrowhead(id, colour)).join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" class="fsm-diagram" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${xmlAttr(SANS)}" role="img" aria-label="${xmlAttr(title)}">\n` +
    `<defs>${defs}</defs>\n<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>\n${parts.join('\n')}\n</svg>\n`;
  return { svg, labels, model };
}

function legend(model: DiagramModel, marked: boolean, labels: PlacedLabel[]): string {
  const [x, y] = LEGEND_AT;
  const font: FontSpec = { size: 11 };
  const width = LEGEND_WIDTH;
  const out: string[] = [];
  let line = 0;
  const text = (s: string, opts: { indent?: number; fill?: string; bold?: boolean } = {}) => {
    for (const l of wrapText(s, width - (opts.indent ?? 0), { ...font, bold: opts.bold })) {
      const baseline = y + ascent(font) + line * LINE;
      const w = textWidth(l, { ...font, bold: opts.bold });
      labels.push({ owner: 'legend', rect: { x: x + (opts.indent ?? 0), y: baseline - ascent(font), w, h: ascent(font) + descent(font) } });
      out.push(
        `<text x="${x + (opts.indent ?? 0)}" y="${baseline.toFixed(1)}" font-size="11"${opts.bold ? ' font-weight="bold"' : ''} fill="${opts.fill ?? '#424242'}">${xmlText(l)}</text>`,
      );
      line++;
    }
  };
  if (marked) {
    text('Rows, by what the tests through them found', { bold: true });
    const counts = new Map<Mark, number>();
    for (const r of [...model.arrows.flatMap((a) => a.rows), ...model.loops.flatMap((l) => l.rows)]) counts.set(r.mark, (counts.get(r.mark) ?? 0) + 1);
    for (const mark of ['passed', 'failed', 'covered', 'untested'] as const) {
      const ly = y + line * LINE + 3;
      out.push(
        `<line x1="${x}" y1="${ly + 4}" x2="${x + 22}" y2="${ly + 4}" stroke="${MARK_COLOUR[mark]}" stroke-width="${mark === 'failed' ? 2.6 : 1.6}"${mark === 'untested' ? ' stroke-dasharray="5 4"' : ''}/>`,
      );
      const what = { passed: 'all tests passed', failed: 'a test failed', covered: 'only skipped tests', untested: 'no test' }[mark];
      text(`${mark}: ${counts.get(mark) ?? 0} rows, ${what}`, { indent: 30, fill: MARK_COLOUR[mark] });
    }
    text('An arrow is red if one of its rows failed, else green if one passed, blue if one was covered.', {});
  } else {
    text('Arrows: "event / what is sent"', { bold: true });
  }
  text('↻ n: rows that keep the state (hover for the list)', {});
  text('dashed CLOSED: CLOSED again, as in Figure 5', {});
  const hidden = [...new Map(model.hidden.map((r) => [r.row.id, r])).values()];
  if (hidden.length) {
    const mark = summaryMark(hidden.map((r) => r.mark));
    text(`not drawn: ${hidden.map((r) => r.label).join(', ')}, any state → CLOSED${marked ? ` (${mark})` : ''}`, {});
  }
  return `<g class="legend">${out.join('')}</g>`;
}

/** The list of rows that keep their state, per state, for the report's table. */
export function loopRows(model: DiagramModel): Array<{ state: TcpState; rows: MarkedRow[]; mark: Mark }> {
  return model.loops.filter((l) => l.rows.length);
}
