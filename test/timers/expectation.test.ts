// A user expectation that contradicts the lab must fail the suite, naming expected vs measured:
// the timer suites compare with what they are told, not with what they measured.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runTcpfsm } from '../remote/helpers.js';

const suiteJs = fileURLToPath(new URL('../../suites/timer-fin-wait-2.js', import.meta.url));

function runSuite(env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [suiteJs], {
    env: { ...process.env, TCPFSM_GREP: 'removed after tcp_fin_timeout', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

t.test('--expect fin-timeout=5 against a lab with tcp_fin_timeout 3 fails, naming both figures', async (t) => {
  const { status, out } = runSuite({ TCPFSM_EXPECT: JSON.stringify({ 'fin-timeout': 5 }) });
  t.not(status, 0, 'the suite fails');
  t.match(
    out,
    /not ok \d+ - orphaned FIN-WAIT-2 lifetime [^\n]*: measured \d+(\.\d+)? ms, expected 5000 ± [\d.]+ ms/,
    'the failure names measured and expected',
  );
  t.notMatch(out, /# SKIP inconclusive/, 'a 2 s deviation is a violation whatever the load: no measured delay explains it');
});

t.test("the same run with the lab's own value passes", async (t) => {
  const { status, out } = runSuite({ TCPFSM_EXPECT: JSON.stringify({ 'fin-timeout': 3 }) });
  t.equal(
    status,
    0,
    out
      .split('\n')
      .filter((l) => /not ok/.test(l))
      .join('\n') || 'passes',
  );
  t.match(out, /ok \d+ - orphaned FIN-WAIT-2 lifetime [^\n]*expected 3000 ±/);
});

t.test('a test that sets the setting itself measures its own value; an expectation nobody read is named', async (t) => {
  // timer-synack's second test sets tcp_synack_retries to 1 itself: the user's 3 is not its expectation.
  const run = await runTcpfsm(['timer-synack', '--grep', 'follows tcp_synack_retries', '--lab-sysctl', 'tcp_synack_retries=3', '--expect', 'synack-retries=3']);
  t.equal(run.code, 0, 'passes: it expects the 1 it set', { stderr: run.stderr });
  t.match(run.stderr, /--expect synack-retries: no test that ran used it/);
  const other = await runTcpfsm(['handshake', '--grep', 'listening port', '--expect', 'fin-timeout=5']);
  t.equal(other.code, 0);
  t.match(other.stderr, /--expect fin-timeout: no test that ran used it/);
});

t.test('--expect synack-retries applies to a remote target: a wrong count fails, the right one passes', async (t) => {
  // It was accepted and ignored before: every timer test skipped without the lab agent.
  const args = ['--as-remote', 'timer-synack', '--grep', '^SYN-ACK is retransmitted'];
  const wrong = await runTcpfsm([...args, '--expect', 'synack-retries=3']);
  t.equal(wrong.code, 1, 'exit 1', { stderr: wrong.stderr });
  t.match(wrong.stdout, /not ok \d+ - SYN-ACK retransmissions: measured 2 count, expected 3 ± 0 count \(--expect synack-retries=3\)/);
  t.notMatch(wrong.stderr, /no test that ran used it/, 'the expectation was used');
});
