// What makes a server with no agent act: its close trigger (it closes first) and its data request
// (it sends data). Both are typed by the user (--close-trigger, --data-request); `send:BYTES`
// takes escaped bytes so any line protocol can be driven (`send:QUIT\r\n`, `send:GET / HTTP/1.0\r\n\r\n`).
import { UsageError } from '../sys/errors.js';

/** What the http close trigger sends: an HTTP/1.0 server answers it and closes (RFC 1945 1.3). */
export const HTTP_CLOSE_REQUEST = 'GET / HTTP/1.0\r\n\r\n';
/**
 * What the http data request sends: HTTP/1.1 keeps the connection open after the answer
 * (RFC 9112 9.3), so the server's application does not close it under a test that measures
 * how the stack alone treats its unacknowledged data.
 */
export const HTTP_DATA_REQUEST = 'GET / HTTP/1.1\r\nHost: tcpfsm\r\nUser-Agent: tcpfsm\r\n\r\n';

export type CloseTrigger = { kind: 'http' } | { kind: 'idle'; seconds: number } | { kind: 'send'; bytes: Buffer };
export type DataRequest = { kind: 'http' | 'send'; bytes: Buffer };

const SIMPLE_ESCAPES: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' };

/** `QUIT\r\n` → its bytes: \r \n \t \0 \\ and \xHH; any other backslash is an error (a typo, not a byte). */
export function parseEscapedBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') {
      out.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[i + 1];
    if (next !== undefined && next in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[next]!.charCodeAt(0));
      i++;
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else throw new Error(`bad escape '\\${next ?? ''}' at ${i} (known: \\r \\n \\t \\0 \\\\ \\xHH)`);
  }
  return Buffer.from(out);
}

/** At most this many bytes: one segment's worth, well under any MSS. */
const MAX_SEND_BYTES = 512;

function sendBytes(option: string, raw: string, usage: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = parseEscapedBytes(raw.slice('send:'.length));
  } catch (e) {
    throw new UsageError(`${option} ${usage}: ${(e as Error).message} in '${raw}'`);
  }
  if (!bytes.length || bytes.length > MAX_SEND_BYTES)
    throw new UsageError(`${option} ${usage}: send: wants 1..${MAX_SEND_BYTES} bytes, got ${bytes.length} in '${raw}'`);
  return bytes;
}

const CLOSE_USAGE = "wants 'http' or 'idle:SECONDS' (1..3600) or 'send:BYTES' (escapes \\r \\n \\t \\0 \\\\ \\xHH)";

export function parseCloseTrigger(raw: string): CloseTrigger {
  if (raw === 'http') return { kind: 'http' };
  if (raw.startsWith('send:')) return { kind: 'send', bytes: sendBytes('--close-trigger', raw, CLOSE_USAGE) };
  const m = /^idle:(\d+(?:\.\d+)?)$/.exec(raw);
  if (m && Number(m[1]) > 0 && Number(m[1]) <= 3600) return { kind: 'idle', seconds: Number(m[1]) };
  throw new UsageError(`--close-trigger ${CLOSE_USAGE}, got '${raw}'`);
}

const DATA_USAGE = "wants 'http' (GET / HTTP/1.1) or 'send:BYTES' (escapes \\r \\n \\t \\0 \\\\ \\xHH)";

export function parseDataRequest(raw: string): DataRequest {
  if (raw === 'http') return { kind: 'http', bytes: Buffer.from(HTTP_DATA_REQUEST) };
  if (raw.startsWith('send:')) return { kind: 'send', bytes: sendBytes('--data-request', raw, DATA_USAGE) };
  throw new UsageError(`--data-request ${DATA_USAGE}, got '${raw}'`);
}

/** The request as a person reads it: `GET / HTTP/1.1\r\n…` with its escapes shown. */
export function showBytes(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1')).slice(1, -1);
}
