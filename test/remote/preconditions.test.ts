// Preconditions are not conformance. A port nothing listens on, and a server that does not close
// when its close trigger says it would, make the tests that need them inconclusive (TAP SKIP with
// the reason), never violations.
import t from 'tap';
import { createLab } from '../../src/lab/index.js';
import { runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('a closed port: every test that needs the service is inconclusive, not failed', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const run = await runTcpfsm(['--target', `${lab.target.ipv4}:9`, '--as-remote', 'handshake', '--grep', 'listening port']);
  t.equal(run.code, 0, 'exit 0: nothing failed', { stderr: run.stderr });
  const tests = run.results.flatMap((r) => r.tests);
  t.ok(tests.length > 0);
  for (const x of tests) t.match(x.skip, /^inconclusive: nothing listens on port 9 of the target/, x.name);
  t.same(await tablesLeftBy(run), []);
});

t.test('a server that does not close on its idle trigger: inconclusive, not failed', async (t) => {
  // --as-remote alone: the lab's agent listens and never closes what it accepts.
  const run = await runTcpfsm(['--as-remote', '--close-trigger', 'idle:1', 'active-close', '--grep', 'close\\(\\) sends FIN']);
  t.equal(run.code, 0, 'exit 0', { stderr: run.stderr });
  const [x] = run.results.flatMap((r) => r.tests);
  t.match(x?.skip, /^inconclusive: the server did not close within 3000 ms .* the close trigger did not work/);
});
