// A wide grid of arrivals for exhaustive checks: every state, TCB variants (passive/active open,
// orphaned or not, open or zero window), every segment kind and sequence position, and ACK fields
// on both sides of every boundary (SND.UNA, SND.NXT, SND.UNA - MAX.SND.WND, ISS).

import { cellSegment, exampleTcb, type SegmentKind, type SeqPosition, segmentKinds, seqPositions } from '../../src/fsm/matrix.js';
import type { Segment, Tcb } from '../../src/fsm/model.js';
import { states, type TcpState } from '../../src/fsm/states.js';
import { add, sub } from '../../src/packet/seq.js';

export interface GridPoint {
  state: TcpState;
  tcb: Tcb;
  kind: SegmentKind;
  position: SeqPosition;
  ackName: string;
  seg: Segment;
  name: string;
}

export function tcbVariants(state: TcpState): Array<{ name: string; tcb: Tcb }> {
  const base = exampleTcb(state);
  const out: Array<{ name: string; tcb: Tcb }> = [];
  for (const passiveOpen of [true, false]) {
    for (const orphaned of [false, true]) {
      for (const rcvWnd of [base.rcvWnd, 0]) {
        out.push({
          name: `${passiveOpen ? 'passive' : 'active'}${orphaned ? ',orphaned' : ''},wnd=${rcvWnd}`,
          tcb: { ...base, passiveOpen, orphaned, rcvWnd, maxSndWnd: 1000 },
        });
      }
    }
  }
  return out;
}

export function ackVariants(tcb: Tcb): Array<[string, number]> {
  return [
    ['SND.NXT', tcb.sndNxt],
    ['SND.UNA', tcb.sndUna],
    ['SND.UNA-1', sub(tcb.sndUna, 1)],
    ['SND.NXT+1', add(tcb.sndNxt, 1)],
    ['ISS', tcb.iss],
    ['SND.UNA-MAX.SND.WND-1', sub(tcb.sndUna, (tcb.maxSndWnd ?? tcb.sndWnd) + 1)],
  ];
}

export function* grid(only: readonly TcpState[] = states): Generator<GridPoint> {
  for (const state of only) {
    for (const { name: tcbName, tcb } of tcbVariants(state)) {
      for (const kind of segmentKinds) {
        for (const position of seqPositions) {
          for (const [ackName, ack] of ackVariants(tcb)) {
            const seg = cellSegment(kind, position, tcb, { ack });
            yield { state, tcb, kind, position, ackName, seg, name: `${state} [${tcbName}] ${kind} @ ${position} ack=${ackName}` };
          }
        }
      }
    }
  }
}
