// Pure parts of remote mode, no root: the token bucket and the half-open cap that keep a run from
// looking like a flood, the route parser, and the state inference from the probe's answer.
import t from 'tap';
import { ACK, FIN, RST, SYN, type DecodedTcp } from '../../src/packet/types.js';
import { inferStates, probeSegment, PROBE_BACKOFF } from '../../src/peer/state-probe.js';
import { parseRouteGet } from '../../src/wire/route.js';
import { ThrottledTransport, TokenBucket } from '../../src/wire/throttle.js';
import { MemoryTransport } from '../../src/wire/memory.js';
import { Seq } from '../../src/packet/index.js';

/** A fake clock: sleep() advances it, so waits are exact and instant. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

t.test('token bucket: a burst goes at once, then one token per 1/rate s, in order', async (t) => {
  const clock = fakeClock();
  const b = new TokenBucket(5, 2, clock.now, clock.sleep);
  t.same([await b.take(), await b.take()], [0, 0], 'the burst of 2 waits for nothing');
  t.equal(Math.round(await b.take()), 200, 'the third waits 1/5 s');
  t.equal(Math.round(await b.take()), 200, 'and so does the fourth');
  clock.advance(1000);
  t.same([await b.take(), await b.take()], [0, 0], 'after a quiet second the bucket is full again (no more than the burst)');
  t.equal(Math.round(await b.take()), 200);
  t.throws(() => new TokenBucket(0, 1), /rate must be > 0/);
  t.throws(() => new TokenBucket(1, 0), /burst must be ≥ 1/);
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
  // Completing the first handshake (our ACK) frees its slot.
  await w.send('198.18.0.2', { srcPort: 40001, dstPort: 80, seq: 2, ack: 5, flags: ACK, window: 1000 });
  await pending;
  t.ok(third, 'the third SYN went once a slot was free');
  t.equal(w.stats.peakHalfOpen, 2, 'the cap held');
  // A RST from the remote frees a slot too.
  w.listen({ localPort: 40002, remoteAddr: '198.18.0.2', remotePort: 80 }, () => {});
  inner.inject('198.18.0.2', { srcPort: 80, dstPort: 40002, seq: 0, ack: 2, flags: RST | ACK, window: 0 });
  t.equal(w.halfOpenCount, 1, 'the refused connection is no longer half-open');
  t.equal(inner.sent.length, 4);
  t.throws(() => new ThrottledTransport(inner, { rate: 1, maxHalfOpen: 0 }), /maxHalfOpen must be an integer ≥ 1/);
});

t.test('route: ip -j route get output parsed; unusable routes are clear errors', async (t) => {
  t.same(parseRouteGet('[{"dst":"198.18.0.2","dev":"tcpfsm-0","prefsrc":"198.18.0.1","flags":[],"uid":0,"cache":[]}]', '198.18.0.2'), {
    dst: '198.18.0.2', iface: 'tcpfsm-0', src: '198.18.0.1', type: 'unicast',
  });
  t.same(parseRouteGet('[{"type":"local","dst":"127.0.0.1","dev":"lo","prefsrc":"127.0.0.1"}]', '127.0.0.1').iface, 'lo');
  t.match(parseRouteGet('[{"dst":"198.51.100.7","gateway":"10.0.0.1","dev":"eth0","prefsrc":"10.0.0.2"}]', '198.51.100.7'), { gateway: '10.0.0.1', iface: 'eth0' });
  t.throws(() => parseRouteGet('[]', '198.18.0.9'), /the kernel has no route to 198\.18\.0\.9/);
  t.throws(() => parseRouteGet('[{"type":"unreachable","dst":"198.18.0.9","dev":"lo"}]', '198.18.0.9'), /of type unreachable/);
  t.throws(() => parseRouteGet('garbage', '198.18.0.9'), /printed no JSON/);
});

t.test('state inference: the probe sits left of the window; each answer narrows the candidates', async (t) => {
  const k = { sndNxt: 1001, rcvNxt: 5001, irs: 5000, highestAckSent: 5001 };
  const probe = probeSegment(k);
  t.equal(probe.seq, Seq.sub(1001, PROBE_BACKOFF), 'one old byte, 2^20 left of RCV.NXT: never acceptable');
  const ack = (seq: number, ackNo: number): DecodedTcp =>
    ({ srcPort: 80, dstPort: 40001, seq, ack: ackNo, flags: ACK, window: 1000, urgent: 0, dataOffset: 5, checksum: 0, reserved: 0, options: [], payload: Buffer.alloc(0), checksumOk: true });
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
