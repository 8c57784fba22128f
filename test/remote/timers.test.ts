// The timer suites measured from packets alone (--as-remote against a plain server that closes
// first: python3's http.server in a lab namespace, with the close trigger http) give the figures
// the lab gives with its agent, ground truth and settings: the same counts, intervals and
// lifetimes within both figures' tolerances. (A wrong --expect against a remote target:
// test/timers/expectation.test.ts.)

import t from 'tap';
import type { Figure } from '../../src/peer/contract.js';
import { DEFAULT_MAX_CONNS, DEFAULT_RATE } from '../../src/peer/remote.js';
import { figureOutcome } from '../../src/report/figures.js';
import { labWithHttpServer, type RunOutcome, runTcpfsm } from './helpers.js';
import { auditPacing } from './pacing-audit.js';

const SUITES = ['timer-synack', 'timer-fin-retransmit', 'timer-fin-wait-2'];
/** The first test of each: the ones that do not change a setting. */
const GREP = '^(SYN-ACK is retransmitted|an unacknowledged FIN|an orphaned FIN-WAIT-2)';
/** The lab's fast defaults (src/lab/sysctls.ts), told to the black-box run so it grades as the lab does. */
const EXPECT = ['--expect', 'synack-retries=2', '--expect', 'orphan-retries=2', '--expect', 'fin-timeout=3'];

/** Every figure of a run by `suite > figure name`. */
function figures(run: RunOutcome): Map<string, Figure> {
  const m = new Map<string, Figure>();
  for (const r of run.results) for (const x of r.tests) for (const f of x.figures) m.set(`${r.suite} > ${f.name}`, f);
  return m;
}
const notOk = (run: RunOutcome) =>
  run.stdout
    .split('\n')
    .filter((l) => /not ok/.test(l))
    .join('\n');

t.test('timers from packets agree with the lab', { timeout: 240_000 }, async (t) => {
  const { lab, port } = await labWithHttpServer(t);

  const labRun = await runTcpfsm([...SUITES, '--grep', GREP]);
  t.equal(labRun.code, 0, `lab mode passes ${notOk(labRun)}`, { stderr: labRun.stderr });
  const remote = await runTcpfsm(['--target', `${lab.target.ipv4}:${port}`, '--as-remote', '--close-trigger', 'http', ...SUITES, '--grep', GREP, ...EXPECT]);
  t.equal(remote.code, 0, `black-box passes ${notOk(remote)}`, { stderr: remote.stderr });
  t.same(
    [...remote.verdicts].filter(([, v]) => v !== 'pass'),
    [],
    'every timer test ran against the remote server and passed',
  );

  // The looks are segments too: the run's own pcap keeps the per-connection rate and the half-open cap.
  t.ok(remote.pcap, 'the black-box run wrote trace.pcap');
  const audit = auditPacing(remote.pcap!, lab.target.ipv4);
  t.ok(
    audit.maxPerConnPerSecond <= Math.max(1, Math.floor(DEFAULT_RATE)),
    `looks paced: at most ${audit.maxPerConnPerSecond} segments of one connection in any 1 s (--rate ${DEFAULT_RATE})`,
  );
  t.ok(audit.maxHalfOpen <= DEFAULT_MAX_CONNS, `at most ${audit.maxHalfOpen} half-open at once (--max-conns ${DEFAULT_MAX_CONNS})`);

  const inLab = figures(labRun);
  const blackBox = figures(remote);
  // A count follows the RTO where the target's give-up is a time budget (Linux's FIN: tcp_orphan_retries
  // is a budget, linuxRetransmissionCount), and the RTO follows each connection's RTT: two runs may
  // see different RTOs and so counts. Each figure is then compared by its distance from its own
  // expectation; where the expectations are the same (SYN-ACK: 1 s, FIN-WAIT-2: 3 s) that is the value.
  // A count a run judged inconclusive (its timers ran late under load, so the give-up budget ran
  // out a retransmission early) is its RTO's too: not the other run's value to match.
  const judged = (f: Figure) => figureOutcome(f) === 'pass';
  const countsDiffer = new Set<string>();
  for (const [name, b] of blackBox) {
    const a = inLab.get(name);
    if (b.unit === 'count' && a && (a.expected !== b.expected || (a.value !== b.value && !(judged(a) && judged(b))))) countsDiffer.add(name.split(' > ')[0]!);
  }
  const compared: string[] = [];
  for (const [name, b] of blackBox) {
    if (/round trip|event-loop/.test(name)) continue; // the harness's own figures
    // A black-box end (by looks) is compared with the lab's ground truth where the lab has it.
    const a =
      inLab.get(name.replace(/→ gone, by looks\)/, '→ socket gone, ground truth)')) ??
      inLab.get(name.replace(/^(timer-fin-wait-2 > )FIN-WAIT-2 (.*)→ gone, by looks\)/, '$1orphaned FIN-WAIT-2 $2→ socket gone)')) ??
      inLab.get(name);
    const suite = name.split(' > ')[0]!;
    if (!a) {
      t.ok(countsDiffer.has(suite), `${name}: measured black-box (${b.value} ${b.unit}); not in the lab, whose count differed for its RTO`);
      continue;
    }
    compared.push(name);
    if (b.unit === 'count' && a.expected === b.expected) {
      if (a.value !== b.value && !(judged(a) && judged(b))) {
        const why = [a, b].filter((f) => !judged(f)).map((f) => `${f === a ? 'lab' : 'packets'}: ${figureOutcome(f)}${f.gradeWhy ? ` (${f.gradeWhy})` : ''}`);
        t.comment(`${name}: ${b.value} from packets, ${a.value} in the lab, not compared: ${why.join('; ')}`);
        continue;
      }
      t.equal(b.value, a.value, `${name}: ${b.value} from packets, ${a.value} in the lab`);
      continue;
    }
    if (b.expected === undefined || a.expected === undefined) {
      t.comment(`${name}: ${b.value} ${b.unit} from packets, ${a.value} ${a.unit} in the lab (no expectation on one side: the RTO it measures)`);
      continue;
    }
    const tol = (a.tolerance ?? 0) + (b.tolerance ?? 0);
    const off = (f: Figure) => f.value - f.expected!;
    t.ok(
      Math.abs(off(a) - off(b)) <= tol,
      `${name}: ${b.value} ${b.unit} from packets (expected ${b.expected}), ${a.value} in the lab (expected ${a.expected}): ${Math.round(Math.abs(off(a) - off(b)))} apart from their expectations, within ± ${Math.round(tol)} (both figures' tolerances)`,
    );
  }
  for (const want of [
    'SYN-ACK retransmissions',
    'SYN-ACK retransmission 2 interval',
    'half-open lifetime',
    'FIN retransmissions',
    'FIN retransmission 2 interval',
    'FIN-WAIT-1 lifetime',
    'FIN-WAIT-2 lifetime',
  ])
    t.ok(
      compared.some((n) => n.includes(want)),
      `${want} compared`,
    );
});
