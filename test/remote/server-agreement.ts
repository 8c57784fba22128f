// Remote mode agrees with ground truth where the server must close first or send: the same tests
// on a lab of `stack`, once in lab mode (the agent closes and sends, the stack's own states) and
// once --as-remote --close-trigger http --data-request http (the lab's application is the small
// server of src/lab/agent/app-server.ts; states inferred from packets). Verdicts must agree per
// test, outcomes per matrix cell of the states after the server's own FIN.
import type { Test } from 'tap';
import { matrixCellsOf, runTcpfsm, tablesLeftBy } from './helpers.js';

// In budget: the states after the server's FIN where the FIN is unacknowledged and where the
// server waits (FIN-WAIT-2, CLOSING and timer-data-retransmit were compared by hand on linux, see the report), the data tests.
export const SERVER_SUITES = ['matrix', 'mss', 'timer-fin-retransmit', 'simultaneous-close'];
const runArgs = (suites: readonly string[]) => [
  ...suites,
  '--grep',
  `^(matrix (FIN-WAIT-1|TIME-WAIT):|${suites
    .filter((s) => s !== 'matrix')
    .map((s) => `${s} `)
    .join('|')})`,
];
export const SERVER_REMOTE = ['--as-remote', '--rate', '50', '--close-trigger', 'http', '--data-request', 'http'];

/**
 * Cells whose outcomes may differ, with why: `history:` the two fixtures reach the state by
 * different histories (the remote server sent its 4 kB answer before its FIN, the agent's close()
 * sent nothing) and the kernel's answer depends on it, so each mode is held to its own model (not
 * a failure) instead of to the other; anything else: a disagreement found and not yet explained,
 * compared all the same and reported as TODO (tap), so a fix shows and a new one fails.
 */
export type KnownDisagreements = Record<string, string>;

/**
 * Linux (and UML, the same code; 6.1 from 6.1.167, where "tcp: accept old ack during closing" was
 * backported): an ACK below SND.UNA − min(MAX.SND.WND, bytes acknowledged) is
 * challenged; with nothing sent every old ACK is (lab), after 4 kB SND.UNA−1 is only a duplicate
 * (remote). src/fsm/profiles.ts models both.
 */
export const LINUX_OLD_ACK_HISTORY: KnownDisagreements = Object.fromEntries(
  ['ACK', 'FIN-ACK', 'data'].map((kind) => [
    `FIN-WAIT-1 <- ${kind} @RCV.NXT ack=SND.UNA-1`,
    'history: the challenge ACK follows the bytes acknowledged (none in the lab, 4 kB remotely)',
  ]),
);

export async function agreeAsServer(t: Test, stack: string, known: KnownDisagreements = {}, suites: readonly string[] = SERVER_SUITES): Promise<void> {
  // One after the other: two runs at once on a loaded 2-core machine once failed to list a suite in time.
  const lab = await runTcpfsm(['--stack', stack, ...runArgs(suites)], { timeoutMs: 300_000 });
  const remote = await runTcpfsm([...SERVER_REMOTE, '--stack', stack, ...runArgs(suites)], { timeoutMs: 300_000 });
  t.match(remote.stdout, /close trigger http; data request http/, 'the remote run says its trigger and request', {
    code: remote.code,
    stderr: remote.stderr.slice(-2000),
  });
  let tests = 0;
  for (const [name, verdict] of lab.verdicts) {
    if (name.startsWith('matrix >')) continue; // its cells are compared one by one below
    const other = remote.verdicts.get(name);
    if (verdict.startsWith('skip') || other === undefined || other.startsWith('skip')) continue;
    tests++;
    t.equal(other, verdict, `${stack}: ${name}: ${verdict} in both modes`);
  }
  const labCells = matrixCellsOf(lab);
  let cells = 0;
  let unreachable = 0;
  for (const [name, c] of matrixCellsOf(remote)) {
    const truth = labCells.get(name);
    t.ok(truth, `${stack}: cell ${name} ran in the lab too`);
    if (!truth) continue;
    if (c.outcome === 'inconclusive') {
      unreachable++;
      continue;
    }
    cells++;
    const why = known[name];
    if (why?.startsWith('history:')) {
      t.not(c.outcome, 'fail', `${stack}: cell ${name}: remote ${c.outcome} (lab ${truth.outcome}): ${why}`, { lab: truth.observed, remote: c.observed });
      continue;
    }
    // A known disagreement's two observations are printed: tap shows no diagnostics for a TODO.
    if (why && c.outcome !== truth.outcome) t.comment(`${name}: lab ${truth.outcome} (${truth.observed}), remote ${c.outcome} (${c.observed})`);
    t.equal(c.outcome, truth.outcome, `${stack}: cell ${name}: ${truth.outcome} in both modes`, {
      lab: truth.observed,
      remote: c.observed,
      ...(why ? { todo: why } : {}),
    });
  }
  t.comment(`${stack}: ${tests} tests and ${cells} matrix cells compared as a server; ${unreachable} cells inconclusive remotely`);
  t.ok(tests >= 3 && cells >= 60, `${stack}: enough compared (${tests} tests, ${cells} cells)`);
  t.same(await tablesLeftBy(remote), [], `${stack}: no remote-mode nft table of this run is left`);
}
