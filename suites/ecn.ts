// ECN negotiation in the handshake, RFC 3168 6.1.1, judged against RFC 9293 3.8.2's SHLD-8
// ("TCP implementations SHOULD support ECN").
//   > S EW (ECN-setup SYN)   < S.E  (ECN-setup SYN-ACK: ECE set, CWR clear)      SHLD-8
//   > S    (plain SYN)       < S.   (no ECE: RFC 3168 6.1.1 MUST NOT answer ECN-setup)
// Grading. RFC 3168 6.1.1 lets a host that received an ECN-setup SYN answer with an ECN-setup
// SYN-ACK (MAY) or decline on this connection; RFC 9293 then recommends supporting it. From the
// wire, a target asked for ECN that declines does not show the support the SHOULD asks for
// (whether it lacks ECN or has it turned off, e.g. Linux's net.ipv4.tcp_ecn = 0): a deviation,
// not a violation. An ECN-setup SYN-ACK with CWR set too differs from the prescribed segment
// without a requirement label (a deviation); an ECN-setup SYN-ACK to a plain SYN breaks RFC
// 3168's MUST NOT (a violation).
import { formatFlags } from '../src/packet/index.js';
import { ACK, CWR, type DecodedTcp, ECE, RST, SYN } from '../src/packet/types.js';
import { InconclusiveError } from '../src/peer/connection.js';
import { REPLY_DEADLINE_MS } from '../src/peer/scripted.js';
import { suite } from '../src/peer/suite.js';
import { collect, sendUnmodelled } from '../src/peer/unmodelled.js';

suite({ name: 'ecn', title: 'ECN negotiation: an ECN-setup SYN, a plain SYN', rfc: 'RFC 9293 3.8.2; RFC 3168 6.1.1' }, (test) => {
  test('an ECN-setup SYN gets an ECN-setup SYN-ACK (ECE, no CWR); a plain SYN gets no ECE', {
    rfc: 'RFC 9293 3.8.2; RFC 3168 6.1.1',
    requirements: ['SHLD-8'],
  }, async (ctx) => {
    const port = await ctx.listen();
    // Outside the FSM oracle: ECE on the SYN-ACK is the target's to choose, which the oracle's
    // one prescribed segment cannot express. Each half-open connection is reset afterwards.
    const synAckTo = async (flags: string): Promise<DecodedTcp> => {
      const c = ctx.connect(port);
      await sendUnmodelled(c, { flags });
      const answer = (await collect(c, REPLY_DEADLINE_MS, 100)).find((s) => s.tcp.flags & SYN);
      if (!answer) throw new InconclusiveError(`no SYN-ACK to our [${flags}]`, ctx.trace.lines());
      if (answer.tcp.flags & RST || !(answer.tcp.flags & ACK)) throw new Error(`[${formatFlags(answer.tcp.flags)}] to our SYN`);
      await c.peer.send({ flags: 'R', seq: c.peer.sndNxt });
      return answer.tcp;
    };
    const synAck = await synAckTo('SEW');
    const ece = !!(synAck.flags & ECE);
    const cwr = !!(synAck.flags & CWR);
    const got = `[${formatFlags(synAck.flags)}]`;
    const setup = { requirement: 'SHLD-8', check: 'ECN-setup SYN', expected: 'ECN-setup SYN-ACK (ECE set, CWR clear)' };
    if (ece && !cwr) ctx.finding({ ...setup, level: 'conforms', observed: got });
    else if (!ece) ctx.finding({ ...setup, level: 'deviation', observed: `${got}: ECN declined (not supported, or turned off)` });
    else
      ctx.finding({
        level: 'deviation',
        requirement: 'RFC 3168 6.1.1',
        check: 'ECN-setup SYN-ACK',
        expected: 'ECE set, CWR clear',
        observed: `${got}: not an ECN-setup SYN-ACK (with both set it counts as none)`,
      });
    const plain = await synAckTo('S');
    ctx.finding({
      level: plain.flags & ECE ? 'violation' : 'conforms',
      requirement: 'RFC 3168 6.1.1',
      check: 'a plain SYN (no ECE, no CWR)',
      expected: 'a SYN-ACK without ECE (it MUST NOT be ECN-setup)',
      observed: `[${formatFlags(plain.flags)}]`,
    });
  });
});
