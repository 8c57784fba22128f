// User-Mode Linux as a lab target, for real (root), run by uml.test.ts where the machine can: one boot serves the file. A crafted
// handshake reaches ESTABLISHED in the guest's own TCP stack (ground truth: ss inside the guest),
// the agent's close() gives FIN-WAIT-1 then FIN-WAIT-2, a RST closes, and close() leaves no
// namespace, link, nft table, umid directory or linux.uml process behind.

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { labAddresses } from '../../src/lab/addressing.js';
import { FAST_SUITE_SYSCTLS, SYSCTL_NAMES } from '../../src/lab/sysctls.js';
import { Seq } from '../../src/packet/index.js';
import { PeerConnection } from '../../src/peer/connection.js';
import { UsageError } from '../../src/sys/errors.js';
import { run } from '../../src/sys/exec.js';
import { umlUmid } from '../../src/target/uml/kernel-args.js';
import { openStack } from '../../src/target/uml.js';
import { RawWire } from '../../src/wire/raw.js';
import { pidAlive, remnantsOf } from '../lab/helpers.js';

const host = await openStack();
t.teardown(() => host.close());
t.comment(`User-Mode Linux lab ${host.id} up in ${Math.round(host.setupMs)} ms`);
const wire = await RawWire.open({
  iface: host.probeInterface,
  localAddr: host.probe.ipv4,
  suppress: { id: String(host.id), oifname: host.probeInterface },
});
t.teardown(() => wire.close());

const tupleOf = (peer: PeerConnection) => ({
  localAddress: host.target.ipv4,
  localPort: peer.remotePort,
  peerAddress: host.probe.ipv4,
  peerPort: peer.localPort,
});

/** SYN, SYN-ACK, ACK against a listening port; the guest's socket is ESTABLISHED and accepted. */
async function establish(t: Test, port: number): Promise<{ peer: PeerConnection; conn: number }> {
  const peer = new PeerConnection(wire, host.target.ipv4, port);
  t.teardown(() => peer.close());
  await peer.send('S');
  await peer.expect({ flags: 'S.', ack: Seq.add(peer.iss, 1) }, 3000, 'SYN-ACK');
  await peer.send('.');
  const accepted = await host.agent!.accepted(port, peer.localPort, 5000);
  return { peer, conn: accepted.conn };
}

t.test('the guest is Linux 6.1 with the lab sysctls, reached at its own address', async (t) => {
  t.equal(host.stack, 'uml');
  t.same(host.target, { ipv4: labAddresses(host.id).target.ipv4, ipv6: labAddresses(host.id).target.ipv6 });
  const { values } = await host.agent!.sysctl({}, ['kernel.osrelease']);
  t.match(values['kernel.osrelease'], /^6\.1\./, 'the agent runs under the guest kernel, not the host one');
  for (const [key, value] of Object.entries(FAST_SUITE_SYSCTLS)) {
    t.equal(host.settings!.values[SYSCTL_NAMES[key as keyof typeof SYSCTL_NAMES]], String(value), `${key} read back`);
  }
  t.ok(
    Object.values(SYSCTL_NAMES).every((n) => n in host.settings!.values),
    'every known sysctl is read back',
  );
  // The namespace's own kernel must stay silent: its veth end has no address and no IPv6.
  const { stdout } = await run('ip', ['-n', `tcpfsm-${host.id}`, '-o', 'addr', 'show', 'dev', 'eth0']);
  t.equal(stdout.trim(), '', 'the target-side veth end has no address');
});

t.test('settings: written and read back; a sysctl the guest lacks is a usage error', async (t) => {
  const values = await host.settings!.set({ tcp_fin_timeout: '7' });
  t.equal(values['net.ipv4.tcp_fin_timeout'], '7');
  await t.rejects(host.settings!.set({ 'net.ipv4.tcp_nosuch': '1' }), UsageError);
  await host.settings!.set({ tcp_fin_timeout: String(FAST_SUITE_SYSCTLS.tcp_fin_timeout) });
});

t.test('a crafted handshake reaches ESTABLISHED in the guest; a RST closes it', async (t) => {
  const port = (await host.agent!.listen(0)).port;
  const { peer } = await establish(t, port);
  const tuple = tupleOf(peer);
  const est = await host.states!.waitForState(tuple, 'ESTABLISHED', 5000);
  t.equal(est.state, 'ESTABLISHED', 'ss inside the guest says ESTABLISHED');
  t.equal(est.socket?.local.address, host.target.ipv4);
  await peer.send('R');
  const closed = await host.states!.waitForState(tuple, 'CLOSED', 5000);
  t.equal(closed.state, 'CLOSED', 'gone from the guest after our RST');
});

t.test("the agent's close gives FIN-WAIT-1, our ACK FIN-WAIT-2", async (t) => {
  const port = (await host.agent!.listen(0)).port;
  const { peer, conn } = await establish(t, port);
  const tuple = tupleOf(peer);
  await host.states!.waitForState(tuple, 'ESTABLISHED', 5000);
  await host.agent!.close(conn);
  await peer.expect({ flags: 'F.', seq: Seq.add(peer.irs!, 1), ack: peer.sndNxt }, 3000, 'FIN');
  t.equal((await host.states!.waitForState(tuple, 'FIN-WAIT-1', 5000)).state, 'FIN-WAIT-1', 'FIN sent, not yet acknowledged');
  await peer.send('.');
  t.equal((await host.states!.waitForState(tuple, 'FIN-WAIT-2', 5000)).state, 'FIN-WAIT-2', 'our ACK of its FIN');
  await peer.send('R');
  await host.states!.waitForState(tuple, 'CLOSED', 5000);
});

t.test('close() halts the guest and leaves nothing behind', async (t) => {
  const name = `tcpfsm-${host.id}`;
  const pids = (await run('ip', ['netns', 'pids', name])).stdout.split(/\s+/).filter(Boolean).map(Number);
  t.ok(pids.length >= 3, `UML runs as several host processes (${pids.length})`);
  const umidDir = join(tmpdir(), umlUmid(labAddresses(host.id)));
  t.ok(existsSync(umidDir), 'UML made its umid directory');
  await wire.close();
  const started = performance.now();
  await host.close();
  t.comment(`halt and removal took ${Math.round(performance.now() - started)} ms`);
  t.same(await remnantsOf(host.id), [], 'no namespace, link or nft table');
  t.same(pids.filter(pidAlive), [], 'no linux.uml process survives');
  t.notOk(existsSync(umidDir), 'the umid directory is gone');
  await host.close(); // idempotent
});

t.test('a guest whose kernel process died is still removed completely', async (t) => {
  const crashed = await openStack();
  t.teardown(() => crashed.close());
  const name = `tcpfsm-${crashed.id}`;
  const pids = (await run('ip', ['netns', 'pids', name])).stdout.split(/\s+/).filter(Boolean).map(Number);
  process.kill(crashed.agent!.pid, 'SIGKILL'); // linux.uml's main process
  await crashed.agent!.exited;
  await crashed.close();
  t.same(await remnantsOf(crashed.id), [], 'no namespace, link or nft table');
  t.same(pids.filter(pidAlive), [], 'none of its host processes survives');
  t.notOk(existsSync(join(tmpdir(), umlUmid(labAddresses(crashed.id)))), 'the stale umid directory is removed');
});
