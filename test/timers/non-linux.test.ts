// A stack whose settings have no Linux sysctls (gVisor's netstack) is judged by what it does on
// the wire: the timer suites never fail it for lacking net.ipv4.tcp_fin_timeout or
// tcp_synack_retries. What needs the setting is skipped, naming it (the role it declares); what does not runs and
// reports its figures (FIN-WAIT-2: RFC 9293 3.6 sets no bound, so it is reported, not graded).

import t from 'tap';
import { runTcpfsm } from '../remote/helpers.js';

t.test('gVisor: the timer suites run without Linux sysctls and fail nothing for their absence', async (t) => {
  const run = await runTcpfsm(['--stack', 'gvisor', 'timer-fin-wait-2', 'timer-synack', '--grep', 'orphaned FIN-WAIT-2|follows tcp_']);
  t.equal(run.code, 0, 'exit 0', { stderr: run.stderr, failures: run.stdout.split('\n').filter((l) => /not ok/.test(l)) });
  t.notMatch(run.stdout + run.stderr, /not ok[^\n]*(sysctl|net\.ipv4)/, 'no failure names a sysctl');
  t.equal(run.verdicts.get('timer-fin-wait-2 > an orphaned FIN-WAIT-2 is removed after tcp_fin_timeout'), 'pass', 'FIN-WAIT-2 is measured from packets');
  for (const name of [
    'timer-fin-wait-2 > the FIN-WAIT-2 lifetime follows tcp_fin_timeout (set to 1 s)',
    'timer-synack > the retransmission count follows tcp_synack_retries (set to 1)',
  ])
    t.match(
      run.verdicts.get(name),
      /^skip: needs the setting (fin-timeout|synack-retries), which this stack does not have/,
      `${name}: skipped, naming the setting`,
    );
  const fw2 = run.results
    .find((r) => r.suite === 'timer-fin-wait-2')!
    .tests.find((x) => /orphaned FIN-WAIT-2/.test(x.name))!
    .figures.find((f) => /FIN-WAIT-2/.test(f.name));
  t.ok(fw2, `a FIN-WAIT-2 figure: ${fw2?.name} ${fw2?.value} ${fw2?.unit}`);
  t.equal(fw2?.expected, undefined, 'not graded: no bound in the RFC, no setting, no --expect');
});
