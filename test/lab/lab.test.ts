// Lab lifecycle: up, down, nothing left; sysctls that follow the setting; two labs at once;
// failures part-way through leave nothing behind.

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import t from 'tap';
import { LAB_INDEX_SPACE, labAddresses, labIdOf } from '../../src/lab/addressing.js';
import { labStatus, listLabs } from '../../src/lab/inventory.js';
import { createLab, type Lab } from '../../src/lab/lab.js';
import { missingLabCapabilities } from '../../src/lab/privileges.js';
import { FAST_SUITE_SYSCTLS, sysctlsToWrite } from '../../src/lab/sysctls.js';
import { UsageError } from '../../src/sys/errors.js';
import { run } from '../../src/sys/exec.js';
import { CHILD, remnantsOf, startChildLab } from './helpers.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

t.test('addresses: one /30 and one /64 per id, names from the id', async (t) => {
  t.same(labAddresses(0).probe, { ipv4: '198.18.0.1', ipv6: 'fd00:7c9f:0::1' });
  t.same(labAddresses(0).target, { ipv4: '198.18.0.2', ipv6: 'fd00:7c9f:0::2' });
  t.same(labAddresses(1).target.ipv4, '198.18.0.6');
  t.same(labAddresses(64).probe.ipv4, '198.18.1.1');
  const last = labAddresses(LAB_INDEX_SPACE - 1);
  t.same(last.target, { ipv4: '198.18.255.254', ipv6: 'fd00:7c9f:3fff::2' }, 'the last id ends 198.18.0.0/16');
  t.equal(last.namespace, 'tcpfsm-16383');
  t.throws(() => labAddresses(LAB_INDEX_SPACE), RangeError);
  t.throws(() => labAddresses(-1), RangeError);
  t.equal(labIdOf('tcpfsm-42'), 42);
  t.equal(labIdOf('tcpfsm-42-rst'), 42);
  t.equal(labIdOf('tcpfsm-rst'), null);
  t.equal(labIdOf('tcpfsm-99999'), null);
});

t.test('capabilities: each missing one is named', async (t) => {
  t.same(missingLabCapabilities(0n), ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
  t.same(missingLabCapabilities(1n << 12n), ['CAP_SYS_ADMIN']);
  t.same(missingLabCapabilities((1n << 12n) | (1n << 21n)), []);
});

t.test('sysctl options: defaults, overrides, extra, refusals', async (t) => {
  const w = sysctlsToWrite({ tcp_fin_timeout: 9, extra: { 'net.ipv4.tcp_rmem': '4096  8192\t16384' } });
  t.equal(w['net.ipv4.tcp_fin_timeout'], '9', 'the caller wins over the default');
  t.equal(w['net.ipv4.tcp_synack_retries'], String(FAST_SUITE_SYSCTLS.tcp_synack_retries));
  t.equal(w['net.ipv4.tcp_rmem'], '4096 8192 16384', 'whitespace normalised as /proc prints it');
  t.same(sysctlsToWrite({}, {}), {});
  t.throws(() => sysctlsToWrite({ tcp_bogus: 1 } as never), UsageError);
  t.throws(() => sysctlsToWrite({ tcp_fin_timeout: 1.5 }), UsageError);
});

t.test('a lab comes up, works, and goes away without a trace', async (t) => {
  const lab = await createLab();
  const status = await labStatus(lab.id);
  t.ok(status?.namespace && status.probeLink, 'namespace and probe link exist');
  t.equal(status?.owner, process.pid, 'the probe link names its creator');
  t.ok(status?.pids.includes(lab.agent.pid), 'the agent runs inside the namespace');
  t.ok(
    (await listLabs()).some((s) => s.id === lab.id),
    'listed',
  );

  const probeAddr = await new Promise<string>((resolve, reject) => {
    // the target is reachable from the root namespace over the veth, v4 and v6
    const c = net.connect({ host: lab.target.ipv6, port: 9 });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    c.on('connect', () => reject(new Error('nothing listens on port 9')));
  });
  t.equal(probeAddr, 'ECONNREFUSED', 'IPv6: the target kernel answers a SYN to a closed port with RST at once (no DAD wait)');
  const inside = (await lab.exec('ip', ['-o', 'addr', 'show', 'dev', lab.targetInterface])).stdout;
  t.match(inside, `inet ${lab.target.ipv4}/30`);
  t.match(inside, `inet6 ${lab.target.ipv6}/64`);
  t.match((await lab.exec('ip', ['-o', 'link', 'show', 'lo'])).stdout, /UP/);

  const agentPid = lab.agent.pid;
  await lab.destroy();
  t.same(await remnantsOf(lab.id, agentPid), [], 'ip netns list, ip link, nft tables, agent: nothing left');
  t.equal(await labStatus(lab.id), null);
  await lab.destroy(); // idempotent
});

t.test('up + down time', async (t) => {
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < 8; i++) {
    const lab = await createLab();
    up.push(lab.setupMs);
    const t0 = performance.now();
    await lab.destroy();
    down.push(performance.now() - t0);
    t.same(await remnantsOf(lab.id), [], `round ${i}: nothing left`);
  }
  t.comment(`lab up: median ${median(up).toFixed(1)} ms (min ${Math.min(...up).toFixed(1)}, max ${Math.max(...up).toFixed(1)})`);
  t.comment(`lab down: median ${median(down).toFixed(1)} ms (min ${Math.min(...down).toFixed(1)}, max ${Math.max(...down).toFixed(1)})`);
  t.comment(`up + down: median ${(median(up) + median(down)).toFixed(1)} ms`);
});

t.test('sysctls are set in the namespace and follow the setting', async (t) => {
  const settings = [
    { tcp_synack_retries: 2, tcp_fin_timeout: 3, tcp_retries2: 3, tcp_orphan_retries: 2, tcp_rfc1337: 0, tcp_syncookies: 0, tcp_timestamps: 1, somaxconn: 64 },
    { tcp_synack_retries: 4, tcp_fin_timeout: 7, tcp_retries2: 5, tcp_orphan_retries: 1, tcp_rfc1337: 1, tcp_syncookies: 2, tcp_timestamps: 0, somaxconn: 256 },
  ];
  const names = {
    tcp_synack_retries: 'net.ipv4.tcp_synack_retries',
    tcp_fin_timeout: 'net.ipv4.tcp_fin_timeout',
    tcp_retries2: 'net.ipv4.tcp_retries2',
    tcp_orphan_retries: 'net.ipv4.tcp_orphan_retries',
    tcp_rfc1337: 'net.ipv4.tcp_rfc1337',
    tcp_syncookies: 'net.ipv4.tcp_syncookies',
    tcp_timestamps: 'net.ipv4.tcp_timestamps',
    somaxconn: 'net.core.somaxconn',
  };
  const labs: Lab[] = [];
  t.teardown(() => Promise.all(labs.map((l) => l.destroy())));
  for (const s of settings) labs.push(await createLab({ sysctls: { ...s, extra: { 'net.ipv4.tcp_rmem': '4096 65536 1048576' } } }));
  for (const [i, lab] of labs.entries()) {
    // read with a different tool than the one that wrote: sysctl(8) inside the namespace
    const { stdout } = await lab.exec('sysctl', ['-n', ...Object.values(names), 'net.ipv4.tcp_rmem']);
    const read = stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '));
    t.same(read, [...Object.values(settings[i]!).map(String), '4096 65536 1048576'], `lab ${i}: sysctl -n reads what was set`);
    for (const [key, name] of Object.entries(names)) t.equal(lab.sysctls[name], String(settings[i]![key as keyof typeof names]), `lab ${i}: ${name} read back`);
  }
  t.ok('net.ipv4.tcp_keepalive_time' in labs[0]!.sysctls, 'untouched sysctls are reported too');
  const host = (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/tcp_fin_timeout', 'utf8').trim();
  t.not(host, '3', `the host keeps its own tcp_fin_timeout (${host})`);
  const after = await labs[0]!.setSysctls({ tcp_fin_timeout: 11 });
  t.equal(after['net.ipv4.tcp_fin_timeout'], '11', 'setSysctls on a running lab');
  t.equal((await labs[0]!.exec('sysctl', ['-n', 'net.ipv4.tcp_fin_timeout'])).stdout.trim(), '11');
});

t.test('a bad sysctl name or value: a clear error, nothing left', async (t) => {
  const id = randomInt(LAB_INDEX_SPACE);
  // Refused before any lab exists (src/lab/sysctl-probe.ts): a fresh namespace does not have it.
  await t.rejects(createLab({ id, sysctls: { extra: { 'net.ipv4.tcp_no_such_knob': 1 } } }), {
    name: 'UsageError',
    message: /^refused lab sysctl: net\.ipv4\.tcp_no_such_knob \(there is no such sysctl on this kernel\)/,
  });
  t.same(await remnantsOf(id), [], 'unknown name: nothing made');
  await t.rejects(createLab({ id, sysctls: { tcp_tw_reuse: 9 } }), {
    name: 'EnvironmentError',
    message: /sysctl net\.ipv4\.tcp_tw_reuse refused the value '9' \(EINVAL\)/,
  });
  t.same(await remnantsOf(id), [], 'refused value: rolled back');
  await t.rejects(createLab({ id, sysctls: { extra: { '../../etc/passwd': 1 } } }), { message: /is not a sysctl name/ });
  t.same(await remnantsOf(id), []);
});

t.test('an id in use is refused; the holder is untouched', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  await t.rejects(createLab({ id: lab.id }), { name: 'EnvironmentError', message: new RegExp(`lab id ${lab.id} is in use`) });
  await t.rejects(createLab({ id: LAB_INDEX_SPACE }), { name: 'UsageError', message: 'lab id must be an integer in 0..16383, got 16384' });
  t.ok((await labStatus(lab.id))?.namespace, 'the first lab still has its namespace');
  t.same(await lab.agent.ping().then((p) => p.pid), lab.agent.pid, 'and its agent');
});

t.test('two labs created at once get distinct ids and subnets, and both work', async (t) => {
  const labs = await Promise.all([createLab(), createLab(), createLab()]);
  t.teardown(() => Promise.all(labs.map((l) => l.destroy())));
  t.equal(new Set(labs.map((l) => l.id)).size, labs.length, 'distinct ids');
  t.equal(new Set(labs.map((l) => l.target.ipv4)).size, labs.length, 'distinct target addresses');
  for (const lab of labs) {
    const { port } = await lab.agent.listen(0);
    const c = net.connect({ host: lab.target.ipv4, port });
    await new Promise((r) => c.once('connect', r));
    const acc = await lab.agent.accepted(port, c.localPort);
    t.equal(acc.remote.address, lab.probe.ipv4, `${lab.namespace}: accepted from its own probe address`);
    c.destroy();
  }
});

t.test('without iproute2 on PATH: the error names the package', async (t) => {
  // lab-child 'create' prints one JSON line: the lab id, or the error it got
  const { ready, exited } = startChildLab('create', { ...process.env, PATH: '/nonexistent' });
  const r = (await ready) as unknown as { error?: string; message?: string };
  t.equal(r.error, 'EnvironmentError');
  t.equal(r.message, "'ip' was not found on PATH: install the Debian package iproute2 (apt-get install iproute2)");
  t.equal((await exited).code, 0);
});

t.test('without privileges: one line naming what is missing', async (t) => {
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, CHILD, 'create'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  const r = JSON.parse(out.trim()) as { error: string; message: string };
  t.equal(r.error, 'EnvironmentError');
  t.match(r.message, /^the lab needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces and veth links\); running as uid 65534/);
  t.notMatch(r.message, /\n/, 'one line');
});

t.test('a taken id is skipped: another lab, or a stray link of that name', async (t) => {
  const first = await createLab();
  t.teardown(() => first.destroy());
  const stray = (first.id + 1) % LAB_INDEX_SPACE;
  // a leftover root-namespace link with a lab's name but no namespace (nothing of ours)
  await run('ip', ['link', 'add', `tcpfsm-${stray}`, 'type', 'veth', 'peer', 'name', `tcpfsm-${stray}p`]);
  t.teardown(() => run('ip', ['link', 'del', `tcpfsm-${stray}`]).catch(() => undefined));
  const ids = [first.id, stray];
  const second = await createLab({ drawId: () => ids.shift() ?? randomInt(LAB_INDEX_SPACE) });
  t.teardown(() => second.destroy());
  t.same(ids, [], 'both taken ids were tried');
  t.not(second.id, first.id);
  t.not(second.id, stray);
  t.same((await first.agent.ping()).pid, first.agent.pid, 'the holder of the first id is untouched');
  const strayStatus = await labStatus(stray);
  t.same(
    strayStatus && { namespace: strayStatus.namespace, probeLink: strayStatus.probeLink },
    { namespace: false, probeLink: true },
    'the stray link is left alone and the namespace made for that id was removed',
  );
});
