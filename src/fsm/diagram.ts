// The transition table the way the diagram shows it: one arrow per (from, to) pair of states that
// a row changes, carrying every row that takes it, and per state the rows that keep it (the
// self-loops), summarised as one badge. Each row carries the run's mark for it.
import { eventLabel, type Mark, sentLabel } from './dot.js';
import { states, type TcpState } from './states.js';
import { fromStates, rfcTable, type Transition, target } from './table.js';

export interface MarkedRow {
  row: Transition;
  /** the state the row is taken from (a row may list several) */
  from: TcpState;
  mark: Mark;
  /** "rcv SYN / snd SYN,ACK"; just the event when nothing is sent */
  label: string;
}

export interface Arrow {
  from: TcpState;
  to: TcpState;
  rows: MarkedRow[];
  /** what the run found for the arrow as a whole (see summaryMark) */
  mark: Mark;
}

export interface StateLoops {
  state: TcpState;
  rows: MarkedRow[];
  mark: Mark;
}

export interface DiagramModel {
  arrows: Arrow[];
  loops: StateLoops[];
  /** rows left out of the picture (the user timeout, from every state), said in the legend */
  hidden: MarkedRow[];
}

/** Short label of a row: "rcv SYN / snd SYN,ACK", "CLOSE" (Figure 5 writes "x" for nothing sent). */
export function shortLabel(row: Transition): string {
  const sent = sentLabel(row);
  return sent ? `${eventLabel(row.on)} / ${sent}` : eventLabel(row.on);
}

/**
 * One mark for several rows: failed if any failed (a failure must not hide), else passed if any
 * passed, else covered if any was covered, else untested.
 */
export function summaryMark(marks: readonly Mark[]): Mark {
  for (const m of ['failed', 'passed', 'covered'] as const) if (marks.includes(m)) return m;
  return 'untested';
}

/** RST, R2 and ABORT lead almost everywhere to CLOSED: they come after the arrow's own event. */
const LAST: readonly string[] = ['rcv-rst', 'timeout-retransmission-exhausted', 'abort'];
const lastResort = (row: Transition): number => LAST.indexOf(row.on) + 1;

export interface DiagramOptions {
  table?: readonly Transition[];
  /** rows drawn; default: all but the user timeout (it leads every state to CLOSED) */
  include?: (row: Transition) => boolean;
}

export function diagramModel(marks?: ReadonlyMap<string, Mark>, options: DiagramOptions = {}): DiagramModel {
  const table = options.table ?? rfcTable;
  const include = options.include ?? ((row: Transition) => row.on !== 'timeout-user');
  const arrows = new Map<string, Arrow>();
  const loops = new Map<TcpState, MarkedRow[]>(states.map((s) => [s, []]));
  const hidden: MarkedRow[] = [];
  for (const row of table) {
    for (const from of fromStates(row)) {
      const marked: MarkedRow = { row, from, mark: marks?.get(row.id) ?? 'untested', label: shortLabel(row) };
      const to = target(row, from);
      if (!include(row)) hidden.push(marked);
      else if (to === from) loops.get(from)!.push(marked);
      else {
        const key = `${from}>${to}`;
        const arrow = arrows.get(key) ?? { from, to, rows: [], mark: 'untested' };
        arrow.rows.push(marked);
        arrows.set(key, arrow);
      }
    }
  }
  for (const a of arrows.values()) {
    a.rows.sort((x, y) => lastResort(x.row) - lastResort(y.row));
    a.mark = summaryMark(a.rows.map((r) => r.mark));
  }
  return {
    arrows: [...arrows.values()],
    loops: [...loops].map(([state, rows]) => ({ state, rows, mark: summaryMark(rows.map((r) => r.mark)) })),
    hidden,
  };
}
