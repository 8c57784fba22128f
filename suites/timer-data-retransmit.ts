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
// retransmissions (linuxRetransmissionCount in src/peer/timing.ts). The setting is the stack's
// own for R2 (the retries2 role: Linux's tcp_retries2, read as that budget; the memory stack's
// retries, an exact count). `--expect retries2=N` overrides the expected count.
// Black-box (any target the agent or a --data-request makes send; src/peer/data-retransmit.ts):
// the same segments judged by the RFC alone: gaps double (MUST-19), at least 3 retransmissions
// (SHLD-10), no give-up before 100 s (SHLD-11: --slow watches that long), closed after (MUST-20).
import { dataRetransmissionBlackBox } from '../src/peer/data-retransmit.js';
import { suite } from '../src/peer/suite.js';
import { measureRetransmissions } from '../src/peer/timing.js';
import { readRole } from '../src/target/roles.js';

suite({ name: 'timer-data-retransmit', title: 'Data retransmission timer (ESTABLISHED)', rfc: 'RFC 9293 3.8.1, RFC 6298' }, (test) => {
  test("unacknowledged data is retransmitted with doubling RTO until tcp_retries2's budget is spent, then the connection is dropped", {
    rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5, 5.7',
    requirements: ['MUST-19', 'MUST-20'],
    needs: ['agent', 'states', 'settings'],
    settings: ['retries2'],
  }, async (ctx) => {
    const role = readRole(ctx.target.settings, 'retries2')!;
    const setting = Number(role.raw);
    await measureRetransmissions(ctx, {
      sysctl: role.binding.name,
      setting,
      retries: setting,
      exact: !role.binding.linux,
      expectKey: 'retries2',
      what: 'data',
      state: 'ESTABLISHED',
      lifetime: 'ESTABLISHED with unacknowledged data',
      async trigger({ remote }, c) {
        await remote(c, { send: 100 });
        return c.expect({ len: 100 });
      },
    });
  });

  test(
    'black-box: unacknowledged data is retransmitted with doubling gaps, at least 3 times, then the connection is closed',
    {
      rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5',
      requirements: ['MUST-19', 'MUST-20', 'SHLD-10', 'SHLD-11'],
      needs: ['app-send'],
      timeoutMs: 45_000,
    },
    (ctx) => dataRetransmissionBlackBox(ctx, 20_000),
  );

  test(
    'black-box, slow: the target does not give up on unacknowledged data before 100 s (R2)',
    {
      rfc: 'RFC 9293 3.8.3; RFC 6298 5.5',
      requirements: ['MUST-19', 'SHLD-10', 'SHLD-11'],
      needs: ['app-send'],
      slow: true,
      timeoutMs: 200_000,
    },
    (ctx) => dataRetransmissionBlackBox(ctx, 135_000),
  );
});
