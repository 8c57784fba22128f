// The filler stream: an HTTP request line, then header lines without end, the same bytes at the same offset.
import t from 'tap';
import { fillerAt } from '../../src/peer/filler.js';

t.test('an HTTP request that never ends, continuous across segments', async (t) => {
  const whole = fillerAt(0, 3000);
  t.match(whole.toString('latin1'), /^GET \/ HTTP\/1\.1\r\nHost: tcpfsm\r\n(X-Tcpfsm-Pad: a+\r\n)+/);
  t.notMatch(whole.toString('latin1'), /\r\n\r\n/, 'no blank line: the request never ends');
  t.same(Buffer.concat([fillerAt(0, 100), fillerAt(100, 1460), fillerAt(1560, 1440)]), whole, 'pieces join up');
});
