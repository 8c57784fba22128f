// Data retransmission in ESTABLISHED, measured: RFC 9293 3.8.1, RFC 6298 (RTO, 5.5 backoff),
// 3.8.3 (R2: give up).
//   handshake
//   < P.   100 bytes  t0     (the agent sends; we never ACK)
//   < P.   t0 + RTO          RTO from ss (Linux: srtt + 4·rttvar floored by rto_min 200 ms;
//                            RFC 6298 2.4 says ≥ 1 s, Linux deviates)
//   < P.   … doubling, until tcp_retries2's time budget is spent
//   …      then the connection is gone, silently (tcp_write_err: the application sees ETIMEDOUT)
// Linux gives up when the time since the FIRST RETRANSMISSION (retrans_stamp) reaches the model
// timeout TCP_RTO_MIN × (2^(n+1) − 1) for n = retries (tcp_model_timeout), at the timer that
// would send the next retransmission: with the lab's RTO of ~216 ms and n = 3 that is 3
// retransmissions (linuxRetransmissionCount in src/peer/timing.ts). `--expect retries2=N` overrides the expected count.
import { suite } from '../src/peer/suite.js';
import { backoffSchedule, collectRetransmissions, type GoneAt, handshakeRoundTrip, timerTolerance, intervalsMs, linuxRetransmissionCount, linuxRto, msBetween, round, StampError, waitGone } from '../src/peer/timing.js';

const SYSCTL = 'net.ipv4.tcp_retries2';

suite({ name: 'timer-data-retransmit', title: 'Data retransmission timer (ESTABLISHED)', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test('unacknowledged data is retransmitted with doubling RTO until tcp_retries2\'s budget is spent, then the connection is dropped', { rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5, 5.7', needs: ['agent'] }, async ({ listen, connect, remote, lab, wire, t, figure, note, expectation }) => {
    const setting = Number(lab.sysctls[SYSCTL]);
    const retries = setting;
    const boundary = expectation('retries2') ?? retries;
    note(`${SYSCTL} = ${setting}${boundary !== retries ? `; --expect retries2=${boundary}` : ''}`);

    const c = connect(await listen());
    const stampErrorMs = await handshakeRoundTrip(c);
    figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: stampErrorMs, unit: 'ms' });
    const stamp = new StampError(stampErrorMs);
    const tuple = { localAddress: lab.target.ipv4, localPort: c.peer.remotePort, peerAddress: wire.localAddr, peerPort: c.peer.localPort };
    const info = (await lab.sockets(tuple))[0]?.info;
    const rtoMs = info?.rtoMs;
    if (rtoMs == null) throw new Error(`ss shows no rto for ${JSON.stringify(tuple)}: cannot derive the expected schedule`);
    note(`ss: rto ${rtoMs} ms, rtt ${info?.rttMs} ms (Linux RTO = max(srtt + 4·rttvar, rto_min 200 ms), RFC 6298 2.3 with rto_min)`);
    figure({ name: 'RTO before sending (ss)', value: rtoMs, unit: 'ms' });
    if (info?.rttMs != null && info.rttVarMs != null) {
      const rto = linuxRto(info.rttMs, info.rttVarMs);
      figure({ name: 'RTO (ss) vs srtt + max(4·rttvar, rto_min)', value: rtoMs, unit: 'ms', expected: rto.ms, tolerance: rto.tolerance, toleranceWhy: rto.why });
    }

    const expectedCount = linuxRetransmissionCount(rtoMs, boundary);
    note(expectedCount.why);
    await remote(c, { send: 100 });
    const fin = await c.expect({ len: 100 });
    await c.inState('ESTABLISHED');

    const total = backoffSchedule(rtoMs, expectedCount.max + 1).reduce((a, b) => a + b, 0);
    let gone: GoneAt | undefined;
    const goneP = waitGone(lab, tuple, total * 2 + 3000, (s) => t.comment(s), 'ESTABLISHED with unacknowledged data').then((g) => (gone = g));
    const { stamps, errors } = await collectRetransmissions(c, fin, (i) => rtoMs * 2 ** i, stamp, goneP, (s) => t.comment(s), 'data');
    await goneP;

    figure({
      name: 'data retransmissions', value: stamps.length - 1, unit: 'count', expected: (expectedCount.min + expectedCount.max) / 2, tolerance: (expectedCount.max - expectedCount.min) / 2,
      toleranceWhy: `${SYSCTL} = ${setting}, limit ${boundary}: ${expectedCount.why}`,
    });
    const schedule = backoffSchedule(rtoMs, stamps.length - 1);
    intervalsMs(stamps).forEach((ms, i) => {
      const tol = timerTolerance(schedule[i]!, errors[i]!, { end: errors[i + 1]! });
      figure({ name: `data retransmission ${i + 1} interval`, value: ms, unit: 'ms', expected: schedule[i]!, tolerance: tol.ms, toleranceWhy: tol.why });
    });
    // The connection dies at the timer that would have sent the next retransmission.
    const runs = backoffSchedule(rtoMs, stamps.length);
    const tol = timerTolerance(runs, errors[0]!, { pollResolutionMs: gone!.resolutionMs });
    figure({
      name: 'unacknowledged connection lifetime (first data → connection gone)', value: round(msBetween(fin.at, gone!.at)), unit: 'ms',
      expected: runs.reduce((a, b) => a + b, 0), tolerance: tol.ms, toleranceWhy: tol.why,
    });
    figure({ name: 'worst probe event-loop delay during the measurement', value: stamp.worstLoopDelayMs, unit: 'ms' });
    stamp.stop();
    c.remoteCalled('timeout-retransmission-exhausted');
    await c.inState('CLOSED');
  });
});
