// `tcpfsm run --stack memory` with the memory stack's own settings (no root, no lab): a name the
// stack does not have is one line naming the stack and its settings (exit 2, nothing made); its
// own settings reach the suites, and the timer suites grade it against them (the synack-retries
// role), while a suite that sets a Linux sysctl skips there instead of running without it.
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { AS_NOBODY, tcpfsm } from './helpers.js';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));
const nobody = process.getuid?.() === 0 ? AS_NOBODY : [];

t.test('a setting the stack does not have: exit 2, one line naming the stack and its settings, no report', async (t) => {
  const reportDir = t.testdir();
  chmodSync(reportDir, 0o777);
  const cases: Array<[string[], RegExp]> = [
    [
      ['--lab-sysctl', 'tcp_fin_timeout=5'],
      /^tcpfsm: --lab-sysctl tcp_fin_timeout=5: stack memory has no Linux sysctls \(its settings: rfc5961, .*; give them with --setting\)/,
    ],
    [['--setting', 'tcp_rfc1337=1'], /^tcpfsm: --setting tcp_rfc1337=1: stack memory has no setting 'tcp_rfc1337' \(its settings: rfc5961, rto_initial_ms, /],
    [['--setting', 'synack_retries=-1'], /^tcpfsm: --setting synack_retries=-1: memory stack setting synack_retries: '-1' is not an integer in 0\.\.255/],
    [
      ['--stack', 'linux,memory', '--setting', 'synack_retries=1'],
      /stack linux \(of --stack linux,memory\): unknown sysctl 'synack_retries'.*to set it on memory alone: --setting memory:synack_retries=1/,
    ],
  ];
  const results = await Promise.all(
    cases.map(([args]) =>
      tcpfsm(['run', ...(args.includes('--stack') ? [] : ['--stack', 'memory']), ...args, 'handshake', '--report-dir', reportDir], {
        env: { TCPFSM_SUITES_DIR: SUITES },
        prefix: nobody,
      }),
    ),
  );
  for (const [i, [args, re]] of cases.entries()) {
    const r = results[i]!;
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, re, `${args.join(' ')}: names the stack and its settings`);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.equal(r.stdout, '');
  }
  t.same(readdirSync(reportDir), [], 'nothing written');
});

t.test("the timer suite graded against the memory stack's own synack_retries; a Linux-only suite skips", async (t) => {
  const reportDir = t.testdir();
  chmodSync(reportDir, 0o777);
  const r = await tcpfsm(['run', 'timer-synack', 'reset-rfc1337', '--stack', 'memory', '--setting', 'synack_retries=1', '--report-dir', reportDir], {
    env: { TCPFSM_SUITES_DIR: SUITES },
    prefix: nobody,
    timeoutMs: 60_000,
  });
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim() || 'none'})`);
  t.match(r.stdout, /reset-rfc1337: 0 of 1 run; skip \(needs the setting net\.ipv4\.tcp_rfc1337, which this stack does not have\)/, 'the plan says so');
  type Fig = { name: string; value: number; expected?: number; ok?: boolean; toleranceWhy?: string };
  const run = JSON.parse(readFileSync(join(reportDir, 'latest', 'run.json'), 'utf8')) as {
    suites: Array<{ suite: string; result?: { sysctls?: Record<string, string>; tests: Array<{ name: string; ok: boolean; skip?: string; figures: Fig[] }> } }>;
  };
  const synack = run.suites.find((s) => s.suite === 'timer-synack')!.result!;
  t.equal(synack.sysctls?.synack_retries, '1', "the user's setting reached the stack");
  t.equal(synack.tests.length, 2);
  for (const test of synack.tests) {
    t.ok(test.ok && !test.skip, `${test.name}: ran and passed`);
    const count = test.figures.find((f) => f.name === 'SYN-ACK retransmissions')!;
    t.match(count, { value: 1, expected: 1, ok: true }, 'graded: exactly synack_retries retransmissions');
    t.match(count.toleranceWhy, /synack_retries = 1/, "against the stack's own setting");
  }
  const rfc1337 = run.suites.find((s) => s.suite === 'reset-rfc1337')!.result!;
  t.match(rfc1337.tests, [{ skip: /needs the setting net\.ipv4\.tcp_rfc1337, which this stack does not have/ }], 'skipped, not run without it');
});
