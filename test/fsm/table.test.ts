// The table itself: well-formed rows, every row reachable, and the table really governs the
// oracle (mutating one row changes exactly the cells that row decides).
import t from 'tap';
import { exampleTcb, observable } from '../../src/fsm/matrix.js';
import { predict, predictEvent } from '../../src/fsm/oracle.js';
import { rfcProfile, withTable } from '../../src/fsm/profiles.js';
import { isTcpState, states } from '../../src/fsm/states.js';
import { fromStates, rfcTable, type TimeoutEvent, type Transition, type UserCall } from '../../src/fsm/table.js';
import { instantiate } from '../../src/fsm/template.js';
import { established, finWait1, LOCAL_ISS, REMOTE_ISS, seg } from './fixtures.js';
import { grid } from './grid.js';

const USER_CALLS: UserCall[] = ['passive-open', 'active-open', 'send', 'close', 'abort'];
const TIMEOUTS: TimeoutEvent[] = ['timeout-retransmission-exhausted', 'timeout-user', 'timeout-2msl', 'timeout-fin-wait-2'];
const isSegmentRow = (row: Transition): boolean => row.on.startsWith('rcv-');

t.test('rows are well formed', async (t) => {
  const ids = rfcTable.map((r) => r.id);
  t.equal(new Set(ids).size, ids.length, 'row ids are unique');
  const pairs = new Set<string>();
  for (const row of rfcTable) {
    for (const from of fromStates(row)) {
      t.ok(isTcpState(from), `${row.id}: from ${from} is a state`);
      const key = `${from}|${row.on}`;
      t.notOk(pairs.has(key), `${row.id}: only one row for ${key}`);
      pairs.add(key);
    }
    t.ok(row.to === 'same' || isTcpState(row.to), `${row.id}: to is a state`);
    t.match(row.rfc, /^RFC (9293|5961)/, `${row.id}: cites its RFC section`);
    t.ok(row.note.length > 10, `${row.id}: has a reason`);
    if (isSegmentRow(row)) t.ok(row.verdict, `${row.id}: a segment row classifies the arrival`);
    for (const template of row.emits) {
      const reply = instantiate(template, exampleTcb('ESTABLISHED'), seg('S.', 1, 2));
      t.ok(Number.isInteger(reply.seq) && reply.seq >= 0 && reply.seq <= 0xffffffff, `${row.id}: template evaluates`);
    }
  }
});

t.test('every table row is reachable', async (t) => {
  const reached = new Map<string, string>();
  for (const point of grid()) {
    const p = predict(point.state, point.seg, point.tcb);
    for (const id of p.ruleIds) if (!reached.has(id)) reached.set(id, point.name);
  }
  for (const state of states) {
    for (const event of [...USER_CALLS, ...TIMEOUTS]) {
      const e = predictEvent(state, event, exampleTcb(state));
      if (e && !reached.has(e.ruleId)) reached.set(e.ruleId, `${state} ${event}`);
    }
  }
  for (const row of rfcTable) t.ok(reached.has(row.id), `${row.id} reached by ${reached.get(row.id) ?? 'nothing'}`);
});

t.test('mutation: ESTABLISHED + FIN no longer leaves ESTABLISHED', async (t) => {
  // A suite using the oracle must fail when the table is wrong: break one row and watch.
  const { state, tcb } = established();
  const fin = seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1);
  const good = predict(state, fin, tcb);
  t.equal(good.next, 'CLOSE-WAIT');
  const broken = rfcTable.map((row) => (row.id === 'established-rcv-fin' ? { ...row, to: 'ESTABLISHED' as const } : row));
  const bad = predict(state, fin, tcb, withTable(rfcProfile, broken));
  t.equal(bad.next, 'ESTABLISHED', 'the mutated row decides the cell');
  t.not(bad.next, good.next, 'so a suite comparing against the real stack would fail');
});

t.test('mutation: changing one row changes exactly the cells it governs', async (t) => {
  // Replace one row's answer by a sentinel RST. A cell may change only if that row was applied
  // there, and must change where the row had the last word.
  const points = [...grid()];
  const base = points.map((point) => predict(point.state, point.seg, point.tcb));
  const sentinel = [{ flags: 'R.', seq: '12345', ack: '54321' }];
  for (const row of rfcTable.filter(isSegmentRow)) {
    const profile = withTable(
      rfcProfile,
      rfcTable.map((r) => (r.id === row.id ? { ...r, emits: sentinel } : r)),
    );
    let governed = 0;
    let changed = 0;
    const strays: string[] = [];
    const missed: string[] = [];
    points.forEach((point, i) => {
      const before = base[i]!;
      const after = predict(point.state, point.seg, point.tcb, profile);
      const differs = observable(before) !== observable(after);
      const applied = before.ruleIds.includes(row.id);
      if (applied) governed++;
      if (differs) changed++;
      if (differs && !applied) strays.push(point.name);
      if (before.ruleId === row.id && !differs) missed.push(point.name);
    });
    t.ok(governed > 0, `${row.id} governs ${governed} grid cells`);
    t.ok(changed > 0, `${row.id}: mutating it changes ${changed} cells`);
    t.same(strays.slice(0, 3), [], `${row.id}: no cell outside its governance changed`);
    t.same(missed.slice(0, 3), [], `${row.id}: every cell it decides last changed`);
  }
});

t.test('user calls and timeouts (RFC 9293 3.10.1-3.10.5, 3.10.8)', async (t) => {
  t.test('test_closed_active_open_sends_syn', async (t) => {
    const e = predictEvent('CLOSED', 'active-open', exampleTcb('CLOSED'));
    t.equal(e?.next, 'SYN-SENT');
    t.same(e?.sends, [{ flags: 0x02, seq: 1000, ack: 0 }]);
    t.equal(e?.tcb.sndNxt, 1000 + 1);
  });
  t.test('test_established_close_sends_fin_and_advances_snd_nxt', async (t) => {
    const { tcb } = established();
    const e = predictEvent('ESTABLISHED', 'close', tcb);
    t.equal(e?.next, 'FIN-WAIT-1');
    t.same(e?.sends, [{ flags: 0x11, seq: REMOTE_ISS + 1, ack: LOCAL_ISS + 1 }]);
    t.equal(e?.tcb.sndNxt, REMOTE_ISS + 1 + 1, 'SYN, then FIN');
  });
  t.test('test_established_abort_sends_rst_at_snd_nxt', async (t) => {
    const { tcb } = established();
    const e = predictEvent('ESTABLISHED', 'abort', tcb);
    t.equal(e?.next, 'CLOSED');
    t.same(e?.sends, [{ flags: 0x04, seq: REMOTE_ISS + 1, ack: 0 }]);
  });
  t.test('test_send_advances_snd_nxt_by_length', async (t) => {
    const { tcb } = established();
    const e = predictEvent('ESTABLISHED', 'send', tcb, rfcProfile, { len: 100 });
    t.equal(e?.tcb.sndNxt, REMOTE_ISS + 1 + 100);
  });
  t.test('test_time_wait_2msl_closes', async (t) => {
    t.equal(predictEvent('TIME-WAIT', 'timeout-2msl', exampleTcb('TIME-WAIT'))?.next, 'CLOSED');
  });
  t.test('test_fin_wait_2_timeout_is_implementation_defined', async (t) => {
    const row = rfcTable.find((r) => r.on === 'timeout-fin-wait-2');
    t.equal(row?.implementationDefined, true);
  });
  t.test('test_close_in_fin_wait_1_is_an_error', async (t) => {
    t.equal(predictEvent('FIN-WAIT-1', 'close', finWait1().tcb), null, '"error: connection closing"');
    t.equal(predictEvent('CLOSED', 'send', exampleTcb('CLOSED')), null, '"error: connection does not exist"');
  });
});
