// `tcpfsm run --family 6`: every default suite, the matrix among them, over the lab's IPv6 (ULA)
// addresses, with the family marked in the suite names of TAP and JUnit, only IPv6 lab addresses
// in the trace (tcpdump reads it), and the ground truth read from /proc/net/tcp6.

import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { SuiteResult } from '../../src/peer/contract.js';
import { tcpfsm } from './helpers.js';

t.test('tcpfsm run --family 6: the default suites and the matrix pass over IPv6', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', '--family', '6', '--report-dir', reportDir], { env: { TCPFSM_SUITES_DIR: undefined }, timeoutMs: 170_000 });
  t.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr);
  const dir = join(reportDir, readlinkSync(join(reportDir, 'latest')));
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { suites: Array<{ suite: string; result?: SuiteResult }> };
  t.ok(run.suites.length >= 14, `every default suite ran (${run.suites.length})`);
  t.ok(
    run.suites.every((s) => s.suite.endsWith('@ipv6')),
    'each suite is marked with its family',
  );
  const matrix = run.suites.find((s) => s.suite === 'matrix@ipv6')?.result;
  t.ok(matrix?.matrix && matrix.matrix.length >= 300, `the whole matrix ran (${matrix?.matrix?.length} cells)`);
  t.same(
    matrix?.matrix?.filter((c) => c.outcome === 'fail'),
    [],
    'no matrix cell failed',
  );
  // The lab's own kernel reaches every state (a fixture that cannot is inconclusive: test/lab/matrix-precondition.test.ts).
  t.same(
    matrix?.matrix?.filter((c) => c.outcome === 'inconclusive').map((c) => `${c.state} <- ${c.kind} @${c.position}: ${c.observed}`),
    [],
    'every cell reached its state',
  );
  // A suite whose tests are all skipped (timer-time-wait without --slow) opens no lab.
  for (const s of run.suites.filter((x) => x.result?.tests.some((y) => y.skip === undefined))) {
    t.match(s.result?.target, /^lab tcpfsm-\d+ fd00:7c9f:[0-9a-f]+::2$/, `${s.suite} ran against the lab's ULA address`);
    t.equal(s.result?.family, 6, `${s.suite} says IPv6`);
  }
  const ran = run.suites.flatMap((s) => s.result?.tests ?? []).filter((x) => x.skip === undefined);
  t.ok(
    ran.every((x) => x.ok),
    `every test that ran passed (${ran.length})`,
  );

  t.match(readFileSync(join(dir, 'results.tap'), 'utf8'), /^# Subtest: matrix@ipv6$/m, 'TAP names the family');
  t.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<testsuite name="handshake@ipv6"/, 'JUnit names the family');
  const packets = await new Promise<string[]>((resolve, reject) =>
    execFile('tcpdump', ['-nn', '-r', join(dir, 'trace.pcap')], { maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(out.trim().split('\n')))),
  );
  t.ok(packets.length > 1000, `tcpdump reads the trace (${packets.length} segments)`);
  // tcpdump names the ports after a Destination Options header: `a > b: DSTOPT 40001 > 8080: Flags`.
  const lab = 'fd00:7c9f:[0-9a-f]+::[12]';
  // The icmp suite's ICMPv6 errors go from the probe's lab address to the target's.
  const line = new RegExp(`IP6 (${lab}\\.\\d+ > ${lab}\\.\\d+|${lab} > ${lab}: DSTOPT \\d+ > \\d+): Flags|IP6 ${lab} > ${lab}: ICMP6, `);
  t.same(
    packets.filter((p) => !line.test(p)),
    [],
    'only IPv6 lab addresses',
  );
  t.ok(packets.filter((p) => / DSTOPT \d+ > \d+: Flags \[(S|P\.)\]/.test(p)).length === 2, "header-battery's MUST-50 check sent its destination option");
});
