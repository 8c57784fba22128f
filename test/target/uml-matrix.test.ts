// The whole conformance matrix on User-Mode Linux 6.1, with ground truth: every cell passes
// against the linux profile of the guest's own release (not the host's), and the cells where 6.1
// answers unlike the host's 6.18 are followed as 6.1's departures. The RTO floor the matrix asks
// for holds in the guest too: no FIN retransmission lands in a quiet window.
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { runTcpfsm } from '../remote/helpers.js';
import { cannotRun } from './runnable.js';

t.test('run matrix --stack uml passes, cell by cell', { timeout: 300_000, skip: cannotRun('uml') }, async (t) => {
  const run = await runTcpfsm(['--stack', 'uml', 'matrix'], { timeoutMs: 290_000 });
  t.equal(run.code, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
  const result = run.results.find((r) => r.suite === 'matrix' && r.stack === 'uml');
  t.ok(result, 'the matrix ran on uml');
  for (const x of result?.tests ?? []) t.ok(x.ok && !x.skip, x.name);
  const cells = result?.matrix ?? [];
  t.ok(cells.length >= 500, `every cell ran (${cells.length})`);
  t.same(
    cells.filter((c) => c.outcome === 'fail').map((c) => `${c.state} <- ${c.kind} @${c.position}`),
    [],
    'no cell fails',
  );
  const cell = (state: string, kind: string, position: string) => cells.find((c) => c.state === state && c.kind === kind && c.position === position);

  // Before the 6.18.38 challenge ACK: SEG.ACK > SND.NXT in ESTABLISHED is dropped silently.
  t.match(cell('ESTABLISHED', 'ACK', 'RCV.NXT ack=SND.NXT+1'), { outcome: 'deviation', observed: 'nothing -> ESTABLISHED' });
  // Before 6.17 a segment at the right edge is processed whatever its end: its ACK closes CLOSING.
  t.match(cell('CLOSING', 'data', 'RCV.NXT+RCV.WND'), { outcome: 'deviation', observed: 'nothing -> TIME-WAIT' });
  // Before 6.10 a SYN reopening TIME-WAIT gets a fresh hashed ISN; MAY-2 (RFC 1122 4.2.2.13)
  // still holds: it is above every sequence number the old incarnation used (its SND.NXT).
  for (const position of ['RCV.NXT+RCV.WND-1', 'RCV.NXT+RCV.WND']) {
    const reuse = cell('TIME-WAIT', 'SYN', position);
    t.match(reuse, { outcome: 'deviation', expected: /^\[S\.\] seq \* ack \d+ -> SYN-RECEIVED$/ }, `TIME-WAIT <- SYN @${position}: a new incarnation`);
    const isn = Number(/^\[S\.\] seq (\d+)/.exec(reuse?.observed ?? '')?.[1]);
    const oldSndNxt = Number(/^\[\.\] seq (\d+)/.exec(reuse?.rfcExpected ?? '')?.[1]);
    t.ok(Number.isInteger(isn) && Number.isInteger(oldSndNxt) && Seq.gt(isn, oldSndNxt), `new ISN ${isn} above the old SND.NXT ${oldSndNxt}`);
  }
});
