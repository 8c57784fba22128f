// Simultaneous close, RFC 9293 3.6 (Figure 13) / 3.10.7.4 (eighth): both FINs cross.
//   remote close()
//   < F.  seq y, ack x               (remote: FIN-WAIT-1; we wait for it before sending ours)
//   > F.  seq x, ack y               (our FIN, NOT acking theirs: as if sent before it arrived)
//   < .   seq y+1, ack x+1           (remote: CLOSING — its FIN still unacknowledged)
//   > .   seq x+1, ack y+1           (remote: TIME-WAIT)
// Ordering: our FIN must leave only after the remote's FIN is on the wire, else the remote is
// still ESTABLISHED and takes the CLOSE-WAIT path instead.

import { Seq } from '../src/packet/index.js';
import { suite } from '../src/peer/suite.js';

suite({ name: 'simultaneous-close', title: 'Simultaneous close', rfc: 'RFC 9293 3.6' }, (test) => {
  test('FINs crossing: the remote goes FIN-WAIT-1 → CLOSING on our FIN, TIME-WAIT on our ACK of its FIN', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (fifth, eighth)',
    needs: ['app-close'],
  }, async ({ listen, connect, remote }) => {
    const c = connect(await listen());
    await c.handshake();
    await remote(c, 'close');
    const fin = await c.expect({ flags: 'F.', ack: c.sndNxt });
    await c.inState('FIN-WAIT-1');
    await c.send({ flags: 'F.', ack: fin.seq });
    await c.expect({ flags: '.', seq: Seq.add(fin.seq, 1), ack: c.sndNxt });
    await c.inState('CLOSING');
    await c.send({ flags: '.', ack: Seq.add(fin.seq, 1) });
    await c.inState('TIME-WAIT');
  });
});
