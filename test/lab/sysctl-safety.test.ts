// A lab never touches the host's sysctls. For every key family `--lab-sysctl` accepts, a lab
// that sets it leaves the root namespace's value as it was (read before, while the lab is up,
// after); every other key is refused with exit 2 before anything exists (no namespace, link or
// nft table, no report). Refused keys are given the host's CURRENT value, so that even a broken
// build could not change the host while this test proves it refuses them.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AGENT_SCRIPT, AgentClient } from '../../src/lab/agent/client.js';
import { createLab, listLabs, SYSCTL_NAMES } from '../../src/lab/index.js';
import { namespaceScopes } from '../../src/lab/sysctl-probe.js';
import { sysctlProcPath } from '../../src/lab/sysctl-scope.js';
import { tcpfsm } from '../cli/helpers.js';
import { remnantsOf } from './helpers.js';

const hostValue = (name: string): string => readFileSync(sysctlProcPath(name), 'utf8').trim().split(/\s+/).join(' ');

async function freeId(): Promise<number> {
  const taken = new Set((await listLabs()).map((l) => l.id));
  return [...Array(200).keys()].map((k) => 16100 + k).find((k) => !taken.has(k))!;
}

t.test('every short name the lab knows is writable in a fresh network namespace (so it needs no probe)', async (t) => {
  const scopes = await namespaceScopes(Object.values(SYSCTL_NAMES));
  for (const [name, scope] of scopes) t.equal(scope, 'writable', name);
});

// One key per accepted family, with a value that differs from the host's.
function acceptedKeys(): Array<{ arg: string; name: string; value: string }> {
  const keys: Array<{ arg: string; name: string; value: string }> = [];
  const add = (arg: string, name: string, pick: (host: string) => string) => {
    if (!existsSync(sysctlProcPath(name))) return;
    keys.push({ arg, name, value: pick(hostValue(name)) });
  };
  const other = (a: string, b: string) => (host: string) => (host === a ? b : a);
  add('tcp_fin_timeout', 'net.ipv4.tcp_fin_timeout', other('7', '8'));
  add('somaxconn', 'net.core.somaxconn', other('333', '334'));
  add('net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_port_range', other('40000 50000', '40001 50001'));
  add('net.ipv4.tcp_rmem', 'net.ipv4.tcp_rmem', other('4096 65536 1048576', '4096 65537 1048576'));
  add('net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.all.rp_filter', other('2', '1'));
  add('net.ipv6.conf.default.hop_limit', 'net.ipv6.conf.default.hop_limit', other('33', '34'));
  add('net.core.txrehash', 'net.core.txrehash', other('0', '1'));
  add('net.core.optmem_max', 'net.core.optmem_max', other('40960', '40961'));
  add('net.netfilter.nf_conntrack_tcp_timeout_established', 'net.netfilter.nf_conntrack_tcp_timeout_established', other('3600', '3601'));
  add('net.unix.max_dgram_qlen', 'net.unix.max_dgram_qlen', other('11', '12'));
  return keys;
}

t.test('accepted keys of every family: set in the lab, the host value unchanged before, during and after', async (t) => {
  const keys = acceptedKeys();
  t.ok(keys.length >= 8, `${keys.length} families on this kernel`);
  const before = new Map(keys.map((k) => [k.name, hostValue(k.name)]));
  const id = await freeId();
  const up = await tcpfsm(['lab', 'up', '--json', '--id', String(id), ...keys.flatMap((k) => ['--lab-sysctl', `${k.arg}=${k.value}`])]);
  t.teardown(() => tcpfsm(['lab', 'down', String(id)]));
  t.equal(up.code, 0, up.stderr);
  const info = JSON.parse(up.stdout) as { sysctls: Record<string, string> };
  for (const k of keys) {
    t.equal(info.sysctls[k.name], k.value, `${k.name}: the lab reads back ${k.value}`);
    t.equal(hostValue(k.name), before.get(k.name), `${k.name}: the host still has ${before.get(k.name)} while the lab is up`);
  }
  const down = await tcpfsm(['lab', 'down', String(id)]);
  t.equal(down.code, 0, down.stderr);
  for (const k of keys) t.equal(hostValue(k.name), before.get(k.name), `${k.name}: the host still has ${before.get(k.name)} after`);
  t.same(await remnantsOf(id), []);
});

// Keys a lab must refuse: outside net.*, and net.* ones the kernel keeps for the host or shares.
const REFUSED: Array<[string, RegExp]> = [
  ['kernel.printk_ratelimit', /kernel\.\* sysctls are the host's own/],
  ['vm.swappiness', /vm\.\* sysctls are the host's own/],
  ['fs.file-max', /fs\.\* sysctls are the host's own/],
  ['net.core.rmem_max', /read-only inside a network namespace|not in a new network namespace/],
  ['net.core.netdev_max_backlog', /not in a new network namespace's \/proc\/sys\/net/],
  ['net.ipv4.tcp_mem', /not in a new network namespace's \/proc\/sys\/net/],
  ['net.ipv4.tcp_allowed_congestion_control', /read-only inside a network namespace|not in a new network namespace/],
  ['net.netfilter.nf_conntrack_max', /read-only inside a network namespace|not in a new network namespace/],
  ['net.netfilter.nf_hooks_lwtunnel', /static key for the whole kernel/],
];

t.test('refused keys: exit 2 naming the key and why, before any lab exists; the host value unchanged', async (t) => {
  for (const [name, why] of REFUSED) {
    if (!existsSync(sysctlProcPath(name))) continue;
    const before = hostValue(name);
    const id = await freeId();
    const r = await tcpfsm(['lab', 'up', '--id', String(id), '--lab-sysctl', `${name}=${before}`]);
    if (r.code === 0) await tcpfsm(['lab', 'down', String(id)]); // a build that let it through: remove its lab after noting what was left
    t.equal(r.code, 2, `lab up --lab-sysctl ${name}: exit 2`);
    t.match(r.stderr, new RegExp(`^tcpfsm: --lab-sysctl: refused lab sysctl: ${name.replace(/\./g, '\\.')} \\(`), `${name}: one line naming the key`);
    t.match(r.stderr, why, `${name}: says why`);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.same(r.code === 0 ? ['a lab was made'] : await remnantsOf(id), [], `${name}: no namespace, link or nft table`);
    t.equal(hostValue(name), before, `${name}: host value unchanged`);
  }
});

t.test('run and exercise refuse the same way: exit 2, no lab, no report', async (t) => {
  const labsBefore = new Set((await listLabs()).map((l) => l.name));
  const reportDir = mkdtempSync(join(tmpdir(), 'tcpfsm-sysctl-safety-'));
  t.teardown(() => rmSync(reportDir, { recursive: true, force: true }));
  const printk = hostValue('kernel.printk_ratelimit');
  const r = await tcpfsm(['run', 'pass', '--report-dir', join(reportDir, 'r'), '--lab-sysctl', `kernel.printk_ratelimit=${printk}`]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /^tcpfsm: --lab-sysctl: refused lab sysctl: kernel\.printk_ratelimit \(kernel\.\* sysctls are the host's own/);
  t.notOk(existsSync(join(reportDir, 'r')), 'no report was started');
  const rmem = hostValue('net.core.rmem_max');
  const r2 = await tcpfsm(['run', 'pass', '--report-dir', join(reportDir, 'r2'), '--lab-sysctl', `net.core.rmem_max=${rmem}`]);
  t.equal(r2.code, 2, r2.stderr);
  t.match(r2.stderr, /refused lab sysctl: net\.core\.rmem_max/);
  t.notOk(existsSync(join(reportDir, 'r2')), 'no report was started');
  const swappiness = hostValue('vm.swappiness');
  const e = await tcpfsm(['exercise', '--walkthrough', 'handshake', '--auto', '--lab-sysctl', `vm.swappiness=${swappiness}`]);
  t.equal(e.code, 2, e.stderr);
  t.match(e.stderr, /^tcpfsm: --lab-sysctl: refused lab sysctl: vm\.swappiness/);
  t.equal(hostValue('kernel.printk_ratelimit'), printk);
  t.equal(hostValue('vm.swappiness'), swappiness);
  // Labs of other test files may come and go meanwhile; none of ours may appear orphaned.
  const orphans = (await listLabs()).filter((l) => !labsBefore.has(l.name) && !l.ownerAlive);
  t.same(orphans, [], 'no orphaned tcpfsm lab appeared');
});

t.test('the agent itself refuses: keys outside net.*, read-only ones, and any write from the host namespace', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const printk = hostValue('kernel.printk_ratelimit');
  await t.rejects(lab.agent.sysctl({ 'kernel.printk_ratelimit': printk }), /refused to write kernel\.printk_ratelimit: kernel\.\* sysctls are the host's own/);
  await t.rejects(
    lab.agent.sysctl({ 'net.core.rmem_max': hostValue('net.core.rmem_max') }),
    /refused to write net\.core\.rmem_max: it is read-only inside a network namespace/,
  );
  t.same((await lab.agent.sysctl({ 'net.ipv4.tcp_fin_timeout': '9' })).values, { 'net.ipv4.tcp_fin_timeout': '9' }, "its own namespace's keys it writes");
  t.equal(hostValue('kernel.printk_ratelimit'), printk);

  // An agent started in the host's namespace by mistake writes nothing, even a per-namespace key
  // (asked to write the host's current value, so a failure here would change nothing either).
  const host = await AgentClient.spawn(process.execPath, [AGENT_SCRIPT], 'the host namespace');
  t.teardown(() => host.stop());
  const fin = hostValue('net.ipv4.tcp_fin_timeout');
  await t.rejects(
    host.sysctl({ 'net.ipv4.tcp_fin_timeout': fin }),
    /refused to write net\.ipv4\.tcp_fin_timeout: the agent is in the host's network namespace/,
  );
  t.equal(hostValue('net.ipv4.tcp_fin_timeout'), fin);
});
