// Fixtures: drive the remote into each RFC 9293 state on a connection of its own, each built on
// the one before (toFinWait1 = toEstablished + the remote's close, and so on), and verified on
// arrival: the FSM model AND the target's own state (ground truth; inferred by a probe where the
// target has none) must both be in the state before a fixture returns. Any target with app
// control (an agent) will do.
//   CLOSED        a port nobody listens on
//   LISTEN        the agent listens
//   SYN-RECEIVED  > S          < S.                    (we hold the final ACK)
//   SYN-SENT      agent connect()s to the probe   < S  (we never answer)
//   ESTABLISHED   > S  < S.  > .
//   CLOSE-WAIT    ESTABLISHED  > F.  < .
//   LAST-ACK      CLOSE-WAIT   agent close()  < F.   (we hold the ACK)
//   FIN-WAIT-1    ESTABLISHED  agent close()  < F.   (we hold the ACK)
//   FIN-WAIT-2    FIN-WAIT-1   > .
//   CLOSING       FIN-WAIT-1   > F. acking only up to their FIN  < .
//   TIME-WAIT     FIN-WAIT-2   > F.  < .
// RFC 9293 3.5 (opening), 3.6 (closing), figure 5 (the state diagram).
import type { TcpState } from '../fsm/index.js';
import type { AgentClient } from '../lab/index.js';
import { Seq } from '../packet/index.js';
import { FIN } from '../packet/types.js';
import type { Target } from '../target/target.js';
import { InconclusiveError, PeerConnection } from './connection.js';
import { RemoteModel } from './model.js';
import { REPLY_DEADLINE_MS, ScriptedConnection, stateGroundTruth } from './scripted.js';
import { Trace } from './trace.js';

/** What a fixture needs of the target: its address, wire and profile, app control, ground truth if any. */
export type FixtureEnv = Pick<Target, 'address' | 'probeAddress' | 'wire' | 'profile' | 'agent' | 'states'> &
  Partial<Pick<Target, 'appSeesProbe'>> & {
    /**
     * Remote mode (no agent): the server's one listening port, and what makes its application
     * close first (the close trigger), if anything does. States reachable from outside only.
     */
    remote?: {
      port: number;
      close?: (c: ScriptedConnection) => Promise<void>;
      /** learnt by the first fixture that looked: whether the server closes when it reads our FIN */
      closesOnEof?: boolean;
    };
  };

export type Fixture = (env: FixtureEnv) => Promise<ScriptedConnection>;

function agentOf(env: FixtureEnv): AgentClient {
  if (!env.agent) throw new Error("the state fixtures drive the target's application: this target has no agent (declare needs: ['agent'])");
  return env.agent;
}

/** A scripted connection with its own trace; checked steps become trace notes. */
function scripted(env: FixtureEnv, peer: PeerConnection, model: RemoteModel): ScriptedConnection {
  peer.dropOldDuplicates = !env.agent; // remote, paced: the server may retransmit before we answer
  const c = new ScriptedConnection(peer, model, env.states ? stateGroundTruth(env.states, env.address, env.probeAddress) : null);
  c.probeStates = !env.states;
  c.onStep = (text) => peer.trace.note(`ok ${text}`);
  return c;
}

/** A connection from a fresh probe port to `port`, the remote's model in `remote`. */
export function connectTo(env: FixtureEnv, port: number, remote: 'LISTEN' | 'CLOSED'): ScriptedConnection {
  const peer = new PeerConnection(env.wire, env.address, port, { trace: new Trace() });
  const model = RemoteModel.listening(env.profile);
  model.state = remote;
  return scripted(env, peer, model);
}

/** The agent's close() on the connection it accepted from `c`; the model follows (orphaned socket). */
async function remoteClose(env: FixtureEnv, c: ScriptedConnection): Promise<void> {
  if (!env.agent && env.remote) {
    if (!env.remote.close) throw new Error("the server's close needs a close trigger (declare needs: ['app-close'])");
    await env.remote.close(c);
    // A server that closes first close()s its socket (an HTTP/1.0 server does): the model takes it
    // as orphaned, as the agent's close() is (Linux then resets new data, src/fsm/profiles.ts).
    c.model.tcb = { ...c.model.tcb, orphaned: true };
    return;
  }
  const agent = agentOf(env);
  // Behind a proxy the application's peer is the proxy itself: the fixture's own listening port alone says.
  const { conn } = await agent.accepted(c.peer.remotePort, env.appSeesProbe === false ? undefined : c.peer.localPort);
  await agent.close(conn);
  c.remoteCalled('close', { orphaned: true });
}

async function arrived(c: ScriptedConnection, state: TcpState): Promise<ScriptedConnection> {
  // Without ground truth the arrival is judged by the answers on the way (each the oracle's), not
  // by a state probe: its answer would spend the remote's rate limit on out-of-window ACKs (gVisor
  // limits even those to data) and silence the very answer the next segment is judged by. The
  // state after that segment is probed instead (suites/matrix.ts).
  const probe = c.probeStates;
  c.probeStates = false;
  try {
    await c.inState(state);
  } catch (e) {
    c.close();
    throw e;
  } finally {
    c.probeStates = probe;
  }
  return c;
}

/** Run `steps` on `c`; release its port if they fail. */
async function steps(c: ScriptedConnection, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    c.close();
    throw e;
  }
}

export async function toClosed(env: FixtureEnv): Promise<ScriptedConnection> {
  const agent = agentOf(env);
  const { port } = await agent.listen(0);
  await agent.unlisten(port);
  return arrived(connectTo(env, port, 'CLOSED'), 'CLOSED');
}

export async function toListen(env: FixtureEnv): Promise<ScriptedConnection> {
  const port = !env.agent && env.remote ? env.remote.port : (await agentOf(env).listen(0)).port;
  return arrived(connectTo(env, port, 'LISTEN'), 'LISTEN');
}

/** Our SYN answered by the SYN-ACK; we hold the final ACK (the SYN-ACK retransmits after 1 s). */
export async function toSynReceived(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toListen(env);
  await steps(c, async () => {
    await c.send('S');
    await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
  });
  return arrived(c, 'SYN-RECEIVED');
}

/**
 * The remote's active open towards the probe: the agent connect()s to a fresh probe port and we
 * never answer its SYN (it retransmits after 1 s). The model starts from what the SYN showed:
 * ISS = its SEG.SEQ, SND.NXT = ISS+1. RCV.NXT is not defined before the SYN-ACK (RFC 9293 3.3.1);
 * the model uses our ISS so the cells' sequence positions are relative to the SYN we would send.
 */
export async function toSynSent(env: FixtureEnv): Promise<ScriptedConnection> {
  const agent = agentOf(env);
  const peer = PeerConnection.accepting(env.wire, env.address, { trace: new Trace() });
  try {
    await agent.connect(env.probeAddress, peer.localPort);
    const syn = await peer.expect({ flags: 'S' }, REPLY_DEADLINE_MS, "the remote's SYN");
    const model = new RemoteModel(
      'SYN-SENT',
      {
        iss: syn.seq,
        irs: peer.iss,
        sndUna: syn.seq,
        sndNxt: Seq.add(syn.seq, 1),
        sndWnd: 0,
        rcvNxt: peer.iss,
        rcvWnd: syn.window,
        passiveOpen: false,
        listening: false,
      },
      env.profile,
    );
    return arrived(scripted(env, peer, model), 'SYN-SENT');
  } catch (e) {
    peer.close();
    throw e;
  }
}

export async function toEstablished(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toListen(env);
  await steps(c, () => c.handshake());
  return arrived(c, 'ESTABLISHED');
}

export async function toCloseWait(env: FixtureEnv): Promise<ScriptedConnection> {
  const closes = 'the server closes as soon as it reads our FIN (its FIN follows its ACK): it does not stay in CLOSE-WAIT';
  knownUnreachable(env, true, closes);
  const c = await ourFinAcked(env);
  // A server of its own closes when it reads our FIN: then CLOSE-WAIT lasts only until its FIN.
  if (!env.agent && (c.peer.pending().length > 0 || (env.remote?.closesOnEof !== false && (await serverClosesOnEof(env, c))))) throw inconclusive(c, closes);
  return arrived(c, 'CLOSE-WAIT');
}

/**
 * ESTABLISHED, then our FIN, which the remote ACKs. A server that closes at once may let that ACK
 * ride on its own FIN (RFC 9293 3.8.6.3): then the FIN is left queued for the caller, the ACK's
 * expectation is met by it, and the server is known to close on our FIN.
 */
async function ourFinAcked(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toEstablished(env);
  await steps(c, async () => {
    await c.send('F.');
    if (!env.agent && (await c.peer.waitQueued(1, REPLY_DEADLINE_MS)) && (c.peer.pending()[0]!.tcp.flags & FIN) !== 0) {
      c.model.expected.shift();
      c.peer.trace.note('its ACK of our FIN rides on its own FIN: the server closes as soon as it reads ours');
      if (env.remote) env.remote.closesOnEof = true;
      return;
    }
    await c.expect('.');
  });
  return c;
}

/**
 * Remote mode: whether the server's FIN follows our FIN's ACK (it closes on end of stream). The
 * answer is kept: once a server was seen to hold CLOSE-WAIT, later fixtures need not wait again.
 */
async function serverClosesOnEof(env: FixtureEnv, c: ScriptedConnection): Promise<boolean> {
  const closes = await c.peer.waitQueued(1, REPLY_DEADLINE_MS);
  if (env.remote) env.remote.closesOnEof = closes;
  return closes;
}

/** Remote mode, before any packet: the server was seen (not) to close on our FIN, so `state` is out of reach. */
function knownUnreachable(env: FixtureEnv, closes: boolean, why: string): void {
  if (!env.agent && env.remote?.closesOnEof === closes)
    throw new InconclusiveError(`${why} (seen on an earlier connection): the state's precondition is not met`, []);
}

function inconclusive(c: ScriptedConnection, why: string): InconclusiveError {
  c.close();
  return new InconclusiveError(`${why}: the state's precondition is not met`, c.peer.trace.lines());
}

/** CLOSE-WAIT, then the application closes: its FIN arrives and we hold our ACK. */
export async function toLastAck(env: FixtureEnv): Promise<ScriptedConnection> {
  if (!env.agent) {
    // Remote mode: a server closes by itself when it reads our FIN; one that holds CLOSE-WAIT cannot be made to.
    const holds = `the server stays in CLOSE-WAIT after our FIN (no FIN of its own within ${REPLY_DEADLINE_MS} ms): it does not close on end of stream`;
    knownUnreachable(env, false, holds);
    const c = await ourFinAcked(env);
    if (!c.peer.pending().length && !(await serverClosesOnEof(env, c))) throw inconclusive(c, holds);
    await steps(c, async () => {
      c.remoteCalled('close', { orphaned: true });
      await c.expect('F.');
    });
    return arrived(c, 'LAST-ACK');
  }
  const c = await toCloseWait(env);
  await steps(c, async () => {
    await remoteClose(env, c);
    await c.expect('F.');
  });
  return arrived(c, 'LAST-ACK');
}

/** The application closes first: its FIN arrives and we hold our ACK. */
export async function toFinWait1(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toEstablished(env);
  await steps(c, async () => {
    await remoteClose(env, c);
    await c.expect('F.');
  });
  return arrived(c, 'FIN-WAIT-1');
}

export async function toFinWait2(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toFinWait1(env);
  await steps(c, () => c.send('.').then(() => undefined));
  return arrived(c, 'FIN-WAIT-2');
}

/** Simultaneous close: our FIN crosses theirs (it acknowledges everything before their FIN). */
export async function toClosing(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toFinWait1(env);
  await steps(c, async () => {
    await c.send({ flags: 'F.', ack: Seq.sub(c.rcvNxt, 1) });
    await c.expect('.');
  });
  return arrived(c, 'CLOSING');
}

export async function toTimeWait(env: FixtureEnv): Promise<ScriptedConnection> {
  const c = await toFinWait2(env);
  await steps(c, async () => {
    await c.send('F.');
    await c.expect('.');
  });
  return arrived(c, 'TIME-WAIT');
}

/** The fixture for each state. */
export const fixtures: Readonly<Record<TcpState, Fixture>> = {
  CLOSED: toClosed,
  LISTEN: toListen,
  'SYN-SENT': toSynSent,
  'SYN-RECEIVED': toSynReceived,
  ESTABLISHED: toEstablished,
  'FIN-WAIT-1': toFinWait1,
  'FIN-WAIT-2': toFinWait2,
  'CLOSE-WAIT': toCloseWait,
  CLOSING: toClosing,
  'LAST-ACK': toLastAck,
  'TIME-WAIT': toTimeWait,
};
