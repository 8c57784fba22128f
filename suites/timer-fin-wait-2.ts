// The orphaned FIN-WAIT-2 timeout, measured by ground truth. RFC 9293 3.6 lets FIN-WAIT-2 last
// for ever (the other side may still send); Linux bounds it for orphans (closed by the
// application) with tcp_fin_timeout, floored at 3.5 × RTO (tcp_fin_time, include/net/tcp.h).
//   handshake; remote close() (orphan)
//   < F.                     (remote: FIN-WAIT-1)
//   > .    ack its FIN   t0  (remote: FIN-WAIT-2) — we never send our FIN
//   …      socket gone at t0 + tcp_fin_timeout (ss)
//   > F.   our late FIN → < R (no TCB: RFC 9293 3.10.7.1)
// Run with the lab's tcp_fin_timeout and with another value. `--expect fin-timeout=S` (seconds)
// overrides the expectation.
import { suite, type TestContext } from '../src/peer/suite.js';
import { withSettings } from '../src/target/settings.js';
import { handshakeRoundTrip, timerTolerance, msBetween, round, socketDetails, StampError, waitGone } from '../src/peer/timing.js';

const SYSCTL = 'net.ipv4.tcp_fin_timeout';

async function measureFinWait2(ctx: TestContext): Promise<void> {
  const { listen, connect, remote, target, tuple, t, figure, note, expectation } = ctx;
  const finTimeoutS = Number(target.settings.values[SYSCTL]);
  const expectedS = expectation('fin-timeout') ?? finTimeoutS;
  note(`${SYSCTL} = ${finTimeoutS} s; expecting FIN-WAIT-2 to last ${expectedS} s${expectedS !== finTimeoutS ? ' (--expect fin-timeout)' : ''}`);

  const c = connect(await listen());
  const stampErrorMs = await handshakeRoundTrip(c);
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
  const stamp = new StampError(stampErrorMs);
  const rtoMs = (await socketDetails(target.states, tuple(c)))?.info?.rtoMs ?? null;
  await remote(c, 'close');
  await c.expect('F.');
  const ack = await c.send('.');
  await c.inState('FIN-WAIT-2');
  const startError = stamp.window();
  if (rtoMs !== null) {
    const floor = 3.5 * rtoMs;
    note(`RTO ${rtoMs} ms (ss): the timeout is max(tcp_fin_timeout, 3.5 × RTO = ${floor} ms)`);
  }

  const gone = await waitGone(target.states, tuple(c), expectedS * 1000 + 5000, (s) => t.comment(s), 'FIN-WAIT-2');
  const lived = round(msBetween(ack.at, gone.at));
  const expectedMs = Math.max(expectedS * 1000, rtoMs !== null ? 3.5 * rtoMs : 0);
  const tol = timerTolerance(expectedMs, startError, { pollResolutionMs: gone.resolutionMs });
  figure({ name: 'orphaned FIN-WAIT-2 lifetime (our ACK of its FIN → socket gone)', value: lived, unit: 'ms', expected: expectedMs, tolerance: tol.ms, toleranceWhy: tol.why });
  figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
  stamp.stop();
  c.remoteCalled('timeout-fin-wait-2');
  await c.inState('CLOSED');

  // Our FIN, too late: no TCB any more, so a RST (seq = SEG.ACK).
  await c.send('F.');
  await c.expect('R');
  await c.inState('CLOSED');
}

suite({ name: 'timer-fin-wait-2', title: 'FIN-WAIT-2 timeout of an orphaned connection', rfc: 'RFC 9293 3.6' }, (test) => {
  test('an orphaned FIN-WAIT-2 is removed after tcp_fin_timeout', { rfc: 'RFC 9293 3.6, 3.10.7.4 (FIN-WAIT-2)', needs: ['agent', 'states', 'settings'] }, async (ctx) => {
    await measureFinWait2(ctx);
  });

  test('the FIN-WAIT-2 lifetime follows tcp_fin_timeout (set to 1 s)', { rfc: 'RFC 9293 3.6', needs: ['agent', 'states', 'settings'] }, async (ctx) => {
    await withSettings(ctx.target.settings, { [SYSCTL]: '1' }, () => measureFinWait2(ctx));
  });
});
