// The --as-remote lab's application: a small real server, driven through the agent protocol
// (accepted / data events, read, send, close), so every agent serves it unchanged — the Node agent
// in a namespace or a User-Mode Linux guest, gVisor's Go agent, the host-side agents of slirp and
// passt. What it does (said in `tcpfsm run --help` and the README):
//   - an HTTP/1.0 request: a 200 answer with a body of APP_BODY_BYTES, then close() (--close-trigger http);
//   - an HTTP/1.1 request: the same answer, the connection kept open (--data-request http);
//   - a line "QUIT": close() (--close-trigger send:QUIT\r\n);
//   - any other complete line: APP_BODY_BYTES of data, kept open (--data-request send:…\n);
//   - bytes without a line end (the matrix's probes): read and kept, no answer;
//   - the peer's FIN: nothing (half-close kept, so CLOSE-WAIT stays observable).
import type { AgentClient } from './client.js';
import type { AgentEvent, ConnId } from './protocol.js';

/** The body of every answer: larger than 4 segments of 600 bytes (the MSS checks) and of 536 (no MSS option). */
export const APP_BODY_BYTES = 4096;

/** What the server does with the bytes it has read so far: the answers, and what is left unparsed. */
export interface AppAction {
  /** a text head (HTTP's status line and headers) sent before the body */
  head?: string;
  /** the body's size: APP_BODY_BYTES of a..z, or 0 for none */
  body: number;
  close: boolean;
}

const HTTP_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.(\d)\r?$/;

function httpHead(minor: string): string {
  const close = minor === '0';
  return `HTTP/1.${minor} 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${APP_BODY_BYTES}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
}

/**
 * The complete requests at the start of `buf`, in order, and the bytes after them. Pure: the
 * unit tests drive it without a lab. Nothing after a request that closes is answered.
 */
export function parseRequests(buf: Buffer): { actions: AppAction[]; rest: Buffer } {
  const actions: AppAction[] = [];
  let rest = buf;
  for (;;) {
    const text = rest.toString('latin1');
    const eol = text.indexOf('\n');
    if (eol < 0) break;
    const first = text.slice(0, eol);
    const http = HTTP_REQUEST_LINE.exec(first);
    if (http) {
      // The header block ends at an empty line (RFC 9112 2.1); wait for it.
      const end = /\r?\n\r?\n/.exec(text);
      if (!end) break;
      rest = rest.subarray(end.index + end[0].length);
      const close = http[1] === '0';
      actions.push({ head: httpHead(http[1]!), body: APP_BODY_BYTES, close });
      if (close) break;
      continue;
    }
    rest = rest.subarray(eol + 1);
    if (first.replace(/\r$/, '') === 'QUIT') {
      actions.push({ body: 0, close: true });
      break;
    }
    actions.push({ body: APP_BODY_BYTES, close: false });
  }
  return { actions, rest };
}

/**
 * Serve every connection accepted on `port` until the agent stops. Errors of one connection
 * (the probe reset it meanwhile) end only that connection's service. Returns a stop function.
 */
export function serveApp(agent: AgentClient, port: number): () => void {
  const served = new Map<ConnId, { buf: Buffer; closed: boolean; chain: Promise<void> }>();
  const step = async (id: ConnId): Promise<void> => {
    const s = served.get(id);
    if (!s || s.closed) return;
    const { data } = await agent.read(id);
    const { actions, rest } = parseRequests(Buffer.concat([s.buf, data]));
    s.buf = rest;
    for (const a of actions) {
      // The body as the agent's own send(n) (a..z): a short command line, which the UML console
      // needs (a line of 8 kB of hex stalled the guest agent).
      if (a.head) await agent.send(id, a.head);
      if (a.body) await agent.send(id, { n: a.body });
      if (a.close) {
        s.closed = true;
        await agent.close(id);
        return;
      }
    }
  };
  const onEvent = (e: AgentEvent) => {
    if (e.event === 'accepted' && e.listenPort === port) served.set(e.conn, { buf: Buffer.alloc(0), closed: false, chain: Promise.resolve() });
    else if (e.event === 'data') {
      const s = served.get(e.conn);
      // One read at a time per connection, in arrival order; a failed one (conn gone) ends it.
      if (s) s.chain = s.chain.then(() => step(e.conn)).catch(() => void (s.closed = true));
    } else if (e.event === 'close') served.delete(e.conn);
  };
  agent.on('event', onEvent);
  return () => agent.off('event', onEvent);
}
