// `tcpfsm run handshake` on the real lab: the CLI, the suite harness and the reports together.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Parser } from 'tap-parser';
import { remnantsOf } from '../lab/helpers.js';
import { tcpfsm } from './helpers.js';

t.test('tcpfsm run handshake: exit 0, real segments in trace.pcap, reports agree, lab removed', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'handshake', '--report-dir', reportDir], { env: { TCPFSM_SUITES_DIR: undefined }, timeoutMs: 120_000 });
  t.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^(ok|not ok|skip)\s/.test(l));
  t.ok(lines.length >= 1, 'a line per test');
  t.ok(
    lines.every((l) => /^ok +\d+ ms {2}handshake › /.test(l) || l.startsWith('skip')),
    'every test passed',
  );

  const dir = join(reportDir, readlinkSync(join(reportDir, 'latest')));
  const suite = JSON.parse(readFileSync(join(dir, 'suites', 'handshake.json'), 'utf8')) as { target: string; tests: Array<{ rows: string[]; skip?: string }> };
  const id = Number(/tcpfsm-(\d+)/.exec(suite.target)?.[1]);
  t.ok(Number.isInteger(id), `the suite reports its lab: ${suite.target}`);
  t.same(await remnantsOf(id), [], 'the suite removed its lab');

  const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
  const parsed = await new Promise<{ ok: boolean; count: number }>((resolve) => new Parser((res) => resolve(res)).end(tap));
  t.same({ ok: parsed.ok, count: parsed.count }, { ok: true, count: 1 });
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  t.match(junit, new RegExp(`<testsuite name="handshake" tests="${suite.tests.length}" failures="0" errors="0"`), 'junit has every test of the JSON');

  const packets = await new Promise<string[]>((resolve, reject) =>
    execFile('tcpdump', ['-n', '-r', join(dir, 'trace.pcap')], (err, out) => (err ? reject(err) : resolve(out.trim().split('\n')))),
  );
  t.ok(packets.length >= 3, `tcpdump reads the captured segments (${packets.length})`);
  t.ok(
    packets.every((p) => /IP 198\.1[89]\.\d+\.\d+\.\d+ > 198\.1[89]\.\d+\.\d+\.\d+: Flags/.test(p)),
    'only lab addresses',
  );
  t.ok(
    packets.some((p) => /Flags \[S\.\]/.test(p)),
    'the target answered with a SYN-ACK',
  );

  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  t.ok(
    suite.tests.some((x) => x.rows.includes('listen-rcv-syn')),
    'the handshake exercised LISTEN + SYN',
  );
  t.match(html, /<td><code>listen-rcv-syn<\/code><\/td><td>transition<\/td><td class="pass">passed<\/td>/, 'the handshake row is marked passed');
  t.match(html, /class="badge pass">PASS</);
  t.match(
    readFileSync(join(dir, 'fsm.svg'), 'utf8'),
    /<svg[\s\S]*<g class="arrow mark-passed" data-from="LISTEN" data-to="SYN-RECEIVED">[\s\S]*<\/svg>\s*$/,
    "fsm.svg is the state diagram, the handshake's arrow passed",
  );
  const ladders = readdirSync(join(dir, 'ladders', 'handshake')).filter((f) => f.endsWith('.svg'));
  t.equal(ladders.length, suite.tests.filter((x) => !x.skip).length, 'a ladder diagram per test');
  t.match(readFileSync(join(dir, 'ladders', 'handshake', ladders[0]!), 'utf8'), /<svg[\s\S]*\[S\.\][\s\S]*<\/svg>/, 'the first ladder shows the SYN-ACK');
});

t.test('tcpfsm exercise --walkthrough handshake --auto: the lesson runs on a real lab and ends agreeing', async (t) => {
  const r = await tcpfsm(['exercise', '--walkthrough', 'handshake', '--auto'], { timeoutMs: 60_000 });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /state: FSM SYN-RECEIVED \| kernel SYN-RECEIVED/, 'the SYN moved the kernel to SYN-RECEIVED');
  t.match(r.stdout, /state: FSM ESTABLISHED \| kernel ESTABLISHED/, 'the ACK made it ESTABLISHED');
  t.match(r.stdout, /the FSM and the kernel agreed at every step/);
});

t.test('tcpfsm exercise: an unknown walkthrough is a usage error', async (t) => {
  const r = await tcpfsm(['exercise', '--walkthrough', 'nosuch']);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tcpfsm: .*nosuch.*--help' for usage\n$/);
});

t.test('tcpfsm run --keep-lab leaves the lab for inspection; tcpfsm cleanup removes it', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'data', '--keep-lab', '--report-dir', reportDir], { env: { TCPFSM_SUITES_DIR: undefined }, timeoutMs: 60_000 });
  t.equal(r.code, 0, r.stdout + r.stderr);
  const dir = join(reportDir, readlinkSync(join(reportDir, 'latest')));
  const suite = JSON.parse(readFileSync(join(dir, 'suites', 'data.json'), 'utf8')) as { target: string };
  const id = Number(/tcpfsm-(\d+)/.exec(suite.target)?.[1]);
  t.match(readFileSync(join(dir, 'results.tap'), 'utf8'), new RegExp(`# kept lab tcpfsm-${id} `), 'the TAP says which lab was kept');
  t.same(
    await remnantsOf(id),
    [`namespace tcpfsm-${id}`, `link tcpfsm-${id}`],
    'namespace and veth are still there (the nft table is not: nothing sends any more)',
  );
  // Scoped to this lab: other test files run at the same time, and a global sweep would race them.
  const c = await tcpfsm(['cleanup', String(id)]);
  t.equal(c.code, 0);
  t.match(c.stdout, new RegExp(`removed namespace tcpfsm-${id}\\b`));
  t.same(await remnantsOf(id), [], 'cleanup removed it');
});
