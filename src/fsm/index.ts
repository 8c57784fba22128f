// Public surface of src/fsm: the state machine as data, the oracle, profiles, matrix, diagram.
export { states, synchronizedStates, otherStates, isSynchronized, isTcpState, type TcpState } from './states.js';
export type { Segment, Tcb, Reply, Prediction, Verdict } from './model.js';
export { segLen, withDefaults } from './model.js';
export { rfcTable, findRow, fromStates, target } from './table.js';
export type { Transition, EventName, SegmentEvent, UserCall, TimeoutEvent, Timer } from './table.js';
export { evaluate, instantiate, describeTemplate, FsmTableError, type SegmentTemplate } from './template.js';
export { acceptable, idealize, rfcPredict } from './rfc.js';
export { predict, predictEvent, type EventPrediction } from './oracle.js';
export {
  rfcProfile,
  linuxProfile,
  linuxDeviations,
  linuxOptionsForRelease,
  withTable,
  profiles,
  type Profile,
  type ProfileName,
  type Deviation,
  type LinuxOptions,
} from './profiles.js';
export {
  segmentKinds,
  seqPositions,
  cellSegment,
  seqAt,
  exampleTcb,
  conformanceMatrix,
  observable,
  cellName,
  type SegmentKind,
  type SeqPosition,
  type Cell,
} from './matrix.js';
export { toDot, edgeLabel, sentLabel, eventLabel, type Mark, type DotOptions } from './dot.js';
export { diagramModel, shortLabel, summaryMark, type DiagramModel, type DiagramOptions, type Arrow, type StateLoops, type MarkedRow } from './diagram.js';
