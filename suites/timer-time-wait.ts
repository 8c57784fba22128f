// TIME-WAIT, measured (slow: about a minute). RFC 9293 3.6 / 3.10.7.4: the side that closes first
// waits 2 MSL in TIME-WAIT; a retransmitted FIN is acknowledged and restarts the 2 MSL timer.
// Linux's TIME-WAIT is a fixed TCP_TIMEWAIT_LEN = 60 s (include/net/tcp.h), not a sysctl: the
// lab's sysctls do not change it (tcp_fin_timeout is the orphan FIN-WAIT-2 timeout only).
//   handshake; remote close()
//   < F.                     (remote: FIN-WAIT-1)
//   > F.   ack + our FIN     (remote: TIME-WAIT)
//   < .
//   > F.   our FIN again t0  (a retransmission: same seq, 5 s into TIME-WAIT)
//   < .    re-ACKed; the 2 MSL timer restarts
//   …      socket gone at t0 + 60 s (ss)
// `--expect time-wait=S` (seconds) overrides the 60 s.

import { Seq } from '../src/packet/index.js';
import { allowWait } from '../src/peer/long-wait.js';
import { suite } from '../src/peer/suite.js';
import { handshakeRoundTrip, msBetween, round, StampError, timerTolerance, waitGone, waitWithProgress } from '../src/peer/timing.js';

/** TCP_TIMEWAIT_LEN (include/net/tcp.h): 60 s, compiled in. */
const TCP_TIMEWAIT_LEN_MS = 60_000;
/** How far into TIME-WAIT our FIN is retransmitted: well beyond the duration's tolerance. */
const RESTART_PROBE_DELAY_MS = 5000;

suite({ name: 'timer-time-wait', title: 'TIME-WAIT duration (2 MSL)', rfc: 'RFC 9293 3.6, 3.10.7.4' }, (test) => {
  test('TIME-WAIT re-ACKs a retransmitted FIN, restarts its timer and lasts 2 MSL (Linux: 60 s)', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (TIME-WAIT)',
    requirements: ['MUST-13'],
    slow: true,
    timeoutMs: 120_000,
    needs: ['agent', 'states'],
  }, async ({ listen, connect, remote, target, tuple, t, figure, note, expectation }) => {
    const expectedMs = (expectation('time-wait') ?? TCP_TIMEWAIT_LEN_MS / 1000) * 1000;
    allowWait(t, expectedMs + RESTART_PROBE_DELAY_MS, `TIME-WAIT to end (TCP_TIMEWAIT_LEN = ${TCP_TIMEWAIT_LEN_MS / 1000} s, restarted once)`);
    note(
      'Linux keeps TIME-WAIT for TCP_TIMEWAIT_LEN = 60 s (include/net/tcp.h): a compile-time constant, not a sysctl (RFC 9293 3.6: 2 MSL; MSL "2 minutes" is an engineering choice)',
    );

    const c = connect(await listen());
    const stampErrorMs = await handshakeRoundTrip(c);
    figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
    const stamp = new StampError(stampErrorMs);

    await remote(c, 'close');
    await c.expect('F.');
    const ourFinSeq = c.sndNxt;
    const first = await c.send('F.');
    await c.expect({ flags: '.', ack: Seq.add(ourFinSeq, 1) });
    await c.inState('TIME-WAIT');

    // Our FIN again, as if its ACK had been lost: TIME-WAIT must acknowledge it and restart 2 MSL.
    // Sent 5 s into TIME-WAIT (more than the 2 s tolerance) so a restart is told from no restart.
    await waitWithProgress(RESTART_PROBE_DELAY_MS, (s) => t.comment(s), 'TIME-WAIT before the FIN retransmission');
    const again = await c.send({ flags: 'F.', seq: ourFinSeq });
    await c.expect({ flags: '.', ack: Seq.add(ourFinSeq, 1) });
    await c.inState('TIME-WAIT');
    const startError = stamp.window();

    const gone = await waitGone(target.states, tuple(c), expectedMs + 15_000, (s) => t.comment(s), 'TIME-WAIT');
    const tol = timerTolerance(expectedMs, startError, { pollResolutionMs: gone.resolutionMs });
    figure({
      name: 'TIME-WAIT duration (retransmitted FIN → socket gone)',
      value: round(msBetween(again.at, gone.at)),
      unit: 'ms',
      expected: expectedMs,
      tolerance: tol.ms,
      toleranceWhy: tol.why,
      ...stamp.delay(),
    });
    figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
    stamp.stop();
    note(
      `TIME-WAIT lasted ${round(msBetween(first.at, gone.at))} ms from our first FIN: the retransmitted FIN ${RESTART_PROBE_DELAY_MS} ms in restarted the timer`,
    );
    c.remoteCalled('timeout-2msl');
    await c.inState('CLOSED');
  });
});
