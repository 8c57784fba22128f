// A legal variation: a server with SACK, timestamps and window scaling turned off declines the
// options we offer. RFC 2018 and RFC 7323 make each optional, so the option test passes and
// records each decline as a choice, never a failure; with them on, each answer conforms.
import t from 'tap';
import { runTcpfsm } from '../remote/helpers.js';

const OPTIONS_TEST = 'each option stays optional';

t.test('options turned off in the lab are choices, not failures', async (t) => {
  const run = await runTcpfsm([
    'handshake',
    '--grep',
    OPTIONS_TEST,
    '--lab-sysctl',
    'tcp_sack=0',
    '--lab-sysctl',
    'tcp_timestamps=0',
    '--lab-sysctl',
    'tcp_window_scaling=0',
  ]);
  t.equal(run.code, 0, 'exit 0', { stderr: run.stderr });
  const test = run.results.flatMap((r) => r.tests).find((x) => x.name.includes(OPTIONS_TEST));
  t.ok(test?.ok, 'the option test passes');
  t.same(
    (test?.findings ?? []).map((f) => [f.level, f.check]).sort(),
    [
      ['choice', 'SACK-permitted answered'],
      ['choice', 'timestamps answered'],
      ['choice', 'window scale answered'],
    ],
    'each declined option is graded a choice',
  );
});

t.test('with the options on, nothing is left to grade', async (t) => {
  const run = await runTcpfsm(['handshake', '--grep', OPTIONS_TEST]);
  t.equal(run.code, 0);
  const test = run.results.flatMap((r) => r.tests).find((x) => x.name.includes(OPTIONS_TEST));
  t.ok(test?.ok);
  t.same(test?.findings ?? [], [], 'every answer conforms');
});

t.test('--fail-on deviation fails a run whose tests passed with a deviation; choices never fail it', async (t) => {
  // gVisor's netstack answers the remote application's abort with RST|ACK: a deviation (the ACK
  // bit of a reset, RFC 9293 3.10.7.1); its declined SACK is a choice.
  const plain = await runTcpfsm(['reset', '--stack', 'gvisor', '--grep', 'aborts']);
  t.equal(plain.code, 0, 'deviations alone: exit 0');
  const findings = plain.results.flatMap((r) => r.tests.flatMap((x) => x.findings ?? []));
  t.ok(
    findings.some((f) => f.level === 'deviation' && f.check === 'ACK bit of a reset'),
    'the RST|ACK is graded a deviation',
  );
  const strict = await runTcpfsm(['reset', '--stack', 'gvisor', '--grep', 'aborts', '--fail-on', 'deviation']);
  t.equal(strict.code, 1, '--fail-on deviation: exit 1');
  const choices = await runTcpfsm(['handshake', '--grep', OPTIONS_TEST, '--lab-sysctl', 'tcp_sack=0', '--fail-on', 'deviation']);
  t.equal(choices.code, 0, 'choices never fail a run, even with --fail-on deviation');
});
