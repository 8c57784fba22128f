// Public surface of src/fsm: the state machine as data, the oracle, profiles, matrix, diagram.

export { type Arrow, type DiagramModel, type DiagramOptions, diagramModel, type MarkedRow, type StateLoops, shortLabel, summaryMark } from './diagram.js';
export { type DotOptions, edgeLabel, eventLabel, type Mark, sentLabel, toDot } from './dot.js';
export {
  type AckPosition,
  ackAt,
  ackAxis,
  ackKinds,
  ackMatrix,
  ackPositions,
  type Cell,
  cellName,
  cellPosition,
  cellSegment,
  conformanceMatrix,
  exampleTcb,
  observable,
  type SegmentKind,
  type SeqPosition,
  segmentKinds,
  seqAt,
  seqPositions,
} from './matrix.js';
export type { Prediction, Reply, Segment, Tcb, Verdict } from './model.js';
export { segLen, withDefaults } from './model.js';
export { type EventPrediction, predict, predictEvent } from './oracle.js';
export {
  type Deviation,
  type LinuxOptions,
  linuxDeviations,
  linuxOptionsForRelease,
  linuxProfile,
  type Profile,
  type ProfileName,
  profiles,
  rfcProfile,
  withTable,
} from './profiles.js';
export { acceptable, idealize, rfcPredict } from './rfc.js';
export { isSynchronized, isTcpState, otherStates, states, synchronizedStates, type TcpState } from './states.js';
export type { EventName, SegmentEvent, TimeoutEvent, Timer, Transition, UserCall } from './table.js';
export { findRow, fromStates, rfcTable, target } from './table.js';
export { describeTemplate, evaluate, FsmTableError, instantiate, type SegmentTemplate } from './template.js';
