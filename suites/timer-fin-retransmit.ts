// FIN retransmission in FIN-WAIT-1 of an orphaned connection, measured: RFC 9293 3.8.1 (a FIN
// is retransmitted like data), RFC 6298 5.5 (backoff), 3.8.3 (give up after R2).
//   handshake; remote close() (orphan)
//   < F.   t0                (remote: FIN-WAIT-1) — we never ACK it
//   < F.   t0 + RTO          RTO from ss (rto_min 200 ms + RTT on Linux; RFC 6298 2.4 would say ≥ 1 s)
//   < F.   t0 + RTO + 2 RTO  …doubling, tcp_orphan_retries times (0 reads as 8)
//   …      then the socket is gone, silently (no RST: tcp_write_err, not tcp_send_active_reset)
// Linux gives up when the time since the FIRST RETRANSMISSION (retrans_stamp) reaches the model
// timeout TCP_RTO_MIN × (2^(n+1) − 1) for n = retries (tcp_model_timeout), at the timer that
// would send the next retransmission: with the lab's RTO of ~216 ms and n = 2 that is 3
// retransmissions, not 2 (linuxRetransmissionCount in src/peer/timing.ts). `--expect orphan-retries=N` overrides the expected count.
import { suite } from '../src/peer/suite.js';
import { backoffSchedule, collectRetransmissions, type GoneAt, handshakeRoundTrip, timerTolerance, intervalsMs, linuxRetransmissionCount, linuxRto, msBetween, round, StampError, waitGone } from '../src/peer/timing.js';

const SYSCTL = 'net.ipv4.tcp_orphan_retries';

suite({ name: 'timer-fin-retransmit', title: 'FIN retransmission timer (orphaned FIN-WAIT-1)', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test('an unacknowledged FIN is retransmitted tcp_orphan_retries times with doubling RTO, then the orphan is dropped', { rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5, 5.7', needs: ['agent'] }, async ({ listen, connect, remote, lab, wire, t, figure, note, expectation }) => {
    const setting = Number(lab.sysctls[SYSCTL]);
    // tcp_orphan_retries(): 0 means 8 while the RTO is below TCP_RTO_MAX (net/ipv4/tcp_timer.c)
    const retries = setting === 0 ? 8 : setting;
    const boundary = expectation('orphan-retries') ?? retries;
    note(`${SYSCTL} = ${setting}${setting === 0 ? ' (read as 8)' : ''}${boundary !== retries ? `; --expect orphan-retries=${boundary}` : ''}`);

    const c = connect(await listen());
    const stampErrorMs = await handshakeRoundTrip(c);
    figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
    const stamp = new StampError(stampErrorMs);
    const tuple = { localAddress: lab.target.ipv4, localPort: c.peer.remotePort, peerAddress: wire.localAddr, peerPort: c.peer.localPort };
    const info = (await lab.sockets(tuple))[0]?.info;
    const rtoMs = info?.rtoMs;
    if (rtoMs == null) throw new Error(`ss shows no rto for ${JSON.stringify(tuple)}: cannot derive the expected schedule`);
    note(`ss: rto ${rtoMs} ms, rtt ${info?.rttMs} ms (Linux RTO = max(srtt + 4·rttvar, rto_min 200 ms), RFC 6298 2.3 with rto_min)`);
    figure({ name: 'RTO before close (ss)', value: rtoMs, unit: 'ms' });
    if (info?.rttMs != null && info.rttVarMs != null) {
      const rto = linuxRto(info.rttMs, info.rttVarMs);
      figure({ name: 'RTO (ss) vs srtt + max(4·rttvar, rto_min)', value: rtoMs, unit: 'ms', expected: rto.ms, tolerance: rto.tolerance, toleranceWhy: rto.why });
    }

    const expectedCount = linuxRetransmissionCount(rtoMs, boundary);
    note(expectedCount.why);
    await remote(c, 'close');
    const fin = await c.expect('F.');
    await c.inState('FIN-WAIT-1');

    const total = backoffSchedule(rtoMs, expectedCount.max + 1).reduce((a, b) => a + b, 0);
    let gone: GoneAt | undefined;
    const goneP = waitGone(lab, tuple, total * 2 + 3000, (s) => t.comment(s), 'orphaned FIN-WAIT-1').then((g) => (gone = g));
    const { stamps, errors } = await collectRetransmissions(c, fin, (i) => rtoMs * 2 ** i, stamp, goneP, (s) => t.comment(s), 'FIN');
    await goneP;

    figure({
      name: 'FIN retransmissions', value: stamps.length - 1, unit: 'count', expected: (expectedCount.min + expectedCount.max) / 2, tolerance: (expectedCount.max - expectedCount.min) / 2,
      toleranceWhy: `${SYSCTL} = ${setting}, limit ${boundary}: ${expectedCount.why}`,
    });
    const schedule = backoffSchedule(rtoMs, stamps.length - 1);
    intervalsMs(stamps).forEach((ms, i) => {
      const tol = timerTolerance(schedule[i]!, errors[i]!, { end: errors[i + 1]! });
      figure({ name: `FIN retransmission ${i + 1} interval`, value: ms, unit: 'ms', expected: schedule[i]!, tolerance: tol.ms, toleranceWhy: tol.why });
    });
    // The connection dies at the timer that would have sent the next retransmission.
    const runs = backoffSchedule(rtoMs, stamps.length);
    const tol = timerTolerance(runs, errors[0]!, { pollResolutionMs: gone!.resolutionMs });
    figure({
      name: 'orphaned FIN-WAIT-1 lifetime (first FIN → socket gone)', value: round(msBetween(fin.at, gone!.at)), unit: 'ms',
      expected: runs.reduce((a, b) => a + b, 0), tolerance: tol.ms, toleranceWhy: tol.why,
    });
    figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
    stamp.stop();
    c.remoteCalled('timeout-retransmission-exhausted');
    await c.inState('CLOSED');
  });
});
