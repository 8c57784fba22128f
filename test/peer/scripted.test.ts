// ScriptedConnection + RemoteModel against an RFC-behaving in-memory remote: the oracle's
// predictions are checked on every segment, and a wrong oracle (a mutated FSM row) makes the
// scripted exchange fail — a suite cannot pass with a broken state machine.
import t, { type Test as Tap } from 'tap';
import { type Profile, rfcProfile, withTable } from '../../src/fsm/profiles.js';
import { rfcTable, type Transition } from '../../src/fsm/table.js';
import { ExpectationError, PeerConnection } from '../../src/peer/connection.js';
import { RemoteModel } from '../../src/peer/model.js';
import { ScriptedConnection } from '../../src/peer/scripted.js';
import { MemoryTransport } from '../../src/wire/memory.js';
import { PROBE_ADDR, REMOTE_ADDR, REMOTE_PORT, RfcResponder } from './rfc-responder.js';

function scripted(profile: Profile) {
  const remote = new RfcResponder();
  const transport = new MemoryTransport(PROBE_ADDR, remote.respond);
  const peer = new PeerConnection(transport, REMOTE_ADDR, REMOTE_PORT, { iss: 0x1000 });
  const c = new ScriptedConnection(peer, RemoteModel.listening(profile), null);
  const steps: string[] = [];
  c.onStep = (s) => steps.push(s);
  return { c, remote, steps };
}

/** The passive-close ladder of suites/passive-close.ts, against the in-memory remote. */
async function passiveClose(c: ScriptedConnection, remote: RfcResponder): Promise<void> {
  await c.handshake();
  await c.send('F.');
  await c.expect({ flags: '.', ack: c.sndNxt });
  await c.inState('CLOSE-WAIT');
  remote.close();
  c.remoteCalled('close');
  await c.expect({ flags: 'F.', ack: c.sndNxt });
  await c.inState('LAST-ACK');
  await c.send('.');
  await c.inState('CLOSED');
  await c.expectNothing(50);
}

t.test('the RFC oracle and an RFC-behaving remote agree on a whole passive close', async (t) => {
  const { c, remote, steps } = scripted(rfcProfile);
  t.teardown(() => c.close());
  await passiveClose(c, remote);
  t.equal(remote.state, 'CLOSED', 'the remote itself ended CLOSED');
  t.equal(c.irs, 0x8000_0000, 'the remote ISS was learned from its SYN-ACK');
  t.ok(steps.length >= 10, `each step was checked (${steps.length})`);
  t.same(
    [...c.model.rows].sort(),
    ['close-wait-close', 'established-rcv-fin', 'last-ack-rcv-ack-of-fin', 'listen-rcv-syn', 'rcv-ack', 'syn-received-rcv-ack-of-syn'].sort(),
    'rows exercised',
  );
});

const mutate = (tt: Tap, id: string, change: Partial<Transition>): Profile => {
  tt.ok(
    rfcTable.some((r) => r.id === id),
    `row ${id} exists`,
  );
  return withTable(
    rfcProfile,
    rfcTable.map((r) => (r.id === id ? { ...r, ...change } : r)),
  );
};

t.test('a mutated row (ESTABLISHED + FIN → ESTABLISHED, no ACK) makes the passive close fail', async (t) => {
  const { c, remote } = scripted(mutate(t, 'established-rcv-fin', { to: 'same', emits: [] }));
  t.teardown(() => c.close());
  const err = await passiveClose(c, remote).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ExpectationError, 'the scripted connection throws ExpectationError');
  t.match((err as Error).message, /segment differs from the FSM oracle's prediction: segment: expected: nothing/, (err as Error).message);
  t.equal(c.model.state, 'ESTABLISHED', 'the wrong oracle kept the model in ESTABLISHED');
});

t.test('a mutated row (ESTABLISHED + FIN → LAST-ACK) fails at the state check', async (t) => {
  const { c, remote } = scripted(mutate(t, 'established-rcv-fin', { to: 'LAST-ACK' }));
  t.teardown(() => c.close());
  const err = await passiveClose(c, remote).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ExpectationError, 'the scripted connection throws ExpectationError');
  t.match((err as Error).message, 'the FSM model puts the remote in LAST-ACK, the suite expects CLOSE-WAIT');
});

t.test('a mutated LAST-ACK row (ACK of FIN → LAST-ACK) fails at the final state check', async (t) => {
  const { c, remote } = scripted(mutate(t, 'last-ack-rcv-ack-of-fin', { to: 'same' }));
  t.teardown(() => c.close());
  await t.rejects(passiveClose(c, remote), { name: 'ExpectationError', message: /puts the remote in LAST-ACK, the suite expects CLOSED/ });
});

t.test('a segment differing from the oracle names the field in decimal and hex', async (t) => {
  // Oracle says the SYN-ACK acks ISS+1; a remote that acks ISS+2 must be caught by the oracle
  // even when the suite's own pattern does not look at the ACK field.
  const remote = new RfcResponder();
  const transport = new MemoryTransport(PROBE_ADDR, (sent, tr) => {
    remote.respond({ ...sent, tcp: { ...sent.tcp, seq: sent.tcp.seq + 1 } }, tr);
  });
  const peer = new PeerConnection(transport, REMOTE_ADDR, REMOTE_PORT, { iss: 0x1000 });
  const c = new ScriptedConnection(peer, RemoteModel.listening(rfcProfile), null);
  t.teardown(() => c.close());
  await c.send('S');
  await t.rejects(c.expect('S.'), {
    name: 'ExpectationError',
    message: "segment differs from the FSM oracle's prediction: tcp_ack_seq: expected: 4097 (0x1001) vs actual: 4098 (0x1002)",
  });
});

t.test('expectNothing() fails when the oracle predicts an answer', async (t) => {
  const { c } = scripted(rfcProfile);
  t.teardown(() => c.close());
  await c.send('S');
  await t.rejects(c.expectNothing(50), { name: 'ExpectationError', message: /the suite expects silence but the FSM oracle predicts \[S\.\]/ });
});
