// Connection establishment, RFC 9293 3.5: the three-way handshake with its seq/ack arithmetic.
//   > S   seq x            (we: SYN-SENT; remote: LISTEN → SYN-RECEIVED)
//   < S.  seq y, ack x+1
//   > .   seq x+1, ack y+1 (remote: ESTABLISHED)
import { suite } from '../src/peer/suite.js';
import { Seq } from '../src/packet/index.js';

suite({ name: 'handshake', title: 'Three-way handshake', rfc: 'RFC 9293 3.5' }, (test) => {
  test('SYN to a listening port is answered by SYN-ACK acking ISN+1; the final ACK makes it ESTABLISHED', { rfc: 'RFC 9293 3.5, 3.10.7.2' }, async ({ listen, connect }) => {
    const c = connect(await listen());
    await c.send('S');
    await c.inState('SYN-RECEIVED');
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    await c.send({ flags: '.', seq: Seq.add(c.iss, 1), ack: Seq.add(synAck.seq, 1) });
    await c.inState('ESTABLISHED');
  });

  test('SYN to a closed port is answered by RST-ACK with ack = ISN+1 and seq 0', { rfc: 'RFC 9293 3.10.7.1' }, async ({ lab, connect }) => {
    // A port nobody listens on: the agent's listener was closed again.
    const { port } = await lab.agent.listen(0);
    await lab.agent.unlisten(port);
    const c = connect(port, { remote: 'CLOSED' });
    await c.send('S');
    await c.expect({ flags: 'R.', seq: 0, ack: Seq.add(c.iss, 1) });
    await c.inState('CLOSED');
  });
});
