// Remote mode has no ground truth: where the state probe shows the state a known stack's departure
// leads to, the model follows it as checkTruth() does with the kernel's state, and the segment is
// graded as that departure (a stack that keeps TIME-WAIT on a RST, RFC 1337) instead of failing.
import t, { type Test as Tap } from 'tap';
import { profiles } from '../../src/fsm/profiles.js';
import { Seq } from '../../src/packet/index.js';
import { ACK, FIN, RST, SYN } from '../../src/packet/types.js';
import { PathDivergedError, PeerConnection } from '../../src/peer/connection.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection } from '../../src/peer/scripted.js';
import { MemoryTransport, type Responder } from '../../src/wire/memory.js';
import { injectReply, PROBE_ADDR, REMOTE_ADDR, REMOTE_ISS, REMOTE_PORT } from './rfc-responder.js';

/** A server that closes first and, in TIME-WAIT, ignores a RST (RFC 1337 3); out of sequence: ACK. */
class Rfc1337Server {
  state: 'LISTEN' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'FIN-WAIT-1' | 'FIN-WAIT-2' | 'TIME-WAIT' = 'LISTEN';
  sndNxt = REMOTE_ISS;
  rcvNxt = 0;
  private port = 0;
  private transport: MemoryTransport | undefined;

  readonly respond: Responder = (sent, transport) => {
    this.transport = transport;
    const seg = sent.tcp;
    this.port = seg.srcPort;
    if (this.state === 'LISTEN' && seg.flags & SYN) {
      this.rcvNxt = Seq.add(seg.seq, 1);
      this.reply(SYN | ACK);
      this.sndNxt = Seq.add(this.sndNxt, 1);
      this.state = 'SYN-RECEIVED';
      return;
    }
    if (seg.flags & RST) return; // TIME-WAIT keeps its protection; no other state meets one here
    if (seg.seq !== this.rcvNxt) return this.reply(ACK);
    if (this.state === 'SYN-RECEIVED') this.state = 'ESTABLISHED';
    if (this.state === 'FIN-WAIT-1' && seg.ack === this.sndNxt) this.state = 'FIN-WAIT-2';
    if (seg.flags & FIN && this.state === 'FIN-WAIT-2') {
      this.rcvNxt = Seq.add(this.rcvNxt, 1);
      this.state = 'TIME-WAIT';
      this.reply(ACK);
    }
  };

  close(): void {
    this.reply(FIN | ACK);
    this.sndNxt = Seq.add(this.sndNxt, 1);
    this.state = 'FIN-WAIT-1';
  }

  private reply(flags: number): void {
    injectReply(this.transport!, this.port, flags, this.sndNxt, this.rcvNxt);
  }
}

/** A scripted connection to a fresh Rfc1337Server, judged by the rfc profile, ESTABLISHED. */
async function established(t: Tap): Promise<{ server: Rfc1337Server; c: ScriptedConnection }> {
  const server = new Rfc1337Server();
  const peer = new PeerConnection(new MemoryTransport(PROBE_ADDR, server.respond), REMOTE_ADDR, REMOTE_PORT, { iss: 0x1000 });
  const c = new ScriptedConnection(peer, RemoteModel.listening(profiles.rfc), null);
  t.teardown(() => c.close());
  c.probeStates = true;
  await c.handshake();
  return { server, c };
}

t.test('a RST ignored in TIME-WAIT, seen by the state probe: graded as the RFC 1337 choice, not failed', async (t) => {
  const { server, c } = await established(t);
  server.close();
  c.remoteCalled('close', { orphaned: true });
  await c.expect('F.');
  await c.send('.');
  await c.send('F.');
  await c.expect('.');
  t.equal(server.state, 'TIME-WAIT');
  await c.send({ flags: 'R' });
  t.equal(c.model.state, 'CLOSED', 'the RFC says a RST at RCV.NXT closes TIME-WAIT');
  const e = await c.probeState().then(
    () => null,
    (x: unknown) => x,
  );
  t.type(e, PathDivergedError, 'the probe shows the departure');
  const f = (e as PathDivergedError).finding;
  t.match(f, { level: 'choice', requirement: 'RFC 1337 3' }, 'graded as the RFC 1337 choice');
  t.match(f.observed, /^TIME-WAIT \(state probe: /, 'observed: the state the probe shows, and its evidence');
  t.equal(c.model.state, 'TIME-WAIT', 'the model follows the target');
});

t.test('a probe answer no known departure explains still fails', async (t) => {
  const { c } = await established(t);
  // The model is told of a close the server never made: the probe shows ESTABLISHED, no departure leads there.
  c.remoteCalled('close', { orphaned: true });
  c.model.expected.length = 0;
  await t.rejects(c.probeState(), { name: 'ExpectationError' }, 'a plain failure');
});
