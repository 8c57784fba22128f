// The header battery (after tcpreq and nmap's T2–T7 probes): odd headers, and what RFC 9293
// requires a receiver to make of them. Every segment the target sends in any test is also judged
// (src/peer/segment-watch.ts): well-formed options (MUST-68), zero padding (MUST-69), no MSS
// without SYN (MUST-65), zero reserved bits (3.1), from the address we sent to (MUST-45).
//   bad checksum      > S  (checksum wrong)   (nothing)            MUST-3
//                     > P. "corrupted!" (checksum wrong) (nothing)
//                     > P. "hello" at the same seq  < . ack +5  (not +10)
//   unknown options   > S <mss,unknown-99>   < S.   > . <nop,nop,unknown-99>   > P. <unknown-99> "hello"  < .   MUST-5, MUST-6
//   illegal lengths   > P. <99 len 0 | len 1 | len past the end | one past the end> "probe"
//                     < . (option skipped) | nothing (segment dropped) | R (reset) — each allowed; then the port still serves   MUST-7
//   unaligned         > S <wscale,mss,sackOK,TS> (no NOPs)   < S. <..., TS ecr = our TSval>   MUST-64
//   IP option         > S (IPv4 option 30; IPv6: destination option 0x1e)  < S.   > P. (same) "hello"  < .    MUST-50
//   reserved bits     > S (rsrvd 0xe)  < S.   > P. (rsrvd 0xe) "hello"  < .   3.1
//   urgent pointer    > P. urg 3 without URG "hello"   < . ack +5 (the app reads all 5)   3.8.5
//   URG data          > UP. urg 6 "urgent"  < .   > U. urg 3000|2000|1000, 3 × 1000 bytes  < . each   MUST-30, MUST-31
//   SYN with data     > S "early"   < S. ack x+1 (queued or dropped) or x+6 (taken)    3.10.7.2
//   RST with data     > R "diagnostic…" at RCV.NXT   (connection CLOSED)    SHLD-2
//   open port         > none | FPU | SF   (nothing | nothing | S. — or nothing / R: SYN+FIN dropped or refused)   3.10.7.2
//   closed port       > none | FPU | SF   < R. seq 0, ack SEG.SEQ+SEG.LEN    3.10.7.1

import type { AgentClient } from '../src/lab/agent/client.js';
import { familyOf, formatTcp, Seq } from '../src/packet/index.js';
import { ACK, RST, SYN, type TcpOption } from '../src/packet/types.js';
import { ExpectationError } from '../src/peer/connection.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import { watchingSegments } from '../src/peer/segment-watch.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { collect, giveBack, sendUnmodelled, withBadChecksum } from '../src/peer/unmodelled.js';
import { type Finding, gradeOfUnmet } from '../src/verdict/grade.js';

/** An option kind IANA has not assigned (RFC 9293 3.2 registry: "Reserved"). */
const UNKNOWN_KIND = 99;
const unknownOption = (n: number): TcpOption => ({ kind: 'unknown', type: UNKNOWN_KIND, data: Buffer.alloc(n, 0xa5) });
/** IPv4 option 30, RFC 4727's experiment number (RFC 3692 style): no IP or TCP understands it. */
const IP_OPTION_EXPERIMENT = 30;
const IP_OPTION = Buffer.from([IP_OPTION_EXPERIMENT, 4, 0, 0]);
/**
 * IPv6 has no header options; its counterpart is an option in a Destination Options header (RFC
 * 8200 4.6): type 0x1e, RFC 4727's experiment, whose top bits 00 say "skip it", then TCP.
 */
const IPV6_OPTION_EXPERIMENT = 0x1e;
const IPV6_DESTINATION_OPTIONS = { nextHeader: 60, extensionHeaders: Buffer.from([6, 0, IPV6_OPTION_EXPERIMENT, 4, 0, 0, 0, 0]) };
/** Longer than any delayed ACK may be (MUST-40: < 0.5 s): silence after it means no answer. */
const SILENCE_MS = 700;

type Check = Omit<Finding, 'level' | 'observed'>;

/**
 * Run a step whose failure means `check` was not met: conforms with `observed` when it passes,
 * the requirement's grade for an unmet check (src/verdict/grade.ts) when the target answered
 * otherwise. Returns whether it held; the test stops where the state is no longer known.
 */
async function judged(ctx: TestContext, check: Check, step: () => Promise<unknown>, observed: string): Promise<boolean> {
  try {
    await step();
  } catch (e) {
    if (!(e instanceof ExpectationError)) throw e;
    ctx.finding({ ...check, level: gradeOfUnmet(check.requirement), observed: e.message });
    return false;
  }
  ctx.finding({ ...check, level: 'conforms', observed });
  return true;
}

/** The target's application, when we drive it (a lab stack); undefined against a remote server. */
const agentOf = (ctx: TestContext): AgentClient | undefined => (ctx.target.has('agent') ? ctx.target.agent : undefined);

const describe = (c: ScriptedConnection, segs: ReadonlyArray<{ tcp: Parameters<typeof formatTcp>[0] }>): string =>
  segs.map((s) => `[${formatTcp(s.tcp, { relativeTo: { srcIsn: c.peer.irs ?? 0, dstIsn: c.iss } })}]`).join(' ') || 'nothing';

suite(
  { name: 'header-battery', title: 'Header battery: checksums, options, reserved bits, urgent data, odd flag sets', rfc: 'RFC 9293 3.1, 3.2, 3.8.5, 3.10.7' },
  (rawTest) => {
    const test = watchingSegments(rawTest);

    test('a segment with a bad TCP checksum is dropped silently and leaves the connection as it was', {
      rfc: 'RFC 9293 3.1',
      requirements: ['MUST-3'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      const badSyn = await sendUnmodelled(c, withBadChecksum(c, ctx.wire.localAddr, { flags: 'S' }));
      const synAnswers = await collect(c, SILENCE_MS);
      ctx.finding({
        requirement: 'MUST-3',
        check: 'SYN with a bad checksum',
        expected: 'no answer',
        level: synAnswers.length ? 'violation' : 'conforms',
        observed: describe(c, synAnswers),
      });
      if (synAnswers.length) return;
      badSyn.forget();
      await c.handshake();

      const bad = await sendUnmodelled(c, withBadChecksum(c, ctx.wire.localAddr, { flags: 'P.', payload: 'corrupted!' }));
      const answers = await collect(c, SILENCE_MS);
      ctx.finding({
        requirement: 'MUST-3',
        check: 'data with a bad checksum',
        expected: 'no answer',
        level: answers.length ? 'violation' : 'conforms',
        observed: describe(c, answers),
      });
      if (answers.length) return;
      bad.forget();
      // The same sequence number with 5 good bytes: an ACK of +10 would show the bad 10 were taken.
      await judged(
        ctx,
        { requirement: 'MUST-3', check: 'the connection after the bad segment', expected: 'the good data at the same seq is ACKed by its own length' },
        async () => {
          await c.send({ flags: 'P.', payload: 'hello' });
          await c.expect({ flags: '.', ack: c.sndNxt });
          await c.inState('ESTABLISHED');
        },
        'ACK of the 5 good bytes only: the bad segment left no trace',
      );
    });

    test('unknown option kinds are ignored in a SYN, an ACK and a data segment', {
      rfc: 'RFC 9293 3.1, 3.2',
      requirements: ['MUST-5', 'MUST-6'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      const ok = await judged(
        ctx,
        { requirement: 'MUST-6', check: `option kind ${UNKNOWN_KIND} in a SYN`, expected: 'ignored: the SYN is answered with SYN-ACK' },
        async () => {
          await c.send({ flags: 'S', options: [{ kind: 'mss', value: 1460 }, unknownOption(4)] });
          await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
        },
        'SYN-ACK',
      );
      if (!ok) return;
      if (
        !(await judged(
          ctx,
          { requirement: 'MUST-5', check: 'options on the handshake ACK', expected: 'the ACK completes the handshake' },
          async () => {
            await c.send({ flags: '.', options: [{ kind: 'nop' }, { kind: 'nop' }, unknownOption(6)] });
            await c.inState('ESTABLISHED');
          },
          'ESTABLISHED',
        ))
      )
        return;
      await judged(
        ctx,
        { requirement: 'MUST-6', check: `option kind ${UNKNOWN_KIND} on a data segment`, expected: 'ignored: the data is ACKed' },
        async () => {
          await c.send({ flags: 'P.', payload: 'hello', options: [unknownOption(2)] });
          await c.expect({ flags: '.', ack: c.sndNxt });
          await c.inState('ESTABLISHED');
        },
        'data ACKed',
      );
    });

    const malformed: Array<[string, number[]]> = [
      ['length 0', [UNKNOWN_KIND, 0, 1, 1]],
      ['length 1', [UNKNOWN_KIND, 1, 1, 1]],
      ['a length far past the end of the options', [UNKNOWN_KIND, 40, 1, 1]],
      ['a length one past the end of the options', [1, 1, UNKNOWN_KIND, 3]],
    ];
    test('an illegal option length is coped with: the option or the segment ignored, or the connection reset; the port still serves', {
      rfc: 'RFC 9293 3.1',
      requirements: ['MUST-7'],
    }, async (ctx) => {
      const port = await ctx.listen();
      for (const [what, bytes] of malformed) {
        const c = ctx.connect(port);
        await c.handshake();
        const probe = await sendUnmodelled(c, { flags: 'P.', payload: 'probe', options: [{ kind: 'raw', bytes: Buffer.from(bytes) }] });
        const answers = await collect(c, SILENCE_MS);
        const taken = answers.find((a) => a.tcp.flags & ACK && !(a.tcp.flags & RST) && a.tcp.ack === c.sndNxt);
        const reset = answers.find((a) => a.tcp.flags & RST);
        const seen = describe(c, answers);
        const check = { requirement: 'MUST-7', check: `option with ${what} on a data segment`, expected: 'the option or the segment ignored, or a reset' };
        if (reset) {
          ctx.finding({ ...check, level: 'choice', observed: `the connection was reset: ${seen}` });
          probe.forget();
          c.model.state = 'CLOSED';
          await c.inState('CLOSED');
        } else if (taken) {
          ctx.finding({ ...check, level: 'choice', observed: `the bad option was skipped, the data taken: ${seen}` });
          probe.adopt();
          giveBack(c, [taken]);
          await c.expect({ flags: '.', ack: c.sndNxt });
        } else if (answers.every((a) => a.tcp.flags === ACK && a.tcp.ack === probe.sent.tcp.seq)) {
          ctx.finding({ ...check, level: 'choice', observed: `the segment was dropped${answers.length ? ' with an ACK of what came before' : ''}: ${seen}` });
          probe.forget();
        } else {
          ctx.finding({ ...check, level: 'violation', observed: `an answer that is none of these: ${seen}` });
          return;
        }
        if (c.state === 'ESTABLISHED') {
          await c.send({ flags: 'P.', payload: 'after' });
          await c.expect({ flags: '.', ack: c.sndNxt });
          await c.inState('ESTABLISHED');
        }
        await judged(ctx, { ...check, check: `the port after an option with ${what}` }, () => ctx.connect(port).handshake(), 'still accepts connections');
      }
      // The same in a SYN: answered (the option skipped), dropped, or refused with a reset.
      const c = ctx.connect(port);
      const probe = await sendUnmodelled(c, {
        flags: 'S',
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'raw', bytes: Buffer.from([UNKNOWN_KIND, 0, 1, 1]) },
        ],
      });
      const answers = await collect(c, SILENCE_MS);
      const check = { requirement: 'MUST-7', check: 'option with length 0 in a SYN', expected: 'the option or the SYN ignored, or a reset' };
      const seen = describe(c, answers);
      if (answers.length === 1 && answers[0]!.tcp.flags === (SYN | ACK) && answers[0]!.tcp.ack === Seq.add(c.iss, 1)) {
        ctx.finding({ ...check, level: 'choice', observed: `the bad option was skipped, the SYN answered: ${seen}` });
        probe.adopt();
        giveBack(c, answers);
        await c.expect({ flags: 'S.' });
        await c.send('.');
        await c.inState('ESTABLISHED');
      } else if (answers.every((a) => a.tcp.flags & RST)) {
        ctx.finding({ ...check, level: 'choice', observed: answers.length ? `refused with a reset: ${seen}` : 'the SYN was dropped' });
        probe.forget();
      } else {
        ctx.finding({ ...check, level: 'violation', observed: `an answer that is none of these: ${seen}` });
        return;
      }
      await judged(
        ctx,
        { ...check, check: 'the port after a SYN with an option of length 0' },
        () => ctx.connect(port).handshake(),
        'still accepts connections',
      );
    });

    test('options that do not start on a word boundary are processed', { rfc: 'RFC 9293 3.2', requirements: ['MUST-64'] }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      const tsVal = 0x0bad_cafe;
      // wscale at 0, MSS at 3, SACK-permitted at 7, timestamps at 9: no NOPs, then EOL padding.
      await c.send({
        flags: 'S',
        options: [{ kind: 'wscale', shift: 0 }, { kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: tsVal, ecr: 0 }],
      });
      const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
      const ts = synAck.options.find((o) => o.kind === 'ts');
      const check = { requirement: 'MUST-64', check: 'timestamps option at offset 9 of a SYN', expected: `TSecr ${tsVal} in the SYN-ACK` };
      if (!ts || ts.kind !== 'ts') {
        const sack = synAck.options.some((o) => o.kind === 'sackOK');
        ctx.finding({
          ...check,
          level: sack ? 'conforms' : 'inconclusive',
          observed: sack
            ? 'no timestamps in the SYN-ACK, but SACK-permitted (offset 7) was read'
            : 'the SYN-ACK answers none of the unaligned options: whether they were read cannot be seen',
        });
        await c.send('.');
        await c.inState('ESTABLISHED');
        return;
      }
      ctx.finding({ ...check, level: ts.ecr === tsVal ? 'conforms' : 'violation', observed: `TSecr ${ts.ecr}` });
      const tsOpt = (val: number): TcpOption => ({ kind: 'ts', val, ecr: ts.val });
      await c.send({ flags: '.', options: [{ kind: 'nop' }, { kind: 'nop' }, tsOpt(tsVal + 1)] });
      await c.inState('ESTABLISHED');
      // One NOP only: the timestamps option starts at offset 1 of a data segment.
      await c.send({ flags: 'P.', payload: 'hello', options: [{ kind: 'nop' }, tsOpt(tsVal + 2)] });
      const ack = await c.expect({ flags: '.', ack: c.sndNxt });
      const echo = ack.options.find((o) => o.kind === 'ts');
      ctx.finding({
        requirement: 'MUST-64',
        check: 'timestamps option at offset 1 of a data segment',
        expected: `TSecr ${tsVal + 2} in the ACK`,
        level: echo?.kind === 'ts' && echo.ecr === tsVal + 2 ? 'conforms' : 'violation',
        observed: echo?.kind === 'ts' ? `TSecr ${echo.ecr}` : 'no timestamps option',
      });
    });

    test("the target's own segments: options with lengths, zero padding, no MSS without SYN, zero reserved bits, from the address we sent to", {
      rfc: 'RFC 9293 3.1, 3.2, 3.10.7.4',
      requirements: ['MUST-45', 'MUST-65', 'MUST-68', 'MUST-69'],
    }, async (ctx) => {
      // Offer every common option so that the target's segments carry as many as it uses.
      const c = ctx.connect(await ctx.listen());
      const tsVal = 0x1000;
      await c.send({
        flags: 'S',
        options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: tsVal, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
      });
      const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
      const ts = synAck.options.find((o) => o.kind === 'ts');
      const opts = (n: number): TcpOption[] => (ts?.kind === 'ts' ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: tsVal + n, ecr: ts.val }] : []);
      await c.send({ flags: '.', options: opts(1) });
      await c.inState('ESTABLISHED');
      for (let i = 0; i < 3; i++) {
        await c.send({ flags: 'P.', payload: `data ${i}`, options: opts(2 + i) });
        await c.expect({ flags: '.', ack: c.sndNxt });
      }
      await c.inState('ESTABLISHED');
    });

    test('an IP option TCP does not understand is ignored: a SYN and data carrying it are answered as usual', {
      rfc: 'RFC 9293 3.9.2',
      requirements: ['MUST-50'],
    }, async (ctx) => {
      const check = { requirement: 'MUST-50', expected: 'answered as without it' };
      const v6 = familyOf(ctx.target.address) === 6;
      const ip = v6 ? IPV6_DESTINATION_OPTIONS : { options: IP_OPTION };
      const what = v6 ? `IPv6 destination option 0x${IPV6_OPTION_EXPERIMENT.toString(16)} (experiment)` : `IP option ${IP_OPTION_EXPERIMENT} (experiment)`;
      const c = ctx.connect(await ctx.listen());
      if (
        !(await judged(
          ctx,
          { ...check, check: `${what} on a SYN` },
          async () => {
            await c.send({ flags: 'S', ip });
            await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
            await c.send('.');
            await c.inState('ESTABLISHED');
          },
          'SYN-ACK',
        ))
      )
        return;
      await judged(
        ctx,
        { ...check, check: `${what} on data` },
        async () => {
          await c.send({ flags: 'P.', payload: 'hello', ip });
          await c.expect({ flags: '.', ack: c.sndNxt });
        },
        'data ACKed',
      );
    });

    test('reserved header bits set in our segments are ignored', { rfc: 'RFC 9293 3.1' }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      const check = { requirement: 'RFC 9293 3.1', expected: 'processed as if zero' };
      if (
        !(await judged(
          ctx,
          { ...check, check: 'reserved bits 0xe in a SYN' },
          async () => {
            await c.send({ flags: 'S', reserved: 0x0e });
            await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
            await c.send({ flags: '.', reserved: 0x0e });
            await c.inState('ESTABLISHED');
          },
          'SYN-ACK, and the ACK completed the handshake',
        ))
      )
        return;
      await judged(
        ctx,
        { ...check, check: 'reserved bits 0xe on data' },
        async () => {
          await c.send({ flags: 'P.', payload: 'hello', reserved: 0x0e });
          await c.expect({ flags: '.', ack: c.sndNxt });
        },
        'data ACKed',
      );
    });

    test('an urgent pointer without URG is ignored: the data is plain data', { rfc: 'RFC 9293 3.1, 3.8.5' }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.handshake();
      const check = {
        requirement: 'RFC 9293 3.8.5',
        check: 'urgent pointer 3 on data without URG',
        expected: 'no urgent data: all 5 bytes ACKed and delivered in line',
      };
      if (
        !(await judged(
          ctx,
          { ...check },
          async () => {
            await c.send({ flags: 'P.', payload: 'hello', urgent: 3 });
            await c.expect({ flags: '.', ack: c.sndNxt });
          },
          'ACKed',
        ))
      )
        return;
      const agent = agentOf(ctx);
      if (!agent) return;
      const read = await agent.read(await ctx.accepted(c));
      const text = Buffer.from(read.hex, 'hex').toString();
      ctx.finding({ ...check, level: text === 'hello' ? 'conforms' : 'violation', observed: `the application read ${JSON.stringify(text)}` });
    });

    test('urgent data is acknowledged like any data, also an urgent sequence longer than a segment', {
      rfc: 'RFC 9293 3.8.5',
      requirements: ['MUST-30', 'MUST-31'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.handshake();
      if (
        !(await judged(
          ctx,
          { requirement: 'MUST-30', check: 'URG data (urgent pointer at its end)', expected: 'ACKed as data' },
          async () => {
            await c.send({ flags: 'UP.', payload: 'urgent', urgent: 6 });
            await c.expect({ flags: '.', ack: c.sndNxt });
            await c.inState('ESTABLISHED');
          },
          'ACKed',
        ))
      )
        return;
      // One urgent sequence of 3000 bytes over three segments: each points at its end.
      const chunk = Buffer.alloc(1000, 0x75);
      await judged(
        ctx,
        { requirement: 'MUST-31', check: 'a 3000-byte urgent sequence over 3 segments', expected: 'every segment ACKed' },
        async () => {
          for (let i = 0; i < 3; i++) {
            await c.send({ flags: i === 2 ? 'UP.' : 'U.', payload: chunk, urgent: 3000 - 1000 * i });
            await c.expect({ flags: '.', ack: c.sndNxt });
          }
          await c.inState('ESTABLISHED');
        },
        'all 3000 bytes ACKed',
      );
    });

    test('a SYN carrying data: the SYN-ACK acknowledges ISN+1 (data queued or dropped) or ISN+1+len (data taken); the data then arrives once', {
      rfc: 'RFC 9293 3.10.7.2',
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      const syn = await sendUnmodelled(c, { flags: 'S', payload: 'early' });
      // Shorter than the initial RTO (1 s, RFC 6298 2.1): a retransmitted SYN-ACK is not an answer of its own.
      const answers = await collect(c, SILENCE_MS);
      const synAck = answers.find((a) => (a.tcp.flags & (SYN | ACK)) === (SYN | ACK));
      const check = {
        requirement: 'RFC 9293 3.10.7.2',
        check: 'SYN with 5 bytes of data',
        expected: 'SYN-ACK with ack ISN+1 (text queued for later) or ISN+6 (taken)',
      };
      const plain = Seq.add(c.iss, 1);
      const taken = Seq.add(c.iss, 6);
      if (!synAck || answers.length !== 1 || (synAck.tcp.ack !== plain && synAck.tcp.ack !== taken)) {
        ctx.finding({ ...check, level: 'violation', observed: describe(c, answers) });
        return;
      }
      // The model hears a plain SYN; our sequence space follows what the SYN-ACK acknowledged.
      syn.forget();
      c.model.arrive({ ...syn.sent.tcp, payload: Buffer.alloc(0) });
      c.peer.sndNxt = plain;
      if (synAck.tcp.ack === taken) {
        ctx.finding({ ...check, level: 'choice', observed: 'the data was taken with the SYN (ack ISN+6)' });
        giveBack(c, [{ ...synAck, tcp: { ...synAck.tcp, ack: plain } }]);
        await c.expect({ flags: 'S.' });
        c.peer.sndNxt = taken;
        c.model.tcb = { ...c.model.tcb, rcvNxt: taken };
        await c.send('.');
        await c.inState('ESTABLISHED');
      } else {
        giveBack(c, answers);
        await c.expect({ flags: 'S.', ack: plain });
        await c.send('.');
        // Queued text is processed once ESTABLISHED (an ACK of ISN+6 may come); dropped text never is.
        // No state probe before the resend below: its answer could already acknowledge the queued text.
        const later = await collect(c, SILENCE_MS);
        const queued = later.some((a) => a.tcp.flags & ACK && a.tcp.ack === taken);
        ctx.finding({
          ...check,
          level: 'choice',
          observed: queued
            ? 'ack ISN+1, and the queued data was ACKed after the handshake'
            : 'ack ISN+1: the data was not acknowledged (dropped, or kept unacknowledged)',
        });
        // Send it again as a retransmission would: either way it must now be taken exactly once.
        await c.send({ flags: 'P.', payload: 'early' });
        await c.expect({ flags: '.', ack: c.sndNxt });
        await c.inState('ESTABLISHED');
      }
      const agent = agentOf(ctx);
      if (!agent) return;
      const read = await agent.read(await ctx.accepted(c));
      const text = Buffer.from(read.hex, 'hex').toString();
      ctx.finding({
        requirement: 'RFC 9293 3.10.7.2',
        check: 'data of the SYN at the application',
        expected: '"early", once',
        level: text === 'early' ? 'conforms' : 'violation',
        observed: JSON.stringify(text),
      });
    });

    test('a RST carrying data is processed as a RST', { rfc: 'RFC 9293 3.10.7.4 (second), 3.5.2', requirements: ['SHLD-2'] }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.handshake();
      await judged(
        ctx,
        { requirement: 'SHLD-2', check: 'RST at RCV.NXT with 24 bytes of diagnostic text', expected: 'the connection is closed' },
        async () => {
          await c.send({ flags: 'R', payload: 'tcpfsm: diagnostic text' });
          await c.inState('CLOSED');
          await c.expectNothing();
        },
        'CLOSED',
      );
    });

    const odd: Array<[string, string]> = [
      ['no flags at all (null probe)', 'none'],
      ['FIN+PSH+URG', 'FPU'],
    ];
    test('null and FIN+PSH+URG probes to a listening port are dropped; SYN+FIN is answered as a SYN or dropped', { rfc: 'RFC 9293 3.10.7.2' }, async (ctx) => {
      const port = await ctx.listen();
      for (const [what, flags] of odd) {
        const c = ctx.connect(port);
        await judged(
          ctx,
          { requirement: 'RFC 9293 3.10.7.2', check: `${what} to a listening port`, expected: 'dropped (no ACK, no SYN: fourth, "drop the segment")' },
          async () => {
            await c.send({ flags, urgent: 0 });
            await c.expectNothing(SILENCE_MS);
            await c.inState('LISTEN');
          },
          'no answer',
        );
      }
      // SYN+FIN: 3.10.7.2 answers the SYN and queues the FIN; many stacks drop the combination, which
      // no TCP sends since T/TCP (RFC 1644) was made historic (RFC 6247): left to the stack.
      const c = ctx.connect(port);
      const probe = await sendUnmodelled(c, { flags: 'SF' });
      const answers = await collect(c, SILENCE_MS);
      const check = {
        requirement: 'RFC 9293 3.10.7.2',
        check: 'SYN+FIN to a listening port',
        expected: 'SYN-ACK with ack ISN+1 (or ISN+2), or dropped or refused',
      };
      const synAck = answers.length === 1 && answers[0]!.tcp.flags === (SYN | ACK) && [Seq.add(c.iss, 1), Seq.add(c.iss, 2)].includes(answers[0]!.tcp.ack);
      if (!answers.length) {
        ctx.finding({ ...check, level: 'choice', observed: 'dropped' });
        probe.forget();
        await c.inState('LISTEN');
      } else if (synAck) {
        ctx.finding({ ...check, level: 'conforms', observed: describe(c, answers) });
        // Free the half-open connection with an exact RST.
        await c.peer.send({ flags: 'R', seq: answers[0]!.tcp.ack });
      } else if (answers.length === 1 && answers[0]!.tcp.flags & RST) {
        // Refusing the combination is the same hardening as dropping it, said out loud.
        ctx.finding({ ...check, level: 'choice', observed: `refused with a reset: ${describe(c, answers)}` });
      } else ctx.finding({ ...check, level: 'violation', observed: describe(c, answers) });
    });

    test('null, FIN+PSH+URG and SYN+FIN probes to a closed port get RST-ACK with seq 0 and ack SEG.SEQ+SEG.LEN', {
      rfc: 'RFC 9293 3.10.7.1',
      needs: ['agent'],
    }, async (ctx) => {
      const { port } = await ctx.target.agent.listen(0);
      await ctx.target.agent.unlisten(port);
      for (const [what, flags, len] of [
        ['null', 'none', 0],
        ['FIN+PSH+URG', 'FPU', 1],
        ['SYN+FIN', 'SF', 2],
      ] as const) {
        const c = ctx.connect(port, { remote: 'CLOSED' });
        await judged(
          ctx,
          { requirement: 'RFC 9293 3.10.7.1', check: `${what} to a closed port`, expected: `[R.] seq 0 ack ISN+${len}` },
          async () => {
            await c.send({ flags, urgent: 0 });
            await c.expect({ flags: 'R.', seq: 0, ack: Seq.add(c.iss, len) });
            await c.inState('CLOSED');
          },
          'as expected',
        );
      }
    });

    test('EOL, NOP and MSS are understood: a SYN with MSS 536 between NOPs and ended by EOL is answered, and the data sent back respects the MSS', {
      rfc: 'RFC 9293 3.2, 3.7.1',
      requirements: ['MUST-4'],
      needs: ['agent'],
    }, async (ctx) => {
      const c = ctx.connect(await ctx.listen());
      await c.send({ flags: 'S', options: [{ kind: 'nop' }, { kind: 'mss', value: 536 }, { kind: 'nop' }, { kind: 'eol' }] });
      await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
      await c.send('.');
      await c.inState('ESTABLISHED');
      // The target's data is not modelled segment by segment here: we take it in and ACK it by hand.
      await ctx.target.agent.send(await ctx.accepted(c), { n: 2000 });
      const sizes: number[] = [];
      let got = 0;
      while (got < 2000) {
        const s = await c.peer.next(1500);
        if (!s) break;
        if (!s.tcp.payload.length) continue;
        sizes.push(s.tcp.payload.length);
        got += s.tcp.payload.length;
        await c.peer.send({ flags: '.' });
      }
      ctx.finding({
        requirement: 'MUST-4',
        check: 'segment sizes after MSS 536 between NOPs, ended by EOL',
        expected: '2000 bytes, no segment above 536',
        level: got < 2000 ? 'inconclusive' : sizes.every((n) => n <= 536) ? 'conforms' : 'violation',
        observed: `${got} bytes in segments of ${sizes.join(', ')}`,
      });
      c.model.state = 'CLOSED';
      await c.peer.send({ flags: 'R', seq: c.sndNxt });
    });
  },
);
