// The exchange so far as a terminal ladder diagram, drawn like the textbook figures: the probe's
// lifeline on the left, the target's on the right, one arrow per segment with its tcpdump flags
// and relative seq/ack/len, beside the target the state the FSM expects and the kernel's, and on
// the left our own side's state (probe-side.ts, derived from the segments) where it changes.
//
//                probe                                                   target
//   ── connection 1: probe port 40001 → target port 8080 ──
//   SYN-SENT     |-- [S] seq 0 -------------------------------------->|
//   ESTABLISHED  |<------------------------------ [S.] seq 0 ack 1 --|  SYN-RECEIVED (kernel SYN-RECEIVED)
//                |-- [.] seq 1 ack 1 -------------------------------->|  ESTABLISHED (kernel ESTABLISHED)
import { formatFlags, Seq } from '../packet/index.js';
import { ACK } from '../packet/types.js';
import type { TraceEntry } from '../peer/trace.js';
import { ProbeSide } from './probe-side.js';

/** A trace note `connection N: probe port P → target port Q` starts a connection's rows. */
export const CONNECT_NOTE = 'connection';
const CONNECT_RE = /^connection (\d+): probe port (\d+) → target port (\d+)$/;

/** Columns between the two lifelines. */
const SPAN = 54;
/** The left margin, wide enough for our state ("SYN-RECEIVED"). */
const INDENT = ' '.repeat(16);

export interface LadderRow {
  text: string;
  /** what kind of row, for colouring */
  kind: 'head' | 'out' | 'in' | 'note' | 'state' | 'bad';
}

/** "[S.] seq 0 ack 1" (+ " len 5"): relative to each side's ISN, as tcpdump prints without -S. */
export function arrowLabel(e: Extract<TraceEntry, { kind: 'segment' }>): string {
  const tcp = e.segment.tcp;
  const out = e.segment.dir === 'out';
  const isn = e.isn?.() ?? {};
  const src = (out ? isn.probe : isn.remote) ?? 0;
  const dst = (out ? isn.remote : isn.probe) ?? 0;
  const parts = [`[${formatFlags(tcp.flags)}]`, `seq ${Seq.sub(tcp.seq, src) >>> 0}`];
  if (tcp.flags & ACK) parts.push(`ack ${Seq.sub(tcp.ack, dst) >>> 0}`);
  if (tcp.payload.length) parts.push(`len ${tcp.payload.length}`);
  return parts.join(' ');
}

/** Notes worth a row: what the target's application or timers did (not the oracle's reasoning). */
const shownNote = (text: string): boolean => !/^(fsm:|ok |remote )/.test(text);

export function ladder(entries: readonly TraceEntry[]): LadderRow[] {
  const rows: LadderRow[] = [{ text: `${INDENT.slice(3)}probe${' '.repeat(SPAN - 3)}target`, kind: 'head' }];
  let conn: string | undefined;
  let connCount = 0;
  /** the connection was headed by its first segment: its own note adds no second header */
  let autoHeaded = false;
  /** our side of the current connection, from its segments */
  let side: ProbeSide | undefined;
  const header = (n: number, probePort: number, targetPort: number, auto: boolean) => {
    const key = `${probePort}>${targetPort}`;
    if (!auto && autoHeaded && key === conn) {
      autoHeaded = false;
      return;
    }
    conn = key;
    autoHeaded = auto;
    lastState = undefined;
    open = undefined;
    side = undefined;
    connCount = auto ? connCount + 1 : n;
    rows.push({ text: `   ── connection ${connCount}: probe port ${probePort} → target port ${targetPort} ──`, kind: 'head' });
  };
  /** index of the last arrow row that has no state beside it yet */
  let open: number | undefined;
  let lastState: string | undefined;
  for (const e of entries) {
    if (e.kind === 'segment') {
      const tcp = e.segment.tcp;
      const out = e.segment.dir === 'out';
      const probePort = out ? tcp.srcPort : tcp.dstPort;
      const targetPort = out ? tcp.dstPort : tcp.srcPort;
      const key = `${probePort}>${targetPort}`;
      if (key !== conn) header(connCount + 1, probePort, targetPort, true);
      else autoHeaded = false;
      const label = ` ${clip(arrowLabel(e), SPAN - 8)} `;
      const text = out ? `|--${label}${'-'.repeat(SPAN - 3 - label.length)}>|` : `|<${'-'.repeat(SPAN - 3 - label.length)}${label}--|`;
      // Our state after this segment, written on the left when it changed.
      side ??= new ProbeSide(out ? 'CLOSED' : 'LISTEN');
      const before = side.state;
      const seg = { flags: tcp.flags, seq: tcp.seq, ack: tcp.ack, len: tcp.payload.length };
      const after = out ? side.sent(seg) : side.received(seg);
      const margin = after !== before ? `   ${after}`.padEnd(INDENT.length) : INDENT;
      rows.push({ text: margin + text, kind: out ? 'out' : 'in' });
      open = rows.length - 1;
    } else if (e.kind === 'state') {
      const label = e.agree ? `${e.model}${e.truth ? ` (kernel ${e.truth})` : ''}` : `FSM ${e.model} ≠ kernel ${e.truth}  ✗`;
      if (label === lastState && e.agree) continue;
      lastState = label;
      if (open !== undefined) {
        rows[open] = { text: `${rows[open]!.text}  ${label}`, kind: e.agree ? rows[open]!.kind : 'bad' };
        open = undefined;
      } else {
        rows.push({ text: `${INDENT}|${' '.repeat(SPAN)}|  ${label}`, kind: e.agree ? 'state' : 'bad' });
      }
    } else if (CONNECT_RE.test(e.text)) {
      const [, n, probePort, targetPort] = CONNECT_RE.exec(e.text)!.map(Number);
      header(n!, probePort!, targetPort!, false);
    } else if (shownNote(e.text)) {
      rows.push({ text: `${INDENT}|${`  (${clip(e.text, SPAN - 6)})`.padEnd(SPAN)}|`, kind: 'note' });
      open = undefined;
    }
  }
  if (rows.length === 1) rows.push({ text: '   (nothing yet: listen, connect, then send a segment)', kind: 'note' });
  return rows;
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
