// Close triggers and data requests as typed: escaped bytes, and one clear usage error for anything else.
import t from 'tap';
import { HTTP_DATA_REQUEST, parseCloseTrigger, parseDataRequest, parseEscapedBytes, showBytes } from '../../src/peer/requests.js';
import { UsageError } from '../../src/sys/errors.js';

t.test('escaped bytes', async (t) => {
  t.same(parseEscapedBytes('QUIT\\r\\n'), Buffer.from('QUIT\r\n'));
  t.same(parseEscapedBytes('a\\tb\\0\\\\\\x41\\xff'), Buffer.from([0x61, 0x09, 0x62, 0x00, 0x5c, 0x41, 0xff]));
  t.same(parseEscapedBytes('plain'), Buffer.from('plain'));
  t.throws(() => parseEscapedBytes('bad\\q'), /bad escape '\\q'/);
  t.throws(() => parseEscapedBytes('short\\x4'), /bad escape '\\x'/);
  t.throws(() => parseEscapedBytes('trailing\\'), /bad escape '\\'/);
  t.equal(showBytes(Buffer.from('QUIT\r\n')), 'QUIT\\r\\n');
});

t.test('close triggers', async (t) => {
  t.same(parseCloseTrigger('http'), { kind: 'http' });
  t.same(parseCloseTrigger('idle:2.5'), { kind: 'idle', seconds: 2.5 });
  t.same(parseCloseTrigger('send:QUIT\\r\\n'), { kind: 'send', bytes: Buffer.from('QUIT\r\n') });
  for (const bad of ['idle:0', 'idle:4000', 'sometimes', 'send:', 'send:\\q', `send:${'x'.repeat(513)}`, 'HTTP']) {
    t.throws(() => parseCloseTrigger(bad), UsageError, bad);
    t.throws(() => parseCloseTrigger(bad), /^--close-trigger wants 'http' or 'idle:SECONDS'/, bad);
  }
});

t.test('data requests', async (t) => {
  t.same(parseDataRequest('http'), { kind: 'http', bytes: Buffer.from(HTTP_DATA_REQUEST) });
  t.match(HTTP_DATA_REQUEST, /^GET \/ HTTP\/1\.1\r\n.*\r\n\r\n$/s, 'a complete HTTP/1.1 request: the connection stays open after the answer');
  t.same(parseDataRequest('send:GET /big HTTP/1.0\\r\\n\\r\\n'), { kind: 'send', bytes: Buffer.from('GET /big HTTP/1.0\r\n\r\n') });
  for (const bad of ['', 'idle:3', 'send:', 'send:\\z', 'get']) t.throws(() => parseDataRequest(bad), /^--data-request wants 'http' .* or 'send:BYTES'/, bad);
});
