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

import { LINUX_RTO_MIN_MS } from '../src/fsm/linux-timers.js';
import { allowWait } from '../src/peer/long-wait.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { handshakeRoundTrip, msBetween, round, StampError, socketDetails, timerTolerance, waitGone } from '../src/peer/timing.js';
import { withSettings } from '../src/target/settings.js';

const SYSCTL = 'net.ipv4.tcp_fin_timeout';

async function measureFinWait2(ctx: TestContext): Promise<void> {
  const { listen, connect, remote, target, tuple, t, figure, note, expectation } = ctx;
  const finTimeoutS = Number(target.settings.values[SYSCTL]);
  const expectedS = expectation('fin-timeout') ?? finTimeoutS;
  note(`${SYSCTL} = ${finTimeoutS} s; expecting FIN-WAIT-2 to last ${expectedS} s${expectedS !== finTimeoutS ? ' (--expect fin-timeout)' : ''}`);
  allowWait(t, expectedS * 1000, `the orphaned FIN-WAIT-2 to be removed (${SYSCTL} = ${finTimeoutS})`);

  const c = connect(await listen());
  const stampErrorMs = await handshakeRoundTrip(c);
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
  const stamp = new StampError(stampErrorMs);
  const info = (await socketDetails(target.states, tuple(c)))?.info;
  await remote(c, 'close');
  const fin = await c.expect('F.');
  const ack = await c.send('.');
  await c.inState('FIN-WAIT-2');
  const startError = stamp.window();
  const floor = finTimeoutFloor(info, msBetween(fin.at, ack.at) + stampErrorMs);
  if (floor) note(floor.why);

  const gone = await waitGone(target.states, tuple(c), expectedS * 1000 + 5000, (s) => t.comment(s), 'FIN-WAIT-2');
  const lived = round(msBetween(ack.at, gone.at));
  // Linux arms the timer at max(tcp_fin_timeout, 3.5 × RTO) with the RTO of the moment our ACK
  // arrives (tcp_fin_time): a range when that RTO is not known exactly.
  const lo = Math.max(expectedS * 1000, floor?.lowMs ?? 0);
  const hi = Math.max(expectedS * 1000, floor?.highMs ?? 0);
  const expectedMs = round((lo + hi) / 2);
  const tol = timerTolerance(hi, startError, { pollResolutionMs: gone.resolutionMs });
  const spread = round((hi - lo) / 2);
  figure({
    name: 'orphaned FIN-WAIT-2 lifetime (our ACK of its FIN → socket gone)',
    value: lived,
    unit: 'ms',
    expected: expectedMs,
    tolerance: round(tol.ms + spread),
    toleranceWhy: (spread ? `± ${spread} ms: the 3.5 × RTO floor lies between ${lo} and ${hi} ms; + ` : '') + tol.why,
    ...stamp.delay(),
  });
  figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
  stamp.stop();
  c.remoteCalled('timeout-fin-wait-2');
  await c.inState('CLOSED');

  // Our FIN, too late: no TCB any more, so a RST (seq = SEG.ACK).
  await c.send('F.');
  await c.expect('R');
  await c.inState('CLOSED');
}

/**
 * The 3.5 × RTO floor of the FIN-WAIT-2 timeout, as a range: the RTO is recomputed from the RTT
 * sample our ACK of the FIN gives (RFC 6298 2.3, Linux tcp_set_rto), which on a busy machine can
 * be long. With srtt, rttvar from ss before the close and that sample R at most `sampleMs`:
 * srtt' ≤ max(srtt, R), rttvar' ≤ max(rttvar, srtt, R), RTO' = srtt' + max(4 rttvar', rto_min);
 * and RTO' ≥ rto_min always.
 */
function finTimeoutFloor(info: { rttMs: number | null; rttVarMs: number | null; rtoMs: number | null } | null | undefined, sampleMs: number) {
  if (info?.rtoMs == null && info?.rttMs == null) return null;
  const srtt = Math.max(info.rttMs ?? 0, sampleMs);
  const rttvar = Math.max(info.rttVarMs ?? 0, info.rttMs ?? 0, sampleMs);
  const rtoHigh = Math.max(info.rtoMs ?? 0, info.rttMs == null ? 0 : srtt + Math.max(4 * rttvar, LINUX_RTO_MIN_MS));
  return {
    lowMs: round(3.5 * LINUX_RTO_MIN_MS),
    highMs: round(3.5 * rtoHigh),
    why: `RTO ${info.rtoMs} ms (ss, srtt ${info.rttMs}, rttvar ${info.rttVarMs}); our ACK came ≤ ${round(sampleMs)} ms after the FIN, so the RTO Linux uses for the floor max(tcp_fin_timeout, 3.5 × RTO) is ${LINUX_RTO_MIN_MS}..${round(rtoHigh)} ms`,
  };
}

suite({ name: 'timer-fin-wait-2', title: 'FIN-WAIT-2 timeout of an orphaned connection', rfc: 'RFC 9293 3.6' }, (test) => {
  test('an orphaned FIN-WAIT-2 is removed after tcp_fin_timeout', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (FIN-WAIT-2)',
    needs: ['agent', 'states', 'settings'],
  }, async (ctx) => {
    await measureFinWait2(ctx);
  });

  test('the FIN-WAIT-2 lifetime follows tcp_fin_timeout (set to 1 s)', { rfc: 'RFC 9293 3.6', needs: ['agent', 'states', 'settings'] }, async (ctx) => {
    await withSettings(ctx.target.settings, { [SYSCTL]: '1' }, () => measureFinWait2(ctx));
  });
});
