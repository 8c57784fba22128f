// Loss is not non-conformance. In the lab, nft inside the target namespace drops the target's own
// segments on their way out (this kernel has no netem): every other SYN-ACK, or everything.
//   one SYN-ACK lost     we retransmit our SYN as TCP would, the next SYN-ACK passes: the step passes
//   silence after loss   the test is inconclusive (loss on the path may explain it), not failed
//   silence, no loss     the target never answered: the step fails as before
import t from 'tap';
import { Seq } from '../../src/packet/index.js';
import { ExpectationError, InconclusiveError, PeerConnection } from '../../src/peer/connection.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection } from '../../src/peer/scripted.js';
import { Trace } from '../../src/peer/trace.js';
import { run } from '../../src/sys/exec.js';
import { openTarget, type Target } from '../../src/target/target.js';

const nft = (target: Target, ...args: string[]) => run('ip', ['netns', 'exec', target.lab!, 'nft', ...args]);

async function dropRule(target: Target, rule: string): Promise<void> {
  await nft(target, 'add', 'table', 'inet', 'tcpfsm-loss');
  await nft(target, 'add', 'chain', 'inet', 'tcpfsm-loss', 'out', '{ type filter hook output priority 0; }');
  await nft(target, 'add', 'rule', 'inet', 'tcpfsm-loss', 'out', ...rule.split(' '));
}

async function withTarget(fn: (target: Target, c: ScriptedConnection) => Promise<void>): Promise<void> {
  const target = await openTarget({ profile: 'rfc' });
  try {
    const { port } = await target.agent!.listen(0);
    const c = new ScriptedConnection(
      new PeerConnection(target.wire, target.address, port, { trace: new Trace() }),
      RemoteModel.listening(target.profile),
      null,
    );
    try {
      await fn(target, c);
    } finally {
      c.close();
    }
  } finally {
    await target.close();
  }
}

t.test('one lost SYN-ACK: our SYN is retransmitted and the handshake goes on', async (t) => {
  await withTarget(async (target, c) => {
    await dropRule(target, 'tcp flags & (syn | ack) == syn | ack numgen inc mod 2 == 0 drop');
    await c.send('S');
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) }, 300);
    t.equal(synAck.ack, Seq.add(c.iss, 1));
    t.equal(c.peer.trace.lossEvents, 1, 'the loss is remembered for the rest of the test');
    t.match(c.peer.trace.lines().join('\n'), /our segment retransmitted[\s\S]*came only after our retransmission/);
    await c.send('.');
    t.equal(c.model.state, 'ESTABLISHED');
  });
});

t.test('an answer missing on a path that lost segments before is inconclusive', async (t) => {
  await withTarget(async (target, c) => {
    await dropRule(target, 'tcp flags & (syn | ack) == syn | ack numgen inc mod 2 == 0 drop');
    await c.send('S');
    await c.expect({ flags: 'S.' }, 300);
    await c.send('.');
    await nft(target, 'add', 'rule', 'inet', 'tcpfsm-loss', 'out', 'drop');
    await c.send({ flags: 'P.', payload: 'hello' });
    const e = await c.expect('.', 200).catch((x: unknown) => x);
    t.type(e, InconclusiveError);
    t.match((e as Error).message, /after 2 retransmissions .* on a path that lost 1 segment earlier in this test/);
  });
});

t.test('a target that never answers, on a path with no loss seen, still fails', async (t) => {
  await withTarget(async (target, c) => {
    await dropRule(target, 'drop');
    await c.send('S');
    const e = await c.expect({ flags: 'S.' }, 200).catch((x: unknown) => x);
    t.type(e, ExpectationError);
    t.match((e as Error).message, /expected \[S\.\] .* got nothing/);
    t.equal(c.peer.trace.lossEvents, 0);
  });
});
