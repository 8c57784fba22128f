// Data reception, RFC 9293 3.10.7.4 (first, seventh) and 3.8.6.
//   > P.  seq x, "hello"             < .  ack x+5        agent reads "hello"
//   > P.  seq x+5+10, "later"        < .  ack x+5        (out of order, in window: duplicate ACK)
//   > P.  seq x+5+RCV.WND+100        < .  ack x+5        (beyond the window: dropped, ACKed)
//   agent reads nothing more: only in-order data is delivered

import { Seq } from '../src/packet/index.js';
import { suite } from '../src/peer/suite.js';

suite({ name: 'data', title: 'Data reception: in order, out of order, beyond the window', rfc: 'RFC 9293 3.10.7.4' }, (test) => {
  test('in-order data is ACKed and delivered; out-of-order data gets a duplicate ACK; data beyond the window is dropped with an ACK', {
    rfc: 'RFC 9293 3.10.7.4 (first, seventh), 3.8.6',
    requirements: ['MAY-13'],
    needs: ['agent'],
  }, async ({ target, listen, connect, accepted, t }) => {
    const c = connect(await listen());
    await c.handshake();
    const id = await accepted(c);

    await c.send({ flags: 'P.', payload: 'hello' });
    await c.expect({ flags: '.', ack: c.sndNxt });
    await c.inState('ESTABLISHED');
    const first = await target.agent.read(id);
    t.equal(Buffer.from(first.hex, 'hex').toString(), 'hello', 'the application reads the in-order data');

    const rcvNxt = c.sndNxt;
    await c.send({ flags: 'P.', seq: Seq.add(rcvNxt, 10), payload: 'later' });
    await c.expect({ flags: '.', ack: rcvNxt });
    await c.inState('ESTABLISHED');

    const wnd = c.model.tcb.rcvWnd;
    await c.send({ flags: 'P.', seq: Seq.add(rcvNxt, wnd + 100), payload: 'beyond' });
    await c.expect({ flags: '.', ack: rcvNxt });
    await c.inState('ESTABLISHED');

    const rest = await target.agent.read(id);
    t.equal(rest.bytes, 0, 'nothing out of order or beyond the window reaches the application', { hex: rest.hex });
  });
});
