// Pure parts of remote mode, no root: the token bucket and the half-open cap that keep a run from
// looking like a flood, the route parser, and the state inference from the probe's answer.
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { ACK, type DecodedTcp, FIN, RST, SYN } from '../../src/packet/types.js';
import { inferStates, PROBE_BACKOFF, probeSegment } from '../../src/peer/state-probe.js';
import { MemoryTransport } from '../../src/wire/memory.js';
import { parseRouteGet } from '../../src/wire/route.js';
import { pacingBounds, ThrottledTransport, WindowLimiter } from '../../src/wire/throttle.js';
import type { Match } from '../../src/wire/transport.js';
import { maxInWindow } from './pacing-audit.js';

/** A fake clock: sleep() advances it, so waits are exact and instant. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

t.test('window limiter: at most cap events in any [t, t + width); a saturated one starts with a quiet window', async (t) => {
  const w = new WindowLimiter(2, 400);
  t.equal(w.waitFrom(0), 0);
  w.record(0);
  t.equal(w.waitFrom(0), 0, 'room for the second');
  w.record(10);
  t.equal(w.waitFrom(10), 390, 'the third waits until the first leaves the window');
  t.equal(w.waitFrom(400), 0);
  w.record(400);
  t.equal(w.waitFrom(400), 10, 'now the second has to leave');
  w.record(5);
  t.equal(w.last, 400, 'a record never goes back in time');
  const cold = new WindowLimiter(3, 1000, 50);
  t.equal(cold.waitFrom(50), 1000, 'saturated at 50: nothing before 1050');
  const two = new WindowLimiter(2, 400);
  two.record(0);
  t.equal(two.waitFrom(100, 2), 300, 'two back to back wait until the window is empty');
  t.equal(two.waitFrom(100, 1), 0, 'one fits now');
  t.equal(two.waitFrom(100, 5), 300, 'more than the cap asks for the whole window');
  t.throws(() => new WindowLimiter(0, 1), /cap must be an integer ≥ 1/);
  t.throws(() => new WindowLimiter(1, 0), /width must be > 0/);
});

t.test('pacing bounds: per connection ⌊rate⌋ a second and 2 back to back; rate × max-conns in total', async (t) => {
  t.same(pacingBounds(5, 4), { perConnPerSecond: 5, burst: 2, burstWindowMs: 400, totalPerSecond: 20, maxHalfOpen: 4 });
  t.same(
    pacingBounds(0.5, 1),
    { perConnPerSecond: 1, burst: 1, burstWindowMs: 2000, totalPerSecond: 1, maxHalfOpen: 1 },
    'below 1/s: one segment per 1/rate s',
  );
  t.same(pacingBounds(1.5, 3), { perConnPerSecond: 1, burst: 1, burstWindowMs: 1000 / 1.5, totalPerSecond: 4, maxHalfOpen: 3 });
  t.throws(() => pacingBounds(0, 1), /rate must be > 0/);
  t.throws(() => pacingBounds(1, 0), /maxHalfOpen must be an integer ≥ 1/);
});

/** A transport that stamps each send with the fake clock when the send starts (as the pcap does) and takes `costMs` to finish. */
function stampingTransport(clock: ReturnType<typeof fakeClock>, costMs = 0) {
  const inner = new MemoryTransport('198.18.0.1');
  const stamps: Array<{ at: number; conn: string }> = [];
  const send = inner.send.bind(inner);
  inner.send = async (dst, seg, ip) => {
    stamps.push({ at: clock.now(), conn: `${seg.srcPort}` });
    clock.advance(costMs);
    return send(dst, seg, ip);
  };
  return { inner, stamps };
}

const ns = (ms: number): bigint => BigInt(Math.round(ms * 1e6));
function measured(stamps: Array<{ at: number; conn: string }>, b: ReturnType<typeof pacingBounds>) {
  const byConn = new Map<string, bigint[]>();
  for (const s of stamps) (byConn.get(s.conn) ?? byConn.set(s.conn, []).get(s.conn)!).push(ns(s.at));
  const per = (width: number) => Math.max(...[...byConn.values()].map((st) => maxInWindow(st, ns(width))));
  return {
    perConn: per(1000),
    burst: per(b.burstWindowMs),
    total: maxInWindow(
      stamps.map((s) => ns(s.at)),
      ns(1000),
    ),
  };
}

t.test('throttled transport: one connection sending flat out stays within its bounds', async (t) => {
  const clock = fakeClock();
  const { inner, stamps } = stampingTransport(clock);
  const w = new ThrottledTransport(inner, { rate: 5, maxHalfOpen: 4, now: clock.now, sleep: clock.sleep });
  const ack = { srcPort: 40001, dstPort: 80, seq: 1, ack: 1, flags: ACK, window: 1000 };
  await Promise.all(Array.from({ length: 30 }, () => w.send('198.18.0.2', ack)));
  t.equal(stamps.length, 30);
  t.equal(stamps[0]!.at, 1000, 'the first waits for the quiet first second (the total window starts full)');
  const m = measured(stamps, w.bounds);
  t.same(m, { perConn: 5, burst: 2, total: 5 }, 'at most 5 in any 1 s and 2 in any 400 ms: and it used them');
  t.ok(stamps.at(-1)!.at - stamps[0]!.at >= ((30 - 5) / 5) * 1000, 'long-run rate ≤ 5/s');
});

t.test('throttled transport: room for a request and its ACK means both leave unpaced', async (t) => {
  const clock = fakeClock();
  const { inner, stamps } = stampingTransport(clock);
  const w = new ThrottledTransport(inner, { rate: 5, maxHalfOpen: 4, now: clock.now, sleep: clock.sleep });
  const ack = { srcPort: 40001, dstPort: 80, seq: 1, ack: 1, flags: ACK, window: 1000 };
  const about: Match = { localPort: 40001, remoteAddr: '198.18.0.2', remotePort: 80 };
  for (let i = 0; i < 3; i++) await w.send('198.18.0.2', ack);
  const before = clock.now();
  await w.room('198.18.0.2', about, 2);
  const request = clock.now();
  t.ok(request > before, 'room waited');
  await w.send('198.18.0.2', ack);
  await w.send('198.18.0.2', ack);
  t.equal(stamps.at(-2)!.at, request, 'the request leaves when room said');
  t.equal(stamps.at(-1)!.at, request, 'and its ACK right behind it');
  t.same(measured(stamps, w.bounds), { perConn: 5, burst: 2, total: 5 }, 'within the bounds');
});

t.test('throttled transport: ICMP errors about a connection count among its segments', async (t) => {
  const clock = fakeClock();
  const { inner, stamps } = stampingTransport(clock);
  const sendIp = async (_dst: string, _packet: Buffer, about: Match) => {
    stamps.push({ at: clock.now(), conn: `${about.localPort}` });
    return 0n;
  };
  const raw = Object.assign(inner, { sendIp });
  const w = new ThrottledTransport(raw, { rate: 5, maxHalfOpen: 4, now: clock.now, sleep: clock.sleep });
  const ack = { srcPort: 40001, dstPort: 80, seq: 1, ack: 1, flags: ACK, window: 1000 };
  const about: Match = { localPort: 40001, remoteAddr: '198.18.0.2', remotePort: 80 };
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < 20; i++) sends.push(i % 2 ? w.sendIp('198.18.0.2', Buffer.alloc(56), about) : w.send('198.18.0.2', ack));
  await Promise.all(sends);
  t.equal(stamps.length, 20);
  t.same(measured(stamps, w.bounds), { perConn: 5, burst: 2, total: 5 }, 'segments and ICMP errors together: 5 in any 1 s, 2 back to back');
  t.equal(w.stats.sent, 20);
  await t.rejects(
    new ThrottledTransport(new MemoryTransport('198.18.0.1'), { rate: 5, maxHalfOpen: 1 }).sendIp('198.18.0.2', Buffer.alloc(1), about),
    /cannot send IP packets/,
  );
});

t.test('throttled transport: many connections at once stay within the total; slow sends push the next ones later', async (t) => {
  for (const costMs of [0, 70]) {
    const clock = fakeClock();
    const { inner, stamps } = stampingTransport(clock, costMs);
    const w = new ThrottledTransport(inner, { rate: 5, maxHalfOpen: 4, now: clock.now, sleep: clock.sleep });
    const sends = [];
    for (let c = 0; c < 12; c++)
      for (let k = 0; k < 8; k++) sends.push(w.send('198.18.0.2', { srcPort: 41000 + c, dstPort: 80, seq: k, ack: 1, flags: ACK, window: 1000 }));
    await Promise.all(sends);
    const m = measured(stamps, w.bounds);
    t.ok(m.perConn <= 5 && m.burst <= 2 && m.total <= 20, `send cost ${costMs} ms: per connection ${m.perConn}/s, burst ${m.burst}, total ${m.total}/s`);
    t.equal(m.total, costMs ? m.total : 20, 'the total budget is used when sends are instant');
    t.equal(w.stats.sent, 96);
  }
});

t.test('throttled transport: a connection reopened on the same ports right after its test ended is still paced', async (t) => {
  const clock = fakeClock();
  const { inner, stamps } = stampingTransport(clock);
  const w = new ThrottledTransport(inner, { rate: 5, maxHalfOpen: 4, now: clock.now, sleep: clock.sleep });
  const seg = { srcPort: 40007, dstPort: 80, seq: 1, ack: 1, flags: ACK, window: 1000 };
  const off = w.listen({ localPort: 40007, remoteAddr: '198.18.0.2', remotePort: 80 }, () => {});
  await Promise.all(Array.from({ length: 5 }, () => w.send('198.18.0.2', seg)));
  off(); // its test ended
  await Promise.all(Array.from({ length: 5 }, () => w.send('198.18.0.2', seg)));
  t.same(measured(stamps, w.bounds).perConn, 5, 'still at most 5 in any 1 s on that 4-tuple');
});

t.test('throttled transport: never more than maxHalfOpen SYNs outstanding; an ACK or RST frees a slot', async (t) => {
  const clock = fakeClock();
  const inner = new MemoryTransport('198.18.0.1');
  const w = new ThrottledTransport(inner, { rate: 1000, maxHalfOpen: 2, now: clock.now, sleep: clock.sleep });
  const syn = (sport: number) => ({ srcPort: sport, dstPort: 80, seq: 1, ack: 0, flags: SYN, window: 1000 });
  await w.send('198.18.0.2', syn(40001));
  await w.send('198.18.0.2', syn(40002));
  t.equal(w.halfOpenCount, 2);
  let third = false;
  const pending = w.send('198.18.0.2', syn(40003)).then(() => (third = true));
  await new Promise((r) => setImmediate(r));
  t.notOk(third, 'the third SYN waits for a slot');
  t.equal(w.stats.synWaits, 1);
  // Its SYN-ACK (ISS 4), then an ACK it rejects (wrong SEG.ACK, then an old SEG.SEQ): still half-open
  // at the remote (RFC 9293 3.10.7.4), so the slot stays taken.
  w.listen({ localPort: 40001, remoteAddr: '198.18.0.2', remotePort: 80 }, () => {});
  inner.inject('198.18.0.2', { srcPort: 80, dstPort: 40001, seq: 4, ack: 2, flags: SYN | ACK, window: 1000 });
  await w.send('198.18.0.2', { srcPort: 40001, dstPort: 80, seq: 2, ack: 4, flags: ACK, window: 1000 });
  await w.send('198.18.0.2', { srcPort: 40001, dstPort: 80, seq: 1, ack: 5, flags: ACK, window: 1000 });
  await new Promise((r) => setImmediate(r));
  t.notOk(third, 'an ACK the remote rejects does not free the slot');
  // Completing the first handshake (our ACK of its SYN at our ISS+1) frees its slot.
  await w.send('198.18.0.2', { srcPort: 40001, dstPort: 80, seq: 2, ack: 5, flags: ACK, window: 1000 });
  await pending;
  t.ok(third, 'the third SYN went once a slot was free');
  t.equal(w.stats.peakHalfOpen, 2, 'the cap held');
  // A RST from the remote frees a slot too.
  w.listen({ localPort: 40002, remoteAddr: '198.18.0.2', remotePort: 80 }, () => {});
  inner.inject('198.18.0.2', { srcPort: 80, dstPort: 40002, seq: 0, ack: 2, flags: RST | ACK, window: 0 });
  t.equal(w.halfOpenCount, 1, 'the refused connection is no longer half-open');
  t.equal(inner.sent.length, 6);
  t.throws(() => new ThrottledTransport(inner, { rate: 1, maxHalfOpen: 0 }), /maxHalfOpen must be an integer ≥ 1/);
});

t.test('route: ip -j route get output parsed; unusable routes are clear errors', async (t) => {
  t.same(parseRouteGet('[{"dst":"198.18.0.2","dev":"tcpfsm-0","prefsrc":"198.18.0.1","flags":[],"uid":0,"cache":[]}]', '198.18.0.2'), {
    dst: '198.18.0.2',
    iface: 'tcpfsm-0',
    src: '198.18.0.1',
    type: 'unicast',
  });
  t.same(parseRouteGet('[{"type":"local","dst":"127.0.0.1","dev":"lo","prefsrc":"127.0.0.1"}]', '127.0.0.1').iface, 'lo');
  t.match(parseRouteGet('[{"dst":"198.51.100.7","gateway":"10.0.0.1","dev":"eth0","prefsrc":"10.0.0.2"}]', '198.51.100.7'), {
    gateway: '10.0.0.1',
    iface: 'eth0',
  });
  t.throws(() => parseRouteGet('[]', '198.18.0.9'), /the kernel has no route to 198\.18\.0\.9/);
  t.throws(() => parseRouteGet('[{"type":"unreachable","dst":"198.18.0.9","dev":"lo"}]', '198.18.0.9'), /of type unreachable/);
  t.throws(() => parseRouteGet('garbage', '198.18.0.9'), /printed no JSON/);
});

t.test('state inference: the probe sits left of the window; each answer narrows the candidates', async (t) => {
  const k = { sndNxt: 1001, rcvNxt: 5001, irs: 5000, highestAckSent: 5001 };
  const probe = probeSegment(k);
  t.equal(probe.seq, Seq.sub(1001, PROBE_BACKOFF), 'one old byte, 2^20 left of RCV.NXT: never acceptable');
  const ack = (seq: number, ackNo: number): DecodedTcp => ({
    srcPort: 80,
    dstPort: 40001,
    seq,
    ack: ackNo,
    flags: ACK,
    window: 1000,
    urgent: 0,
    dataOffset: 5,
    checksum: 0,
    reserved: 0,
    options: [],
    payload: Buffer.alloc(0),
    checksumOk: true,
  });
  t.same(inferStates(ack(5001, 1001), k).states, ['ESTABLISHED']);
  t.same(inferStates(ack(5001, 1001), { ...k, highestAckSent: undefined }).states, ['SYN-RECEIVED'], 'we never ACKed its SYN');
  t.same(inferStates(ack(5002, 1001), { ...k, remoteFinSeq: 5001 }).states, ['FIN-WAIT-1'], 'its FIN not ACKed by us');
  t.same(inferStates(ack(5002, 1001), { ...k, remoteFinSeq: 5001, highestAckSent: 5002 }).states, ['FIN-WAIT-2']);
  t.same(inferStates(ack(5001, 1002), { ...k, ourFinSeq: 1001 }).states, ['CLOSE-WAIT'], 'it ACKed our FIN and sent none');
  t.same(inferStates(ack(5002, 1002), { ...k, ourFinSeq: 1001, remoteFinSeq: 5001 }).states, ['CLOSING', 'LAST-ACK']);
  t.same(inferStates(ack(5002, 1002), { ...k, ourFinSeq: 1001, remoteFinSeq: 5001, highestAckSent: 5002 }).states, ['TIME-WAIT']);
  t.same(inferStates({ ...ack(0, 0), flags: RST }, k).states, ['CLOSED', 'LISTEN'], 'a RST: no connection');
  t.same(inferStates({ ...ack(0, 0), flags: FIN }, k).states, [], 'an answer no state gives');
  t.same(inferStates(null, k).states, [], 'silence proves nothing');
});
