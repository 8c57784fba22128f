// The FIN-WAIT-2 lifetime of a server that closed first, measured from packets. RFC 9293 3.6
// lets FIN-WAIT-2 last for ever (the other side may still send); Linux bounds it for orphans
// (closed by the application) with tcp_fin_timeout, floored at 3.5 × RTO (tcp_fin_time,
// include/net/tcp.h). A server that only shut down its side keeps it as long as it likes.
//   handshake; the server closes (the lab agent's close(), or a remote's close trigger)
//   < F.                     (remote: FIN-WAIT-1)
//   > .    ack its FIN   t0  (remote: FIN-WAIT-2) — we never send our FIN
//   > .    looks: an old byte left of the window → < . while FIN-WAIT-2 holds (3.10.7.4 first
//          check; Linux's FIN-WAIT-2 timewait socket ACKs it without rescheduling), < R once gone
//   …      gone between the last two looks (and, where the target shows its sockets, by ss)
//   > F.   our late FIN → < R (no TCB: RFC 9293 3.10.7.1)
// Expected: `--expect fin-timeout=S` (seconds), else the target's own FIN-WAIT-2 timeout where
// its settings have one (the fin-timeout role: Linux's tcp_fin_timeout in s, floored as above;
// the memory stack's fin_wait_2_timeout_ms, exact, 0 = none as in the RFC); otherwise the
// lifetime is reported (the RFC fixes none), up to a cap.

import { LINUX_RTO_MIN_MS } from '../src/fsm/linux-timers.js';
import { ENV } from '../src/peer/contract.js';
import { bracketMiddle, lookForEnd } from '../src/peer/liveness.js';
import { allowWait } from '../src/peer/long-wait.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { type GoneAt, handshakeRoundTrip, msBetween, round, StampError, socketDetails, timerTolerance, waitGone } from '../src/peer/timing.js';
import { readRole, roleSetting } from '../src/target/roles.js';
import { withSettings } from '../src/target/settings.js';

/** How long to look for the end when nothing predicts it: the RFC sets no bound (--slow: longer). */
const CAP_MS = 20_000;
const SLOW_CAP_MS = 130_000;
/** Gap between looks near the predicted end: the bracket's precision. */
const LOOK_EVERY_MS = 250;

/** The target's FIN-WAIT-2 timeout (tcp_fin_timeout on Linux), where its settings have one. */
function setting(ctx: TestContext) {
  return ctx.target.has('settings') ? readRole(ctx.target.settings, 'fin-timeout') : undefined;
}

async function measureFinWait2(ctx: TestContext): Promise<void> {
  const { listen, connect, remote, target, tuple, t, figure, note, expectation } = ctx;
  const role = setting(ctx);
  const own = role?.value == null ? undefined : role.value / 1000;
  const expectedS = expectation('fin-timeout') ?? own;
  note(
    expectedS === undefined
      ? `${role ? `${role.text}: no timeout` : "no FIN-WAIT-2 timeout (tcp_fin_timeout) among this target's settings"} and no --expect fin-timeout: the lifetime is reported, not graded (RFC 9293 3.6 sets no bound)`
      : `${role ? `${role.text}; ` : ''}expecting FIN-WAIT-2 to last ${expectedS} s${expectedS !== own ? ' (--expect fin-timeout)' : ''}`,
  );
  if (expectedS !== undefined)
    allowWait(
      ctx.t,
      expectedS * 1000,
      `the orphaned FIN-WAIT-2 to be removed (${role && own !== undefined ? role.text : `--expect fin-timeout=${expectedS}`})`,
    );

  const c = connect(await listen());
  const stampErrorMs = await handshakeRoundTrip(c);
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
  const stamp = new StampError(stampErrorMs);
  const info = target.has('states') ? (await socketDetails(target.states, tuple(c)))?.info : undefined;
  await remote(c, 'close');
  const fin = await c.expect('F.');
  const ack = await c.send('.');
  await c.inState('FIN-WAIT-2');
  const startError = stamp.window();
  // Linux's floor; a stack whose setting is read exactly (the memory stack's) has none.
  const floor = role && !role.binding.linux ? null : finTimeoutFloor(info, msBetween(fin.at, ack.at) + stampErrorMs);
  if (floor) note(floor.why);

  // Linux arms the timer at max(tcp_fin_timeout, 3.5 × RTO) with the RTO of the moment our ACK
  // arrives (tcp_fin_time): a range when that RTO is not known exactly.
  const lo = expectedS === undefined ? undefined : Math.max(expectedS * 1000, floor?.lowMs ?? 0);
  const hi = expectedS === undefined ? undefined : Math.max(expectedS * 1000, floor?.highMs ?? 0);
  const capMs = process.env[ENV.slow] === '1' ? SLOW_CAP_MS : CAP_MS;
  let truthP: Promise<GoneAt> | undefined;
  if (target.has('states')) {
    truthP = waitGone(target.states, tuple(c), Math.max(capMs, (hi ?? 0) + 5000), (s) => t.comment(s), 'FIN-WAIT-2');
    truthP.catch(() => undefined);
  }
  const end = await lookForEnd(c.peer, {
    look: 'old-data',
    start: ack.at,
    ...(hi !== undefined ? { expectedMs: hi, toleranceMs: hi - lo! + timerTolerance(hi, startError).ms } : {}),
    everyMs: LOOK_EVERY_MS,
    capMs: Math.max(capMs, (hi ?? 0) + 5000),
    lastAliveAt: ack.at,
  });
  if (end.end === 'segment') throw c.peer.failure(`unexpected segment in FIN-WAIT-2: the server sent ${end.segment.tcp.flags} while we looked`);
  if (end.end === 'deadline') {
    // No bound in the RFC: a FIN-WAIT-2 still there is no failure, only a lower bound.
    figure({
      name: 'FIN-WAIT-2 still held (our ACK of its FIN → last look answered)',
      value: round(msBetween(ack.at, end.lastAliveAt)),
      unit: 'ms',
      toleranceWhy: `not graded: RFC 9293 3.6 sets no bound; looked for ${capMs / 1000} s (--slow: ${SLOW_CAP_MS / 1000} s)`,
    });
    if (expectedS === undefined) return;
  }
  const spread = lo !== undefined && hi !== undefined ? round((hi - lo) / 2) : 0;
  const expectedMs = lo !== undefined && hi !== undefined ? round((lo + hi) / 2) : undefined;
  const lifeFigure = (name: string, gone: GoneAt, how: string) => {
    const mid = bracketMiddle(gone);
    const tol = timerTolerance(hi ?? 0, startError, { pollResolutionMs: mid.halfMs });
    figure({
      name,
      value: round(msBetween(ack.at, mid.at)),
      unit: 'ms',
      ...(expectedMs !== undefined
        ? {
            expected: expectedMs,
            tolerance: round(tol.ms + spread),
            toleranceWhy: (spread ? `± ${spread} ms: the 3.5 × RTO floor lies between ${lo} and ${hi} ms; + ` : '') + `${how}; ${tol.why}`,
            ...stamp.delay(),
          }
        : { toleranceWhy: `not graded: nothing predicts it (RFC 9293 3.6 sets no bound); ${how}` }),
    });
  };
  if (end.end === 'gone')
    lifeFigure('FIN-WAIT-2 lifetime (our ACK of its FIN → gone, by looks)', end.gone, `the middle of a bracket of looks ${end.gone.resolutionMs} ms apart`);
  const truth = truthP ? await truthP : undefined;
  if (truth)
    lifeFigure(
      'orphaned FIN-WAIT-2 lifetime (our ACK of its FIN → socket gone)',
      truth,
      `ground truth: the middle of the ${truth.resolutionMs} ms in which the target's sockets lost it`,
    );
  if (end.end !== 'gone')
    throw c.peer.failure(`FIN-WAIT-2 still there ${round(msBetween(ack.at, end.lastAliveAt))} ms after our ACK, beyond the expected ${expectedMs} ms`);
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

suite({ name: 'timer-fin-wait-2', title: 'FIN-WAIT-2 timeout of a server that closed first', rfc: 'RFC 9293 3.6' }, (test) => {
  test('an orphaned FIN-WAIT-2 is removed after tcp_fin_timeout', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (FIN-WAIT-2)',
    needs: ['app-close'],
    timeoutMs: SLOW_CAP_MS + 30_000,
  }, async (ctx) => {
    await measureFinWait2(ctx);
  });

  test('the FIN-WAIT-2 lifetime follows tcp_fin_timeout (set to 1 s)', {
    rfc: 'RFC 9293 3.6',
    needs: ['agent', 'settings'],
    settings: ['fin-timeout'],
  }, async (ctx) => {
    await withSettings(ctx.target.settings, roleSetting(ctx.target.settings, 'fin-timeout', 1000), () => measureFinWait2(ctx));
  });
});
