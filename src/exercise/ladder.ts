// The exchange so far as a terminal ladder diagram, drawn like the textbook figures: the probe's
// lifeline on the left, the target's on the right, one arrow per segment with its tcpdump flags
// and relative seq/ack/len, and beside the target the state the FSM expects and the kernel's.
//
//        probe                                                  target
//   ── connection 1: probe port 40001 → target port 8080 ──
//          |-- [S] seq 0 -------------------------------------->|  SYN-RECEIVED (kernel SYN-RECEIVED)
//          |<------------------------------ [S.] seq 0 ack 1 --|
//          |-- [.] seq 1 ack 1 -------------------------------->|  ESTABLISHED (kernel ESTABLISHED)
import { formatFlags, Seq } from '../packet/index.js';
import { ACK } from '../packet/types.js';
import type { TraceEntry } from '../peer/trace.js';

/** A trace note `connection N: probe port P → target port Q` starts a connection's rows. */
export const CONNECT_NOTE = 'connection';
const CONNECT_RE = /^connection (\d+): probe port (\d+) → target port (\d+)$/;

/** Columns between the two lifelines. */
const SPAN = 54;
const INDENT = '        ';

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
  const header = (n: number, probePort: number, targetPort: number) => {
    conn = `${probePort}>${targetPort}`;
    lastState = undefined;
    open = undefined;
    connCount = n;
    rows.push({ text: `   ── connection ${n}: probe port ${probePort} → target port ${targetPort} ──`, kind: 'head' });
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
      if (key !== conn) header(connCount + 1, probePort, targetPort);
      const label = ` ${clip(arrowLabel(e), SPAN - 8)} `;
      const text = out
        ? `|--${label}${'-'.repeat(SPAN - 3 - label.length)}>|`
        : `|<${'-'.repeat(SPAN - 3 - label.length)}${label}--|`;
      rows.push({ text: INDENT + text, kind: out ? 'out' : 'in' });
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
      header(n!, probePort!, targetPort!);
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
