// Passive close, RFC 9293 3.6 / 3.10.7.4 (eighth): we close first, the remote half-closes.
//   > F.  seq x, ack y               (remote: ESTABLISHED → CLOSE-WAIT)
//   < .   ack x+1
//   < P.  seq y, length n            (remote may still send: half-close, 3.6)
//   > .   ack y+n
//   remote close()/shutdown()
//   < F.  seq y+n                    (remote: LAST-ACK)
//   > .   ack y+n+1                  (remote: CLOSED)

import { Seq } from '../src/packet/index.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import type { RemoteAction } from '../src/peer/suite.js';
import { suite } from '../src/peer/suite.js';

suite({ name: 'passive-close', title: 'Passive close (we send FIN first)', rfc: 'RFC 9293 3.6' }, (test) => {
  /** Our FIN on an established connection: ACKed, CLOSE-WAIT. */
  async function finFirst(c: ScriptedConnection): Promise<void> {
    await c.handshake();
    await c.send('F.');
    await c.expect({ flags: '.', ack: c.sndNxt });
    await c.inState('CLOSE-WAIT');
  }

  test('our FIN is ACKed and the remote enters CLOSE-WAIT; its FIN then leads to LAST-ACK and our ACK to CLOSED', {
    rfc: 'RFC 9293 3.6, 3.10.7.4 (eighth), 3.10.4',
    needs: ['agent'],
  }, async ({ listen, connect, remote }) => {
    const c = connect(await listen());
    await finFirst(c);
    await remote(c, 'close');
    await c.expect({ flags: 'F.', ack: c.sndNxt });
    await c.inState('LAST-ACK');
    await c.send('.');
    await c.inState('CLOSED');
  });

  for (const action of ['shutdown', 'close'] as const satisfies readonly RemoteAction[]) {
    test(`in CLOSE-WAIT the remote still sends data we ACK (half-close), then ${action}() sends its FIN`, {
      rfc: 'RFC 9293 3.6, 3.10.2, 3.10.4',
      needs: ['agent'],
    }, async ({ listen, connect, remote }) => {
      const c = connect(await listen());
      await finFirst(c);
      const dataSeq = c.rcvNxt;
      await remote(c, { send: 100 });
      await c.expect({ seq: dataSeq, ack: c.sndNxt, len: 100 });
      await c.send({ flags: '.', ack: Seq.add(dataSeq, 100) });
      await c.inState('CLOSE-WAIT');
      await remote(c, action);
      await c.expect({ flags: 'F.', seq: Seq.add(dataSeq, 100), ack: c.sndNxt });
      await c.inState('LAST-ACK');
      await c.send('.');
      await c.inState('CLOSED');
    });
  }
});
