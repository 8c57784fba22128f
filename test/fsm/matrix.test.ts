// The conformance matrix and its building blocks: cells, positions, example TCBs, templates.
import t from 'tap';
import {
  ackAt,
  ackAxis,
  ackMatrix,
  cellName,
  cellSegment,
  conformanceMatrix,
  exampleTcb,
  observable,
  segmentKinds,
  seqAt,
  seqPositions,
} from '../../src/fsm/matrix.js';
import { predict } from '../../src/fsm/oracle.js';
import { linuxProfile, rfcProfile, withTable } from '../../src/fsm/profiles.js';
import { isSynchronized, otherStates, states, synchronizedStates } from '../../src/fsm/states.js';
import { rfcTable } from '../../src/fsm/table.js';
import { describeTemplate, evaluate, FsmTableError } from '../../src/fsm/template.js';
import { ACK, FIN, PSH, RST, SYN } from '../../src/packet/types.js';
import { seg } from './fixtures.js';

t.test('cells', async (t) => {
  const tcb = exampleTcb('ESTABLISHED');
  t.equal(tcb.rcvNxt, 5000 + 1, 'IRS + 1: their SYN');
  t.same(
    seqPositions.map((p) => seqAt(p, tcb)),
    [5000, 5001, 5001 + 64240 - 1, 5001 + 64240],
  );
  t.same(cellSegment('SYN-FIN', 'RCV.NXT', tcb), { flags: SYN | FIN, seq: 5001, ack: 0, len: 0 });
  t.same(cellSegment('RST-ACK', 'RCV.NXT-1', tcb), { flags: RST | ACK, seq: 5000, ack: 1001, len: 0 }, 'ACK = SND.NXT');
  t.same(cellSegment('data', 'RCV.NXT', tcb, { len: 7, ack: 3 }), { flags: PSH | ACK, seq: 5001, ack: 3, len: 7 });
  const wrapped = { ...tcb, rcvNxt: 0xffffffff, rcvWnd: 2 };
  t.same(
    seqPositions.map((p) => seqAt(p, wrapped)),
    [0xfffffffe, 0xffffffff, 0, 1],
    'positions wrap at 2^32',
  );
});

t.test('example TCBs spell out SYN and FIN', async (t) => {
  t.equal(exampleTcb('FIN-WAIT-1').sndNxt, 1000 + 1 + 1, 'our SYN, then our FIN');
  t.equal(exampleTcb('FIN-WAIT-1').sndUna, 1000 + 1, 'the FIN not yet acknowledged');
  t.equal(exampleTcb('CLOSE-WAIT').rcvNxt, 5000 + 1 + 1, 'their SYN, then their FIN');
  t.equal(exampleTcb('TIME-WAIT').sndUna, exampleTcb('TIME-WAIT').sndNxt, 'everything acknowledged');
});

t.test('the matrix covers every state x kind x position', async (t) => {
  const cells = conformanceMatrix();
  t.equal(cells.length, states.length * segmentKinds.length * seqPositions.length);
  t.equal(new Set(cells.map(cellName)).size, cells.length, 'cell names are unique');
  for (const cell of cells) {
    const again = predict(cell.state, cell.segment, exampleTcb(cell.state));
    if (observable(again) !== observable(cell.prediction)) t.fail(`${cellName(cell)} is not the oracle's answer`);
  }
  const estab = cells.find((c) => cellName(c) === 'ESTABLISHED x FIN-ACK @ RCV.NXT');
  t.equal(estab?.prediction.next, 'CLOSE-WAIT');
  const linux = conformanceMatrix(linuxProfile(), exampleTcb, ['TIME-WAIT']);
  t.equal(linux.length, segmentKinds.length * seqPositions.length, 'a subset of states');
  t.ok(linux.some((c) => c.prediction.deviation === 'linux-time-wait-syn-reuse'));
});

t.test('the ack axis: SND.UNA-1, SND.UNA, SND.NXT+1 where they differ from the sequence axis', async (t) => {
  const fw1 = exampleTcb('FIN-WAIT-1');
  t.same(
    (['SND.UNA-1', 'SND.UNA', 'SND.NXT', 'SND.NXT+1'] as const).map((p) => ackAt(p, fw1)),
    [1000, 1001, 1002, 1003],
  );
  t.equal(ackAxis('FIN-WAIT-1').length, 5 * 3, 'FIN outstanding: SND.UNA is its own position');
  t.equal(ackAxis('ESTABLISHED').length, 5 * 2, 'nothing outstanding: SND.UNA = SND.NXT is the sequence axis cell');
  t.same(ackAxis('LISTEN'), [], 'nothing to acknowledge in LISTEN');
  const cells = ackMatrix();
  t.equal(cells.length, 115, '5 states x 15 + 4 states x 10');
  t.equal(new Set([...cells, ...conformanceMatrix()].map(cellName)).size, 115 + 396, 'names unique across both axes');
  const rfc = (name: string) => cells.find((c) => cellName(c) === name)?.prediction;
  t.equal(rfc('ESTABLISHED x ACK @ RCV.NXT ack=SND.NXT+1')?.verdict, 'ack', 'acks something not yet sent: ACK, drop (3.10.7.4 fifth)');
  t.equal(rfc('SYN-SENT x SYN-ACK @ RCV.NXT ack=SND.UNA')?.reply?.flags, RST, 'SEG.ACK =< ISS: reset (3.10.7.3)');
  t.equal(rfc('SYN-SENT x RST-ACK @ RCV.NXT ack=SND.NXT+1')?.reply, null, 'a RST with an unacceptable ACK is dropped');
  t.equal(rfc('SYN-RECEIVED x ACK @ RCV.NXT ack=SND.NXT+1')?.reply?.flags, RST, 'unacceptable ACK in SYN-RECEIVED: reset');
  // Linux, as the lab's kernel answers (suites/matrix.ts): the orphaned FIN-WAIT-2 never looks at SEG.ACK,
  // and an in-window RST,ACK drops a request whatever its ACK.
  const orphan = (state: (typeof states)[number]) => ({ ...exampleTcb(state), orphaned: state === 'FIN-WAIT-2' });
  const linux = ackMatrix(linuxProfile({ synRecvRstExact: true }), orphan, ['FIN-WAIT-2', 'SYN-RECEIVED']);
  const older = ackMatrix(linuxProfile(), orphan, ['SYN-RECEIVED']);
  t.equal(
    older.find((c) => cellName(c) === 'SYN-RECEIVED x RST-ACK @ RCV.NXT ack=SND.UNA')?.prediction.next,
    'SYN-RECEIVED',
    'before the exact RST check, a RST,ACK with a wrong ACK is dropped',
  );
  const at = (name: string) => linux.find((c) => cellName(c) === name)?.prediction;
  t.equal(at('FIN-WAIT-2 x FIN-ACK @ RCV.NXT ack=SND.NXT+1')?.next, 'TIME-WAIT');
  t.equal(at('FIN-WAIT-2 x FIN-ACK @ RCV.NXT ack=SND.NXT+1')?.deviation, 'linux-fin-wait-2-orphan-ack-unchecked');
  t.equal(at('FIN-WAIT-2 x data @ RCV.NXT ack=SND.UNA-1')?.reply?.flags, RST, 'new data after close(): RST');
  t.equal(at('SYN-RECEIVED x RST-ACK @ RCV.NXT ack=SND.UNA')?.next, 'LISTEN');
  t.equal(at('SYN-RECEIVED x ACK @ RCV.NXT ack=SND.UNA')?.reply?.flags, RST, 'a wrong ACK still gets a RST');
});

t.test('observable() is what a wire observer can check', async (t) => {
  const tcb = exampleTcb('LISTEN');
  const p = predict('LISTEN', seg('S', 5000), tcb);
  t.equal(observable(p), `${SYN | ACK}:*:5001 -> SYN-RECEIVED`, 'the listener ISS is a wildcard');
  t.equal(observable(predict('LISTEN', seg('R', 1), tcb)), 'none -> LISTEN');
});

t.test('templates', async (t) => {
  const tcb = exampleTcb('ESTABLISHED');
  t.equal(evaluate('SEG.SEQ+SEG.LEN', tcb, seg('SF', 0xffffffff, 0, 3)), 4, 'SYN + 3 + FIN wraps');
  t.equal(evaluate('RCV.NXT-1', tcb, null), 5000);
  t.equal(evaluate('0', tcb, null), 0);
  t.throws(() => evaluate('SEG.ACK', tcb, null), FsmTableError, 'no segment, no SEG.* symbols');
  t.throws(() => evaluate('SND.MAX', tcb, null), FsmTableError);
  t.throws(() => evaluate('ISS+', tcb, null), FsmTableError);
  t.equal(describeTemplate({ flags: 'R', seq: 'SEG.ACK' }), '<SEQ=SEG.ACK><CTL=R>');
  t.equal(describeTemplate({ flags: 'R.', seq: '0', ack: 'SEG.SEQ+SEG.LEN' }), '<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=R.>');
});

t.test('a table with a missing row is a harness error, named', async (t) => {
  const holed = withTable(
    rfcProfile,
    rfcTable.filter((r) => r.id !== 'established-rcv-fin'),
  );
  t.throws(() => predict('ESTABLISHED', seg('F.', 5001, 1001), exampleTcb('ESTABLISHED'), holed), {
    name: 'FsmTableError',
    message: 'no transition for ESTABLISHED on rcv-fin',
  });
});

t.test('state groups', async (t) => {
  t.equal(states.length, 11);
  t.same(
    synchronizedStates.filter((s) => !isSynchronized(s)),
    [],
  );
  t.notOk(isSynchronized('SYN-RECEIVED'), 'SYN-RECEIVED is not synchronized (3.5.2 group 2)');
  t.ok(otherStates.includes('SYN-RECEIVED'), 'but it is handled by 3.10.7.4');
});
