// The matrix suite predicts each cell under the Linux profile. test/fsm/table.test.ts already checks,
// for the RFC profile on a wider grid, that mutating one table row changes exactly the cells that
// row governs; this adds the same guarantee for what the suite actually compares against: the
// conformance matrix (exampleTcb, every state x kind x position) under the Linux profile, where
// deviations shadow some rows.
import t from 'tap';
import { conformanceMatrix, exampleTcb, observable } from '../../src/fsm/matrix.js';
import { predict } from '../../src/fsm/oracle.js';
import { linuxProfile, withTable } from '../../src/fsm/profiles.js';
import { rfcTable } from '../../src/fsm/table.js';

const linux = linuxProfile();
const base = conformanceMatrix(linux);
const sentinel = [{ flags: 'R.', seq: '12345', ack: '54321' }];

t.test('mutating one row changes exactly the Linux-profile cells it governs', async (t) => {
  let rowsGoverning = 0;
  for (const row of rfcTable.filter((r) => r.on.startsWith('rcv-'))) {
    const mutated = withTable(
      linux,
      rfcTable.map((r) => (r.id === row.id ? { ...r, emits: sentinel } : r)),
    );
    const strays: string[] = [];
    const missed: string[] = [];
    let governed = 0;
    for (const cell of base) {
      const after = predict(cell.state, cell.segment, exampleTcb(cell.state), mutated);
      const differs = observable(after) !== observable(cell.prediction);
      const applied = cell.prediction.ruleIds.includes(row.id);
      if (applied) governed++;
      if (differs && !applied) strays.push(`${cell.state} x ${cell.kind} @ ${cell.position}`);
      // a row that decided the cell and emits something must show up in the answer
      if (cell.prediction.ruleId === row.id && row.emits.length > 0 && !differs) missed.push(`${cell.state} x ${cell.kind} @ ${cell.position}`);
    }
    if (governed) rowsGoverning++;
    t.same(strays, [], `${row.id}: governs ${governed} matrix cells, no other cell changed`);
    t.same(missed, [], `${row.id}: every cell it decides changed`);
  }
  t.ok(rowsGoverning > 10, `${rowsGoverning} table rows govern at least one matrix cell under the Linux profile`);
});

t.test('a deviation shadows its row: mutating the row leaves the deviation-decided cells alone', async (t) => {
  // TIME-WAIT x ACK @ RCV.NXT is decided by linux-time-wait-bare-ack-silent, not the table.
  const cell = base.find((c) => c.state === 'TIME-WAIT' && c.kind === 'ACK' && c.position === 'RCV.NXT')!;
  t.equal(cell.prediction.deviation, 'linux-time-wait-bare-ack-silent');
  const mutated = withTable(
    linux,
    rfcTable.map((r) => ({ ...r, emits: sentinel })),
  );
  t.equal(observable(predict(cell.state, cell.segment, exampleTcb(cell.state), mutated)), observable(cell.prediction));
});
