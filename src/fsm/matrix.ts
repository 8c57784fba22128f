// The conformance matrix: every state x segment kind x sequence position, with the oracle's
// answer in each cell. A suite walks the cells against a real stack; a unit test mutates a table
// row and checks which cells change.
import { add, sub } from '../packet/seq.js';
import { ACK, FIN, PSH, RST, SYN } from '../packet/types.js';
import type { Prediction, Segment, Tcb } from './model.js';
import { predict } from './oracle.js';
import { type Profile, rfcProfile } from './profiles.js';
import { states, type TcpState } from './states.js';

export const segmentKinds = ['SYN', 'SYN-ACK', 'SYN-FIN', 'ACK', 'FIN', 'FIN-ACK', 'RST', 'RST-ACK', 'data'] as const;
export type SegmentKind = (typeof segmentKinds)[number];

/** Where SEG.SEQ sits relative to the remote's receive window: both edges, inside and outside. */
export const seqPositions = ['RCV.NXT-1', 'RCV.NXT', 'RCV.NXT+RCV.WND-1', 'RCV.NXT+RCV.WND'] as const;
export type SeqPosition = (typeof seqPositions)[number];

const KIND_FLAGS: Readonly<Record<SegmentKind, number>> = {
  SYN: SYN,
  'SYN-ACK': SYN | ACK,
  'SYN-FIN': SYN | FIN,
  ACK: ACK,
  FIN: FIN,
  'FIN-ACK': FIN | ACK,
  RST: RST,
  'RST-ACK': RST | ACK,
  data: PSH | ACK,
};

export function seqAt(position: SeqPosition, tcb: Tcb): number {
  switch (position) {
    case 'RCV.NXT-1':
      return sub(tcb.rcvNxt, 1);
    case 'RCV.NXT':
      return tcb.rcvNxt;
    case 'RCV.NXT+RCV.WND-1':
      return sub(add(tcb.rcvNxt, tcb.rcvWnd), 1);
    case 'RCV.NXT+RCV.WND':
      return add(tcb.rcvNxt, tcb.rcvWnd);
  }
}

/**
 * The concrete segment of one cell. ACK-bearing kinds acknowledge everything the remote sent
 * (SEG.ACK = SND.NXT) unless `ack` is given; 'data' carries `len` octets (default 1, so it fits
 * the window at every position inside it).
 */
export function cellSegment(kind: SegmentKind, position: SeqPosition, tcb: Tcb, options: { ack?: number; len?: number } = {}): Segment {
  const flags = KIND_FLAGS[kind];
  return {
    flags,
    seq: seqAt(position, tcb),
    ack: flags & ACK ? (options.ack ?? tcb.sndNxt) : 0,
    len: kind === 'data' ? (options.len ?? 1) : 0,
  };
}

/**
 * The acknowledgment-number axis (as gVisor's packetimpact and FreeBSD's tcp-testsuite test it):
 * SEG.ACK just below, at and just past what the remote has outstanding (RFC 9293 3.10.7.3,
 * 3.10.7.4 fifth check: SND.UNA < SEG.ACK =< SND.NXT is acceptable).
 */
export const ackPositions = ['SND.UNA-1', 'SND.UNA', 'SND.NXT', 'SND.NXT+1'] as const;
export type AckPosition = (typeof ackPositions)[number];

/** The ACK-bearing kinds the ack axis varies. */
export const ackKinds = ['SYN-ACK', 'ACK', 'FIN-ACK', 'RST-ACK', 'data'] as const satisfies readonly SegmentKind[];

export function ackAt(position: AckPosition, tcb: Tcb): number {
  switch (position) {
    case 'SND.UNA-1':
      return sub(tcb.sndUna, 1);
    case 'SND.UNA':
      return tcb.sndUna;
    case 'SND.NXT':
      return tcb.sndNxt;
    case 'SND.NXT+1':
      return add(tcb.sndNxt, 1);
  }
}

/**
 * The ack axis's cells in one state: every ACK-bearing kind at SEG.SEQ = RCV.NXT, SEG.ACK at each
 * ack position. Left out: SND.NXT (the sequence axis's own SEG.ACK) and, where nothing is
 * outstanding (SND.UNA = SND.NXT), SND.UNA too; CLOSED and LISTEN have nothing to acknowledge.
 */
export function ackAxis(state: TcpState, tcb: Tcb = exampleTcb(state)): Array<{ kind: SegmentKind; ack: AckPosition }> {
  if (state === 'CLOSED' || state === 'LISTEN') return [];
  const positions = ackPositions.filter((p) => p !== 'SND.NXT' && !(p === 'SND.UNA' && tcb.sndUna === tcb.sndNxt));
  return ackKinds.flatMap((kind) => positions.map((ack) => ({ kind, ack })));
}

/** A cell's place on the wire: its sequence position, and its ack position when on the ack axis. */
export const cellPosition = (position: SeqPosition, ack?: AckPosition): string => (ack ? `${position} ack=${ack}` : position);

export interface Cell {
  state: TcpState;
  kind: SegmentKind;
  position: SeqPosition;
  /** on the ack axis: where SEG.ACK sits (otherwise SND.NXT) */
  ack?: AckPosition;
  segment: Segment;
  prediction: Prediction;
}

/** A plausible remote TCB for each state: ISS 1000, IRS 5000, spelled out step by step. */
export function exampleTcb(state: TcpState, iss = 1000, irs = 5000, window = 64240): Tcb {
  const base: Tcb = {
    iss,
    irs,
    sndUna: iss,
    sndNxt: iss,
    sndWnd: window,
    rcvNxt: add(irs, 1),
    rcvWnd: window,
  };
  const syn = add(iss, 1); // our SYN sent
  const synFin = add(iss, 1 + 1); // our SYN, then our FIN
  const theirSyn = add(irs, 1); // their SYN received
  const theirSynFin = add(irs, 1 + 1); // their SYN, then their FIN
  switch (state) {
    case 'CLOSED':
    case 'LISTEN':
      return base;
    case 'SYN-SENT':
      return { ...base, sndNxt: syn };
    case 'SYN-RECEIVED':
      return { ...base, sndNxt: syn, passiveOpen: true };
    case 'ESTABLISHED':
      return { ...base, sndUna: syn, sndNxt: syn, rcvNxt: theirSyn };
    case 'FIN-WAIT-1':
      return { ...base, sndUna: syn, sndNxt: synFin, rcvNxt: theirSyn };
    case 'FIN-WAIT-2':
      return { ...base, sndUna: synFin, sndNxt: synFin, rcvNxt: theirSyn };
    case 'CLOSE-WAIT':
      return { ...base, sndUna: syn, sndNxt: syn, rcvNxt: theirSynFin };
    case 'CLOSING':
    case 'LAST-ACK':
      return { ...base, sndUna: syn, sndNxt: synFin, rcvNxt: theirSynFin };
    case 'TIME-WAIT':
      return { ...base, sndUna: synFin, sndNxt: synFin, rcvNxt: theirSynFin };
  }
}

/** Every cell for the given states, each with the profile's prediction. */
export function conformanceMatrix(
  profile: Profile = rfcProfile,
  tcbFor: (state: TcpState) => Tcb = (state) => exampleTcb(state),
  only: readonly TcpState[] = states,
): Cell[] {
  const cells: Cell[] = [];
  for (const state of only) {
    const tcb = tcbFor(state);
    for (const kind of segmentKinds) {
      for (const position of seqPositions) {
        const segment = cellSegment(kind, position, tcb);
        cells.push({ state, kind, position, segment, prediction: predict(state, segment, tcb, profile) });
      }
    }
  }
  return cells;
}

/** The ack axis's cells for the given states (SEG.SEQ = RCV.NXT), each with the profile's prediction. */
export function ackMatrix(
  profile: Profile = rfcProfile,
  tcbFor: (state: TcpState) => Tcb = (state) => exampleTcb(state),
  only: readonly TcpState[] = states,
): Cell[] {
  return only.flatMap((state) => {
    const tcb = tcbFor(state);
    return ackAxis(state, tcb).map(({ kind, ack }) => {
      const segment = cellSegment(kind, 'RCV.NXT', tcb, { ack: ackAt(ack, tcb) });
      return { state, kind, position: 'RCV.NXT' as const, ack, segment, prediction: predict(state, segment, tcb, profile) };
    });
  });
}

/** What an observer can check of a prediction: the answer on the wire and the next state. */
export function observable(p: Prediction): string {
  const r = p.reply;
  const wire = r ? `${r.flags}:${r.unknown?.includes('seq') ? '*' : r.seq}:${r.ack}` : 'none';
  return `${wire} -> ${p.next}`;
}

export const cellName = (c: Pick<Cell, 'state' | 'kind' | 'position' | 'ack'>): string => `${c.state} x ${c.kind} @ ${cellPosition(c.position, c.ack)}`;
