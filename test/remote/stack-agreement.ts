// Remote mode agrees with ground truth, stack by stack: the same suites on a lab of `stack`, once
// in lab mode (agent, the stack's own connection states) and once --as-remote (packets alone,
// states inferred by the probe; the agent only listens), must give the same verdict for every
// test that runs in both, and the same outcome for every matrix cell that runs in both. A cell
// the remote run cannot reach (inconclusive: the lab's listener never closes) is not compared;
// what is compared and what is not is said. --rate 50: it is the lab, pacing only costs time.
import type { Test } from 'tap';
import { matrixCellsOf, runTcpfsm, tablesLeftBy } from './helpers.js';

/**
 * What matters for agreement, in budget: the handshake and the matrix states a lab reaches as a
 * remote (its listener holds CLOSE-WAIT and never closes first, so LAST-ACK, FIN-WAIT-*, CLOSING
 * and TIME-WAIT are out of reach there; CLOSED and SYN-SENT need the agent). RST processing is
 * compared on linux by agreement.test.ts.
 */
export const AGREEMENT_RUN = ['handshake', 'matrix', '--grep', '^(handshake |matrix (LISTEN|SYN-RECEIVED|ESTABLISHED|CLOSE-WAIT):)'];

export async function agreeOnStack(t: Test, stack: string, run: readonly string[] = AGREEMENT_RUN): Promise<void> {
  const lab = await runTcpfsm(['--stack', stack, ...run], { timeoutMs: 300_000 });
  const remote = await runTcpfsm(['--as-remote', '--stack', stack, '--rate', '50', ...run], { timeoutMs: 300_000 });
  t.match(remote.stdout + remote.stderr, /plan, remote mode, a \w+ lab as remote/, 'the run said its plan first');
  let tests = 0;
  for (const [name, verdict] of lab.verdicts) {
    const other = remote.verdicts.get(name);
    t.ok(other !== undefined, `${stack}: ${name}: reported in both modes`);
    if (verdict.startsWith('skip') || other?.startsWith('skip')) continue;
    tests++;
    t.equal(other, verdict, `${stack}: ${name}: ${verdict} in both modes`);
  }
  const labCells = matrixCellsOf(lab);
  const remoteCells = matrixCellsOf(remote);
  let cells = 0;
  let unreachable = 0;
  for (const [name, c] of remoteCells) {
    const truth = labCells.get(name);
    t.ok(truth, `${stack}: cell ${name} ran in the lab too`);
    if (!truth) continue;
    if (c.outcome === 'inconclusive') {
      unreachable++;
      continue;
    }
    cells++;
    t.equal(c.outcome, truth.outcome, `${stack}: cell ${name}: ${truth.outcome} in both modes`, { lab: truth.observed, remote: c.observed });
  }
  t.comment(`${stack}: ${tests} tests and ${cells} matrix cells compared; ${unreachable} cells out of reach remotely (inconclusive)`);
  t.ok(tests >= 8 && cells >= 150, `${stack}: enough compared (${tests} tests, ${cells} cells)`);
  t.same(await tablesLeftBy(remote), [], `${stack}: no remote-mode nft table of this run is left`);
}
