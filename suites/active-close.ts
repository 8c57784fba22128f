// Active close, RFC 9293 3.6 / 3.10.4 / 3.10.7.4: the remote closes first.
//   remote close()
//   < F.  seq y, ack x               (remote: FIN-WAIT-1)
//   > .   ack y+1                    (remote: FIN-WAIT-2)
//   > F.  seq x, ack y+1
//   < .   ack x+1                    (remote: TIME-WAIT)
//   > F.  seq x, ack y+1             (our FIN again: its ACK was "lost")
//   < .   ack x+1                    (TIME-WAIT re-ACKs, RFC 9293 3.10.7.4 (eighth))
// Half-close from the remote: shutdown(SHUT_WR), then we still send data it ACKs and reads.
//   < F.  seq y   > . ack y+1   (FIN-WAIT-2)   > P. seq x len 10   < . ack x+10

import { Seq } from '../src/packet/index.js';
import { suite } from '../src/peer/suite.js';

suite({ name: 'active-close', title: 'Active close (the remote sends FIN first)', rfc: 'RFC 9293 3.6' }, (test) => {
  test('close() sends FIN (FIN-WAIT-1); our ACK gives FIN-WAIT-2, our FIN TIME-WAIT; a retransmitted FIN is ACKed again', {
    rfc: 'RFC 9293 3.6, 3.10.4, 3.10.7.4 (fifth, eighth)',
    needs: ['app-close'],
  }, async ({ listen, connect, remote }) => {
    const c = connect(await listen());
    await c.handshake();
    await remote(c, 'close');
    await c.inState('FIN-WAIT-1');
    const fin = await c.expect({ flags: 'F.', ack: c.sndNxt });
    await c.send({ flags: '.', ack: Seq.add(fin.seq, 1) });
    await c.inState('FIN-WAIT-2');
    await c.send('F.');
    await c.expect({ flags: '.', seq: Seq.add(fin.seq, 1), ack: c.sndNxt });
    await c.inState('TIME-WAIT');
    // Our FIN again, as if its ACK had been lost: TIME-WAIT answers with the same ACK.
    await c.send({ flags: 'F.', seq: Seq.sub(c.sndNxt, 1) });
    await c.expect({ flags: '.', seq: Seq.add(fin.seq, 1), ack: c.sndNxt });
    await c.inState('TIME-WAIT');
  });

  test('after shutdown(SHUT_WR) the remote in FIN-WAIT-2 still accepts, ACKs and delivers our data', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (seventh)',
    needs: ['agent'],
  }, async ({ target, listen, connect, remote, accepted, t }) => {
    const c = connect(await listen());
    await c.handshake();
    await remote(c, 'shutdown');
    const fin = await c.expect({ flags: 'F.', ack: c.sndNxt });
    await c.send({ flags: '.', ack: Seq.add(fin.seq, 1) });
    await c.inState('FIN-WAIT-2');
    await c.send({ flags: 'P.', payload: 'half-close' });
    await c.expect({ flags: '.', ack: c.sndNxt });
    await c.inState('FIN-WAIT-2');
    const got = await target.agent.read(await accepted(c));
    t.equal(Buffer.from(got.hex, 'hex').toString(), 'half-close', 'the remote application reads the data sent after its FIN');
    await c.send('F.');
    await c.expect({ flags: '.', ack: c.sndNxt });
    await c.inState('TIME-WAIT');
  });
});
