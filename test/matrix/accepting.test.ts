// PeerConnection.accepting(): the probe as the server of the remote's active open (SYN-SENT fixture).
import t from 'tap';
import { ACK, SYN } from '../../src/packet/types.js';
import { PeerConnection } from '../../src/peer/connection.js';
import { MemoryTransport } from '../../src/wire/memory.js';

const REMOTE = '198.18.0.2';

t.test('learns the remote port and ISN from the first SYN, then answers to that port', async (t) => {
  const wire = new MemoryTransport('198.18.0.1');
  const peer = PeerConnection.accepting(wire, REMOTE, { iss: 7000 });
  t.equal(peer.remotePort, 0, 'unknown before the SYN');
  const delivered = wire.inject(REMOTE, {
    srcPort: 45678,
    dstPort: peer.localPort,
    seq: 1234,
    ack: 0,
    flags: SYN,
    window: 64240,
    options: [],
    payload: Buffer.alloc(0),
  });
  t.ok(delivered, 'a SYN from any port of the remote reaches the connection');
  const syn = await peer.expect({ flags: 'S' }, 100);
  t.equal(syn.seq, 1234);
  t.equal(peer.remotePort, 45678);
  t.equal(peer.irs, 1234);
  t.equal(peer.rcvNxt, 1235, 'RCV.NXT = IRS + 1');
  const sent = await peer.send('S.');
  t.equal(sent.tcp.dstPort, 45678, 'our SYN-ACK goes to the port the SYN came from');
  t.equal(sent.tcp.flags, SYN | ACK);
  t.equal(sent.tcp.ack, 1235);
  peer.close();
});

t.test('a connection to a known port ignores other ports of the remote', async (t) => {
  const wire = new MemoryTransport('198.18.0.1');
  const peer = new PeerConnection(wire, REMOTE, 80);
  const delivered = wire.inject(REMOTE, { srcPort: 81, dstPort: peer.localPort, seq: 1, ack: 0, flags: SYN, window: 1, options: [], payload: Buffer.alloc(0) });
  t.notOk(delivered);
  t.equal(peer.remotePort, 80);
  peer.close();
});
