// ICMP errors about a connection, RFC 9293 3.9.2.2 (and 3.7.2 / RFC 1191 for "fragmentation
// needed"). Each error comes from the probe's address — a router on the path — and quotes the
// target's own last segment (its IP header and 8 bytes of TCP: ports and a sequence number in
// SND.UNA..SND.NXT). Then what became of the connection: the target's own state where it has
// ground truth, a state probe where it has only packets.
//   ESTABLISHED  > P. x  < .   ICMP source quench        silence; the next data is ACKed      MUST-55
//   ESTABLISHED  > P. x  < .   ICMP unreach 0, 1, 5; time exceeded 0, 1; parameter problem   still synchronized   MUST-56
//   SYN-RECEIVED > S  < S.      ICMP unreach 2, 3 about the SYN-ACK                            gone      SHLD-26, MUST-54
//   ESTABLISHED  > P. x  < .   ICMP unreach 2, 3                                              gone      SHLD-26, MUST-54
//   ESTABLISHED  app sends 3 full segments, unACKed; ICMP unreach 4 (next-hop MTU 1000) about the first
//                < . retransmitted and new data in IP packets of at most 1000 bytes                SHLD-6, MUST-54
// Code 4 is in RFC 9293's list of hard errors, but with DF set it is path MTU discovery's signal
// (RFC 1191, RFC 5461 4.1: not a reason to abort); it is judged as such here, not under SHLD-26.
// A passive half-open connection (SYN-RECEIVED) dropped on a soft error goes back to LISTEN, as
// it does on a RST (3.10.7.4): no user connection is aborted, so MUST-56 is not broken, but the
// RFC's soft-error handling would have kept the handshake going — a deviation of 3.9.2.2 (RFC
// 5461 4.1 describes stacks that drop connection attempts on soft errors). Read strictly, MUST-56
// names no state; a stricter grader would call it a violation.
// Over IPv6 (--family 6) the same checks with ICMPv6 (RFC 4443), quoting as much of the target's
// packet as fits in 1280 bytes (2.4 c): destination unreachable codes 0 (no route) and 3 (address
// unreachable) and time exceeded are soft, codes 1 (administratively prohibited) and 4 (port
// unreachable) hard (RFC 5461 2: ICMPv6's port unreachable and prohibited answer for good; Linux's
// icmpv6_err_convert marks these two fatal), and packet too big (type 2, RFC 8201) is path MTU
// discovery's signal: SHLD-6, MUST-54. Source quench has no ICMPv6 twin. Each test is one family's.
// Linux (tcp_v4_err, tcp_req_err) drops a SYN-RECEIVED request on net/host unreachable, time
// exceeded and parameter problem but keeps it on a hard error; it aborts a synchronized connection
// on a hard error only when its socket asked for errors (IP_RECVERR), otherwise it only remembers
// the error for the application: a SHOULD not followed, so a deviation, not a violation.
import { ethernetMss, familyOf, ICMP4, ICMP6, IP_FLAG_DF, UNREACH4, UNREACH6 } from '../src/packet/index.js';
import { ACK } from '../src/packet/types.js';
import { aftermath, type IcmpError, sendIcmpError, TargetSegments } from '../src/peer/icmp-error.js';
import type { ScriptedConnection } from '../src/peer/scripted.js';
import { suite, type TestContext } from '../src/peer/suite.js';
import { collect } from '../src/peer/unmodelled.js';
import type { WireSegment } from '../src/wire/transport.js';

const SOFT: ReadonlyArray<[string, IcmpError]> = [
  ['destination unreachable, code 0 (net)', { type: ICMP4.destUnreachable, code: UNREACH4.net }],
  ['destination unreachable, code 1 (host)', { type: ICMP4.destUnreachable, code: UNREACH4.host }],
  ['destination unreachable, code 5 (source route failed)', { type: ICMP4.destUnreachable, code: UNREACH4.sourceRouteFailed }],
  ['time exceeded, code 0 (TTL)', { type: ICMP4.timeExceeded, code: 0 }],
  ['time exceeded, code 1 (reassembly)', { type: ICMP4.timeExceeded, code: 1 }],
  // The pointer names the byte found wrong: here the quoted IP header's TOS (byte 1).
  ['parameter problem, code 0', { type: ICMP4.parameterProblem, code: 0, rest: 1 << 24 }],
];

const HARD: ReadonlyArray<[string, IcmpError]> = [
  ['destination unreachable, code 2 (protocol)', { type: ICMP4.destUnreachable, code: UNREACH4.protocol }],
  ['destination unreachable, code 3 (port)', { type: ICMP4.destUnreachable, code: UNREACH4.port }],
];

const SOFT6: ReadonlyArray<[string, IcmpError]> = [
  ['ICMPv6 destination unreachable, code 0 (no route)', { type: ICMP6.destUnreachable, code: UNREACH6.noRoute }],
  ['ICMPv6 destination unreachable, code 3 (address unreachable)', { type: ICMP6.destUnreachable, code: UNREACH6.addressUnreachable }],
  ['ICMPv6 time exceeded, code 0 (hop limit)', { type: ICMP6.timeExceeded, code: 0 }],
  ['ICMPv6 time exceeded, code 1 (reassembly)', { type: ICMP6.timeExceeded, code: 1 }],
];

const HARD6: ReadonlyArray<[string, IcmpError]> = [
  ['ICMPv6 destination unreachable, code 1 (administratively prohibited)', { type: ICMP6.destUnreachable, code: UNREACH6.adminProhibited }],
  ['ICMPv6 destination unreachable, code 4 (port unreachable)', { type: ICMP6.destUnreachable, code: UNREACH6.port }],
];

/** The next-hop MTU our fragmentation-needed names: above Linux's floor (min_pmtu 552) and RFC 791's 576. */
const NEXT_HOP_MTU = 1000;
/** The MTU our packet too big names: IPv6's minimum link MTU (RFC 8200 5), below the lab's 1500. */
const NEXT_HOP_MTU6 = 1280;

/** ESTABLISHED, then one byte of data and its ACK: the target's own segment to quote, at SND.NXT. */
async function established(ctx: TestContext, segs: TargetSegments): Promise<{ c: ScriptedConnection; quote: WireSegment }> {
  const c = ctx.connect(await ctx.listen());
  await c.handshake();
  await c.send({ flags: 'P.', payload: 'x' });
  await c.expect('.');
  const quote = segs.of(c);
  await c.inState('ESTABLISHED');
  return { c, quote };
}

/** Our SYN answered by the SYN-ACK; we hold the final ACK: the SYN-ACK is the segment to quote (seq = ISN = SND.UNA). */
async function halfOpen(ctx: TestContext, segs: TargetSegments): Promise<{ h: ScriptedConnection; synAck: WireSegment }> {
  const h = ctx.connect(await ctx.listen());
  await h.send('S');
  await h.expect('S.');
  // Taken now: a state probe's answer (seq ISN + 1) is not what a router saw (Linux wants the ISN itself).
  const synAck = segs.of(h);
  await h.inState('SYN-RECEIVED');
  return { h, synAck };
}

const count = (segs: readonly WireSegment[]) => (segs.length ? `; meanwhile it sent ${segs.length} segment(s)` : '');

/** Soft errors in ESTABLISHED: the connection is not aborted (MUST-56). */
async function softInEstablished(ctx: TestContext, list: ReadonlyArray<[string, IcmpError]>): Promise<void> {
  const segs = new TargetSegments(ctx);
  for (const [name, error] of list) {
    const { c, quote } = await established(ctx, segs);
    await sendIcmpError(ctx, c, quote, error);
    const after = await aftermath(ctx, c);
    const check = { requirement: 'MUST-56', check: `${icmpName(name)} in ESTABLISHED`, expected: 'the connection is not aborted' };
    const observed = `${after.evidence}${count(after.meanwhile)}`;
    ctx.finding({ ...check, level: after.alive === undefined ? 'inconclusive' : after.alive ? 'conforms' : 'violation', observed });
  }
}

/** Soft errors about the SYN-ACK: the handshake goes on (MUST-56; dropped: a deviation of 3.9.2.2). */
async function softInSynReceived(ctx: TestContext, list: ReadonlyArray<[string, IcmpError]>): Promise<void> {
  const segs = new TargetSegments(ctx);
  for (const [name, error] of list) {
    const { h, synAck } = await halfOpen(ctx, segs);
    await sendIcmpError(ctx, h, synAck, error);
    const after = await aftermath(ctx, h);
    const check = { check: `${icmpName(name)} in SYN-RECEIVED`, expected: 'the handshake goes on (the soft error is not acted on)' };
    const observed = `${after.evidence}${count(after.meanwhile)}`;
    if (after.alive === undefined) ctx.finding({ ...check, requirement: 'MUST-56', level: 'inconclusive', observed });
    else if (after.alive) ctx.finding({ ...check, requirement: 'MUST-56', level: 'conforms', observed });
    // Dropped: back to LISTEN, as a passive open goes on a RST (3.10.7.4); the listening
    // application loses nothing. The RFC's soft-error handling keeps it: a deviation of 3.9.2.2.
    else ctx.finding({ ...check, requirement: 'RFC 9293 3.9.2.2', level: 'deviation', observed: `${observed}: the half-open connection went back to LISTEN` });
  }
}

/** Hard errors abort the connection, half-open or synchronized (SHLD-26); acting at all: MUST-54. */
async function hardErrors(ctx: TestContext, list: ReadonlyArray<[string, IcmpError]>): Promise<void> {
  const segs = new TargetSegments(ctx);
  let acted = 0;
  const judge = (where: string, name: string, after: Awaited<ReturnType<typeof aftermath>>) => {
    const check = { requirement: 'SHLD-26', check: `${icmpName(name)} in ${where}`, expected: 'the connection is aborted' };
    const observed = `${after.evidence}${count(after.meanwhile)}`;
    if (after.alive === false) acted++;
    ctx.finding({ ...check, level: after.alive === undefined ? 'inconclusive' : after.alive ? 'deviation' : 'conforms', observed });
  };
  for (const [name, error] of list) {
    // Half-open: the error quotes the SYN-ACK (its sequence number is the ISN: SND.UNA).
    const { h, synAck } = await halfOpen(ctx, segs);
    await sendIcmpError(ctx, h, synAck, error);
    judge('SYN-RECEIVED', name, await aftermath(ctx, h));
    const { c, quote } = await established(ctx, segs);
    await sendIcmpError(ctx, c, quote, error);
    judge('ESTABLISHED', name, await aftermath(ctx, c));
  }
  const check = { requirement: 'MUST-54', check: 'TCP acts on an ICMP error about its connection', expected: 'a change the error calls for' };
  if (acted) ctx.finding({ ...check, level: 'conforms', observed: `${acted} of ${list.length * 2} hard errors aborted their connection` });
  // Acting may be telling the application (SHLD-25): nothing on the wire shows it.
  else
    ctx.finding({
      ...check,
      level: 'inconclusive',
      observed: 'no hard error changed anything on the wire (the stack may still have told its application)',
    });
}

/** The IPv4 names stay as they were ('ICMP destination unreachable…'); the IPv6 ones say ICMPv6 themselves. */
const icmpName = (name: string) => (name.startsWith('ICMPv6') ? name : `ICMP ${name}`);

/**
 * Path MTU discovery: three full segments in flight, an error about the first naming `mtu`
 * (fragmentation needed, or ICMPv6 packet too big); then every segment fits in `mtu` (SHLD-6).
 */
async function smallerSegments(ctx: TestContext, what: { name: string; error: IcmpError; mtu: number }): Promise<void> {
  const c = ctx.connect(await ctx.listen());
  await c.handshake();
  await c.inState('ESTABLISHED');
  const id = await ctx.accepted(c);
  const full = ethernetMss(familyOf(c.peer.remoteAddr)); // our SYN's MSS
  // Three full segments in flight, none ACKed: the error is about the first (seq = SND.UNA).
  await ctx.target.agent.send(id, { n: 3 * full });
  const flight = (await collect(c, 1000, 300)).filter((s) => s.tcp.payload.length);
  const first = flight[0];
  if (!first) throw new Error(`the application sent ${3 * full} bytes but no data segment came`);
  const biggest = Math.max(...flight.map((s) => s.bytes.length));
  const check6 = {
    requirement: 'SHLD-6',
    check: `${what.name}, next-hop MTU ${what.mtu}`,
    expected: `every later segment in IP packets of at most ${what.mtu} bytes`,
  };
  // IPv6 routers never fragment (RFC 8200 5): every IPv6 packet is as DF.
  const df = flight.every((s) => !('ipFlags' in s.ip) || s.ip.ipFlags! & IP_FLAG_DF);
  if (biggest <= what.mtu || !df) {
    // A router would fragment a packet without DF, not send "fragmentation needed".
    ctx.finding({
      ...check6,
      level: 'inconclusive',
      observed: !df ? "the target's segments do not set DF: it does not do path MTU discovery" : `its segments already fit (${biggest} bytes)`,
    });
    return;
  }
  await sendIcmpError(ctx, c, first, what.error);
  // What is still unACKed goes again (Linux: at once, tcp_simple_retransmit); then ACK it all.
  const again = (await collect(c, 2500, 700)).filter((s) => s.tcp.payload.length);
  await c.peer.send({ flags: '.', ack: c.peer.rcvNxt });
  // New data from the application: it too must fit.
  await ctx.target.agent.send(id, { n: 2 * full });
  const fresh: WireSegment[] = [];
  for (const s of await collect(c, 1500, 400)) {
    if (!s.tcp.payload.length) continue;
    fresh.push(s);
    await c.peer.send({ flags: '.', ack: c.peer.rcvNxt });
  }
  const after = [...again, ...fresh];
  const lengths = (list: readonly WireSegment[]) => list.map((s) => s.bytes.length).join(', ') || 'none';
  const observed = `before: IP lengths ${lengths(flight)}; after: retransmitted ${lengths(again)}, new ${lengths(fresh)}`;
  if (!fresh.length) {
    ctx.finding({ ...check6, level: 'inconclusive', observed: `${observed}: no new data came to judge` });
    return;
  }
  const fits = after.every((s) => s.bytes.length <= what.mtu);
  ctx.finding({ ...check6, level: fits ? 'conforms' : 'deviation', observed });
  ctx.finding({
    requirement: 'MUST-54',
    check: 'TCP acts on an ICMP error about its connection',
    expected: 'a change the error calls for',
    level: fits ? 'conforms' : 'inconclusive',
    observed: fits ? `smaller segments after ${what.name}` : 'segments as large as before (the stack may still have told its application)',
  });
}

suite(
  { name: 'icmp', title: 'ICMP errors about a connection: source quench, soft and hard errors, fragmentation needed', rfc: 'RFC 9293 3.9.2.2; RFC 1191' },
  (test) => {
    test('a source quench is silently discarded: the connection goes on as before', {
      rfc: 'RFC 9293 3.9.2.2',
      requirements: ['MUST-55'],
      needs: ['icmp'],
      family: 4,
    }, async (ctx) => {
      const segs = new TargetSegments(ctx);
      const { c, quote } = await established(ctx, segs);
      await sendIcmpError(ctx, c, quote, { type: ICMP4.sourceQuench, code: 0 });
      const after = await aftermath(ctx, c);
      // Data after it must be taken and ACKed as before.
      await c.send({ flags: 'P.', payload: 'y' });
      const ack = (await collect(c, 1500, 200)).find((s) => s.tcp.flags & ACK && s.tcp.ack === c.sndNxt);
      const check = {
        requirement: 'MUST-55',
        check: 'an ICMP source quench about the connection',
        expected: 'silently discarded: no answer, still synchronized, the next data ACKed',
      };
      const observed = `${after.evidence}${count(after.meanwhile)}; the next byte ${ack ? 'was ACKed' : 'was not ACKed'}`;
      if (after.alive === undefined) ctx.finding({ ...check, level: 'inconclusive', observed });
      else ctx.finding({ ...check, level: after.alive && ack && !after.meanwhile.length ? 'conforms' : 'violation', observed });
    });

    test(
      'soft errors (unreachable 0, 1, 5; time exceeded; parameter problem) do not abort the connection',
      {
        rfc: 'RFC 9293 3.9.2.2',
        requirements: ['MUST-56'],
        needs: ['icmp'],
        family: 4,
      },
      (ctx) => softInEstablished(ctx, SOFT),
    );

    test(
      'soft errors do not abort a half-open connection either (SYN-RECEIVED)',
      { rfc: 'RFC 9293 3.9.2.2', requirements: ['MUST-56'], needs: ['icmp'], family: 4 },
      (ctx) => softInSynReceived(ctx, SOFT),
    );

    test(
      'hard errors (unreachable 2, 3) abort the connection, half-open or synchronized',
      {
        rfc: 'RFC 9293 3.9.2.2',
        requirements: ['SHLD-26', 'MUST-54'],
        needs: ['icmp'],
        family: 4,
      },
      (ctx) => hardErrors(ctx, HARD),
    );

    test(
      'fragmentation needed (unreachable 4) makes the sender use smaller segments (path MTU discovery)',
      {
        rfc: 'RFC 9293 3.7.2, 3.9.2.2; RFC 1191',
        requirements: ['SHLD-6', 'MUST-54'],
        needs: ['agent', 'icmp'],
        family: 4,
      },
      (ctx) =>
        smallerSegments(ctx, {
          name: 'fragmentation needed',
          error: { type: ICMP4.destUnreachable, code: UNREACH4.fragmentationNeeded, rest: NEXT_HOP_MTU },
          mtu: NEXT_HOP_MTU,
        }),
    );

    test(
      'ICMPv6 soft errors (unreachable 0, 3; time exceeded) do not abort the connection',
      {
        rfc: 'RFC 9293 3.9.2.2; RFC 4443 3.1',
        requirements: ['MUST-56'],
        needs: ['icmp'],
        family: 6,
      },
      (ctx) => softInEstablished(ctx, SOFT6),
    );

    test(
      'ICMPv6 soft errors do not abort a half-open connection either (SYN-RECEIVED)',
      {
        rfc: 'RFC 9293 3.9.2.2; RFC 4443 3.1',
        requirements: ['MUST-56'],
        needs: ['icmp'],
        family: 6,
      },
      (ctx) => softInSynReceived(ctx, SOFT6),
    );

    test(
      'ICMPv6 hard errors (unreachable 1, 4) abort the connection, half-open or synchronized',
      {
        rfc: 'RFC 9293 3.9.2.2; RFC 4443 3.1; RFC 5461',
        requirements: ['SHLD-26', 'MUST-54'],
        needs: ['icmp'],
        family: 6,
      },
      (ctx) => hardErrors(ctx, HARD6),
    );

    test(
      'ICMPv6 packet too big makes the sender use smaller segments (path MTU discovery)',
      {
        rfc: 'RFC 9293 3.7.2, 3.9.2.2; RFC 8201; RFC 4443 3.2',
        requirements: ['SHLD-6', 'MUST-54'],
        needs: ['agent', 'icmp'],
        family: 6,
      },
      (ctx) => smallerSegments(ctx, { name: 'ICMPv6 packet too big', error: { type: ICMP6.packetTooBig, code: 0, rest: NEXT_HOP_MTU6 }, mtu: NEXT_HOP_MTU6 }),
    );
  },
);
