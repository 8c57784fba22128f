// The target agent against plain sockets in the root namespace, with the target kernel's state
// checked through ss after each step. The root-namespace kernel answers at once (it ACKs a FIN
// immediately), which is all these tests need; crafted segments come with src/wire.

import net from 'node:net';
import t from 'tap';
import { AgentCommandError, AgentError } from '../../src/lab/agent/client.js';
import type { Command } from '../../src/lab/agent/protocol.js';
import { agentTable, StateTimeoutError, socketOf, socketsOf, stateOf, type TcpTuple, waitForState } from '../../src/lab/ground-truth.js';
import { createLab, type Lab } from '../../src/lab/lab.js';

const lab: Lab = await createLab();
t.teardown(() => lab.destroy());
const { agent } = lab;

/** A plain client in the root namespace, connected to the agent's listener; the target-side tuple. */
async function client(port: number): Promise<{ c: net.Socket; tuple: TcpTuple; conn: number }> {
  const c = net.connect({ host: lab.target.ipv4, port, allowHalfOpen: true });
  c.on('error', () => undefined);
  await new Promise((r) => c.once('connect', r));
  const tuple = { localAddress: lab.target.ipv4, localPort: port, peerAddress: lab.probe.ipv4, peerPort: c.localPort! };
  const { conn } = await agent.accepted(port, c.localPort);
  return { c, tuple, conn };
}

const { port } = await agent.listen(0);

t.test('ping and listen answer', async (t) => {
  const p = await agent.ping();
  t.equal(p.pid, agent.pid);
  t.match(p.node, /^v20\./);
  t.ok(port > 0, 'port 0 gave an ephemeral port');
  t.equal(await stateOf(lab, { localPort: port, peerPort: undefined, peerAddress: '0.0.0.0' }), 'LISTEN');
});

t.test('accept, ESTABLISHED, agent close → FIN-WAIT-2 → TIME-WAIT', async (t) => {
  const { c, tuple, conn } = await client(port);
  const est = await lab.waitForState(tuple, 'ESTABLISHED', 2000);
  t.equal(await lab.stateOf(tuple), 'ESTABLISHED', 'the same through the lab object');
  t.equal((await lab.sockets(tuple)).length, 1);
  t.equal(est.socket?.local.address, lab.target.ipv4);
  t.equal(est.socket?.peer.port, c.localPort);
  const clientEnded = new Promise((r) => c.once('end', r));
  await agent.close(conn);
  await clientEnded; // the client saw the target's FIN
  const fw2 = await waitForState(lab, tuple, 'FIN-WAIT-2', 2000);
  t.same(fw2.trail.at(-1), 'FIN-WAIT-2');
  t.equal(fw2.socket?.timer?.name, 'timewait', 'orphaned FIN-WAIT-2 runs the tcp_fin_timeout timer');
  t.ok(fw2.socket!.timer!.remainingMs <= 3000, `at most tcp_fin_timeout = 3 s left (${fw2.socket!.timer!.remainingMs} ms)`);
  c.end();
  const tw = await waitForState(lab, tuple, 'TIME-WAIT', 2000);
  t.equal(tw.socket?.timer?.name, 'timewait');
  t.ok(tw.socket!.timer!.remainingMs > 50_000, 'TIME-WAIT is 60 s on Linux');
  t.comment(`FIN-WAIT-2 after ${fw2.elapsedMs.toFixed(1)} ms (${fw2.polls} polls); TIME-WAIT after ${tw.elapsedMs.toFixed(1)} ms`);
  c.destroy();
});

t.test('send, read, shutdown (SHUT_WR), FIN seen', async (t) => {
  const { c, tuple, conn } = await client(port);
  const got: Buffer[] = [];
  c.on('data', (d) => got.push(d));
  const sent = await agent.send(conn, 'hello');
  t.equal(sent.written, 5);
  await agent.send(conn, Buffer.from([0, 1, 2, 255]));
  await agent.send(conn, { n: 30 });
  c.write('from the probe side');
  await agent.waitForEvent((e) => e.event === 'data' && e.conn === conn && e.total >= 19);
  const r = await agent.read(conn);
  t.equal(r.data.toString(), 'from the probe side');
  t.equal(r.fin, false);
  t.equal((await agent.read(conn)).bytes, 0, 'read returns only what arrived since the last read');
  const clientEnded = new Promise((r) => c.once('end', r));
  await agent.shutdown(conn);
  await clientEnded;
  t.same(Buffer.concat(got), Buffer.concat([Buffer.from('hello'), Buffer.from([0, 1, 2, 255]), Buffer.from('abcdefghijklmnopqrstuvwxyzabcd')]));
  const fw2 = await waitForState(lab, tuple, 'FIN-WAIT-2', 2000);
  t.equal(fw2.socket?.timer, null, 'not orphaned after shutdown: no FIN-WAIT-2 timer');
  t.same(fw2.socket?.shutdown, { rcv: false, snd: true });
  c.end('bye');
  await agent.waitForEvent((e) => e.event === 'end' && e.conn === conn);
  const last = await agent.read(conn);
  t.equal(last.data.toString(), 'bye');
  t.equal(last.fin, true);
  t.equal(last.total, 19 + 3);
  await waitForState(lab, tuple, 'TIME-WAIT', 2000);
  c.destroy();
});

t.test('peer closes first: CLOSE-WAIT, then agent close: LAST-ACK → CLOSED', async (t) => {
  const { c, tuple, conn } = await client(port);
  c.end();
  await agent.waitForEvent((e) => e.event === 'end' && e.conn === conn);
  const cw = await waitForState(lab, tuple, 'CLOSE-WAIT', 2000);
  t.same(cw.socket?.shutdown, { rcv: true, snd: false });
  await new Promise((r) => setTimeout(r, 50));
  t.equal(await stateOf(lab, tuple), 'CLOSE-WAIT', 'the agent does not answer a FIN by itself (allowHalfOpen)');
  await agent.close(conn);
  const gone = await waitForState(lab, tuple, 'CLOSED', 2000);
  t.equal(gone.socket, null, 'a vanished tuple reads as CLOSED');
  c.destroy();
});

t.test('abort sends RST', async (t) => {
  const { c, tuple, conn } = await client(port);
  const reset = new Promise<string | undefined>((r) => c.once('error', (e: NodeJS.ErrnoException) => r(e.code)));
  await agent.abort(conn);
  t.equal(await reset, 'ECONNRESET');
  t.equal(await stateOf(lab, tuple), 'CLOSED');
  await agent.waitForEvent((e) => e.event === 'close' && e.conn === conn);
  await t.rejects(agent.send(conn, 'x'), { name: 'AgentCommandError', message: `agent send: connection ${conn} is already closed` });
});

t.test('pause keeps data in the kernel (Recv-Q); close with unread data sends RST', async (t) => {
  const { c, tuple, conn } = await client(port);
  await agent.pause(conn);
  c.write(Buffer.alloc(3000, 0x41));
  let s = await waitForState(lab, tuple, 'ESTABLISHED', 1000);
  for (const until = Date.now() + 2000; s.socket!.recvQ < 3000 && Date.now() < until; ) s = await waitForState(lab, tuple, 'ESTABLISHED', 1000);
  t.equal(s.socket?.recvQ, 3000, 'paused: the bytes wait in the target kernel');
  t.equal((await agent.read(conn)).bytes, 0, 'and not in the agent');
  await agent.resume(conn);
  await agent.waitForEvent((e) => e.event === 'data' && e.conn === conn && e.total === 3000);
  t.equal((await socketOf(lab, tuple))?.recvQ, 0, 'resumed: read out of the kernel');
  t.equal((await agent.read(conn)).bytes, 3000);

  await agent.pause(conn);
  c.write('unread');
  for (const until = Date.now() + 2000; ((await socketOf(lab, tuple))?.recvQ ?? 0) < 6 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
  const reset = new Promise<string | undefined>((r) => {
    c.once('error', (e: NodeJS.ErrnoException) => r(e.code));
    c.once('end', () => r('FIN'));
  });
  await agent.close(conn);
  t.equal(await reset, 'ECONNRESET', 'close(2) with unread data sends RST, not FIN (RFC 2525 §2.17)');
  t.equal(await stateOf(lab, tuple), 'CLOSED');
});

t.test('active open from the target to a listener on the probe address', async (t) => {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  await new Promise<void>((r) => server.listen(0, lab.probe.ipv4, r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const rootPort = (server.address() as net.AddressInfo).port;
  const { conn, localPort } = await agent.connect(lab.probe.ipv4, rootPort);
  t.ok(localPort && localPort > 0, 'the answer names the local port');
  const connected = await agent.waitForEvent((e) => e.event === 'connected' && e.conn === conn);
  t.same(connected.event === 'connected' && connected.remote, { address: lab.probe.ipv4, port: rootPort });
  const s = await accepted;
  t.equal(s.remoteAddress, lab.target.ipv4);
  t.equal(s.remotePort, localPort);
  const tuple = { localPort: localPort!, peerAddress: lab.probe.ipv4, peerPort: rootPort };
  t.equal(await stateOf(lab, tuple), 'ESTABLISHED');
  s.write('to target');
  await agent.waitForEvent((e) => e.event === 'data' && e.conn === conn);
  t.equal((await agent.read(conn)).data.toString(), 'to target');
  s.destroy();
  await agent.close(conn);
});

t.test('an active open that is never answered stays in SYN-SENT without blocking the agent', async (t) => {
  // Drop everything coming into the lab namespace; the rule lives and dies with the namespace.
  await lab.exec('nft', ['-f', '-'], { input: 'table inet tcpfsm-drop {\n chain c {\n type filter hook input priority 0;\n meta l4proto tcp drop\n }\n}\n' });
  t.teardown(() => lab.exec('nft', ['delete', 'table', 'inet', 'tcpfsm-drop']).catch(() => undefined));
  const started = performance.now();
  const { conn, localPort } = await agent.connect(lab.probe.ipv4, 9);
  t.ok(performance.now() - started < 1000, 'connect answers before any handshake');
  const tuple = { localPort: localPort!, peerPort: 9 };
  const ss = await waitForState(lab, tuple, 'SYN-SENT', 1000);
  t.equal(ss.socket?.timer?.name, 'on', 'SYN retransmission timer');
  t.equal((await agent.ping()).pid, agent.pid, 'the agent still answers');
  await t.rejects(waitForState(lab, tuple, 'ESTABLISHED', 100), StateTimeoutError, 'a wait that cannot succeed times out with the state seen');
  await agent.abort(conn);
  await waitForState(lab, tuple, 'CLOSED', 1000);
});

t.test('errors are precise and the agent keeps running', async (t) => {
  const inUse = await agent.listen(port).then(
    () => null,
    (e: unknown) => e,
  );
  t.type(inUse, AgentCommandError);
  t.equal((inUse as AgentCommandError).code, 'EADDRINUSE');
  t.equal((inUse as AgentCommandError).message, `agent listen: listen EADDRINUSE: address already in use 0.0.0.0:${port}`);
  await t.rejects(agent.call('bogus' as Command, {} as never), {
    message: /^agent bogus: unknown command "bogus" \(known: ping, sysctl, listen/,
  });
  await t.rejects(agent.send(999_999, 'x'), { message: /^agent send: no connection 999999 \(known: / });
  const open = await client(port);
  t.teardown(() => open.c.destroy());
  await t.rejects(agent.call('send', { conn: open.conn }), { message: 'agent send: send needs exactly one of hex, text, n (got none)' });
  await t.rejects(agent.call('send', { conn: open.conn, text: 'a', n: 1 }), { message: 'agent send: send needs exactly one of hex, text, n (got text, n)' });
  await t.rejects(agent.call('send', { conn: open.conn, hex: 'abc' }), { message: "agent send: 'hex' is not an even-length hex string" });
  await t.rejects(agent.connect('not-an-ip', 80), { message: `agent connect: 'host' must be an IP address, got "not-an-ip"` });
  await t.rejects(agent.listen(70000), { message: `agent listen: 'port' must be an integer in 0..65535, got 70000` });
  await t.rejects(agent.unlisten(1), { message: /^agent unlisten: not listening on port 1 \(listening: \d+/ });
  t.equal((await agent.ping()).pid, agent.pid, 'still alive');
  const { listening, conns } = await agent.list();
  t.ok(listening.includes(port));
  t.ok(conns.length >= 5);
});

t.test('unlisten: new connections are refused, accepted ones stay', async (t) => {
  const { port: p2 } = await agent.listen(0);
  const { c, tuple } = await client(p2);
  await agent.unlisten(p2);
  t.equal(await stateOf(lab, { localPort: p2, peerAddress: '0.0.0.0' }), 'CLOSED', 'no listener');
  t.equal(await stateOf(lab, tuple), 'ESTABLISHED', 'the accepted connection lives on');
  const refused = await new Promise<string | undefined>((r) => {
    const x = net.connect({ host: lab.target.ipv4, port: p2 });
    x.on('error', (e: NodeJS.ErrnoException) => r(e.code));
    x.on('connect', () => r('connected'));
  });
  t.equal(refused, 'ECONNREFUSED');
  c.destroy();
});

t.test('ground truth: one poll costs a single ss run', async (t) => {
  const n = 40;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await socketsOf(lab, { localPort: port });
  const each = (performance.now() - t0) / n;
  t.comment(`socketsOf (ss -N NS -Htanoie 'sport = :P'): ${each.toFixed(2)} ms per poll`);
  const all = await socketsOf(lab);
  t.ok(
    all.some((s) => s.state === 'LISTEN' && s.local.port === port),
    'the unfiltered list includes the listener',
  );
  await t.rejects(socketOf(lab, { localPort: port }), { message: /matches \d+ sockets/ }, 'an ambiguous tuple is an error, not a guess');
});

t.test("the agent's TCP table (/proc/net/tcp in the namespace) agrees with ss on every socket", async (t) => {
  // LISTEN, ESTABLISHED, CLOSE-WAIT (client shut), FIN-WAIT-2 → TIME-WAIT (agent closed first)
  const { c: a } = await client(port);
  const { c: b, conn: bConn } = await client(port);
  b.end();
  const { c: d, tuple: dTuple, conn: dConn } = await client(port);
  await agent.close(dConn);
  d.end();
  await waitForState(lab, dTuple, 'TIME-WAIT', 2000);
  const table = agentTable(agent, lab.namespace);
  // The same instant is impossible; states that could still move were waited for above.
  const [fromProc, fromSs] = await Promise.all([socketsOf(table, { localPort: port }), socketsOf(lab, { localPort: port })]);
  const key = (s: { local: { address: string; port: number | null }; peer: { address: string; port: number | null } }) =>
    `${s.local.address}:${s.local.port} ${s.peer.address}:${s.peer.port}`;
  const view = (list: typeof fromSs) =>
    new Map(list.map((s) => [key(s), { state: s.state, recvQ: s.state === 'LISTEN' ? 0 : s.recvQ, timer: s.timer?.name ?? null }]));
  t.ok(fromProc.length >= 4, `${fromProc.length} sockets on port ${port}`);
  t.same(view(fromProc), view(fromSs), "same sockets, states, queues and timers (a listener's Send-Q is its backlog in ss only)");
  t.equal(await stateOf(table, dTuple), 'TIME-WAIT', 'stateOf through the agent');
  t.equal((await waitForState(table, dTuple, 'TIME-WAIT', 1000)).socket?.timer?.name, 'timewait');
  void bConn;
  for (const s of [a, b, d]) s.destroy();
});

t.test('agent crash: calls fail with the reason, destroy still cleans up', async (t) => {
  const other = await createLab();
  t.teardown(() => other.destroy());
  const pending = other.agent.call('connect', { host: other.probe.ipv4, port: 9 });
  process.kill(other.agent.pid, 'SIGKILL');
  await t.rejects(
    pending.then(() => other.agent.ping()),
    { name: 'AgentError', message: /target agent \(pid \d+\) was killed by SIGKILL/ },
  );
  t.equal(other.agent.alive, false);
  await t.rejects(other.agent.ping(), AgentError);
  await other.destroy();
  t.equal((await import('node:fs')).existsSync(`/run/netns/${other.namespace}`), false);
});
