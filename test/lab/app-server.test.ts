// The --as-remote lab's application (src/lab/agent/app-server.ts): which bytes make it answer,
// with what, and when it closes. Pure: no lab.
import t from 'tap';
import { APP_BODY_BYTES, parseRequests } from '../../src/lab/agent/app-server.js';
import { HTTP_CLOSE_REQUEST, HTTP_DATA_REQUEST } from '../../src/peer/requests.js';

const parse = (s: string) => parseRequests(Buffer.from(s, 'latin1'));

t.test('HTTP/1.0 (the http close trigger): a 200 answer with the body, then close', async (t) => {
  const { actions, rest } = parse(HTTP_CLOSE_REQUEST);
  t.equal(actions.length, 1);
  t.match(actions[0]!.head, /^HTTP\/1\.0 200 OK\r\n/);
  t.match(actions[0]!.head, new RegExp(`Content-Length: ${APP_BODY_BYTES}\r\n`));
  t.match(actions[0]!.head, /Connection: close\r\n\r\n$/);
  t.equal(actions[0]!.body, APP_BODY_BYTES);
  t.equal(actions[0]!.close, true);
  t.equal(rest.length, 0);
});

t.test('HTTP/1.1 (the http data request): the answer, kept open; a second request answered too', async (t) => {
  const { actions } = parse(HTTP_DATA_REQUEST + HTTP_DATA_REQUEST);
  t.equal(actions.length, 2);
  t.same(
    actions.map((a) => [a.body, a.close]),
    [
      [APP_BODY_BYTES, false],
      [APP_BODY_BYTES, false],
    ],
  );
  t.notMatch(actions[0]!.head, /Connection: close/);
});

t.test('an incomplete request waits for the rest; bytes without a line end are not answered', async (t) => {
  const half = parse('GET / HTTP/1.1\r\nHost: x\r\n');
  t.equal(half.actions.length, 0);
  t.equal(half.rest.toString(), 'GET / HTTP/1.1\r\nHost: x\r\n');
  const probe = parse('xxxx');
  t.equal(probe.actions.length, 0, "the matrix's data probes get no answer");
  t.equal(probe.rest.toString(), 'xxxx');
});

t.test('lines: QUIT closes, anything else is answered with the body; nothing after QUIT', async (t) => {
  const { actions } = parse('hello\nQUIT\r\nmore\n');
  t.same(
    actions.map((a) => [a.head, a.body, a.close]),
    [
      [undefined, APP_BODY_BYTES, false],
      [undefined, 0, true],
    ],
  );
});
