// What test/target/slirp.test.ts and passt.test.ts both check of a proxy target, real and as
// root: it comes up behind a tcpfsm veth with its outbound side shut in its own namespace; a
// crafted handshake from the probe becomes a connection the host-side agent accepts; data arrives;
// what the agent's close/abort make the proxy send to the probe; close() (and a SIGKILLed owner
// plus cleanup) leaves nothing.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { cleanupLeftovers } from '../../src/lab/inventory.js';
import { formatTcp, Seq } from '../../src/packet/index.js';
import { PeerConnection } from '../../src/peer/connection.js';
import type { SegmentPattern } from '../../src/peer/pattern.js';
import { run } from '../../src/sys/exec.js';
import type { ProxyHost } from '../../src/target/proxy.js';
import type { StackOptions } from '../../src/target/stack.js';
import { listTcpfsmTables } from '../../src/wire/nft.js';
import { RawWire } from '../../src/wire/raw.js';
import { pidAlive } from '../lab/helpers.js';

export interface ProxyCase {
  stack: 'slirp' | 'passt';
  openStack(opts?: StackOptions): Promise<ProxyHost>;
  /** Links in the proxy's own namespace (lo, and pasta's port-less template bridge). */
  hostLinks: string[];
  /** Flags of the proxy's answer to the agent's abort (a RST on the host-side socket). */
  abortFlags: string;
  /** Its answer to a SYN (ISN `iss`) whose connect() on the host side is refused. */
  closedPortAnswer(iss: number): SegmentPattern;
}

const ipJson = async (args: string[]) => JSON.parse((await run('ip', ['-j', ...args])).stdout || '[]') as Array<Record<string, unknown>>;

/** Everything of proxy lab `id` still on the machine, as readable strings (empty = clean). */
async function remnants(id: number, pids: number[]): Promise<string[]> {
  const name = `tcpfsm-${id}`;
  const left: string[] = [];
  for (const ns of [name, `${name}-host`]) if (existsSync(`/run/netns/${ns}`)) left.push(`namespace ${ns}`);
  if (existsSync(`/sys/class/net/${name}`)) left.push(`link ${name}`);
  for (const [family, table] of await listTcpfsmTables()) if (table === name || table.startsWith(`${name}-`)) left.push(`nft table ${family} ${table}`);
  for (const pid of pids) if (pidAlive(pid)) left.push(`process ${pid}`);
  return left;
}

async function waitGone(pids: number[]): Promise<void> {
  for (const until = Date.now() + 3000; pids.some(pidAlive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
}

export function proxyTests(c: ProxyCase): void {
  t.test(`${c.stack} comes up behind a veth, its outbound side shut in its own namespace`, async (t) => {
    const host = await c.openStack();
    t.teardown(() => host.close());
    t.comment(`start ${host.setupMs.toFixed(0)} ms`);
    t.equal(host.stack, c.stack);
    t.equal(host.probeInterface, `tcpfsm-${host.id}`);
    t.ok(existsSync(`/sys/class/net/${host.probeInterface}`), 'the probe link is in the root namespace');
    t.match(host.target.ipv4, /^198\.19\.\d+\.\d+$/);
    t.match(host.probe.ipv4, /^198\.19\.\d+\.\d+$/);
    t.equal(host.states, null, 'no ground truth');
    t.equal(host.settings, null, 'nothing tunable at run time');
    t.same(host.options, { mtu: '1500' });
    t.match(host.describe, /No ground truth/);

    const hostLinks = await ipJson(['-n', host.hostNamespace, 'link', 'show']);
    t.same(hostLinks.map((l) => l.ifname).sort(), [...c.hostLinks].sort(), `only ${c.hostLinks.join(' and ')} in ${host.hostNamespace}`);
    const hostAddrs = (await ipJson(['-n', host.hostNamespace, 'addr', 'show'])).flatMap((l) => (l.addr_info as Array<{ local: string }>).map((a) => a.local));
    t.same(hostAddrs.sort(), ['127.0.0.1', '::1'], 'no address but loopback in the proxy namespace');
    t.same(await ipJson(['-n', host.hostNamespace, 'link', 'show', 'master', 'sink0']).catch(() => []), [], 'no link is a port of sink0');
    // A lab address outside this lab: the proxy's connect() there must find no way out.
    const route = await run('ip', ['-n', host.hostNamespace, 'route', 'get', '198.18.0.1']).then(
      (r) => r.stdout,
      (e: Error) => e.message,
    );
    if (c.hostLinks.includes('sink0')) t.match(route, /dev sink0/, 'everything routed into the port-less sink');
    else t.match(route, /Network is unreachable/, 'no route out');
    t.ok((await run('ip', ['netns', 'pids', host.hostNamespace])).stdout.split(/\s+/).includes(String(host.proxyPid)), 'the proxy runs in its own namespace');

    const targetAddrs = (await ipJson(['-n', host.namespace, 'addr', 'show'])).flatMap((l) => (l.addr_info as Array<{ local: string }>).map((a) => a.local));
    t.same(
      targetAddrs.filter((a) => a !== '127.0.0.1'),
      [],
      'the target namespace kernel has no address to answer from',
    );
  });

  t.test(`${c.stack}: a crafted handshake becomes a connection the host-side agent accepts`, async (t) => {
    const host = await c.openStack();
    t.teardown(() => host.close());
    const { port } = await host.agent.listen(0);
    const wire = await RawWire.open({
      iface: host.probeInterface,
      localAddr: host.probe.ipv4,
      suppress: { id: String(host.id), oifname: host.probeInterface },
    });
    t.teardown(() => wire.close());

    const accepts = () => host.agent.events.filter((e) => e.event === 'accepted').length;
    const open = async () => {
      const conn = new PeerConnection(wire, host.target.ipv4, port);
      t.teardown(() => conn.close());
      const before = accepts();
      await conn.send({ flags: 'S', options: [{ kind: 'mss', value: 1460 }] });
      const synAck = await conn.expect({ flags: 'S.', ack: Seq.add(conn.iss, 1) }, 3000, 'SYN-ACK');
      await conn.send('.');
      const payload = `hello ${conn.localPort}`;
      await conn.send({ flags: 'P.', payload });
      await conn.expect({ flags: '.', ack: Seq.add(conn.iss, 1 + payload.length) }, 3000, 'ACK of the data');
      // The proxy's host-side connect() may reach the agent after our handshake: wait for its
      // accept, or lastAccepted() would name the previous test's connection.
      if (accepts() === before) await host.agent.waitForEvent(() => accepts() > before, 3000);
      return { conn, synAck, payload };
    };

    t.test('SYN-ACK, accept, data', async (t) => {
      const before = host.agent.events.filter((e) => e.event === 'accepted').length;
      const { conn, synAck, payload } = await open();
      t.comment(`SYN-ACK: ${formatTcp(synAck)}`);
      t.equal(synAck.checksumOk, true, 'its checksum holds');
      await host.agent.waitForEvent((e) => e.event === 'accepted' && host.agent.events.filter((x) => x.event === 'accepted').length > before, 3000);
      const accepted = host.agent.events.filter((e) => e.event === 'accepted').at(-1)!;
      t.equal(accepted.event === 'accepted' && accepted.remote.address, '127.0.0.1', 'the host side sees the proxy, from loopback');
      t.not(accepted.event === 'accepted' && accepted.remote.port, conn.localPort, "from a port of the proxy's own, not the probe's");
      await host.agent.waitForEvent(
        (e) => e.event === 'data' && e.conn === (accepted.event === 'accepted' ? accepted.conn : -1) && e.total === payload.length,
        3000,
      );
      t.equal((await host.agent.read(accepted.event === 'accepted' ? accepted.conn : -1)).data.toString(), payload, 'the data arrives at the agent');
    });

    t.test('SYN to a port nothing listens on: the proxy connect()s first, and answers the refusal with a reset', async (t) => {
      const conn = new PeerConnection(wire, host.target.ipv4, port === 9 ? 10 : 9);
      t.teardown(() => conn.close());
      await conn.send({ flags: 'S' });
      const rst = await conn.expect(c.closedPortAnswer(conn.iss), 3000, 'RST');
      t.comment(`SYN to a closed port: ${formatTcp(rst)}`);
    });

    const lastAccepted = () => {
      const e = host.agent.events.filter((e) => e.event === 'accepted').at(-1);
      if (e?.event !== 'accepted') throw new Error('no accepted connection');
      return e.conn;
    };

    t.test('agent close() (data read): FIN to the probe', async (t) => {
      const { conn, payload } = await open();
      const id = lastAccepted();
      await host.agent.waitForEvent((e) => e.event === 'data' && e.conn === id && e.total === payload.length, 3000);
      await host.agent.read(id);
      await host.agent.close(id);
      const fin = await conn.expect({ flags: 'F.', ack: conn.sndNxt }, 3000, 'FIN');
      t.comment(`after close(): ${formatTcp(fin)}`);
      await conn.send('F.');
      await conn.expect({ flags: '.', ack: conn.sndNxt }, 3000, 'ACK of our FIN');
    });

    t.test('agent shutdown(): FIN, and the probe can still send', async (t) => {
      const { conn, payload } = await open();
      const id = lastAccepted();
      await host.agent.shutdown(id);
      await conn.expect({ flags: 'F.' }, 3000, 'FIN');
      await conn.send({ flags: 'P.', payload: 'after' });
      await conn.expect({ flags: '.', ack: conn.sndNxt }, 3000, 'ACK of data after the FIN');
      await host.agent.waitForEvent((e) => e.event === 'data' && e.conn === id && e.total === payload.length + 'after'.length, 3000);
      t.match((await host.agent.read(id)).data.toString(), /after$/, 'half-close: the agent still receives');
    });

    t.test('agent close() with unread data: the host side resets, the probe still gets a FIN', async (t) => {
      const { conn, payload } = await open();
      const id = lastAccepted();
      await host.agent.waitForEvent((e) => e.event === 'data' && e.conn === id && e.total === payload.length, 3000);
      await host.agent.close(id); // Linux answers unread data with RST (RFC 2525 §2.17)
      const seg = await conn.expect({ flags: 'F.' }, 3000, 'FIN');
      t.comment(`after close() with unread data: ${formatTcp(seg)}`);
    });

    t.test(`agent abort(): ${c.abortFlags} to the probe`, async (t) => {
      const { conn } = await open();
      await host.agent.abort(lastAccepted());
      const seg = await conn.expect({ flags: c.abortFlags }, 3000, 'RST');
      t.comment(`after abort(): ${formatTcp(seg)}`);
    });
  });

  t.test(`${c.stack}: close() leaves nothing; a bad setting or a missing package is refused before anything exists`, async (t) => {
    const host = await c.openStack({ settings: { mtu: '1400' } });
    const pids = [host.proxyPid, host.agent.pid];
    t.same(host.options, { mtu: '1400' });
    t.same(await remnants(host.id, []), [`namespace tcpfsm-${host.id}`, `namespace tcpfsm-${host.id}-host`, `link tcpfsm-${host.id}`]);
    const started = performance.now();
    await host.close();
    t.comment(`start ${host.setupMs.toFixed(0)} ms, stop ${(performance.now() - started).toFixed(0)} ms`);
    t.same(await remnants(host.id, pids), [], 'no namespace, link, nft table, proxy or agent left');
    await host.close(); // idempotent

    await t.rejects(c.openStack({ settings: { sack: '0' } }), { name: 'UsageError', message: `${c.stack} has no setting 'sack' (known: mtu)` });
    await t.rejects(c.openStack({ settings: { mtu: 'big' } }), { name: 'UsageError', message: /mtu must be an integer/ });
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    t.teardown(() => void (process.env.PATH = path));
    await t.rejects(c.openStack(), { name: 'EnvironmentError', message: new RegExp(`was not found on PATH: install the Debian package ${c.stack}`) });
    process.env.PATH = path;
  });

  t.test(`${c.stack}: a SIGKILLed owner takes the proxy with it; cleanup removes both namespaces`, async (t) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./proxy-child.js', import.meta.url)), c.stack], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    const { id, proxyPid, agentPid } = JSON.parse(line) as { id: number; proxyPid: number; agentPid: number };
    t.ok(pidAlive(proxyPid), 'the proxy runs');
    child.kill('SIGKILL');
    await waitGone([proxyPid, agentPid]);
    t.notOk(pidAlive(proxyPid), 'the proxy died with its owner (parent-death signal)');
    t.notOk(pidAlive(agentPid), 'the agent exited when its stdin closed');
    t.same(await remnants(id, []), [`namespace tcpfsm-${id}`, `namespace tcpfsm-${id}-host`, `link tcpfsm-${id}`], 'no teardown ran');
    const report = await cleanupLeftovers({ ids: [id], graceSeconds: 0 });
    t.same(report.namespaces.sort(), [`tcpfsm-${id}`, `tcpfsm-${id}-host`]);
    t.same(report.failures, []);
    t.same(await remnants(id, []), [], 'nothing left');
  });
}
