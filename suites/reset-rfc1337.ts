// TIME-WAIT assassination, RFC 1337: with net.ipv4.tcp_rfc1337=1 a RST in TIME-WAIT is ignored.
//   (TIME-WAIT, reached by the remote's active close)
//   > R   seq RCV.NXT                (remote: stays TIME-WAIT, nothing sent)
//   > F.  seq x, ack y+1             < .  (still a TIME-WAIT that answers)

import { Seq } from '../src/packet/index.js';
import { suite } from '../src/peer/suite.js';

suite({ name: 'reset-rfc1337', title: 'RST in TIME-WAIT with tcp_rfc1337=1', rfc: 'RFC 1337', sysctls: { tcp_rfc1337: 1 } }, (test) => {
  test('with tcp_rfc1337=1 an exact RST in TIME-WAIT is ignored', {
    rfc: 'RFC 1337 3, RFC 9293 3.10.7.4 (second)',
    needs: ['agent', 'settings'],
    settings: ['net.ipv4.tcp_rfc1337'],
  }, async ({ target, listen, connect, remote, t }) => {
    t.equal(target.settings.values['net.ipv4.tcp_rfc1337'], '1', 'the lab runs with net.ipv4.tcp_rfc1337=1');
    const c = connect(await listen());
    await c.handshake();
    await remote(c, 'close');
    const fin = await c.expect('F.');
    await c.send('.');
    await c.send('F.');
    await c.expect('.');
    await c.inState('TIME-WAIT');
    await c.send({ flags: 'R', seq: c.sndNxt });
    await c.expectNothing();
    await c.inState('TIME-WAIT');
    // The TIME-WAIT is intact: our FIN again is answered with its ACK.
    await c.send({ flags: 'F.', seq: Seq.sub(c.sndNxt, 1) });
    await c.expect({ flags: '.', seq: Seq.add(fin.seq, 1), ack: c.sndNxt });
  });
});
