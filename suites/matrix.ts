// The conformance matrix, generated from the FSM table: every state x every segment kind x every
// sequence position (src/fsm/matrix.ts). Each cell runs on a connection of its own:
//   fixture        drive the remote into STATE (src/peer/fixtures.ts), model and kernel agree
//   > KIND         SEG.SEQ at POSITION of the remote's window (RCV.NXT-1, RCV.NXT,
//                  RCV.NXT+RCV.WND-1, RCV.NXT+RCV.WND), SEG.ACK = the remote's SND.NXT
//   < the reply the oracle predicts under the lab's profile (or nothing), and the kernel's next
//     state must equal the model's.
// The ack axis: ACK-bearing kinds at RCV.NXT with SEG.ACK = SND.UNA-1, SND.UNA, SND.NXT+1
// (src/fsm/matrix.ts ackAxis; as gVisor's packetimpact and FreeBSD's tcp-testsuite vary it).
// Each cell also records the RFC profile's prediction: where the two differ the cell "follows a
// deviation" and the report names the RFC text it departs from. RFC 9293 3.10.7, RFC 5961.
// Remote mode (no agent, no ground truth): the states reachable from outside — LISTEN,
// SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT (a server that holds it after our FIN), LAST-ACK (a
// server that closes on our FIN) and, with a close trigger, FIN-WAIT-1, FIN-WAIT-2, CLOSING,
// TIME-WAIT — each cell's next state inferred by the state probe (src/peer/state-probe.ts), paced
// by the remote wire's throttle. CLOSED and SYN-SENT need the agent (a port known to be closed,
// a connect() towards us).
// Either family: the target address (`--family 6`: the lab's ULA address) decides.
import {
  type AckPosition,
  ackAt,
  ackAxis,
  cellPosition,
  cellSegment,
  observable,
  type Prediction,
  predict,
  type Reply,
  rfcProfile,
  type Segment,
  type SegmentKind,
  type SeqPosition,
  segmentKinds,
  seqPositions,
  states,
  type Tcb,
  type TcpState,
} from '../src/fsm/index.js';
import { AgentCommandError, AgentEventTimeout } from '../src/lab/agent/client.js';
import { StateTimeoutError } from '../src/lab/ground-truth.js';
import { formatFlags } from '../src/packet/index.js';
import { ACK, type DecodedTcp, FIN, SYN } from '../src/packet/types.js';
import { ExpectationError, InconclusiveError, PathDivergedError, StaleIncarnationError } from '../src/peer/connection.js';
import { type FixtureEnv, fixtures } from '../src/peer/fixtures.js';
import { HALF_OPEN, halfOpenAnswer } from '../src/peer/half-open.js';
import { REPLY_DEADLINE_MS, type ScriptedConnection } from '../src/peer/scripted.js';
import { type Need, type SuiteExtras, suite } from '../src/peer/suite.js';

type MatrixCell = NonNullable<SuiteExtras['matrix']>[number];

/**
 * Cells run at once per state, each on its own connection and probe port. Most of a cell is
 * waiting (an answer, a quiet window): 16 at once took the 511 cells from 12.1 to 9.1 s on a quiet
 * 2-core machine (32: 8.3 s; the CPU, ~6 s of it, and each state's slowest cells bound it).
 */
const JOBS = Number(process.env.TCPFSM_MATRIX_JOBS ?? 16);
/**
 * A remote server is paced (--rate) whatever the number at once; more cells waiting on its
 * backlog made python's http.server answer two SYN-RECEIVED cells with a RST (16 at once: 2 of
 * 424 cells failed in every run; 8: none), so remote mode keeps 8.
 */
const REMOTE_JOBS = Number(process.env.TCPFSM_MATRIX_JOBS ?? 8);

const SECTION: Readonly<Record<TcpState, string>> = {
  CLOSED: 'RFC 9293 3.10.7.1',
  LISTEN: 'RFC 9293 3.10.7.2',
  'SYN-SENT': 'RFC 9293 3.10.7.3',
  'SYN-RECEIVED': 'RFC 9293 3.10.7.4, RFC 5961',
  ESTABLISHED: 'RFC 9293 3.10.7.4, RFC 5961',
  'FIN-WAIT-1': 'RFC 9293 3.10.7.4, RFC 5961',
  'FIN-WAIT-2': 'RFC 9293 3.10.7.4, RFC 5961',
  'CLOSE-WAIT': 'RFC 9293 3.10.7.4, RFC 5961',
  CLOSING: 'RFC 9293 3.10.7.4, RFC 5961',
  'LAST-ACK': 'RFC 9293 3.10.7.4, RFC 5961',
  'TIME-WAIT': 'RFC 9293 3.10.7.4, RFC 5961',
};

export const cellTitle = (state: string, kind: string, position: string): string => `${state} <- ${kind} @${position}`;

/**
 * What each state's fixture needs of a target without the agent: CLOSED a port known to be closed
 * and SYN-SENT a connect() towards us (the agent); the states after the server's own FIN a close
 * trigger. The rest is reachable with packets alone.
 */
const NEEDS: Partial<Record<TcpState, Need[]>> = {
  CLOSED: ['agent'],
  'SYN-SENT': ['agent'],
  'FIN-WAIT-1': ['app-close'],
  'FIN-WAIT-2': ['app-close'],
  CLOSING: ['app-close'],
  'TIME-WAIT': ['app-close'],
};

/** One cell's segment: a kind at a sequence position, SEG.ACK at an ack position on the ack axis. */
interface CellSpec {
  kind: SegmentKind;
  position: SeqPosition;
  ack?: AckPosition;
}

const cellsOf = (state: TcpState): CellSpec[] => [
  ...segmentKinds.flatMap((kind) => seqPositions.map((position) => ({ kind, position }))),
  ...ackAxis(state).map(({ kind, ack }) => ({ kind, position: 'RCV.NXT' as const, ack })),
];

const describeReply = (r: Reply | null, next: string): string =>
  r
    ? `[${formatFlags(r.flags)}] seq ${r.unknown?.includes('seq') ? '*' : r.seq >>> 0} ack ${r.flags & 0x10 ? r.ack >>> 0 : '-'} -> ${next}`
    : `nothing -> ${next}`;

const describeSegment = (s: DecodedTcp | null, next: string): string =>
  s
    ? `[${formatFlags(s.flags)}] seq ${s.seq} ack ${s.flags & 0x10 ? s.ack : '-'}${s.payload.length ? ` len ${s.payload.length}` : ''} -> ${next}`
    : `nothing -> ${next}`;

interface CellRun {
  cell: MatrixCell;
  trace: string[];
  rule?: string;
  durationMs: number;
}

/**
 * The unacknowledged FINs of FIN-WAIT-1, CLOSING and LAST-ACK would be retransmitted after the
 * RTO (≥ 200 ms on the veth) inside a cell's quiet window; the matrix checks the answer to one
 * segment, not retransmission, so the suite asks for an RTO floor of 3 s towards the probe (on
 * Linux: the route's rto_min). The SYN and SYN-ACK timers (1 s, TCP_TIMEOUT_INIT) are not
 * affected: those cells finish well within 1 s.
 */
const MIN_RTO_MS = 3000;

async function runCell(env: FixtureEnv, state: TcpState, spec: CellSpec, fresh = false): Promise<CellRun> {
  const { kind, position: seqPosition, ack } = spec;
  const position = cellPosition(seqPosition, ack);
  const began = performance.now();
  let c: ScriptedConnection | undefined;
  let expected = '';
  let rfcExpected: string | undefined;
  let departsFrom: string | undefined;
  let observed = 'fixture failed';
  let rule: string | undefined;
  /** The cell as it ended: its outcome and the rest, the trace, how long it took. */
  const ended = (cell: Omit<MatrixCell, 'state' | 'kind' | 'position'>, trace: string[]): CellRun => ({
    cell: { state, kind, position, ...cell },
    trace,
    rule,
    durationMs: performance.now() - began,
  });
  let reached = false;
  let sent: { segment: Segment; tcb: Tcb } | undefined;
  try {
    c = await fixtures[state](env);
    reached = true;
    const tcb = c.model.tcb;
    const segment = cellSegment(kind, seqPosition, tcb, ack ? { ack: ackAt(ack, tcb) } : {});
    sent = { segment, tcb };
    const rfc = predict(state, segment, tcb, rfcProfile);
    observed = 'kernel state after the segment differs from the model';
    // A cell judges the answer to its segment: a retransmission of what the target sent before is
    // its right (RFC 9293 3.8.1), not an answer, and is set aside in every mode (Linux re-sends
    // its SYN within ms of an unacceptable ACK in SYN-SENT, "Previous FIN/ACK or RST/ACK might be
    // ignored" in tcp_rcv_synsent_state_process(); a paced remote cell outlasts the remote's RTO;
    // a stack without the RTO floor, gVisor, re-sends its FIN after ~200 ms) — unless the answer
    // the oracle predicts is itself a re-sent SYN or SYN,ACK.
    const answer = predict(state, segment, tcb, env.profile).reply;
    c.peer.dropOldDuplicates = !((answer?.flags ?? 0) & SYN);
    const acked = c.peer.highestAckSent;
    const una = tcb.sndUna;
    await c.send({ flags: formatFlags(segment.flags), seq: segment.seq, ack: segment.ack, payload: Buffer.alloc(segment.len, 'x') });
    // What the state probe reads as "we ACKed its SYN / FIN" must be what the remote took: an ACK
    // on a segment it rejects (its SND.UNA did not move) acknowledges nothing.
    if (c.model.tcb.sndUna === una) c.peer.highestAckSent = acked;
    const p: Prediction = c.model.last!;
    rule = `${p.rule} (${p.rfc})`;
    expected = describeReply(p.reply, p.next);
    if (observable(rfc) !== observable(p)) {
      rfcExpected = `${describeReply(rfc.reply, rfc.next)}: ${rfc.rule} (${rfc.rfc})`;
      departsFrom = env.profile.deviations.find((d) => d.id === p.deviation)?.departsFrom ?? `${p.rule} (${p.rfc})`;
    }
    let reply: DecodedTcp | null = null;
    if (!env.agent) await ackRidesOnItsFin(c, p);
    if (c.model.expected.length) {
      observed = 'no reply';
      reply = await c.expect();
      // The answer came: what repeats it now is a retransmission (the SYN-ACK timer, 1 s, no RTO
      // floor: a cell on a loaded machine, UML's most, can outlast it).
      c.peer.dropOldDuplicates = true;
      if (!env.agent) await finFollowsItsAck(c, state, env.remote?.closesOnEof);
    } else {
      observed = 'a reply where the oracle predicts none';
      await c.expectNothing();
    }
    const kernel = await c.checkTruth();
    // No ground truth (remote mode): the state probe infers the next state from packets.
    const inferred = env.states ? undefined : await inferNext(c);
    observed = describeSegment(reply, kernel ?? inferred ?? c.model.state);
    const extra = c.peer.pending();
    if (extra.length) throw c.peer.failure(`a further segment arrived: [${formatFlags(extra[0]!.tcp.flags)}] seq ${extra[0]!.tcp.seq}`);
    // Judged by the RFC, a known stack's departure the model followed is graded, not failed.
    const followed = c.findings.find((f) => f.departure !== undefined);
    return ended(
      { outcome: departsFrom || followed ? 'deviation' : 'pass', observed, expected, rfcExpected, departsFrom: departsFrom ?? followed?.check },
      c.peer.trace.lines(),
    );
  } catch (e) {
    // Not the target's doing (the server still holds that 4-tuple from an earlier run): the cell
    // runs once more from a fresh source port, as a test does (src/peer/suite.ts); twice is inconclusive.
    if (e instanceof StaleIncarnationError && !fresh) {
      c?.close();
      return runCell(env, state, spec, true);
    }
    if (e instanceof StaleIncarnationError)
      return ended(
        { outcome: 'inconclusive', observed: `${e.message}, twice: the cell's precondition (a fresh 4-tuple) is not met`, expected },
        c?.peer.trace.lines() ?? [],
      );
    if (e instanceof InconclusiveError) return ended({ outcome: 'inconclusive', observed: e.message, expected, rfcExpected, departsFrom }, e.trace);
    if (e instanceof PathDivergedError)
      return ended(
        {
          outcome: 'deviation',
          observed: `${e.finding.observed} (${e.finding.level}, ${e.finding.requirement})`,
          expected,
          rfcExpected,
          departsFrom: e.finding.check,
        },
        c?.peer.trace.lines() ?? [],
      );
    const halfOpen =
      !env.states && state === 'ESTABLISHED' && sent && e instanceof ExpectationError ? halfOpenAnswer(sent, e.details.answer, env.profile) : undefined;
    if (halfOpen)
      return ended(
        {
          outcome: 'inconclusive',
          observed: `${HALF_OPEN} (${halfOpen}; the answer that differed: ${(e as Error).message})`,
          expected,
          rfcExpected,
          departsFrom,
        },
        c?.peer.trace.lines() ?? [],
      );
    // (Only while the model holds no synchronized state: an ACK that completed the handshake ends the retransmissions.)
    if (c && !env.agent && state === 'SYN-RECEIVED' && ['SYN-RECEIVED', 'LISTEN'].includes(c.model.state) && (await keptNoState(c, began)))
      return ended(
        { outcome: 'inconclusive', observed: `${STATELESS} (the answer that differed: ${(e as Error).message})`, expected, rfcExpected, departsFrom },
        c.peer.trace.lines(),
      );
    // The target did not get to the cell's state (a loaded guest past a timer, a stack that closes
    // another way): the cell's precondition is not met, and the transition that failed is what
    // the suites judge. A harness error stays a failure.
    if (!reached && isTargetBehaviour(e))
      return ended(
        { outcome: 'inconclusive', observed: `the fixture did not reach ${state}: ${(e as Error).message}`, expected },
        e instanceof ExpectationError ? e.trace : (c?.peer.trace.lines() ?? []),
      );
    const details = e instanceof ExpectationError ? e.details : {};
    const actual = typeof details.actual === 'string' ? `: ${details.actual}` : typeof details.kernel === 'string' ? `: kernel ${details.kernel}` : '';
    return ended(
      { outcome: 'fail', observed: `${observed}${actual}`, expected, rfcExpected, departsFrom, error: (e as Error).message },
      e instanceof ExpectationError ? e.trace : (c?.peer.trace.lines() ?? []),
    );
  } finally {
    if (c && !env.agent) await release(c);
    c?.close();
  }
}

/** What the target did (an answer, a state, an agent call it refused), not the harness's own error. */
const isTargetBehaviour = (e: unknown): boolean =>
  e instanceof ExpectationError || e instanceof StateTimeoutError || e instanceof AgentCommandError || e instanceof AgentEventTimeout;

/**
 * Remote mode: a server that closes when it reads our FIN may let its ACK of our FIN ride on its
 * own FIN (RFC 9293 3.8.6.3; its application's close, which no model can predict): the ACK the
 * oracle predicts is then that FIN's ACK field, and the model follows the close (to LAST-ACK).
 */
async function ackRidesOnItsFin(c: ScriptedConnection, p: Prediction): Promise<void> {
  if (p.next !== 'CLOSE-WAIT' || p.reply?.flags !== ACK || !(await c.peer.waitQueued(1, REPLY_DEADLINE_MS))) return;
  const first = c.peer.pending()[0]!.tcp;
  if (!(first.flags & FIN) || first.ack !== p.reply.ack >>> 0 || first.seq !== p.reply.seq >>> 0) return;
  c.model.expected.shift();
  c.peer.trace.note('its ACK of our FIN rides on its own FIN: the server closes as soon as it reads ours');
  c.remoteCalled('close', { orphaned: true });
}

const STATELESS =
  "the server's SYN,ACK was never retransmitted: it kept no SYN-RECEIVED state for our SYN (a SYN cookie, RFC 4987 3.6, sent when its SYN queue is full), so the state's precondition is not met";

/**
 * Remote mode, a SYN-RECEIVED cell whose answer differed: whether the server held a half-open
 * connection at all. A SYN cookie (a full SYN queue: python's http.server listens with a backlog
 * of 5) answers like a SYN-ACK but keeps nothing, so the server is in LISTEN and the cell cannot
 * be judged. A real SYN-RECEIVED retransmits its SYN,ACK after its RTO (RFC 6298 2.1: 1 s; 3 s
 * allowed, RFC 1122) until our ACK; a cookie never does. Waits, only for a differing cell, until
 * 3.5 s after the cell began.
 */
async function keptNoState(c: ScriptedConnection, began: number): Promise<boolean> {
  const count = (re: RegExp) => c.peer.trace.lines().filter((l) => re.test(l)).length;
  // A SYN,ACK beyond one per SYN of ours is the server's own retransmission: on a loaded machine
  // a late cookie SYN,ACK makes us retransmit our SYN, and the cookie answers that one too.
  const retransmitted = () => count(/^\+[\d.]+ < Flags \[S\.\], seq 0, ack 1,/) > count(/^\+[\d.]+ > Flags \[S\], seq 0,/);
  while (!retransmitted() && performance.now() < began + 3500) await new Promise((r) => setTimeout(r, 100));
  return !retransmitted();
}

/**
 * Remote mode: our FIN took the server to CLOSE-WAIT and its ACK came alone; a server that closes
 * when it reads our FIN sends its own FIN right after (its application's close, RFC 9293 3.6):
 * the model follows it to LAST-ACK before the state probe, whose answer that FIN would otherwise
 * seem to be. Not waited for where the server was seen to hold CLOSE-WAIT.
 */
async function finFollowsItsAck(c: ScriptedConnection, from: TcpState, closesOnEof: boolean | undefined): Promise<void> {
  if (from === 'CLOSE-WAIT' || c.model.state !== 'CLOSE-WAIT' || closesOnEof === false) return;
  if (!(await c.peer.waitQueued(1, REPLY_DEADLINE_MS))) return;
  const first = c.peer.pending()[0]!.tcp;
  if (!(first.flags & FIN) || first.seq !== c.model.tcb.sndNxt >>> 0) return;
  c.peer.trace.note('its FIN follows its ACK of ours: the server closes as soon as it reads our FIN');
  c.remoteCalled('close', { orphaned: true });
  await c.expect('F.');
}

/** The state the probe shows after the cell (it must include the model's; probeState() checks). */
async function inferNext(c: ScriptedConnection): Promise<string> {
  const inference = await c.probeState();
  return `${c.model.state} (inferred: ${inference.evidence})`;
}

/** Remote mode: a server keeps what a cell leaves open; an exact RST frees it (RFC 9293 3.10.7.4 second check). */
async function release(c: ScriptedConnection): Promise<void> {
  const open: readonly TcpState[] = ['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'];
  if (!open.includes(c.model.state)) return;
  c.peer.trace.note(`cell over: an exact RST frees the server's ${c.model.state} connection`);
  // At the remote's RCV.NXT as the model knows it, not our SND.NXT: a segment of the cell the remote
  // rejected would make that RST inexact, which RFC 5961 3.2 answers with a challenge ACK and
  // keeps the connection (a request socket left behind fills a small SYN queue).
  await c.peer.send({ flags: 'R', seq: c.model.tcb.rcvNxt }).catch(() => undefined);
}

/** Run what it is given with at most `jobs` at a time, in the order given. */
function limiter(jobs: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (task) => {
    if (running >= jobs) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

/** Run `tasks` with at most `jobs` at a time, results in task order. */
async function pool<T>(tasks: Array<() => Promise<T>>, jobs: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return results;
}

const matrix: MatrixCell[] = [];

const testName = (state: TcpState) => `${state}: ${cellsOf(state).length} cells`;

/**
 * Lab mode: the cells of every state that runs share one pool, started by the first state's test,
 * so a state's slowest cells (quiet windows) no longer hold the next state's back; each state's
 * test waits for and reports its own. (Remote mode keeps one state at a time: the pacing and the
 * server's backlog are the bounds there.)
 */
let labCells: Map<TcpState, Promise<CellRun[]>> | undefined;
function allLabCells(env: FixtureEnv, runnable: readonly string[]): Map<TcpState, Promise<CellRun[]>> {
  const limit = limiter(JOBS);
  const runs = new Map<TcpState, Promise<CellRun[]>>();
  for (const state of states.filter((s) => runnable.includes(testName(s)))) {
    const p = Promise.all(cellsOf(state).map((spec) => limit(() => runCell(env, state, spec))));
    p.catch(() => undefined); // reported by the state's own test
    runs.set(state, p);
  }
  return runs;
}

suite(
  { name: 'matrix', title: 'Conformance matrix: state x segment kind x sequence position', rfc: 'RFC 9293 3.10.7, RFC 5961', minRtoMs: MIN_RTO_MS },
  (test) => {
    for (const state of states) {
      const specs = cellsOf(state);
      test(testName(state), {
        rfc: SECTION[state],
        requirements: ['MAY-12'],
        timeoutMs: 300_000,
        needs: NEEDS[state] ?? [],
      }, async ({ target, wire, profile, t, attach, figure, listen, remote, runnable }) => {
        const agent = target.has('agent') ? target.agent : null;
        const env: FixtureEnv = {
          address: target.address,
          probeAddress: target.probeAddress,
          appSeesProbe: target.appSeesProbe,
          wire,
          profile,
          agent,
          states: target.has('states') ? target.states : null,
          ...(agent ? {} : { remote: { port: await listen(), ...(target.has('app-close') ? { close: (c) => remote(c, 'close') } : {}) } }),
        };
        const began = performance.now();
        const runs = agent
          ? await (labCells ??= allLabCells(env, runnable)).get(state)!
          : await pool(
              specs.map((spec) => () => runCell(env, state, spec)),
              REMOTE_JOBS,
            );
        for (const { cell, trace, rule, durationMs } of runs) {
          const name = cellTitle(cell.state, cell.kind, cell.position);
          const conforms = cell.departsFrom ? `conforms to RFC: no (${cell.departsFrom}; RFC: ${cell.rfcExpected})` : 'conforms to RFC: yes';
          if (cell.outcome === 'inconclusive') {
            t.pass(`${name}: inconclusive`, { skip: `inconclusive: ${cell.observed}` });
          } else if (cell.outcome === 'fail') {
            t.fail(`${name}: ${cell.error}`, { observed: cell.observed, expected: cell.expected, rule, trace });
          } else {
            t.pass(`${name}: ${cell.observed}; matches the ${profile.name} profile: yes; ${conforms}`);
          }
          t.comment(`  ${name} took ${durationMs.toFixed(0)} ms`);
          matrix.push(cell);
        }
        attach({ matrix });
        const deviations = runs.filter((r) => r.cell.outcome === 'deviation').length;
        const inconclusive = runs.filter((r) => r.cell.outcome === 'inconclusive');
        figure({ name: `${state} cells`, value: runs.length, unit: 'count' });
        if (inconclusive.length) {
          figure({ name: `${state} cells inconclusive (precondition not met)`, value: inconclusive.length, unit: 'count' });
          t.comment(
            `${state}: ${inconclusive.length} of ${runs.length} cells inconclusive: ${[...new Set(inconclusive.map((r) => r.cell.observed))].join('; ')}`,
          );
        }
        figure({ name: `${state} cells departing from the RFC (documented deviations)`, value: deviations, unit: 'count' });
        figure({ name: `${state} wall time`, value: Math.round(performance.now() - began), unit: 'ms' });
      });
    }
  },
);
