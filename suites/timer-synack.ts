// SYN-ACK retransmission in SYN-RECEIVED, RFC 9293 3.8.1 / RFC 6298 5.5 (backoff), measured:
//   > S                      (remote: LISTEN → SYN-RECEIVED)
//   < S.   t0
//   < S.   t0 + 1 s          retransmission 1 (Linux TCP_TIMEOUT_INIT = 1 s, RFC 6298 2.1)
//   < S.   t0 + 1 + 2 s      retransmission 2 (doubled: RFC 6298 5.5)
//   …      tcp_synack_retries retransmissions, then the half-open connection is dropped
//          (RFC 9293 3.8.3: R2 reached) at t0 + 1 + 2 + … + 2^n s, silently
//   > .    late ACK of the SYN-ACK → < R seq = SEG.ACK (no TCB: RFC 9293 3.10.7.1)
// Run twice: with the lab's tcp_synack_retries and with another value, so the expectation is
// seen to follow the setting. `--expect synack-retries=N` overrides the expected count.

import { Seq } from '../src/packet/index.js';
import { allowWait } from '../src/peer/long-wait.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import {
  backoffSchedule,
  collectRetransmissions,
  type GoneAt,
  intervalsMs,
  msBetween,
  round,
  StampError,
  timerTolerance,
  waitGone,
} from '../src/peer/timing.js';
import { withSettings } from '../src/target/settings.js';

/** Linux's initial SYN-ACK timeout, TCP_TIMEOUT_INIT (include/net/tcp.h), RFC 6298 2.1's 1 s. */
const TCP_TIMEOUT_INIT_MS = 1000;
const SYSCTL = 'net.ipv4.tcp_synack_retries';

async function measureSynAckSchedule(ctx: TestContext): Promise<void> {
  const { listen, connect, target, tuple, t, figure, note, expectation } = ctx;
  const retries = Number(target.settings.values[SYSCTL]);
  const expectedCount = expectation('synack-retries') ?? retries;
  note(`${SYSCTL} = ${retries}; expecting ${expectedCount} SYN-ACK retransmissions${expectedCount !== retries ? ' (--expect synack-retries)' : ''}`);
  const waitMs = backoffSchedule(TCP_TIMEOUT_INIT_MS, Math.max(retries, expectedCount) + 1).reduce((a, b) => a + b, 0);
  allowWait(t, waitMs, `the half-open connection to be dropped (${SYSCTL} = ${retries})`);

  const c = connect(await listen());
  const syn = await c.send('S');
  await c.inState('SYN-RECEIVED');
  const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
  // Our SYN's send stamp to the SYN-ACK's receive stamp: the kernel's answer is immediate, so
  // this round trip bounds how far any of our stamps can be from the wire time.
  const stampErrorMs = round(msBetween(syn.at, synAck.at));
  figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
  const stamp = new StampError(stampErrorMs);

  const deadline = waitMs + 3000;
  let gone: GoneAt | undefined;
  const goneP = waitGone(target.states, tuple(c), deadline, (s) => t.comment(s), 'half-open connection').then((g) => (gone = g));

  const { stamps, errors } = await collectRetransmissions(
    c,
    synAck,
    (i) => backoffSchedule(TCP_TIMEOUT_INIT_MS, i + 1)[i]!, // doubling capped at TCP_RTO_MAX, as the kernel's
    stamp,
    goneP,
    (s) => t.comment(s),
    'SYN-ACK',
  );
  if (!gone) await goneP;
  const count = stamps.length - 1;
  figure({
    name: 'SYN-ACK retransmissions',
    value: count,
    unit: 'count',
    expected: expectedCount,
    tolerance: 0,
    toleranceWhy: `a count is exact: ${SYSCTL} = ${retries} in the lab`,
  });

  const delay = stamp.delay(); // what the busy machine may have added to every span below
  const measured = intervalsMs(stamps);
  const schedule = backoffSchedule(TCP_TIMEOUT_INIT_MS, measured.length);
  measured.forEach((ms, i) => {
    const tol = timerTolerance(schedule[i]!, errors[i]!, { end: errors[i + 1]! });
    figure({
      name: `SYN-ACK retransmission ${i + 1} interval`,
      value: ms,
      unit: 'ms',
      expected: schedule[i]!,
      tolerance: tol.ms,
      toleranceWhy: tol.why,
      ...delay,
    });
  });

  // The timer that would have sent retransmission count+1 drops the request instead.
  const lifetimeRuns = backoffSchedule(TCP_TIMEOUT_INIT_MS, expectedCount + 1);
  const lifetime = round(msBetween(synAck.at, gone!.at));
  const tol = timerTolerance(lifetimeRuns, errors[0]!, { pollResolutionMs: gone!.resolutionMs });
  figure({
    name: 'half-open lifetime (first SYN-ACK → socket gone)',
    value: lifetime,
    unit: 'ms',
    expected: lifetimeRuns.reduce((a, b) => a + b, 0),
    tolerance: tol.ms,
    toleranceWhy: tol.why,
    ...delay,
  });
  figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
  stamp.stop();
  c.remoteCalled('timeout-retransmission-exhausted');
  await c.inState('CLOSED');

  // A late ACK of the SYN-ACK. With tcp_syncookies=1 the listener would try it as a cookie only
  // after a recent SYN-queue overflow (tcp_synq_no_recent_overflow in cookie_v4_check); there was
  // none, so the listener treats it as an ACK in LISTEN: RST with SEQ = SEG.ACK (3.10.7.2).
  note(`net.ipv4.tcp_syncookies = ${target.settings.values['net.ipv4.tcp_syncookies']}: no SYN-queue overflow happened, so no cookie check`);
  await c.send({ flags: '.', seq: Seq.add(c.iss, 1), ack: Seq.add(synAck.seq, 1) });
  await c.expect({ flags: 'R', seq: Seq.add(synAck.seq, 1) });
  await c.inState('CLOSED');
}

suite({ name: 'timer-synack', title: 'SYN-ACK retransmission timer', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test('SYN-ACK is retransmitted tcp_synack_retries times at 1, 2, 4 s… then the half-open connection is dropped', {
    rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 2.1, 5.5',
    requirements: ['MUST-19', 'MUST-22'],
    needs: ['agent', 'states', 'settings'],
  }, async (ctx) => {
    await measureSynAckSchedule(ctx);
  });

  test('the retransmission count follows tcp_synack_retries (set to 1)', {
    rfc: 'RFC 9293 3.8.3; RFC 6298 5.5',
    needs: ['agent', 'states', 'settings'],
  }, async (ctx) => {
    await withSettings(ctx.target.settings, { [SYSCTL]: '1' }, () => measureSynAckSchedule(ctx));
  });
});
