// The lost third ACK, RFC 9293 3.8.1 / 3.8.3: a SYN-RECEIVED whose SYN-ACK is never acknowledged
// retransmits it as often as the stack's setting says (Linux: tcp_synack_retries; initial RTO
// 1 s, doubling: RFC 6298 2.1, 5.5), then gives the half-open connection up; the listener stays.
//   > S   seq x                      (remote: SYN-RECEIVED)
//   < S.  seq y, ack x+1
//   < S.  seq y, ack x+1             +1 s   (retransmission 1)
//   < S.  seq y, ack x+1             +2 s   (retransmission 2 = tcp_synack_retries)
//   ...                              +4 s   the request is dropped: no socket for the tuple
//   > S   from a new port            < S.   the listener still answers
// Timing is measured by the timer suites; here only the count and the outcome.

import { Seq } from '../src/packet/index.js';
import { allowWait } from '../src/peer/long-wait.js';
import { suite } from '../src/peer/suite.js';
import { readRole } from '../src/target/roles.js';

suite({ name: 'lost-ack', title: 'Lost third ACK: SYN-ACK retransmission and give-up', rfc: 'RFC 9293 3.8.1, 3.8.3' }, (test) => {
  test('an unacknowledged SYN-ACK is retransmitted tcp_synack_retries times, then the half-open connection is dropped', {
    rfc: 'RFC 9293 3.8.1, 3.8.3, 3.10.8',
    requirements: ['MUST-19', 'MUST-22'],
    timeoutMs: 60_000,
    needs: ['agent', 'states', 'settings'],
    settings: ['synack-retries'],
  }, async ({ target, listen, connect, tuple, t, note }) => {
    const setting = readRole(target.settings, 'synack-retries')!;
    const retries = Number(setting.value);
    t.ok(Number.isInteger(retries) && retries >= 0, setting.text);
    // 1 + 2 + … + 2^retries s: seconds with the fast set, a minute with the kernel's 5 (--sysctls host).
    allowWait(t, (2 ** (retries + 1) - 1) * 1000, `the half-open connection to be dropped (${setting.text})`);
    const port = await listen();
    const c = connect(port);
    await c.send('S');
    await c.inState('SYN-RECEIVED');
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    // Retransmission i comes 2^i s after the previous one (initial RTO 1 s, RFC 6298 2.1, 5.5):
    // allow twice that plus a margin, so only a missing retransmission fails, never a slow one.
    for (let i = 0; i < retries; i++) await c.expectRetransmission(synAck, 2 ** (i + 1) * 1000 + 500);
    // After the last retransmission the request lives one more (doubled) RTO, then it is dropped.
    const giveUpMs = 2 ** (retries + 1) * 1000 + 1000;
    const gone = await target.states.waitForState(tuple(c), 'CLOSED', giveUpMs);
    note(`kernel states seen while waiting: ${gone.trail.join(' → ')}`);
    // RFC 9293 3.8.3: excessive retransmission closes the connection. The table takes SYN-RECEIVED
    // to CLOSED; the listening socket is a separate one and must remain (checked below).
    c.remoteCalled('timeout-retransmission-exhausted');
    await c.inState('CLOSED');
    await c.expectNothing(500);
    const again = connect(port);
    await again.handshake();
  });
});
