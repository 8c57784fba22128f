// The bytes our data segments carry when their content does not matter to the test. A real
// server's application reads them: arbitrary bytes make an HTTP server answer 400 and close, which
// ends a test about ACKs. So the stream is an HTTP request that never ends: a request line, then
// header lines forever (no blank line), which an HTTP server buffers and waits on, and which any
// other server reads as the arbitrary bytes they are.

const HEAD = 'GET / HTTP/1.1\r\nHost: tcpfsm\r\n';
const LINE = `X-Tcpfsm-Pad: ${'a'.repeat(64)}\r\n`;

/** `n` bytes of the filler stream from `offset` (0: the connection's first data byte). */
export function fillerAt(offset: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const o = offset + i;
    out[i] = (o < HEAD.length ? HEAD.charCodeAt(o) : LINE.charCodeAt((o - HEAD.length) % LINE.length)) & 0xff;
  }
  return out;
}
