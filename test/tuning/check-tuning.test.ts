// tcpfsm check-tuning on a lab with "the host's" sysctls (a host-simulating namespace with short
// values, hostsim.ts): one table, each figure beside the sysctl it follows and its value, the
// long TIME-WAIT capped by --max-wait and said so. And bad input: exit 2, one line, nothing left.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { leftoversSince, tcpfsm, tcpfsmInProcess, tcpfsmThings } from '../cli/helpers.js';
import { ownSysctl, withHostSim } from './hostsim.js';

const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));
const HOST = {
  'net.ipv4.tcp_synack_retries': '1',
  'net.ipv4.tcp_fin_timeout': '2',
  'net.ipv4.tcp_retries2': '2',
  'net.ipv4.tcp_orphan_retries': '1',
  'net.ipv4.tcp_tw_reuse': '0',
};
const root = process.getuid?.() === 0;
const dir = await mkdtemp(join(tmpdir(), 'tcpfsm-check-tuning-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

/** The table row of a figure: its columns split on two or more spaces. */
const row = (out: string, figure: string): string[] | undefined =>
  out
    .split('\n')
    .find((l) => l.startsWith(`${figure}  `))
    ?.split(/\s{2,}/);

t.test('check-tuning measures the host-sim namespace values in a lab, one table', { skip: !root && 'needs root (network namespaces)' }, async (t) => {
  const realHost = Object.keys(HOST).map(ownSysctl);
  const before = tcpfsmThings();
  const r = await withHostSim(HOST, (prefix) =>
    tcpfsm(['check-tuning', '--max-wait', '20', '--report-dir', join(dir, 'reports')], { prefix, env: { TCPFSM_SUITES_DIR: SUITES }, timeoutMs: 90_000 }),
  );
  t.equal(r.code, 0, `exit 0: every measured figure matches\n${r.stdout}${r.stderr}`);
  t.match(r.stdout, /^figure +follows +value +measured +expected +match$/m, 'one table with its header');
  t.same(row(r.stdout, 'SYN-ACK retransmissions'), ['SYN-ACK retransmissions', 'net.ipv4.tcp_synack_retries', '1', '1', '1', 'yes']);
  t.same(row(r.stdout, 'half-open lifetime')?.slice(0, 3), ['half-open lifetime', 'net.ipv4.tcp_synack_retries', '1']);
  t.same(row(r.stdout, 'FIN-WAIT-2 lifetime (orphan)')?.slice(1, 3), ['net.ipv4.tcp_fin_timeout', '2']);
  // Linux arms it at max(tcp_fin_timeout, 3.5 × RTO): 2.00 s on an idle machine; the suite widens
  // the RTO range by the delay it measured before our ACK, so a busy machine may expect more.
  const finExpected = row(r.stdout, 'FIN-WAIT-2 lifetime (orphan)')?.[4] ?? '';
  t.match(finExpected, /^\d+\.\d\d( \d+\.\d\d)? s$/, 'an expected FIN-WAIT-2 lifetime');
  t.ok(
    [...finExpected.matchAll(/\d+\.\d\d/g)].every((m) => Number(m[0]) >= 2),
    `expected from the host-sim tcp_fin_timeout (2 s), or the floor above it: ${finExpected}`,
  );
  t.same(row(r.stdout, 'data retransmissions')?.slice(1, 3), ['net.ipv4.tcp_retries2', '2']);
  t.same(row(r.stdout, 'FIN retransmissions (orphan)')?.slice(1, 3), ['net.ipv4.tcp_orphan_retries', '1']);
  t.same(row(r.stdout, 'connect() reuses its own TIME-WAIT'), ['connect() reuses its own TIME-WAIT', 'net.ipv4.tcp_tw_reuse', '0', 'no', 'no', 'yes']);
  t.same(row(r.stdout, 'a SYN reopens TIME-WAIT')?.slice(3), ['yes', 'yes', 'yes']);
  t.same(row(r.stdout, 'TIME-WAIT length')?.at(-1), 'not measured');
  t.match(r.stdout, /TIME-WAIT length .*\n {4}capped: TIME-WAIT to end .* takes about 65 s, over the 20 s cap \(--max-wait\)/, 'the capped figure says why');
  for (const m of r.stdout.matchAll(/^(.+?)  .*  (yes|no|inconclusive|not measured)$/gm)) t.not(m[2], 'no', `${m[1]}: no mismatch`);
  t.same(Object.keys(HOST).map(ownSysctl), realHost, "the real host's sysctls are unchanged");
  t.same(await leftoversSince(before), [], 'nothing left (host-sim namespace and labs)');
});

t.test('bad input: exit 2, one line, nothing made or left', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['run', '--sysctls', 'bogus'], /invalid values: Argument: sysctls, Given: "bogus"/],
    [['run', '--sysctls', 'host', '--target', '198.18.0.2:80'], /--sysctls host chooses the lab's sysctls; --target names a server/],
    [['run', '--sysctls', 'host', '--stack', 'gvisor'], /--sysctls host copies this machine's Linux sysctls into a linux lab; --stack gvisor/],
    [['lab', 'up', '--sysctls', 'nope'], /invalid values: Argument: sysctls, Given: "nope"/],
    [['exercise', '--sysctls', 'nope'], /invalid values: Argument: sysctls, Given: "nope"/],
    [['check-tuning', '--max-wait', '0'], /--max-wait wants an integer from 1 to 86400, got '0'/],
    [['check-tuning', '--max-wait', '5m'], /--max-wait wants an integer from 1 to 86400, got '5m'/],
    [['check-tuning', '--target', '198.18.0.2:80', '--lab-sysctl', 'tcp_fin_timeout=5'], /--lab-sysctl sets up the lab; --target measures a server/],
    [['check-tuning', '--lab-sysctl', 'kernel.printk=1'], /kernel\.\* sysctls are the host's own/],
    [['check-tuning', '--jobs', 'x'], /--jobs wants an integer/],
    [['check-tuning', '--bogus'], /unknown argument: bogus; run 'tcpfsm check-tuning --help' for usage/],
  ];
  const cwd = process.cwd();
  t.teardown(() => process.chdir(cwd));
  for (const [i, [args, message]] of cases.entries()) {
    const work = join(dir, `case-${i}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(work);
    const before = tcpfsmThings();
    process.chdir(work);
    let r;
    try {
      r = await tcpfsmInProcess(args);
    } finally {
      process.chdir(cwd);
    }
    const name = `tcpfsm ${args.join(' ')}`;
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr, message, `${name}: says what is wrong`);
    t.match(r.stderr, /^tcpfsm: [^\n]+\n$/, `${name}: one line`);
    t.same(await leftoversSince(before), [], `${name}: nothing left`);
    t.same(await readdir(work), [], `${name}: no report directory made`);
  }
});

t.test('--help says what a fast-set pass means, and what check-tuning measures', async (t) => {
  const run = await tcpfsmInProcess(['run', '--help']);
  t.match(run.stdout.replace(/\s+/g, ' '), /a pass with it says nothing about this machine's own tuning/);
  const lab = await tcpfsmInProcess(['lab', '--help']);
  t.match(lab.stdout.replace(/\s+/g, ' '), /a pass on it says nothing about this machine's own tuning/);
  const ct = await tcpfsmInProcess(['check-tuning', '--help']);
  t.equal(ct.code, 0);
  for (const what of [/SYN-ACK retries/, /FIN-WAIT-2 lifetime/, /TIME-WAIT length/, /tcp_tw_reuse/, /--max-wait/, /--target/]) t.match(ct.stdout, what);
});
