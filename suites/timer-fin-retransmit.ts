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
import { measureRetransmissions } from '../src/peer/timing.js';

const SYSCTL = 'net.ipv4.tcp_orphan_retries';

suite({ name: 'timer-fin-retransmit', title: 'FIN retransmission timer (orphaned FIN-WAIT-1)', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test('an unacknowledged FIN is retransmitted tcp_orphan_retries times with doubling RTO, then the orphan is dropped', {
    rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5, 5.7',
    requirements: ['MUST-19'],
    needs: ['agent', 'states', 'settings'],
    settings: [SYSCTL],
  }, async (ctx) => {
    const setting = Number(ctx.target.settings.values[SYSCTL]);
    await measureRetransmissions(ctx, {
      // tcp_orphan_retries(): 0 means 8 while the RTO is below TCP_RTO_MAX (net/ipv4/tcp_timer.c)
      sysctl: SYSCTL,
      setting,
      retries: setting === 0 ? 8 : setting,
      expectKey: 'orphan-retries',
      what: 'FIN',
      state: 'FIN-WAIT-1',
      lifetime: 'orphaned FIN-WAIT-1',
      async trigger({ remote }, c) {
        await remote(c, 'close');
        return c.expect('F.');
      },
    });
  });
});
