// `tcpfsm run --stack memory`: the reference stack in process needs neither root nor a lab. The
// smoke set of suites runs on it (as uid 65534 when we are root) and passes under the rfc profile.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { AS_NOBODY, tcpfsm } from './helpers.js';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));
const nobody = process.getuid?.() === 0 ? AS_NOBODY : [];

t.test('the smoke set on the memory stack: no root, no lab, every test passes', async (t) => {
  const reportDir = t.testdir();
  chmodSync(reportDir, 0o777);
  const r = await tcpfsm(['run', '--stack', 'memory', 'handshake', 'passive-close', 'active-close', 'reset', '--report-dir', reportDir], {
    env: { TCPFSM_SUITES_DIR: SUITES },
    prefix: nobody,
    timeoutMs: 60_000,
  });
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim() || 'none'})`);
  t.match(r.stdout, /\d+ tests: \d+ passed, 0 failed/);
  t.notMatch(r.stdout, /^not ok/m);
  const run = JSON.parse(readFileSync(join(reportDir, 'latest', 'run.json'), 'utf8')) as {
    suites: Array<{ result?: { stack?: string; target?: string; profile?: string } }>;
  };
  t.equal(run.suites.length, 4);
  for (const s of run.suites) {
    t.equal(s.result?.stack, 'memory');
    t.equal(s.result?.profile, 'rfc', 'judged by the RFC');
    t.match(s.result?.target, /memory stack .* \(in process\)/);
  }
});

t.test('--as-remote with the memory stack is one clear usage error', async (t) => {
  const r = await tcpfsm(['run', '--stack', 'memory', '--as-remote', 'handshake'], { env: { TCPFSM_SUITES_DIR: SUITES }, prefix: nobody });
  t.equal(r.code, 2);
  t.match(r.stderr, /--as-remote drives a lab as a remote server; memory runs in this process/);
});
