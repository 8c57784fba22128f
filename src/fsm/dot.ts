// The transition table as a Graphviz diagram in the layout of RFC 9293 Figure 5, each edge
// labelled "event / action" and, after a run, coloured by what the run found for that row.
// Render with `dot -Tsvg` / `neato -Tsvg` or @viz-js/viz (the graph pins positions, layout=neato).

import type { TcpState } from './states.js';
import { type EventName, fromStates, rfcTable, type Transition, target } from './table.js';

export type Mark = 'passed' | 'failed' | 'covered' | 'untested';

const COLOURS: Readonly<Record<Mark, { color: string; style: string }>> = {
  passed: { color: '#2e7d32', style: 'solid' },
  failed: { color: '#c62828', style: 'bold' },
  covered: { color: '#1565c0', style: 'solid' },
  untested: { color: '#9e9e9e', style: 'dashed' },
};

/** Figure 5 positions, in inches (x right, y up). */
const POSITION: Readonly<Record<TcpState, [number, number]>> = {
  CLOSED: [5, 12],
  LISTEN: [5, 10],
  'SYN-RECEIVED': [1, 8],
  'SYN-SENT': [9, 8],
  ESTABLISHED: [5, 6],
  'FIN-WAIT-1': [1, 4],
  'CLOSE-WAIT': [9, 4],
  'FIN-WAIT-2': [1, 2],
  CLOSING: [5, 2],
  'LAST-ACK': [9, 2],
  'TIME-WAIT': [5, 0],
};

const EVENT_LABEL: Readonly<Record<EventName, string>> = {
  'passive-open': 'passive OPEN',
  'active-open': 'active OPEN',
  send: 'SEND',
  close: 'CLOSE',
  abort: 'ABORT',
  'timeout-retransmission-exhausted': 'R2 exceeded',
  'timeout-user': 'user timeout',
  'timeout-2msl': 'Timeout=2MSL',
  'timeout-fin-wait-2': 'FIN-WAIT-2 timeout (impl.)',
  'rcv-rst': 'rcv RST',
  'rcv-with-ack': 'rcv ACK',
  'rcv-without-ack': 'rcv segment w/o ACK',
  'rcv-syn': 'rcv SYN',
  'rcv-other': 'rcv other',
  'rcv-unacceptable-ack': 'rcv bad ACK',
  'rcv-rst-unacceptable-ack': 'rcv RST, bad ACK',
  'rcv-rst-without-ack': 'rcv RST w/o ACK',
  'rcv-syn-ack': 'rcv SYN,ACK',
  'rcv-unacceptable': 'rcv out-of-window',
  'rcv-rst-outside-window': 'rcv RST out of window',
  'rcv-rst-in-window': 'rcv RST in window',
  'rcv-rst-after-passive-open': 'rcv RST (passive)',
  'rcv-rst-after-active-open': 'rcv RST (active)',
  'rcv-syn-after-passive-open': 'rcv SYN (passive)',
  'rcv-ack-too-old': 'rcv ACK < SND.UNA-MAX.SND.WND',
  'rcv-ack-unsent': 'rcv ACK > SND.NXT',
  'rcv-ack-of-syn': 'rcv ACK of SYN',
  'rcv-ack': 'rcv ACK',
  'rcv-ack-of-fin': 'rcv ACK of FIN',
  'rcv-fin-ack-of-fin': 'rcv FIN + ACK of FIN',
  'rcv-data': 'rcv data',
  'rcv-out-of-order': 'rcv out-of-order',
  'rcv-text-after-fin': 'rcv text after FIN',
  'rcv-fin': 'rcv FIN',
};

const FLAG_WORDS: Readonly<Record<string, string>> = {
  S: 'SYN',
  'S.': 'SYN,ACK',
  '.': 'ACK',
  'F.': 'FIN',
  R: 'RST',
  'R.': 'RST,ACK',
  'P.': 'data',
};

/** "snd SYN,ACK" for what the row sends, '' when it sends nothing. */
export function sentLabel(row: Transition): string {
  return row.emits.map((e) => `snd ${FLAG_WORDS[e.flags] ?? e.flags}`).join(', ');
}

/** The event in Figure 5's words: "rcv SYN", "passive OPEN", "Timeout=2MSL". */
export const eventLabel = (on: EventName): string => EVENT_LABEL[on];

/** "rcv SYN / snd SYN,ACK", the notation of Figure 5 ("x": nothing sent). */
export function edgeLabel(row: Transition): string {
  return `${EVENT_LABEL[row.on]} / ${sentLabel(row) || 'x'}`;
}

const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export interface DotOptions {
  /** rows drawn; default: every row that changes state except the user timeout */
  include?: (row: Transition) => boolean;
  /** draw rows that keep the state as loops (default false) */
  selfLoops?: boolean;
  table?: readonly Transition[];
  title?: string;
}

/**
 * The table as DOT. With `marks`, each drawn row is coloured by its mark (rows without one count
 * as untested) and a legend is added; without, the plain diagram.
 */
export function toDot(marks?: ReadonlyMap<string, Mark>, options: DotOptions = {}): string {
  const table = options.table ?? rfcTable;
  const include = options.include ?? ((row: Transition) => row.on !== 'timeout-user');
  const lines: string[] = [
    `digraph tcp {`,
    `  graph [layout=neato, splines=true, overlap=false, fontname="Helvetica", label=${quote(options.title ?? 'RFC 9293 TCP connection states')}, labelloc=t];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="Helvetica", width=1.6];`,
    `  edge [fontname="Helvetica", fontsize=9];`,
  ];
  for (const [state, [x, y]] of Object.entries(POSITION)) {
    lines.push(`  ${quote(state)} [pos="${x},${y}!"];`);
  }
  for (const row of table) {
    if (!include(row)) continue;
    for (const from of fromStates(row)) {
      const to = target(row, from);
      if (to === from && !options.selfLoops) continue;
      const attrs = [`label=${quote(edgeLabel(row))}`, `id=${quote(`${row.id}:${from}`)}`, `tooltip=${quote(`${row.id} (${row.rfc})`)}`];
      if (marks) {
        const mark = marks.get(row.id) ?? 'untested';
        const { color, style } = COLOURS[mark];
        attrs.push(`color=${quote(color)}`, `fontcolor=${quote(color)}`, `style=${style}`);
      }
      lines.push(`  ${quote(from)} -> ${quote(to)} [${attrs.join(', ')}];`);
    }
  }
  if (marks) {
    const rows = (Object.keys(COLOURS) as Mark[])
      .map((mark) => `<tr><td bgcolor="${COLOURS[mark].color}">&nbsp;&nbsp;&nbsp;</td><td align="left">${mark}</td></tr>`)
      .join('');
    lines.push(
      `  legend [shape=plaintext, style="", pos="11,0!", label=<<table border="0" cellborder="1" cellspacing="0"><tr><td colspan="2"><b>transition</b></td></tr>${rows}</table>>];`,
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
