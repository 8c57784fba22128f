// Cutting TIME-WAIT short, and what then protects a new connection from the old one's segments.
// RFC 9293 3.6: TIME-WAIT MAY accept a new SYN (MAY-2: RFC 6191 with timestamps), and a TCP SHOULD
// use timestamps to reduce TIME-WAIT (SHLD-4). Linux does both, on each side:
//   client (the agent connects to the probe):   tcp_tw_reuse, only with timestamps on the old
//     connection: connect() takes the TIME-WAIT 4-tuple over, ISN = its SND.NXT + 65537
//     (tcp_twsk_unique); without timestamps it fails with EADDRNOTAVAIL
//   server (the probe connects to the agent):   a SYN whose seq is above RCV.NXT, or (with
//     timestamps) whose TSval is newer, reopens the TIME-WAIT (tcp_timewait_state_process)
// Then an old duplicate of the previous connection, replayed into the new one: PAWS drops it with
// timestamps (RFC 7323 5); without them the exact copy is still caught by its too-old ACK (RFC 5961
// 5.2, the ISN having jumped 65537), but the old bytes with an acceptable ACK reach the application.
// The lab gives the target one local port, so every connect() it makes reuses the same port.
//   < S (TS)      > S. (TS?)     < .      > P. hello     agent close   < F.   > F.   < .   (TIME-WAIT)
//   agent connect again:  < S seq = old SND.NXT + 65537   or   connect() fails (EADDRNOTAVAIL)

import type { TcpState } from '../src/fsm/index.js';
import type { ConnId } from '../src/lab/index.js';
import { type LabSysctls, sysctlPairs, type TcpTuple } from '../src/lab/index.js';
import { Seq } from '../src/packet/index.js';
import type { DecodedTcp, TcpOption } from '../src/packet/types.js';
import { PeerConnection } from '../src/peer/connection.js';
import { ENV } from '../src/peer/contract.js';
import { RemoteModel } from '../src/peer/model.js';
import { REPLY_DEADLINE_MS, ScriptedConnection, stateGroundTruth } from '../src/peer/scripted.js';
import { suite, type TestContext } from '../src/peer/suite.js';

/**
 * The run's tcp_tw_reuse, not this suite's own 1: --lab-sysctl's, else this machine's with
 * --sysctls host, else the kernel's default 2.
 */
function runTwReuse(): number {
  const read = (name: string): Record<string, string> => {
    try {
      return JSON.parse(process.env[name] ?? '{}') as Record<string, string>;
    } catch {
      return {}; // the runner wrote it; a broken value is no value
    }
  };
  const [user, base] = [read(ENV.labSysctls), read(ENV.labSysctlBase)];
  const v = Number(user.tcp_tw_reuse ?? user['net.ipv4.tcp_tw_reuse'] ?? base.tcp_tw_reuse ?? base['net.ipv4.tcp_tw_reuse'] ?? 2);
  return Number.isInteger(v) ? v : 2;
}

/** The only local port the target's kernel may pick for connect(). */
const CLIENT_PORT = 33333;
/** Linux's ISN over a TIME-WAIT: its SND.NXT + 65535 + 2. */
const TW_ISN_STEP = 65537;
/** Linux reuses a TIME-WAIT once its last timestamp is older than tcp_tw_reuse_delay (1000 ms). */
const REUSE_DELAY_MS = 1200;

/** The probe's timestamp clock: one per process, in ms, so it only moves forward across connections. */
const TS_START = performance.now();

/** The probe's timestamps on one connection: our clock, and the target's latest TSval to echo. */
class Ts {
  recent = 0;
  val(): number {
    return (1000 + Math.floor(performance.now() - TS_START)) >>> 0;
  }
  opt(): TcpOption {
    return { kind: 'ts', val: this.val(), ecr: this.recent };
  }
  learn(tcp: DecodedTcp): void {
    const ts = tcp.options.find((o) => o.kind === 'ts');
    if (ts && ts.kind === 'ts') this.recent = ts.val;
  }
}

interface Client {
  c: ScriptedConnection;
  conn: ConnId;
  syn: DecodedTcp;
  ts: Ts | null;
}

/** The lab stack's pieces this suite drives (its tests need the agent, states and settings). */
function labOf(ctx: TestContext) {
  const { target } = ctx;
  return {
    target: { ipv4: target.address },
    probe: { ipv4: target.probeAddress },
    agent: target.agent,
    truth: stateGroundTruth(target.states, target.address, target.probeAddress),
    waitForState: (tuple: TcpTuple, want: TcpState, ms: number) => target.states.waitForState(tuple, want, ms),
    setSysctls: (v: LabSysctls) => target.settings.set(sysctlPairs(v)),
  };
}

/**
 * The agent connects to `probePort` (our ISN `iss`); we answer its SYN with a SYN-ACK, with
 * timestamps when `ts`, and see its ACK: both sides ESTABLISHED. Null when connect() failed: the
 * error code is returned instead.
 */
async function clientConnects(ctx: TestContext, probePort: number, iss: number, ts: boolean): Promise<Client | { error: string }> {
  const lab = labOf(ctx);
  const { wire, profile, trace } = ctx;
  const peer = new PeerConnection(wire, lab.target.ipv4, 0, { localPort: probePort, acceptAnyPort: true, iss, trace });
  const { conn } = await lab.agent.connect(lab.probe.ipv4, probePort);
  const failed = lab.agent.waitForEvent((e) => e.event === 'error' && e.conn === conn, REPLY_DEADLINE_MS).catch(() => null);
  const first = await Promise.race([peer.next(REPLY_DEADLINE_MS), failed]);
  if (!first || !('tcp' in first)) {
    peer.close();
    const error = first ?? (await failed);
    return { error: error && 'code' in error ? String(error.code) : 'no SYN' };
  }
  const syn = first.tcp;
  const model = new RemoteModel(
    'SYN-SENT',
    { iss: syn.seq, irs: iss, sndUna: syn.seq, sndNxt: Seq.add(syn.seq, 1), sndWnd: 0, rcvNxt: iss, rcvWnd: syn.window, passiveOpen: false, listening: false },
    profile,
  );
  const c = new ScriptedConnection(peer, model, lab.truth);
  const clock = ts && syn.options.some((o) => o.kind === 'ts') ? new Ts() : null;
  clock?.learn(syn);
  try {
    await c.inState('SYN-SENT');
    await c.send({ flags: 'S.', options: [{ kind: 'mss', value: 1460 }, ...(clock ? [clock.opt()] : [])] });
    const ack = await c.expect('.');
    clock?.learn(ack);
    await c.inState('ESTABLISHED');
  } catch (e) {
    c.close();
    throw e;
  }
  return { c, conn, syn, ts: clock };
}

/** Our "hello", read by its application; then it closes first and we close: the target in TIME-WAIT. */
async function helloThenTimeWait(ctx: TestContext, k: Client): Promise<DecodedTcp> {
  const { c, ts } = k;
  const hello = (await c.send({ flags: 'P.', payload: 'hello', options: ts ? [ts.opt()] : [] })).tcp;
  const acked = await c.expect('.');
  ts?.learn(acked);
  ctx.t.equal((await labOf(ctx).agent.read(k.conn)).data.toString(), 'hello', 'the application reads "hello"');
  await labOf(ctx).agent.close(k.conn);
  c.remoteCalled('close', { orphaned: true });
  const fin = await c.expect('F.');
  ts?.learn(fin);
  await c.send({ flags: 'F.', options: ts ? [ts.opt()] : [] });
  await c.expect('.');
  await c.inState('TIME-WAIT');
  return hello;
}

function expectReused(ctx: TestContext, old: Client, again: Client | { error: string }): asserts again is Client {
  if ('error' in again) throw new Error(`connect() over the TIME-WAIT failed: ${again.error}`);
  const want = Seq.add(old.c.rcvNxt, TW_ISN_STEP);
  ctx.t.equal(again.syn.seq, want, `the new SYN's ISN is the old SND.NXT + ${TW_ISN_STEP} (${want})`);
}

suite(
  {
    name: 'time-wait-reuse',
    title: 'Reusing TIME-WAIT: tcp_tw_reuse, a SYN reopening it, and old duplicates',
    rfc: 'RFC 9293 3.6; RFC 6191; RFC 7323 5',
    sysctls: { tcp_tw_reuse: 1, tcp_orphan_retries: 8, extra: { 'net.ipv4.ip_local_port_range': `${CLIENT_PORT} ${CLIENT_PORT}` } },
  },
  (test) => {
    test('tcp_tw_reuse=1 with timestamps: the client reconnects over its own TIME-WAIT', {
      rfc: 'RFC 9293 3.6; RFC 6191',
      requirements: ['SHLD-4'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      await labOf(ctx).setSysctls({ tcp_tw_reuse: 1 });
      const first = await clientConnects(ctx, 45001, 1000, true);
      if ('error' in first) throw new Error(`connect() failed: ${first.error}`);
      try {
        ctx.t.equal(first.syn.srcPort, CLIENT_PORT, `the target's only local port, ${CLIENT_PORT}`);
        await helloThenTimeWait(ctx, first);
        first.c.close(); // the probe port goes to the next connection
        await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
        const again = await clientConnects(ctx, 45001, 1000, true);
        expectReused(ctx, first, again);
        const tsv = (s: DecodedTcp) => s.options.find((o): o is Extract<TcpOption, { kind: 'ts' }> => o.kind === 'ts');
        ctx.t.ok(tsv(again.syn) && tsv(first.syn) && Seq.gt(tsv(again.syn)!.val, tsv(first.syn)!.val), "its TSval is newer than the old connection's");
        ctx.finding({
          level: 'conforms',
          requirement: 'SHLD-4',
          check: 'timestamps let a TIME-WAIT 4-tuple be reused',
          expected: 'a new connection over the TIME-WAIT',
          observed: `SYN from port ${again.syn.srcPort}, ISN old SND.NXT + ${Seq.sub(again.syn.seq, first.c.rcvNxt)}`,
        });
        again.c.close();
      } finally {
        first.c.close();
      }
    });

    test('tcp_tw_reuse=0: the TIME-WAIT keeps its 4-tuple and connect() fails (EADDRNOTAVAIL)', {
      rfc: 'RFC 9293 3.6',
      requirements: ['SHLD-4'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      await labOf(ctx).setSysctls({ tcp_tw_reuse: 0 });
      try {
        const first = await clientConnects(ctx, 45002, 1000, true);
        if ('error' in first) throw new Error(`connect() failed: ${first.error}`);
        try {
          await helloThenTimeWait(ctx, first);
          first.c.close();
          await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
          const again = await clientConnects(ctx, 45002, 1000, true);
          ctx.t.same('error' in again ? again.error : 'connected', 'EADDRNOTAVAIL', 'no 4-tuple: the only port is in TIME-WAIT with this peer');
          await first.c.inState('TIME-WAIT');
        } finally {
          first.c.close();
        }
      } finally {
        await labOf(ctx).setSysctls({ tcp_tw_reuse: 1 });
      }
    });

    test('tcp_tw_reuse=1 without timestamps: the TIME-WAIT is not reused', {
      rfc: 'RFC 9293 3.6',
      requirements: ['SHLD-4'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      const first = await clientConnects(ctx, 45003, 1000, false);
      if ('error' in first) throw new Error(`connect() failed: ${first.error}`);
      try {
        await helloThenTimeWait(ctx, first);
        first.c.close();
        await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
        const again = await clientConnects(ctx, 45003, 1000, false);
        const observed = 'error' in again ? again.error : 'reused';
        ctx.finding({
          level: observed === 'EADDRNOTAVAIL' ? 'conforms' : 'deviation',
          requirement: 'SHLD-4',
          check: 'a TIME-WAIT without timestamps is not reused',
          expected: 'EADDRNOTAVAIL',
          observed,
        });
        await first.c.inState('TIME-WAIT');
      } finally {
        first.c.close();
      }
    });

    test("tcp_tw_reuse as the run sets it (--sysctls host: this machine's): does the client reconnect over its own TIME-WAIT?", {
      rfc: 'RFC 9293 3.6; RFC 6191',
      requirements: ['SHLD-4'],
      needs: ['agent', 'states', 'settings'],
    }, async (ctx) => {
      const value = runTwReuse();
      // 1: reuse (with timestamps, after tcp_tw_reuse_delay); 2: loopback only, and the lab's link is a veth; 0: never.
      const expected = value === 1 ? 1 : 0;
      await labOf(ctx).setSysctls({ tcp_tw_reuse: value });
      try {
        const first = await clientConnects(ctx, 45004, 1000, true);
        if ('error' in first) throw new Error(`connect() failed: ${first.error}`);
        try {
          await helloThenTimeWait(ctx, first);
          first.c.close();
          await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
          const again = await clientConnects(ctx, 45004, 1000, true);
          ctx.figure({
            name: 'TIME-WAIT 4-tuple reused by connect() (1 yes, 0 no)',
            value: 'error' in again ? 0 : 1,
            unit: 'count',
            expected,
            tolerance: 0,
            toleranceWhy: `net.ipv4.tcp_tw_reuse = ${value}: ${value === 1 ? 'reuse with timestamps' : value === 2 ? 'reuse for loopback only; the lab is reached over a veth' : 'no reuse'}${'error' in again ? `; connect() failed: ${again.error}` : ''}`,
          });
          if (!('error' in again)) {
            expectReused(ctx, first, again);
            again.c.close();
          }
        } finally {
          first.c.close();
        }
      } finally {
        await labOf(ctx).setSysctls({ tcp_tw_reuse: 1 });
      }
    });

    test('a SYN above RCV.NXT reopens TIME-WAIT (no timestamps); one below it is answered with an ACK', {
      rfc: 'RFC 9293 3.10.7.4 (TIME-WAIT), 3.6; RFC 6191',
      requirements: ['MAY-2'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      const lab = labOf(ctx);
      const { connect, remote } = ctx;
      await lab.agent.listen(8080);
      const c = connect(8080, { localPort: 46001 });
      await c.handshake();
      await remote(c, 'close');
      await c.expect('F.');
      await c.send('F.');
      await c.expect('.');
      await c.inState('TIME-WAIT');
      const oldSndNxt = c.model.tcb.sndNxt;
      // Below RCV.NXT: TIME-WAIT answers with its ACK and stays (RFC 5961 4.2 / RFC 9293 3.10.7.4).
      await c.send({ flags: 'S', seq: Seq.sub(c.sndNxt, 100) });
      await c.expect('.');
      await c.inState('TIME-WAIT');
      // Above it: a new connection. A new incarnation of the same 4-tuple, our ISN 100000 further.
      const iss = Seq.add(c.sndNxt, 100_000);
      c.close();
      const n = new ScriptedConnection(new PeerConnection(ctx.wire, lab.target.ipv4, 8080, { localPort: 46001, iss, trace: ctx.trace }), c.model, lab.truth);
      try {
        await n.send('S');
        // Linux 4.15 to 6.9 (UML's 6.1) answer with a fresh hashed ISN (the profile says so): then
        // MAY-2's own condition is checked, an ISN above everything the old incarnation sent.
        const freshIsn = n.model.last?.reply?.unknown?.includes('seq') ?? false;
        const synAck = await n.expect({ flags: 'S.', ack: Seq.add(iss, 1), ...(freshIsn ? {} : { seq: Seq.add(oldSndNxt, TW_ISN_STEP) }) });
        if (freshIsn) ctx.t.ok(Seq.gt(synAck.seq, oldSndNxt), `the fresh ISN ${synAck.seq} is above the old SND.NXT ${oldSndNxt} (MAY-2)`);
        await n.send('.');
        await n.inState('ESTABLISHED');
        ctx.finding({
          level: 'choice',
          requirement: 'MAY-2',
          check: 'TIME-WAIT accepts a new SYN with a higher sequence number',
          expected: 'accept (MAY) or challenge ACK',
          observed: `reopened: SYN-ACK with ISN old SND.NXT + ${Seq.sub(synAck.seq, oldSndNxt)}`,
        });
      } finally {
        n.close();
      }
    });

    test('with timestamps, a SYN with a newer TSval reopens TIME-WAIT even below RCV.NXT; an older one does not', {
      rfc: 'RFC 6191 2; RFC 7323 5',
      requirements: ['MAY-2', 'SHLD-4'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      const lab = labOf(ctx);
      const { wire, trace, t } = ctx;
      await lab.agent.listen(8081).catch(() => undefined);
      // Raw segments: the FSM oracle knows nothing of timestamps, so this test judges the answers itself.
      const ts = new Ts();
      const open = () => new PeerConnection(wire, lab.target.ipv4, 8081, { localPort: 46002, iss: 5000, trace });
      const p = open();
      try {
        await p.send({ flags: 'S', options: [{ kind: 'mss', value: 1460 }, ts.opt()] });
        ts.learn(await p.expect('S.'));
        await p.send({ flags: '.', options: [ts.opt()] });
        const { conn } = await lab.agent.accepted(8081, 46002);
        await lab.agent.close(conn);
        ts.learn(await p.expect('F.'));
        await p.send({ flags: 'F.', options: [ts.opt()] });
        await p.expect('.');
        const tuple = { localAddress: lab.target.ipv4, localPort: 8081, peerAddress: wire.localAddr, peerPort: 46002 };
        await lab.waitForState(tuple, 'TIME-WAIT', 1000);
        // An older timestamp: PAWS rejects the SYN; TIME-WAIT answers with its ACK and stays.
        await p.send({
          flags: 'S',
          seq: 5000,
          options: [
            { kind: 'mss', value: 1460 },
            { kind: 'ts', val: 1, ecr: 0 },
          ],
        });
        const paws = await p.expect('.');
        t.equal(paws.flags, 0x10, 'an older TSval: an ACK, not a SYN-ACK');
        await lab.waitForState(tuple, 'TIME-WAIT', 1000);
        ctx.finding({
          level: 'conforms',
          requirement: 'RFC 7323 5.3',
          check: 'a SYN with an older TSval does not reopen TIME-WAIT',
          expected: 'ACK, TIME-WAIT kept',
          observed: 'ACK, TIME-WAIT kept',
        });
        // A newer timestamp, the old ISN (below RCV.NXT): RFC 6191 lets it reopen.
        await p.send({ flags: 'S', seq: 5000, options: [{ kind: 'mss', value: 1460 }, ts.opt()] });
        const answer = await p.expect({}, REPLY_DEADLINE_MS, 'the answer to a SYN with a newer TSval');
        const check = { requirement: 'SHLD-4', check: 'with timestamps a newer TSval reopens TIME-WAIT whatever the seq (RFC 6191)', expected: 'SYN-ACK' };
        if (answer.flags === 0x10) {
          // TIME-WAIT kept, its ACK sent: timestamps did not shorten it — a SHOULD not followed.
          await lab.waitForState(tuple, 'TIME-WAIT', 1000);
          ctx.finding({ ...check, level: 'deviation', observed: 'ACK, TIME-WAIT kept' });
          return;
        }
        t.equal(answer.flags, 0x12, 'a SYN-ACK');
        t.equal(answer.ack, 5001, 'the SYN-ACK acknowledges the new SYN');
        await lab.waitForState(tuple, 'SYN-RECEIVED', 1000);
        ctx.finding({ ...check, level: 'conforms', observed: 'SYN-ACK, SYN-RECEIVED' });
        ctx.finding({
          level: 'choice',
          requirement: 'MAY-2',
          check: 'TIME-WAIT accepts a new SYN',
          expected: 'accept (MAY)',
          observed: 'accepted on a newer timestamp',
        });
        await p.send({ flags: 'R', seq: 5001 });
      } finally {
        p.close();
      }
    });

    test('an old duplicate in the reused connection: PAWS drops it; without timestamps its old ACK betrays it, an acceptable one does not', {
      rfc: 'RFC 7323 5; RFC 5961 5.2; RFC 9293 3.6',
      requirements: ['SHLD-4'],
      needs: ['agent', 'states', 'settings'],
      settings: ['net.ipv4.tcp_tw_reuse'],
    }, async (ctx) => {
      const lab = labOf(ctx);
      const { t } = ctx;
      const read = async (k: Client) => (await lab.agent.read(k.conn)).data.toString();
      // 1: with timestamps; its "hello" is the old duplicate-to-be. Our ISN stays 1000 on purpose:
      // the old numbers then fall inside the new window.
      const one = await clientConnects(ctx, 45004, 1000, true);
      if ('error' in one) throw new Error(`connect() failed: ${one.error}`);
      const conns: Client[] = [one];
      try {
        const hello1 = await helloThenTimeWait(ctx, one);
        one.c.close();
        await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
        // 2: reused, timestamps on: the old hello (old TSval) with an acceptable ACK is dropped by PAWS.
        const two = await clientConnects(ctx, 45004, 1000, true);
        expectReused(ctx, one, two);
        conns.push(two);
        const before = two.c.peer.sndNxt;
        await two.c.peer.send({ flags: 'P.', seq: hello1.seq, ack: two.c.rcvNxt, payload: hello1.payload, options: hello1.options });
        two.c.peer.sndNxt = before;
        const dup = await two.c.peer.expect('.', REPLY_DEADLINE_MS, 'the ACK of a PAWS-rejected segment');
        t.equal(dup.ack, Seq.add(1000, 1), 'it acknowledges nothing new');
        const paws = await read(two);
        t.equal(paws, '', 'the application reads nothing');
        ctx.finding({
          level: paws ? 'violation' : 'conforms',
          requirement: 'RFC 7323 5.3',
          check: 'PAWS drops an old duplicate from the previous incarnation',
          expected: 'dropped',
          observed: paws ? `delivered "${paws}"` : 'dropped',
        });
        two.c.model.expected.splice(0);
        const hello2 = await helloThenTimeWait(ctx, two);
        two.c.close();
        await new Promise((r) => setTimeout(r, REUSE_DELAY_MS));
        // 3: reused again, this time without timestamps on the new connection.
        const three = await clientConnects(ctx, 45004, 1000, false);
        expectReused(ctx, two, three);
        conns.push(three);
        // The exact old copy: its ACK is far below SND.UNA (RFC 5961 5.2); the oracle predicts the drop.
        await three.c.send({ flags: 'P.', seq: hello2.seq, ack: hello2.ack, payload: hello2.payload, options: hello2.options });
        await three.c.expect('.');
        const exact = await read(three);
        t.equal(exact, '', 'the exact old copy is dropped: its ACK is too old');
        ctx.finding({
          level: exact ? 'deviation' : 'conforms',
          requirement: 'RFC 5961 5.2',
          check: 'an old duplicate whose ACK predates the new ISN is dropped',
          expected: 'dropped',
          observed: exact ? `delivered "${exact}"` : 'dropped (challenge ACK)',
        });
        // The old bytes with an acceptable ACK: nothing tells them from new data.
        await three.c.send({ flags: 'P.', seq: hello2.seq, payload: hello2.payload });
        await three.c.expect('.');
        const risk = await read(three);
        t.equal(risk, 'hello', 'without timestamps the old bytes reach the application');
        ctx.note(`the risk of reusing TIME-WAIT without timestamps: the application of the new connection read "${risk}", sent on the previous one`);
        ctx.finding({
          level: 'choice',
          requirement: 'SHLD-4',
          check: 'old data in the window of a new connection without timestamps',
          expected: 'dropped (only timestamps can tell)',
          observed: `delivered: "${risk}"`,
        });
      } finally {
        for (const k of conns) k.c.close();
      }
    });
  },
);
