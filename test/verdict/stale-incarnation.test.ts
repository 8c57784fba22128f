// An earlier incarnation of a 4-tuple is not the target's fault. The target holds a connection in
// TIME-WAIT; a fresh SYN from the same source port with a sequence number behind it is answered
// with the old connection's ACK (RFC 9293 3.10.7.4, TIME-WAIT; Linux tcp_timewait_state_process).
// The harness recognises that answer instead of calling it a wrong SYN-ACK; and source ports are
// remembered across runs so that a remote server's TIME-WAIT 4-tuples are not met again.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { PeerConnection, StaleIncarnationError } from '../../src/peer/connection.js';
import { RemoteModel } from '../../src/peer/model.js';
import { PORT_QUIET_MS, PortMemory } from '../../src/peer/ports.js';
import { ScriptedConnection } from '../../src/peer/scripted.js';
import { openTarget } from '../../src/target/target.js';

t.test("a SYN answered by an older incarnation's ACK is recognised", async (t) => {
  const target = await openTarget();
  t.teardown(() => target.close());
  const { wire } = target;
  const agent = target.agent!;
  const { port } = await agent.listen(0);
  const scripted = (opts: { localPort?: number; iss?: number } = {}) =>
    new ScriptedConnection(new PeerConnection(wire, target.address, port, opts), RemoteModel.listening(target.profile), null);
  const old = scripted();
  await old.send('S');
  await old.expect('S.');
  await old.send('.');
  // The target closes first and ends in TIME-WAIT once both FINs are ACKed.
  const { conn } = await agent.accepted(port, old.peer.localPort);
  await agent.close(conn);
  old.remoteCalled('close', { orphaned: true });
  await old.expect('F.');
  await old.send('.');
  await old.send('F.');
  await old.expect('.');
  t.equal(old.model.state, 'TIME-WAIT');
  old.close();
  const fresh = scripted({ localPort: old.peer.localPort, iss: Seq.sub(old.sndNxt, 100_000) });
  t.teardown(() => fresh.close());
  await fresh.send('S');
  const e = await fresh.expect('S.').catch((x: unknown) => x);
  t.type(e, StaleIncarnationError);
  t.match((e as Error).message, new RegExp(`source port ${old.peer.localPort} met an older incarnation`));
});

t.test('port memory: recent ports per target are avoided across processes, old ones forgotten', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'tcpfsm-ports-')), 'ports.json');
  let now = 1_000_000;
  const a = new PortMemory(file, () => now);
  a.use('198.18.0.2:80', 40001);
  a.use('198.18.0.2:80', 40002);
  a.use('198.18.0.6:80', 40003);
  a.save();
  const b = new PortMemory(file, () => now + 1000);
  t.same([...b.recent('198.18.0.2:80')].sort(), [40001, 40002], 'another run sees them');
  t.same([...b.recent('198.18.0.9:80')], [], 'per target');
  now += PORT_QUIET_MS + 1;
  const c = new PortMemory(file, () => now);
  t.same([...c.recent('198.18.0.2:80')], [], 'after 2 MSL (240 s) a port is free again');
  c.use('198.18.0.2:80', 40009);
  c.save();
  t.same([...new PortMemory(file, () => now).recent('198.18.0.6:80')], [], 'saving drops the expired entries');
});
