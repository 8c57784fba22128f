// Reset processing, RFC 9293 3.10.7.4 (second, fourth) with RFC 5961 3.2 / 4.2, and RFC 1337.
//   (in each state S of SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT LAST-ACK TIME-WAIT)
//   > R   seq RCV.NXT                (remote: S → CLOSED; passive SYN-RECEIVED → LISTEN)
//   ESTABLISHED:
//   > R   seq RCV.NXT+100            < .  seq SND.NXT, ack RCV.NXT (challenge ACK, RFC 5961 3.2)
//   > R   seq RCV.NXT+2^30           (nothing: outside the window)
//   > S   seq RCV.NXT+1000           < .  challenge ACK (RFC 5961 4.2), still ESTABLISHED
//   TIME-WAIT, tcp_rfc1337=0 (Linux default): > R seq RCV.NXT  → CLOSED (RFC 9293 3.10.7.4 (second))
//   (tcp_rfc1337=1, RFC 1337: ignored — suites/reset-rfc1337.ts)
//   the remote aborts:  < R. seq SND.NXT (RFC: R)  (remote: CLOSED);  > P. data  < R (no connection)

import type { TcpState } from '../src/fsm/index.js';
import { Seq } from '../src/packet/index.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import type { Need, TestContext } from '../src/peer/suite.js';
import { suite } from '../src/peer/suite.js';

type Setup = (ctx: TestContext, c: ScriptedConnection) => Promise<void>;

/**
 * What each setup needs from a remote target: FIN-WAIT-* need the server to close first; CLOSE-WAIT
 * and LAST-ACK need an application that stays open after our FIN and closes on command (a real
 * server closes at once when it reads our FIN).
 */
const needsOf: Partial<Record<TcpState, Need[]>> = { 'FIN-WAIT-1': ['app-close'], 'FIN-WAIT-2': ['app-close'], 'CLOSE-WAIT': ['agent'], 'LAST-ACK': ['agent'] };

/** Bring a fresh connection into each state by the ordinary path (checked on the way). */
const setups: Array<[TcpState, Setup]> = [
  ['ESTABLISHED', async (_ctx, c) => c.handshake()],
  [
    'FIN-WAIT-1',
    async ({ remote }, c) => {
      await c.handshake();
      await remote(c, 'shutdown');
      await c.expect('F.');
    },
  ],
  [
    'FIN-WAIT-2',
    async ({ remote }, c) => {
      await c.handshake();
      await remote(c, 'shutdown');
      await c.expect('F.');
      await c.send('.');
    },
  ],
  [
    'CLOSE-WAIT',
    async (_ctx, c) => {
      await c.handshake();
      await c.send('F.');
      await c.expect('.');
    },
  ],
  [
    'LAST-ACK',
    async ({ remote }, c) => {
      await c.handshake();
      await c.send('F.');
      await c.expect('.');
      await remote(c, 'shutdown');
      await c.expect('F.');
    },
  ],
];

async function toTimeWait(ctx: TestContext, c: ScriptedConnection): Promise<void> {
  await c.handshake();
  await ctx.remote(c, 'close');
  await c.expect('F.');
  await c.send('.');
  await c.send('F.');
  await c.expect('.');
  await c.inState('TIME-WAIT');
}

suite({ name: 'reset', title: 'RST and SYN processing in synchronized states', rfc: 'RFC 9293 3.10.7.4, RFC 5961' }, (test) => {
  test('an exact RST in SYN-RECEIVED (passive open) returns the connection to LISTEN', {
    rfc: 'RFC 9293 3.10.7.4 (second)',
    requirements: ['MUST-11'],
  }, async ({ listen, connect }) => {
    const port = await listen();
    const c = connect(port);
    await c.send('S');
    await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    await c.inState('SYN-RECEIVED');
    await c.send({ flags: 'R', seq: c.sndNxt });
    await c.inState('LISTEN');
    await c.expectNothing();
    await connect(port).handshake();
  });

  for (const [state, setup] of setups) {
    test(`an exact RST (seq = RCV.NXT) in ${state} closes the connection`, {
      rfc: 'RFC 9293 3.10.7.4 (second), RFC 5961 3.2',
      needs: needsOf[state] ?? [],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await setup(ctx, c);
      await c.inState(state);
      await c.send({ flags: 'R', seq: c.sndNxt });
      await c.inState('CLOSED');
      await c.expectNothing();
    });
  }

  test('an in-window RST not at RCV.NXT gets a challenge ACK and the connection stays ESTABLISHED', {
    rfc: 'RFC 5961 3.2, RFC 9293 3.10.7.4 (second)',
    requirements: ['MAY-12'],
  }, async ({ listen, connect }) => {
    const c = connect(await listen());
    await c.handshake();
    await c.send({ flags: 'R', seq: Seq.add(c.sndNxt, 100) });
    await c.expect({ flags: '.', seq: c.rcvNxt, ack: c.sndNxt });
    await c.inState('ESTABLISHED');
  });

  test('a RST outside the window is ignored', { rfc: 'RFC 5961 3.2, RFC 9293 3.10.7.4 (first)' }, async ({ listen, connect }) => {
    const c = connect(await listen());
    await c.handshake();
    await c.send({ flags: 'R', seq: Seq.add(c.sndNxt, 2 ** 30) });
    await c.expectNothing();
    await c.inState('ESTABLISHED');
  });

  test('a SYN in ESTABLISHED gets a challenge ACK and the connection stays', {
    rfc: 'RFC 5961 4.2, RFC 9293 3.10.7.4 (fourth)',
    requirements: ['MAY-12'],
  }, async ({ listen, connect }) => {
    const c = connect(await listen());
    await c.handshake();
    // In the window but not at SND.NXT, so our own sequence space does not move over the SYN.
    await c.send({ flags: 'S', seq: Seq.add(c.sndNxt, 1000) });
    await c.expect({ flags: '.', seq: c.rcvNxt, ack: c.sndNxt });
    await c.inState('ESTABLISHED');
  });

  test('an exact RST in TIME-WAIT kills it (tcp_rfc1337=0)', {
    rfc: 'RFC 9293 3.10.7.4 (second); RFC 1337 (not applied)',
    needs: ['agent', 'settings'],
  }, async (ctx) => {
    // A stack without this Linux setting is judged by what it does (RFC 1337 protection is a choice).
    const rfc1337 = ctx.target.settings.values['net.ipv4.tcp_rfc1337'];
    if (rfc1337 !== undefined) ctx.t.equal(rfc1337, '0', 'the lab runs with net.ipv4.tcp_rfc1337=0');
    else ctx.note('this stack has no net.ipv4.tcp_rfc1337: its TIME-WAIT is judged by what it does');
    const c = ctx.connect(await ctx.listen());
    await toTimeWait(ctx, c);
    await c.send({ flags: 'R', seq: c.sndNxt });
    await c.inState('CLOSED');
    await c.expectNothing();
  });

  test('the remote application aborts: it sends a RST at SND.NXT and forgets the connection', {
    rfc: 'RFC 9293 3.10.5; Linux tcp_send_active_reset()',
    needs: ['agent'],
  }, async (ctx) => {
    const c = ctx.connect(await ctx.listen());
    await c.handshake();
    // RFC 9293 3.10.5 sends <SEQ=SND.NXT><CTL=RST>; Linux adds ACK=RCV.NXT (the linux profile says so).
    await ctx.remote(c, 'abort');
    await c.expect({ seq: c.rcvNxt });
    await c.inState('CLOSED');
    // Our data now reaches no connection: RST from the CLOSED state (3.10.7.1).
    await c.send({ flags: 'P.', payload: 'late' });
    await c.expect('R');
  });
});
