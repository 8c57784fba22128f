// PeerConnection over the in-memory transport: sequence tracking on both sides, and failure
// messages that name the field with expected vs actual in decimal and hex (after packetdrill).
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { ACK, FIN, PSH, SYN, type TcpSegment } from '../../src/packet/types.js';
import { ExpectationError, PeerConnection } from '../../src/peer/connection.js';
import { MemoryTransport } from '../../src/wire/memory.js';
import { PROBE_ADDR, REMOTE_ADDR, REMOTE_PORT } from './rfc-responder.js';

const ISS = 0xffff_fffd; // close to the wrap, so every advance is modular
const IRS = 1_000_000;

function setup() {
  const transport = new MemoryTransport(PROBE_ADDR);
  const peer = new PeerConnection(transport, REMOTE_ADDR, REMOTE_PORT, { iss: ISS });
  const inject = (s: Partial<TcpSegment>) =>
    transport.inject(REMOTE_ADDR, {
      srcPort: REMOTE_PORT,
      dstPort: peer.localPort,
      seq: 0,
      ack: 0,
      flags: ACK,
      window: 1000,
      options: [],
      payload: Buffer.alloc(0),
      ...s,
    });
  return { transport, peer, inject };
}

t.test('SND.NXT advances over SYN, data and FIN only when the segment starts at SND.NXT', async (t) => {
  const { peer } = setup();
  t.teardown(() => peer.close());
  await peer.send('S');
  t.equal(peer.sndNxt, Seq.add(ISS, 1), 'SYN: ISS+1');
  await peer.send({ flags: 'P.', seq: Seq.add(peer.sndNxt, 10), payload: 'abc' });
  t.equal(peer.sndNxt, Seq.add(ISS, 1), 'out-of-sequence data does not move SND.NXT');
  await peer.send({ flags: 'P.', payload: 'hello' });
  t.equal(peer.sndNxt, Seq.add(ISS, 6), 'in-sequence data: +5 (across the 2^32 wrap)');
  await peer.send({ flags: 'F.', seq: Seq.sub(peer.sndNxt, 1) });
  t.equal(peer.sndNxt, Seq.add(ISS, 6), 'a FIN below SND.NXT (a retransmission) does not move it');
  await peer.send('F.');
  t.equal(peer.sndNxt, Seq.add(ISS, 7), 'FIN: +1');
});

t.test('RCV.NXT follows the SYN, in-order data and the FIN, not out-of-order segments', async (t) => {
  const { peer, inject } = setup();
  t.teardown(() => peer.close());
  await peer.send('S');
  inject({ flags: SYN | ACK, seq: IRS, ack: Seq.add(ISS, 1) });
  t.equal(peer.irs, IRS, 'IRS learned from the SYN-ACK');
  t.equal(peer.rcvNxt, IRS + 1, 'RCV.NXT = IRS+1');
  inject({ flags: ACK | PSH, seq: IRS + 1, payload: Buffer.from('12345') });
  t.equal(peer.rcvNxt, IRS + 6, 'in-order data: +5');
  inject({ flags: ACK | PSH, seq: IRS + 20, payload: Buffer.from('xx') });
  t.equal(peer.rcvNxt, IRS + 6, 'out-of-order data: unchanged');
  inject({ flags: ACK | SYN, seq: IRS, ack: Seq.add(ISS, 1) });
  t.equal(peer.irs, IRS, 'a retransmitted SYN-ACK does not change IRS');
  t.equal(peer.rcvNxt, IRS + 6, '... nor RCV.NXT');
  inject({ flags: ACK | FIN, seq: IRS + 6 });
  t.equal(peer.rcvNxt, IRS + 7, 'FIN at RCV.NXT: +1');
  t.equal(peer.pending().length, 5, 'every arrival is queued for expect()');
});

t.test('an expect() mismatch names the field, expected vs actual in decimal and hex', async (t) => {
  const { peer, inject } = setup();
  t.teardown(() => peer.close());
  inject({ flags: ACK, seq: 7, ack: 0xdeadbeef });
  const err = await peer.expect({ flags: '.', ack: 0xdeadbeee }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ExpectationError, 'ExpectationError');
  t.match((err as Error).message, 'tcp_ack_seq: expected: 3735928558 (0xdeadbeee) vs actual: 3735928559 (0xdeadbeef)');
  inject({ flags: ACK | FIN, seq: 7 });
  const flagsErr = await peer.expect({ flags: '.' }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match((flagsErr as Error).message, /tcp_flags: expected: \[\.\] vs actual: \[F\.\]/);
  const none = await peer.expect('.', 50).then(
    () => null,
    (e: unknown) => e,
  );
  t.match((none as Error).message, /within 50 ms, got nothing/);
});

t.test('expectNothing() fails when a segment arrives and passes when none does', async (t) => {
  const { peer, inject } = setup();
  t.teardown(() => peer.close());
  await t.resolves(peer.expectNothing(30), 'quiet wire: passes');
  setTimeout(() => inject({ flags: ACK, seq: 1, ack: 2 }), 10);
  await t.rejects(peer.expectNothing(200), { name: 'ExpectationError', message: /expected no answer for 200 ms, got .*\[\.\]/ });
});

t.test('segments for another connection are not delivered to this one', async (t) => {
  const { peer, transport } = setup();
  t.teardown(() => peer.close());
  const delivered = transport.inject(REMOTE_ADDR, {
    srcPort: REMOTE_PORT + 1,
    dstPort: peer.localPort,
    seq: 0,
    ack: 0,
    flags: FIN | ACK,
    window: 0,
    options: [],
    payload: Buffer.alloc(0),
  });
  t.equal(delivered, false, 'no listener for that 4-tuple');
  t.equal(peer.pending().length, 0);
});
