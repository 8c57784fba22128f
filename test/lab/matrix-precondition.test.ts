// A cell whose state the target never reaches is inconclusive, with the reason, not failed: the
// transition that went another way is what the suites judge. Made real with Linux's
// tcp_max_tw_buckets=0: the lab's kernel then closes instead of entering TIME-WAIT, so the
// TIME-WAIT fixture cannot get there. A harness error in a fixture still fails (matrix.ts).
import t from 'tap';
import { runTcpfsm } from '../remote/helpers.js';

t.test('no TIME-WAIT to test: every TIME-WAIT cell is inconclusive and says why', { timeout: 120_000 }, async (t) => {
  const run = await runTcpfsm(['matrix', '--grep', 'TIME-WAIT', '--lab-sysctl', 'tcp_max_tw_buckets=0'], { timeoutMs: 110_000 });
  t.equal(run.code, 0, 'exit 0: nothing failed', { stderr: run.stderr.slice(-2000) });
  const cells = run.results.flatMap((r) => r.matrix ?? []);
  t.ok(cells.length >= 40, `the TIME-WAIT cells ran (${cells.length})`);
  for (const c of cells) {
    t.equal(c.state, 'TIME-WAIT');
    t.match(c, { outcome: 'inconclusive', observed: /^the fixture did not reach TIME-WAIT: .*the target kernel says CLOSED/ }, `${c.kind} @${c.position}`, {
      error: c.error,
    });
  }
});
