// FIN retransmission of a server that closed first, measured from packets
// (src/peer/retransmissions.ts): RFC 9293 3.8.1 (a FIN is retransmitted like data), RFC 6298 5.5
// (backoff, MUST-19), 3.8.3 (give up after R2).
//   handshake; the server closes (the lab agent's close(), or a remote's close trigger)
//   < F.   t0                (remote: FIN-WAIT-1) — we never ACK it
//   < F.   t0 + RTO          RTO: ss where the target shows it (Linux: rto_min 200 ms + RTT;
//                            RFC 6298 2.4 would say ≥ 1 s), else the first interval measures it
//   < F.   t0 + RTO + 2 RTO  …doubling
//   …      then it gives up, silently (no RST on Linux: tcp_write_err, not tcp_send_active_reset);
//          looks near each due retransmission bracket when (./liveness.ts)
// Linux gives up when the time since the FIRST RETRANSMISSION (retrans_stamp) reaches the model
// timeout TCP_RTO_MIN × (2^(n+1) − 1) for n = tcp_orphan_retries (0 reads as 8), at the timer
// that would send the next retransmission: with the lab's RTO of ~216 ms and n = 2 that is 3
// retransmissions, not 2 (linuxRetransmissionCount). The count is graded where the target's
// settings have the orphan-retries role (Linux's tcp_orphan_retries, read so; the memory
// stack's retries, an exact count) or `--expect orphan-retries=N` is given; otherwise reported
// (a count from --expect alone is read as Linux reads it).
import { linuxRetransmissionCount, linuxRto } from '../src/fsm/linux-timers.js';
import { ENV } from '../src/peer/contract.js';
import { CAP_MS, measureRetransmissions, SLOW_CAP_MS } from '../src/peer/retransmissions.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { handshakeRoundTrip, socketDetails } from '../src/peer/timing.js';
import { readRole } from '../src/target/roles.js';

/** Longest wait for the first retransmission of a FIN: RFC 6298's 1 s initial RTO, a slow target, and room. */
const LAST_ACK_RETRANSMISSION_WAIT_MS = 6000;

/** The target's FIN retries of an orphan (tcp_orphan_retries on Linux), where its settings have them. */
function setting(ctx: TestContext) {
  return ctx.target.has('settings') ? readRole(ctx.target.settings, 'orphan-retries') : undefined;
}

suite({ name: 'timer-fin-retransmit', title: 'FIN retransmission timer (FIN-WAIT-1, LAST-ACK)', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test('an unacknowledged FIN is retransmitted with doubling RTO a bounded number of times, then the connection is dropped', {
    rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5, 5.7',
    requirements: ['MUST-19'],
    needs: ['app-close'],
    timeoutMs: (process.env[ENV.slow] === '1' ? SLOW_CAP_MS : CAP_MS) + 30_000,
  }, async (ctx) => {
    const { figure, note, expectation } = ctx;
    await measureRetransmissions(ctx, {
      what: 'FIN',
      state: 'FIN-WAIT-1',
      lifetime: 'FIN-WAIT-1',
      async start({ remote, target }, c) {
        const roundTripMs = await handshakeRoundTrip(c);
        let rto: { ms: number; why: string } | undefined;
        if (target.has('states')) {
          const info = (await socketDetails(target.states, ctx.tuple(c)))?.info;
          if (info?.rtoMs != null) {
            rto = { ms: info.rtoMs, why: `the target's own RTO (ss, rtt ${info.rttMs} ms)` };
            figure({ name: 'RTO before the segment (ss)', value: info.rtoMs, unit: 'ms' });
            // Linux's RTO formula, for a target judged as Linux.
            if (ctx.profile.name === 'linux' && info.rttMs != null && info.rttVarMs != null) {
              const r = linuxRto(info.rttMs, info.rttVarMs);
              figure({
                name: 'RTO (ss) vs srtt + max(4·rttvar, rto_min)',
                value: info.rtoMs,
                unit: 'ms',
                expected: r.ms,
                tolerance: r.tolerance,
                toleranceWhy: r.why,
              });
            }
          }
        }
        await remote(c, 'close');
        const first = await c.expect('F.');
        // A close trigger's answer comes before the FIN, and our paced ACKs of it may reach the
        // server after the FIN left: each restarts its retransmission timer (RFC 6298 5.3), so
        // the schedule runs from our last one.
        const restart = c.peer.newDataAckedAt;
        if (restart !== undefined && restart > first.at) {
          note(`our last ACK of its data went out ${(Number(restart - first.at) / 1e6).toFixed(1)} ms after its FIN: its timer runs from there`);
          first.at = restart;
        }
        // Ground truth only: a state probe now could cross the first retransmission (RTO ~200 ms
        // on Linux, our paced probe later); the looks that follow show the state from packets.
        if (target.has('states')) await c.inState('FIN-WAIT-1');
        return { first, roundTripMs, ...(rto ? { rto } : {}) };
      },
      expectedCount(_, rtoMs) {
        const role = setting(ctx);
        const own = role?.value ?? undefined;
        const linux = !role || !!role.binding.linux;
        // tcp_orphan_retries(): 0 means 8 while the RTO is below TCP_RTO_MAX (net/ipv4/tcp_timer.c)
        const retries = linux && own === 0 ? 8 : own;
        const boundary = expectation('orphan-retries') ?? retries;
        if (boundary === undefined) return undefined;
        note(
          `${role ? `${role.text}${retries !== own ? ` (read as ${retries})` : ''}` : 'no net.ipv4.tcp_orphan_retries on this target'}${boundary !== retries ? `; --expect orphan-retries=${boundary}` : ''}`,
        );
        // A stack that reads its setting as an exact count gives up after exactly that many.
        if (!linux) return { min: boundary, max: boundary, why: `a count is exact: limit ${boundary}` };
        const count = linuxRetransmissionCount(rtoMs, boundary);
        return { min: count.min, max: count.max, why: `limit ${boundary}: ${count.why}` };
      },
    });
  });

  // The same timer after a passive close: the FIN of LAST-ACK is re-sent like any other, and the
  // ACK of the re-sent FIN must still close the connection (gVisor's netstack, measured: it
  // re-labels the connection FIN-WAIT-1 as it re-sends, and the ACK leaves it in FIN-WAIT-2).
  test('in LAST-ACK an unacknowledged FIN is retransmitted, and our ACK of it closes the connection', {
    rfc: 'RFC 9293 3.8.1, 3.10.7.4 (fifth)',
    needs: ['agent'],
  }, async ({ listen, connect, remote }) => {
    const c = connect(await listen());
    await c.handshake();
    await c.send('F.');
    await c.expect({ flags: '.', ack: c.sndNxt });
    await c.inState('CLOSE-WAIT');
    await remote(c, 'close');
    const fin = await c.expect({ flags: 'F.', ack: c.sndNxt });
    await c.inState('LAST-ACK');
    await c.expectRetransmission(fin, LAST_ACK_RETRANSMISSION_WAIT_MS);
    // Its state is looked at after our ACK only: what the ACK of the re-sent FIN does is the point.
    c.checkTruthOnSend = false;
    await c.send('.');
    await c.inState('CLOSED');
  });
});
