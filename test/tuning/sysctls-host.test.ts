// --sysctls host reproduces "the host's" values in the lab: tcpfsm runs inside a throwaway
// namespace that plays the host (hostsim.ts: synack_retries 3, fin_timeout 5 set there), copies
// them into each lab, and the timer suites measure them; --lab-sysctl goes on top; the default
// fast set says what differs. The real host's sysctls are only read (checked unchanged).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { RunRecord } from '../../src/report/run.js';
import { leftoversSince, tcpfsm, tcpfsmThings } from '../cli/helpers.js';
import { ownSysctl, withHostSim } from './hostsim.js';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));
const HOST = { 'net.ipv4.tcp_synack_retries': '3', 'net.ipv4.tcp_fin_timeout': '5' };
const MEASURED_AS_SET = '^(?!.*\\(set to)';

if (process.getuid?.() !== 0) {
  t.pass('needs root (network namespaces)', { skip: true });
} else {
  const realHost = Object.keys(HOST).map(ownSysctl);
  const dir = await mkdtemp(join(tmpdir(), 'tcpfsm-tuning-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const before = tcpfsmThings();
  const runJson = (reportDir: string): RunRecord => JSON.parse(readFileSync(join(reportDir, 'latest', 'run.json'), 'utf8')) as RunRecord;

  await withHostSim(HOST, async (prefix) => {
    await t.test('--sysctls host: the lab gets the host namespace values, --lab-sysctl on top, and the timers follow them', async (t) => {
      const reportDir = join(dir, 'host');
      const r = await tcpfsm(
        [
          'run',
          'timer-synack',
          'timer-fin-wait-2',
          '--sysctls',
          'host',
          '--grep',
          MEASURED_AS_SET,
          '--lab-sysctl',
          'tcp_retries2=4',
          '--report-dir',
          reportDir,
        ],
        { prefix, env: { TCPFSM_SUITES_DIR: SUITES }, timeoutMs: 90_000 },
      );
      t.equal(r.code, 0, `exit 0\n${r.stdout}${r.stderr}`);
      t.match(
        r.stdout,
        /^sysctls: host — \d+ per-namespace TCP\/IP sysctls of this machine's namespace copied into each lab; differ from the host: tcp_retries2 4 \(host 15\)$/m,
      );
      const run = runJson(reportDir);
      t.equal(run.options.sysctlSet, 'host');
      t.equal(run.options.hostSysctls?.['net.ipv4.tcp_synack_retries'], '3', "run.json keeps the host's value beside the lab's");
      for (const s of run.suites) {
        const got = s.result?.sysctls ?? {};
        t.equal(got['net.ipv4.tcp_synack_retries'], '3', `${s.suite}: the lab reads tcp_synack_retries 3`);
        t.equal(got['net.ipv4.tcp_fin_timeout'], '5', `${s.suite}: the lab reads tcp_fin_timeout 5`);
        t.equal(got['net.ipv4.tcp_retries2'], '4', `${s.suite}: --lab-sysctl on top`);
        t.equal(got['net.ipv4.tcp_orphan_retries'], '0', `${s.suite}: a key the fast set shortens keeps the host's 0`);
      }
      const figures = run.suites.flatMap((s) => s.result?.tests.flatMap((x) => x.figures) ?? []);
      const count = figures.find((f) => f.name === 'SYN-ACK retransmissions');
      t.equal(count?.value, 3, "the SYN-ACK is retransmitted 3 times: the host's tcp_synack_retries");
      t.equal(count?.expected, 3);
      const fw2 = figures.find((f) => /FIN-WAIT-2 lifetime/.test(f.name));
      t.equal(fw2?.expected, 5000, "the FIN-WAIT-2 lifetime is expected from the host's tcp_fin_timeout");
      t.not(fw2?.grade, 'violation', `measured ${fw2?.value} ms`);
      const html = readFileSync(join(reportDir, 'latest', 'index.html'), 'utf8');
      t.match(html, /sysctl set <strong>host<\/strong>/, 'the report names the set');
      t.match(
        html,
        /<code>net\.ipv4\.tcp_retries2<\/code><\/td><td>4 <span class="muted">\(--lab-sysctl\)<\/span><\/td><td><strong>15<\/strong> <span class="muted">\(differs\)/,
      );
    });

    await t.test('lab up --sysctls host: a lab that stays, with the host namespace values', async (t) => {
      const up = await tcpfsm(['lab', 'up', '--sysctls', 'host', '--json'], { prefix, timeoutMs: 60_000 });
      t.equal(up.code, 0, `exit 0\n${up.stderr}`);
      const info = JSON.parse(up.stdout) as { id: number; sysctls: Record<string, string> };
      try {
        t.equal(info.sysctls['net.ipv4.tcp_synack_retries'], '3');
        t.equal(info.sysctls['net.ipv4.tcp_fin_timeout'], '5');
      } finally {
        const down = await tcpfsm(['lab', 'down', String(info.id)], { prefix, timeoutMs: 60_000 });
        t.equal(down.code, 0, `lab down: ${down.stdout}${down.stderr}`);
      }
    });

    await t.test('the fast set (default) says which keys differ from the host', async (t) => {
      const reportDir = join(dir, 'fast');
      const r = await tcpfsm(['run', 'timer-synack', '--grep', MEASURED_AS_SET, '--report-dir', reportDir], {
        prefix,
        env: { TCPFSM_SUITES_DIR: SUITES },
        timeoutMs: 60_000,
      });
      t.equal(r.code, 0, `exit 0\n${r.stdout}${r.stderr}`);
      t.match(
        r.stdout,
        /^sysctls: fast — .*a pass says nothing about this machine's own tuning.*tcp_fin_timeout 3 \(host 5\).*tcp_synack_retries 2 \(host 3\)/m,
      );
      const run = runJson(reportDir);
      t.equal(run.options.sysctlSet, 'fast');
      t.equal(run.suites[0]?.result?.sysctls?.['net.ipv4.tcp_synack_retries'], '2');
      t.match(readFileSync(join(reportDir, 'latest', 'index.html'), 'utf8'), /sysctl set <strong>fast<\/strong>.*says nothing about this machine/);
    });
  });

  t.same(Object.keys(HOST).map(ownSysctl), realHost, "the real host's sysctls are unchanged");
  t.same(await leftoversSince(before), [], 'no lab, link or namespace left (the host-sim namespace included)');
  t.notOk(tcpfsmThings().has(`netns tcpfsm-hostsim-${process.pid}-0`), 'the host-sim namespace is gone');
}
