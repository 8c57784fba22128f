// The send MSS, RFC 9293 3.7.1: the size of the target's data segments, black-box (the agent or a
// --data-request makes it send; we ACK every segment at once so it keeps sending).
//   > S (no MSS option)   < S.   > .   target sends ≥ 537 bytes   every segment ≤ 536 (IPv6: 1220)   MUST-15
//   > S (MSS 600)         < S.   > .   target sends ≥ 601 bytes   every segment ≤ 600               MUST-16
// A server that answers with less data than the limit cannot show it: inconclusive.
import { Seq } from '../src/packet/index.js';
import type { TcpOption } from '../src/packet/types.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import { defaultSendMss } from '../src/peer/server-data.js';
import { dataShortfall, suite, type TestContext } from '../src/peer/suite.js';
import type { Finding } from '../src/verdict/grade.js';

const OFFERED_MSS = 600;
/** How long the data may take to come, and the silence that ends it. */
const DATA_MS = 4000;
const QUIET_MS = 1000;

/** Handshake whose SYN carries exactly `options`. */
async function handshakeWith(c: ScriptedConnection, options: TcpOption[]): Promise<void> {
  await c.send({ flags: 'S', options });
  await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
  await c.send('.');
}

/** Make the target send more than `limit` bytes; ACK each in-order segment; the sizes seen. */
async function segmentSizes(ctx: TestContext, c: ScriptedConnection, limit: number): Promise<{ sizes: number[]; total: number }> {
  const made = await ctx.makeSend(c, 4 * limit);
  c.peer.dropOldDuplicates = false;
  const sizes: number[] = [];
  const end = performance.now() + DATA_MS;
  for (;;) {
    const left = end - performance.now();
    const s = left > 0 ? await c.peer.next(sizes.length ? Math.min(left, QUIET_MS) : left) : null;
    if (!s) break;
    if (s.tcp.flags & 0x04) throw c.peer.failure('the server reset the connection while sending its data');
    if (!s.tcp.payload.length) continue;
    sizes.push(s.tcp.payload.length);
    await c.peer.send({ flags: '.' }); // RCV.NXT: keeps its window and congestion window open
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  ctx.note(`data segments: ${sizes.join(' ') || 'none'} bytes (${total} in all)`);
  if (total <= limit) throw dataShortfall(made, total, limit + 1, DATA_MS);
  return { sizes, total };
}

function judge(ctx: TestContext, requirement: string, limit: number, why: string, sizes: number[], total: number): void {
  const largest = Math.max(...sizes);
  ctx.figure({ name: `largest data segment (${why})`, value: largest, unit: 'count' });
  const f: Finding = {
    requirement,
    check: `data segment size ${why}`,
    expected: `at most ${limit} bytes per segment`,
    level: largest <= limit ? 'conforms' : 'violation',
    observed: `${sizes.length} segments, ${total} bytes, the largest ${largest}`,
  };
  ctx.finding(f);
}

/** The test leaves the model behind (it did not follow the data): an exact RST ends it. */
async function release(c: ScriptedConnection): Promise<void> {
  await c.peer.send({ flags: 'R', seq: c.peer.sndNxt });
  c.model.state = 'CLOSED';
}

suite({ name: 'mss', title: 'The send MSS: the default without an MSS option, the offered one with it', rfc: 'RFC 9293 3.7.1' }, (test) => {
  test('without an MSS option in our SYN, the target sends at most 536 bytes per segment (IPv6: 1220)', {
    rfc: 'RFC 9293 3.7.1',
    requirements: ['MUST-15'],
    needs: ['app-send'],
  }, async (ctx) => {
    const limit = defaultSendMss(ctx.target.address);
    const c = ctx.connect(await ctx.listen());
    await handshakeWith(c, []);
    const { sizes, total } = await segmentSizes(ctx, c, limit);
    judge(ctx, 'MUST-15', limit, 'without an MSS option', sizes, total);
    await release(c);
  });

  test(`with an MSS option of ${OFFERED_MSS}, the target never sends more than ${OFFERED_MSS} bytes per segment`, {
    rfc: 'RFC 9293 3.7.1',
    requirements: ['MUST-16'],
    needs: ['app-send'],
  }, async (ctx) => {
    const c = ctx.connect(await ctx.listen());
    await handshakeWith(c, [{ kind: 'mss', value: OFFERED_MSS }]);
    const { sizes, total } = await segmentSizes(ctx, c, OFFERED_MSS);
    judge(ctx, 'MUST-16', OFFERED_MSS, `with MSS ${OFFERED_MSS} offered`, sizes, total);
    await release(c);
  });
});
