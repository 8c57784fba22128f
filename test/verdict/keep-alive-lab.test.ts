// MUST-25 on a real kernel: the lab's Linux with the application never asking for keep-alives
// conforms; the same kernel whose application turned them on (SO_KEEPALIVE, 1 s idle: what a
// stack with keep-alives on by default looks like from outside) is caught as a violation, both
// from the probe on the wire and from the kernel's armed keep-alive timer.
import t from 'tap';
import { PeerConnection } from '../../src/peer/connection.js';
import { watchForKeepAlives } from '../../src/peer/keep-alive.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection, stateGroundTruth } from '../../src/peer/scripted.js';
import { openTarget } from '../../src/target/target.js';

async function idleFinding(keepAliveMs: number | undefined) {
  const target = await openTarget();
  try {
    const { port } = await target.agent!.listen(0, keepAliveMs ? { keepAliveMs } : {});
    const peer = new PeerConnection(target.wire, target.address, port);
    const c = new ScriptedConnection(peer, RemoteModel.listening(target.profile), stateGroundTruth(target.states!, target.address, target.probeAddress));
    try {
      await c.handshake();
      await c.send({ flags: 'P.', payload: 'ping' });
      await c.expect({ flags: '.', ack: c.sndNxt });
      return await watchForKeepAlives(c, { idleMs: 2500, states: target.states! });
    } finally {
      c.close();
    }
  } finally {
    await target.close();
  }
}

t.test('keep-alives left off by the application: MUST-25 conforms', async (t) => {
  const f = await idleFinding(undefined);
  t.match(f, { level: 'conforms', requirement: 'MUST-25', observed: /no keep-alive probe in 2.5 s, and no keep-alive timer/ });
});

t.test('keep-alives on after 1 s idle: a probe at SND.NXT-1 is a MUST-25 violation', async (t) => {
  const f = await idleFinding(1000);
  t.match(f, { level: 'violation', requirement: 'MUST-25', observed: /^\d+ keep-alive probes \(\[Flags \[\.\], ack 5, / });
});
