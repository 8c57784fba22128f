// Segment templates in RFC notation, e.g. <SEQ=SEG.ACK><CTL=RST> is { flags: 'R', seq: 'SEG.ACK' }.
// A template stays symbolic in the table (so the table reads like the RFC and draws as a diagram)
// and becomes concrete numbers here, against one TCB and one arriving segment.
import { parseFlags } from '../packet/flags.js';
import { add, sub } from '../packet/seq.js';
import { type Reply, type Segment, segLen, type Tcb } from './model.js';

export interface SegmentTemplate {
  /** tcpdump spelling: 'S.' SYN-ACK, 'R' RST, 'R.' RST-ACK, '.' ACK, 'F.' FIN-ACK, 'P.' data */
  flags: string;
  /** an expression over the symbols below: 'ISS', 'SEG.ACK', 'SEG.SEQ+SEG.LEN', '0' */
  seq: string;
  /** omitted when the ACK flag is off (sent as 0) */
  ack?: string;
  /** fields the remote picks at this moment, unknowable beforehand (the ISS of a listener) */
  unknown?: ReadonlyArray<'seq' | 'ack'>;
}

/** A broken table row (unknown symbol, missing transition): a harness bug, never user input. */
export class FsmTableError extends Error {
  override name = 'FsmTableError';
}

export type Symbol = 'ISS' | 'IRS' | 'SND.UNA' | 'SND.NXT' | 'SND.WND' | 'RCV.NXT' | 'RCV.WND' | 'SEG.SEQ' | 'SEG.ACK' | 'SEG.LEN';

function symbolValue(name: string, tcb: Tcb, seg: Segment | null): number {
  switch (name) {
    case 'ISS':
      return tcb.iss;
    case 'IRS':
      return tcb.irs;
    case 'SND.UNA':
      return tcb.sndUna;
    case 'SND.NXT':
      return tcb.sndNxt;
    case 'SND.WND':
      return tcb.sndWnd;
    case 'RCV.NXT':
      return tcb.rcvNxt;
    case 'RCV.WND':
      return tcb.rcvWnd;
  }
  if (seg) {
    switch (name) {
      case 'SEG.SEQ':
        return seg.seq;
      case 'SEG.ACK':
        return seg.ack;
      case 'SEG.LEN':
        return segLen(seg);
    }
  }
  if (/^\d+$/.test(name)) return Number(name) >>> 0;
  throw new FsmTableError(`unknown symbol '${name}' in segment template`);
}

/** Parsed expressions: the table has a few dozen, evaluated on every prediction. */
const parsed = new Map<string, Array<{ negative: boolean; name: string }>>();

function terms(expression: string): Array<{ negative: boolean; name: string }> {
  let t = parsed.get(expression);
  if (t) return t;
  t = expression
    .replace(/\s+/g, '')
    .split(/(?=[+-])/)
    .map((token) => {
      const name = token.replace(/^[+-]/, '');
      if (name === '') throw new FsmTableError(`malformed expression '${expression}'`);
      return { negative: token.startsWith('-'), name };
    });
  parsed.set(expression, t);
  return t;
}

/** Evaluates 'SEG.SEQ+SEG.LEN', 'ISS+1', 'RCV.NXT-1' modulo 2^32. */
export function evaluate(expression: string, tcb: Tcb, seg: Segment | null): number {
  let value = 0;
  for (const { negative, name } of terms(expression)) {
    const term = symbolValue(name, tcb, seg);
    value = negative ? sub(value, term) : add(value, term);
  }
  return value;
}

/** The concrete segment a template stands for. */
export function instantiate(template: SegmentTemplate, tcb: Tcb, seg: Segment | null): Reply {
  const reply: Reply = {
    flags: parseFlags(template.flags),
    seq: evaluate(template.seq, tcb, seg),
    ack: template.ack === undefined ? 0 : evaluate(template.ack, tcb, seg),
  };
  return template.unknown ? { ...reply, unknown: template.unknown } : reply;
}

/** RFC notation for labels and reports: <SEQ=SEG.ACK><CTL=RST>. */
export function describeTemplate(template: SegmentTemplate): string {
  const ack = template.ack === undefined ? '' : `<ACK=${template.ack}>`;
  return `<SEQ=${template.seq}>${ack}<CTL=${template.flags}>`;
}
