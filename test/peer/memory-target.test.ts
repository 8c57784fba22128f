// The peer over the memory target (src/target/memory.ts): the state fixtures reach every RFC 9293
// state with the oracle's model and the stack's own TCBs agreeing at each step, and the stack's
// data path, timers and settings behave as the RFC says — no root, no lab, no kernel.
// Waits for an expected segment are generous upper bounds (a loaded machine can stall this process
// for a second); the stack's timers run on the same event loop, so their order is unaffected.
import t, { type Test as Tap } from 'tap';
import { states } from '../../src/fsm/index.js';
import { Seq } from '../../src/packet/index.js';
import { PathDivergedError, PeerConnection } from '../../src/peer/connection.js';
import { fixtures } from '../../src/peer/fixtures.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection, stateGroundTruth } from '../../src/peer/scripted.js';
import { Trace } from '../../src/peer/trace.js';
import { UsageError } from '../../src/sys/errors.js';
import { withSettings } from '../../src/target/settings.js';
import { openTarget, type Target } from '../../src/target/target.js';

async function memoryTarget(tt: Tap, settings: Record<string, string> = {}): Promise<Target> {
  const target = await openTarget({ stack: 'memory', settings });
  tt.teardown(() => target.close());
  return target;
}

/** A scripted connection to `port` with ground truth from the stack, steps collected. */
function connect(target: Target, port: number): ScriptedConnection {
  const peer = new PeerConnection(target.wire, target.address, port, { trace: new Trace() });
  const c = new ScriptedConnection(peer, RemoteModel.listening(target.profile), stateGroundTruth(target.states!, target.address, target.probeAddress));
  return c;
}

t.test('the memory target: in process, with app control, ground truth and settings, judged by the rfc profile', async (t) => {
  const target = await memoryTarget(t);
  t.equal(target.name, 'memory');
  t.equal(target.lab, null, 'no lab');
  t.match(target.describe, /memory stack 198\.18\.0\.2 \(in process\)/);
  t.equal(target.profile.name, 'rfc');
  t.ok(target.agent && target.states && target.settings, 'every capability');
  t.equal(target.settings!.values.rfc5961, '1', 'RFC 5961 on by default');
  t.same((await target.agent!.ping()).pid, process.pid, 'the agent answers from this process');
});

t.test('every state fixture arrives with the model and the stack agreeing', async (t) => {
  const target = await memoryTarget(t);
  for (const state of states) {
    const c = await fixtures[state](target);
    t.equal(c.model.state, state, `${state}: the model`);
    if (state !== 'LISTEN' && state !== 'CLOSED') t.equal(await target.states!.stateOf(tupleOf(target, c)), state, `${state}: the stack's own TCB`);
    c.close();
  }
});

function tupleOf(target: Target, c: ScriptedConnection) {
  return { localAddress: target.address, localPort: c.peer.remotePort, peerAddress: target.probeAddress, peerPort: c.peer.localPort };
}

t.test('out-of-order data is held and merged: one cumulative ACK, the application reads it all in order', async (t) => {
  const target = await memoryTarget(t);
  const agent = target.agent!;
  const c = connect(target, (await agent.listen(0)).port);
  await c.handshake();
  const conn = (await agent.accepted(c.peer.remotePort, c.peer.localPort)).conn;
  const start = c.sndNxt;
  // bytes 5..9 first: a duplicate ACK of RCV.NXT, nothing delivered
  await c.send({ flags: 'P.', seq: Seq.add(start, 5), payload: Buffer.from('world') });
  await c.expect({ flags: '.', ack: start });
  // then 0..4: the ACK covers both
  await c.peer.send({ flags: 'P.', seq: start, payload: Buffer.from('hello') });
  const ack = await c.peer.next(5000);
  t.equal(ack?.tcp.ack, Seq.add(start, 10), 'one ACK of all ten bytes');
  t.equal(await c.peer.next(100), null, 'and no second one');
  await agent.waitForEvent((e) => e.event === 'data' && e.conn === conn && e.total === 10, 1000);
  t.equal((await agent.read(conn)).data.toString(), 'helloworld');
  c.close();
});

t.test('data is segmented to our MSS and retransmitted with a doubling RTO, then the connection is dropped (R2)', async (t) => {
  const target = await memoryTarget(t, { rto_initial_ms: '40', rto_min_ms: '40', retries: '2' });
  const agent = target.agent!;
  const peer = new PeerConnection(target.wire, target.address, (await agent.listen(0)).port, { trace: new Trace() });
  t.teardown(() => peer.close());
  await peer.send({ flags: 'S', options: [{ kind: 'mss', value: 100 }] });
  const synAck = await peer.next(5000);
  t.equal(synAck?.tcp.flags, 0x12, 'SYN-ACK');
  await peer.send({ flags: '.' });
  const { conn } = await agent.accepted(peer.remotePort, peer.localPort);
  await agent.send(conn, { n: 250 });
  const sizes = [];
  for (let i = 0; i < 3; i++) sizes.push((await peer.next(5000))!.tcp.payload.length);
  t.same(sizes, [100, 100, 50], 'three segments of at most the MSS we announced');
  // Nothing acknowledged: the first segment comes again after the RTO, then after twice that.
  for (let i = 0; i < 2; i++) {
    const s = (await peer.next(5000))!;
    t.equal(s.tcp.payload.length, 100, `retransmission ${i + 1} of the first segment`);
    t.equal(s.tcp.seq, Seq.add(synAck!.tcp.seq, 1));
  }
  const error = await agent.waitForEvent((e) => e.event === 'error' && e.conn === conn, 2000);
  t.match(error, { code: 'ETIMEDOUT' }, 'the application is told');
  t.equal(await target.states!.stateOf({ localPort: peer.remotePort, peerPort: peer.localPort }), 'CLOSED', 'dropped after 2 retransmissions');
  t.equal(await peer.next(200), null, 'silently: no RST');
});

t.test('slow start (RFC 5681 3.1): an initial window of 4 segments, one more per ACK', async (t) => {
  const target = await memoryTarget(t);
  const agent = target.agent!;
  const peer = new PeerConnection(target.wire, target.address, (await agent.listen(0)).port, { trace: new Trace() });
  t.teardown(() => peer.close());
  await peer.send({ flags: 'S', options: [{ kind: 'mss', value: 100 }] });
  await peer.next(5000);
  await peer.send({ flags: '.' });
  const { conn } = await agent.accepted(peer.remotePort, peer.localPort);
  await agent.send(conn, { n: 2000 });
  const flight = async () => {
    const got = [];
    for (let s = await peer.next(5000); s; s = await peer.next(100)) got.push(s);
    return got;
  };
  const first = await flight();
  t.equal(first.length, 4, 'IW = min(4 SMSS, max(2 SMSS, 4380)) = 400 bytes: 4 segments');
  await peer.send({ flags: '.' });
  t.equal((await flight()).length, 5, 'one cumulative ACK: cwnd + 1 SMSS, 5 segments');
  const [socket] = await target.states!.sockets({ localPort: peer.remotePort, peerPort: peer.localPort });
  t.equal(socket?.info?.cwnd, 500, 'the congestion window, as ground truth shows it');
});

t.test('a zero window is probed (persist timer) and the data goes out once it opens', async (t) => {
  const target = await memoryTarget(t, { rto_initial_ms: '30', rto_min_ms: '30' });
  const agent = target.agent!;
  const peer = new PeerConnection(target.wire, target.address, (await agent.listen(0)).port, { trace: new Trace() });
  t.teardown(() => peer.close());
  await peer.send({ flags: 'S' });
  await peer.next(5000);
  await peer.send({ flags: '.', window: 0 });
  const { conn } = await agent.accepted(peer.remotePort, peer.localPort);
  await agent.send(conn, 'abc');
  const probe = (await peer.next(5000))!;
  t.equal(probe.tcp.payload.length, 1, 'a one-byte window probe');
  t.equal(probe.tcp.payload.toString(), 'a');
  await peer.send({ flags: '.', ack: Seq.add(probe.tcp.seq, 1), window: 1000 });
  const rest = (await peer.next(5000))!;
  t.equal(rest.tcp.payload.toString(), 'bc', 'the probe byte acknowledged with an open window: the rest goes out');
  t.equal(rest.tcp.seq, Seq.add(probe.tcp.seq, 1));
});

t.test('shutdown() with data behind a zero window: FIN-WAIT-1 at once, the FIN only after the data, and only its ACK ends FIN-WAIT-1', async (t) => {
  const target = await memoryTarget(t, { rto_initial_ms: '30', rto_min_ms: '30' });
  const agent = target.agent!;
  const peer = new PeerConnection(target.wire, target.address, (await agent.listen(0)).port, { trace: new Trace() });
  t.teardown(() => peer.close());
  const tuple = { localPort: peer.remotePort, peerPort: peer.localPort };
  await peer.send({ flags: 'S' });
  await peer.next(5000);
  await peer.send({ flags: '.', window: 0 });
  const { conn } = await agent.accepted(peer.remotePort, peer.localPort);
  await agent.send(conn, 'abc');
  await agent.shutdown(conn);
  t.equal(await target.states!.stateOf(tuple), 'FIN-WAIT-1', 'FIN-WAIT-1 on the call (RFC 9293 3.10.4)');
  const probe = (await peer.next(5000))!;
  t.equal(probe.tcp.payload.toString(), 'a', 'the window probe, no FIN yet');
  // Everything sent so far acknowledged, the window still closed: our FIN is not, so FIN-WAIT-1 stays.
  await peer.send({ flags: '.', ack: Seq.add(probe.tcp.seq, 1), window: 0 });
  await new Promise((r) => setTimeout(r, 20));
  t.equal(await target.states!.stateOf(tuple), 'FIN-WAIT-1', 'the ACK of the data is not the ACK of the FIN');
  await peer.send({ flags: '.', ack: Seq.add(probe.tcp.seq, 1), window: 1000 });
  const s = (await peer.next(5000))!;
  t.equal(s.tcp.payload.toString(), 'bc', 'the rest of the data');
  const fin = (await peer.next(5000))!;
  t.equal(fin.tcp.flags & 0x01, 0x01, 'then the FIN');
  t.equal(fin.tcp.seq, Seq.add(probe.tcp.seq, 3), 'after the data');
  await peer.send({ flags: '.', ack: Seq.add(fin.tcp.seq, 1) });
  await target.states!.waitForState(tuple, 'FIN-WAIT-2', 1000);
  t.pass('its ACK: FIN-WAIT-2');
});

t.test('TIME-WAIT lasts time_wait_ms (2 MSL), then the TCB is gone', async (t) => {
  const target = await memoryTarget(t, { time_wait_ms: '100' });
  const c = await fixtures['TIME-WAIT'](target);
  t.teardown(() => c.close());
  const [socket] = await target.states!.sockets(tupleOf(target, c));
  t.equal(socket?.timer?.name, 'timewait', 'the TIME-WAIT timer runs');
  t.ok(socket!.timer!.remainingMs <= 100, `set to time_wait_ms (${Math.round(socket!.timer!.remainingMs)} ms left)`);
  await target.states!.waitForState(tupleOf(target, c), 'CLOSED', 2000);
  t.pass('then the TCB is gone');
});

t.test('an unacknowledged SYN-ACK is retransmitted synack_retries times, then the half-open TCB goes', async (t) => {
  const target = await memoryTarget(t, { rto_initial_ms: '30', rto_min_ms: '30', synack_retries: '2' });
  const c = await fixtures['SYN-RECEIVED'](target);
  t.teardown(() => c.close());
  const first = await c.peer.next(5000);
  const second = await c.peer.next(5000);
  t.equal(first?.tcp.flags, 0x12, 'SYN-ACK again');
  t.equal(second?.tcp.seq, first?.tcp.seq, 'the same SYN-ACK');
  await target.states!.waitForState(tupleOf(target, c), 'CLOSED', 2000);
  t.equal(await c.peer.next(200), null, 'no third one');
});

t.test('a retransmission that arrived before our segment left is no answer to it: set aside, traced', async (t) => {
  // The lab's reset test on a loaded guest: the SYN-ACK timer fired while the harness read the
  // state, so its retransmission waits in the queue when our RST goes.
  const target = await memoryTarget(t, { rto_initial_ms: '30', rto_min_ms: '30', synack_retries: '3' });
  const c = await fixtures['SYN-RECEIVED'](target);
  t.teardown(() => c.close());
  t.ok(await c.peer.waitQueued(1, 5000), 'a SYN-ACK retransmission is queued, unread');
  t.equal(c.peer.pending()[0]?.tcp.flags, 0x12);
  await c.send({ flags: 'R', seq: c.sndNxt });
  await c.expectNothing(100);
  await c.checkTruth();
  t.equal(c.model.state, 'LISTEN', 'the exact RST returned it to LISTEN');
  t.match(c.peer.trace.lines().join('\n'), /repeated what we had received before our last segment left: its retransmission, not an answer, set aside/);
  // One that arrives after our segment is judged: an out-of-window RST changes nothing, and the
  // SYN-ACK re-sent after it breaks the silence the test asked for.
  const d = await fixtures['SYN-RECEIVED'](target);
  t.teardown(() => d.close());
  await d.send({ flags: 'R', seq: Seq.add(d.sndNxt, 2 ** 30) });
  await t.rejects(d.expectNothing(500), /expected no answer for 500 ms, got .*S\./, 'silence is still checked after our segment');
});

t.test('rfc5961=0: an in-window RST resets the connection (RFC 793), judged a known departure of the rfc profile', async (t) => {
  const target = await memoryTarget(t);
  await withSettings(target.settings!, { rfc5961: '0' }, async () => {
    const c = await fixtures.ESTABLISHED(target);
    t.teardown(() => c.close());
    await c.peer.send({ flags: 'R', seq: Seq.add(c.sndNxt, 10) });
    await target.states!.waitForState(tupleOf(target, c), 'CLOSED', 1000);
    t.pass('the RST 10 bytes into the window closed it');
    // The rfc profile's judgement: RFC 793's answer to a SYN is a known departure, followed and graded.
    const d = await fixtures.ESTABLISHED(target);
    t.teardown(() => d.close());
    await d.send({ flags: 'S', seq: Seq.add(d.sndNxt, 10) });
    const diverged = await d.expect('.').catch((e: unknown) => e);
    t.type(diverged, PathDivergedError);
    t.match(
      (diverged as PathDivergedError).finding,
      { level: 'choice', requirement: 'MAY-12', departure: /RFC 5961 4\.2/ },
      'a MAY-12 choice, marked as a departure',
    );
  });
  t.equal(target.settings!.values.rfc5961, '1', 'restored');
  const c = await fixtures.ESTABLISHED(target);
  t.teardown(() => c.close());
  await c.send({ flags: 'R', seq: Seq.add(c.sndNxt, 10) });
  await c.expect('.');
  await c.inState('ESTABLISHED');
});

t.test('close() with unread data sends a RST (RFC 1122 4.2.2.13); a bad checksum is dropped (MUST-2)', async (t) => {
  const target = await memoryTarget(t);
  const agent = target.agent!;
  const c = await fixtures.ESTABLISHED(target);
  t.teardown(() => c.close());
  const { conn } = await agent.accepted(c.peer.remotePort, c.peer.localPort);
  const at = c.sndNxt;
  await c.peer.send({ flags: 'P.', seq: at, payload: Buffer.from('x'), checksum: 0x1234 });
  t.equal(await c.peer.next(200), null, 'bad checksum: no answer');
  await agent.pause(conn);
  await c.peer.send({ flags: 'P.', seq: at, payload: Buffer.from('unread') });
  t.equal((await c.peer.next(5000))?.tcp.ack, Seq.add(at, 6), 'the data (at the same sequence number) is ACKed: the bad one was not taken');
  await agent.close(conn);
  const rst = await c.peer.next(5000);
  t.equal(rst?.tcp.flags, 0x04, 'a RST instead of a FIN');
});

t.test('settings: unknown names and bad values are one clear error, at start-up too (a Linux sysctl is never dropped)', async (t) => {
  await t.rejects(openTarget({ stack: 'memory', settings: { tcp_rfc1337: '1', time_wait_ms: '5000' } }), /unknown memory stack setting 'tcp_rfc1337'/);
  const target = await memoryTarget(t, { time_wait_ms: '5000' });
  const settings = target.settings!;
  t.equal(settings.values.time_wait_ms, '5000', 'its own name taken');
  await t.rejects(
    settings.set({ tcp_fin_timeout: '3' }),
    new UsageError(`unknown memory stack setting 'tcp_fin_timeout' (known: ${Object.keys(settings.values).join(', ')})`),
  );
  await t.rejects(settings.set({ rfc5961: '2' }), /rfc5961: '2' is not an integer in 0\.\.1/);
  await t.rejects(settings.set({ retries: 'x', rfc5961: '0' }), UsageError);
  t.equal(settings.values.rfc5961, '1', 'nothing changed by a refused set');
});
