// The conformance matrix as a heat map: one row per state, one column per segment kind x
// sequence position, each cell coloured by its outcome with the observed answer in a tooltip.
// A self-contained HTML fragment (inline styles only), safe to embed in any report page.
import { xmlAttr, xmlText } from './escape.js';

export type HeatmapOutcome = 'pass' | 'fail' | 'deviation' | 'inconclusive';

export interface HeatmapCell {
  state: string;
  kind: string;
  position: string;
  outcome: HeatmapOutcome;
  /** what the target answered: reply and next state */
  observed: string;
  /** what the profile predicted */
  expected: string;
}

const COLOUR: Readonly<Record<HeatmapOutcome, string>> = {
  pass: '#3a9d4f',
  deviation: '#e0a526',
  fail: '#c8362f',
  inconclusive: '#9a9a9a',
};

const LETTER: Readonly<Record<HeatmapOutcome, string>> = { pass: '✓', deviation: '≠', fail: '✗', inconclusive: '?' };

/** Keys in first-seen order: the caller's order of states, kinds and positions is kept. */
function ordered(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function renderHeatmap(cells: ReadonlyArray<HeatmapCell>): string {
  const states = ordered(cells.map((c) => c.state));
  const kinds = ordered(cells.map((c) => c.kind));
  const positions = ordered(cells.map((c) => c.position));
  const at = new Map(cells.map((c) => [`${c.state}\u0000${c.kind}\u0000${c.position}`, c]));
  const count = (o: HeatmapOutcome) => cells.filter((c) => c.outcome === o).length;

  const th = 'style="border:1px solid #ccc;padding:2px 4px;font-weight:normal;background:#f4f4f4"';
  const out: string[] = [];
  out.push('<div class="tcpfsm-heatmap">');
  out.push(`<p>${cells.length} cells: ${count('pass')} match the RFC, ${count('deviation')} follow a documented deviation, ${count('fail')} fail.</p>`);
  out.push('<table style="border-collapse:collapse;font:12px monospace">');
  out.push(`<thead><tr><th ${th} rowspan="2">state</th>`);
  for (const kind of kinds) out.push(`<th ${th} colspan="${positions.length}">${xmlText(kind)}</th>`);
  out.push('</tr><tr>');
  for (let i = 0; i < kinds.length; i++) for (const position of positions) out.push(`<th ${th} title="${xmlAttr(position)}">${xmlText(position)}</th>`);
  out.push('</tr></thead><tbody>');
  for (const state of states) {
    out.push(`<tr><th ${th.replace('padding', 'text-align:left;padding')}>${xmlText(state)}</th>`);
    for (const kind of kinds) {
      for (const position of positions) {
        const c = at.get(`${state}\u0000${kind}\u0000${position}`);
        if (!c) {
          out.push('<td style="border:1px solid #ccc;background:#fff" title="not run"></td>');
          continue;
        }
        const tip = `${state} <- ${kind} @${position}\n${c.outcome}\nobserved: ${c.observed}\nexpected: ${c.expected}`;
        out.push(
          `<td class="${c.outcome}" style="border:1px solid #ccc;text-align:center;color:#fff;background:${COLOUR[c.outcome]}" title="${xmlAttr(tip)}">${LETTER[c.outcome]}</td>`,
        );
      }
    }
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  out.push(
    `<p>${(['pass', 'deviation', 'fail'] as const)
      .map((o) => `<span style="display:inline-block;width:1em;background:${COLOUR[o]}">&#160;</span> ${o}`)
      .join(' &#160; ')}</p>`,
  );
  out.push('</div>');
  return out.join('\n');
}
