// The window, RFC 9293 3.1, 3.8.6 and 3.10.7.4. Every segment the target sends is watched for its
// right window edge (SEG.ACK + SEG.WND: SHLD-14, it never moves left; src/peer/segment-watch.ts).
//   unsigned         we advertise 65535 (0xffff: -1 if read as signed)
//                    agent sends 300 kB   < . data…  > . ack each      more than 32767 bytes in flight, never more than 65535   MUST-1
//   steady edge      > . 1000 bytes × 40 within the window   < . ack, win …   the edge never moves left   SHLD-14
//   zero window      agent pauses reading; > . data until < . win 0
//                    > R seq RCV.NXT   (CLOSED, though the window is zero)   MUST-66

import { Seq } from '../src/packet/index.js';
import { ACK } from '../src/packet/types.js';
import { REPLY_DEADLINE_MS, type ScriptedConnection } from '../src/peer/scripted.js';
import { watchingSegments } from '../src/peer/segment-watch.js';
import { suite } from '../src/peer/suite.js';
import { collect, giveBack } from '../src/peer/unmodelled.js';
import type { Finding } from '../src/verdict/grade.js';
import type { WireSegment } from '../src/wire/transport.js';

const WINDOW = 65535;
const STREAM_BYTES = 300_000;
/** The largest window a signed 16-bit reading would allow. */
const SIGNED_MAX = 32767;

/** A window update (RFC 9293 3.8.6.2.2): no data, nothing new acknowledged; the oracle does not predict them. */
const isWindowUpdate = (c: ScriptedConnection, s: WireSegment): boolean => s.tcp.flags === ACK && !s.tcp.payload.length && Seq.lt(s.tcp.ack, c.sndNxt);

/** The ACK of everything we sent, checked against the oracle; window updates before it only move the model's window. */
async function expectAckPastUpdates(c: ScriptedConnection): Promise<void> {
  for (;;) {
    const s = await c.peer.next(REPLY_DEADLINE_MS);
    if (s && isWindowUpdate(c, s)) {
      c.model.learnWindow(s.tcp.window);
      continue;
    }
    if (s) giveBack(c, [s]);
    await c.expect({ flags: '.', ack: c.sndNxt });
    return;
  }
}

/** Take window updates that arrive within `ms` (the application read what we sent). */
async function skipWindowUpdates(c: ScriptedConnection, ms: number): Promise<void> {
  const rest = await collect(c, ms);
  for (const s of rest) if (isWindowUpdate(c, s) || (s.tcp.flags === ACK && s.tcp.ack === c.sndNxt)) c.model.learnWindow(s.tcp.window);
  giveBack(
    c,
    rest.filter((s) => !(isWindowUpdate(c, s) || (s.tcp.flags === ACK && s.tcp.ack === c.sndNxt))),
  );
}

suite(
  {
    name: 'window',
    title: 'The window: unsigned, never shrunk, RST processed when it is zero',
    rfc: 'RFC 9293 3.1, 3.8.6',
    // A small buffer only fills quicker: the zero-window test fills any up to a 64 KiB window.
    tuning: { extra: { 'net.ipv4.tcp_rmem': '4096 4096 4096' } },
  },
  (rawTest) => {
    const test = watchingSegments(rawTest);

    test('a window of 65535 is an unsigned number: the target keeps more than 32767 bytes in flight, never more than 65535', {
      rfc: 'RFC 9293 3.1, 3.8.6.2.1',
      requirements: ['MUST-1'],
      needs: ['agent'],
      timeoutMs: 40_000,
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen(), { window: WINDOW });
      await c.handshake();
      // The stream is taken in by hand, a flight at a time: we ACK only once the target has stopped
      // sending (100 ms of silence, well under its RTO), so everything in that flight was sent
      // against our previous ACK and the flight's size is exactly what it had in flight. We ACK
      // every second segment of it (SHLD-19), so a congestion window that grows by at most one
      // segment per ACK (RFC 5681 3.1) still grows by half each round until our window limits it.
      const end = Seq.add(c.rcvNxt, STREAM_BYTES);
      await ctx.target.agent.send(await ctx.accepted(c), { n: STREAM_BYTES });
      const flights: number[] = [];
      let beyond: Finding | undefined;
      for (let round = 0; round < 20 && Seq.lt(c.peer.rcvNxt, end); round++) {
        const acked = c.peer.highestAckSent ?? c.rcvNxt;
        const flight = await collect(c, 3000, 100);
        if (!flight.length) break;
        const furthest = flight.reduce((m, s) => Math.max(m, Seq.diff(Seq.add(s.tcp.seq, s.tcp.payload.length), acked)), 0);
        flights.push(furthest);
        if (furthest > WINDOW && !beyond)
          beyond = {
            level: 'violation',
            requirement: 'RFC 9293 3.8.6.2.1',
            check: 'data beyond the offered window',
            expected: `at most ${WINDOW} bytes past our last ACK`,
            observed: `${furthest} bytes`,
          };
        for (let i = 1; i < flight.length - 1; i += 2) {
          const s = flight[i]!.tcp;
          const ack = Seq.add(s.seq, s.payload.length);
          if (Seq.gt(ack, c.peer.highestAckSent ?? acked) && Seq.le(ack, c.peer.rcvNxt)) await c.peer.send({ flags: '.', ack });
        }
        await c.peer.send({ flags: '.' });
      }
      const maxInFlight = Math.max(0, ...flights);
      ctx.note(`bytes in flight per round into a ${WINDOW}-byte window: ${flights.join(' ')}`);
      const got = STREAM_BYTES - Seq.sub(end, c.peer.rcvNxt);
      if (beyond) ctx.finding(beyond);
      ctx.finding({
        requirement: 'MUST-1',
        check: 'a window of 65535 (0xffff)',
        expected: `more than ${SIGNED_MAX} bytes in flight at some point`,
        level: maxInFlight > SIGNED_MAX ? 'conforms' : got === 0 ? 'violation' : 'inconclusive',
        observed: `${got} of ${STREAM_BYTES} bytes received in order, at most ${maxInFlight} in flight${maxInFlight > SIGNED_MAX || got === 0 ? '' : ' (the congestion window never reached the bit that a signed reading would lose)'}`,
      });
      // The model did not follow the stream: the connection ends here with an exact RST.
      await c.peer.send({ flags: 'R', seq: c.sndNxt });
      c.model.state = 'CLOSED';
      await c.inState('CLOSED');
    });

    test('the right window edge never moves left while we send 40 segments', { rfc: 'RFC 9293 3.8.6.2.2', requirements: ['SHLD-14'] }, async ({
      connect,
      listen,
    }) => {
      const c = connect(await listen());
      await c.handshake();
      for (let i = 0; i < 40; i++) {
        const room = c.model.tcb.rcvWnd;
        if (room === 0) break;
        await c.send({ flags: '.', payload: Buffer.alloc(Math.min(1000, room), 0x77) });
        await expectAckPastUpdates(c);
      }
      await skipWindowUpdates(c, 300);
      await c.inState('ESTABLISHED');
    });

    test('a RST is processed when the receive window is zero', {
      rfc: 'RFC 9293 3.3.2, 3.10.7.4 (second)',
      requirements: ['MUST-66', 'SHLD-14'],
      needs: ['agent'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.handshake();
      await ctx.target.agent.pause(await ctx.accepted(c));
      // Fill the target's receive buffer (tcp_rmem 4096 in the Linux lab; up to a 64 KiB window
      // elsewhere: 200 segments of 500 bytes cover it) until it advertises zero.
      for (let i = 0; i < 200 && c.model.tcb.rcvWnd > 0; i++) {
        await c.send({ flags: '.', payload: Buffer.alloc(Math.min(500, c.model.tcb.rcvWnd), 0x7a) });
        await expectAckPastUpdates(c);
      }
      const zero = c.model.tcb.rcvWnd === 0;
      ctx.note(zero ? 'the target advertises a zero window' : `the window did not close (${c.model.tcb.rcvWnd})`);
      if (!zero) {
        ctx.finding({
          requirement: 'MUST-66',
          check: 'RST with a zero receive window',
          expected: 'a zero window first',
          level: 'inconclusive',
          observed: `the window stayed at ${c.model.tcb.rcvWnd}`,
        });
        return;
      }
      await c.inState('ESTABLISHED');
      await c.send({ flags: 'R', seq: c.sndNxt });
      try {
        await c.inState('CLOSED');
        ctx.finding({
          requirement: 'MUST-66',
          check: 'exact RST while the receive window is zero',
          expected: 'the connection is closed',
          level: 'conforms',
          observed: 'CLOSED',
        });
      } catch (e) {
        ctx.finding({
          requirement: 'MUST-66',
          check: 'exact RST while the receive window is zero',
          expected: 'the connection is closed',
          level: 'violation',
          observed: (e as Error).message,
        });
      }
    });
  },
);
