// A target whose segments carry wrong TCP checksums (MUST-2) is caught, and such a segment is
// ignored as a receiver must (MUST-3). The deviant target is the lab's own Linux with transmit
// checksum offload turned back on for its veth: veth then hands over partial checksums, so every
// SYN-ACK reaches the probe with a checksum that does not verify.
import t from 'tap';
import { TARGET_INTERFACE } from '../../src/lab/addressing.js';
import { Seq } from '../../src/packet/index.js';
import { PeerConnection } from '../../src/peer/connection.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection } from '../../src/peer/scripted.js';
import { run } from '../../src/sys/exec.js';
import { openTarget } from '../../src/target/target.js';

async function synAckFrom(offload: 'on' | 'off') {
  const target = await openTarget({ profile: 'rfc' });
  try {
    await run('ip', ['netns', 'exec', target.lab!, 'ethtool', '-K', TARGET_INTERFACE, 'tx', offload]);
    const { port } = await target.agent!.listen(0);
    const peer = new PeerConnection(target.wire, target.address, port);
    const c = new ScriptedConnection(peer, RemoteModel.listening(target.profile), null);
    try {
      await c.send('S');
      return await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) }, 1500).then(
        (s) => ({ ok: true as const, seg: s, bad: peer.badChecksums.length }),
        (e: Error & { details?: Record<string, unknown> }) => ({ ok: false as const, error: e, bad: peer.badChecksums.length }),
      );
    } finally {
      c.close();
    }
  } finally {
    await target.close();
  }
}

t.test('a SYN-ACK with a wrong checksum is a MUST-2 violation and is not taken as an answer', async (t) => {
  const r = await synAckFrom('on');
  t.notOk(r.ok, 'the step fails');
  if (r.ok) return;
  t.match(r.error.message, /wrong TCP checksum .*MUST-2 violated/);
  t.match(r.error.details?.findings, [{ level: 'violation', requirement: 'MUST-2' }]);
  t.ok(r.bad >= 1, `the bad segment was kept aside (${r.bad})`);
});

t.test('the same target with correct checksums passes the same step', async (t) => {
  const r = await synAckFrom('off');
  t.ok(r.ok, 'SYN-ACK accepted');
  t.equal(r.bad, 0, 'no bad checksum seen');
});
