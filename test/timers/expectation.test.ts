// A user expectation that contradicts the lab must fail the suite, naming expected vs measured:
// the timer suites compare with what they are told, not with what they measured.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

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
