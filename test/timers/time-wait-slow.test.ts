// The slow TIME-WAIT suite once per test run: TIME-WAIT = 2MSL is in the teaching note, and Linux's
// fixed 60 s (TCP_TIMEWAIT_LEN) is measured, not assumed. `tcpfsm run` skips it unless --slow.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const suiteJs = fileURLToPath(new URL('../../suites/timer-time-wait.js', import.meta.url));

t.test('TIME-WAIT lasts 2MSL (Linux: 60 s) and re-ACKs a retransmitted FIN, measured on the lab', async (t) => {
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = execFile(process.execPath, [suiteJs], { env: { ...process.env, TCPFSM_SLOW: '1' }, timeout: 150_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end();
  });
  t.equal(
    code,
    0,
    out
      .split('\n')
      .filter((l) => /not ok/.test(l))
      .join('\n') || 'the slow suite passes',
  );
  t.match(
    out,
    /# figure [^\n]*TIME-WAIT[^\n]*: \d+(\.\d+)? (ms|s) expected 60000 ± [\d.]+ ms/,
    'the TIME-WAIT lifetime is a measured figure with its expectation',
  );
  t.notMatch(out, /# SKIP/, 'nothing was skipped');
});
