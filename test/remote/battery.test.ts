// The battery suites (header-battery, ack-generation, window, keep-alive) judge the lab's Linux the
// same in lab mode (strict linux profile, agent, ground truth) and --as-remote with the rfc
// profile (packets only): the same verdict per test, no violation in either, and the packet-only
// requirements graded from packets alone.
import t from 'tap';
import { remoteTables, runTcpfsm } from './helpers.js';

const BATTERY = ['header-battery', 'ack-generation', 'window', 'keep-alive'];

t.setTimeout(420_000);

t.test('lab mode and --as-remote --profile rfc agree on the battery suites, with no violation', async (t) => {
  const lab = await runTcpfsm(BATTERY, { timeoutMs: 200_000 });
  const remote = await runTcpfsm(['--as-remote', '--profile', 'rfc', ...BATTERY], { timeoutMs: 200_000 });
  t.equal(lab.code, 0, 'lab mode passes', { stderr: lab.stderr });
  t.equal(remote.code, 0, 'remote mode passes', { stderr: remote.stderr });
  for (const [name, verdict] of lab.verdicts) {
    const other = remote.verdicts.get(name);
    if (verdict.startsWith('skip') || other?.startsWith('skip')) continue;
    t.equal(other, verdict, `${name}: ${verdict} in both modes`);
  }
  for (const run of [lab, remote]) {
    const violations = run.results.flatMap((r) => r.tests.flatMap((x) => (x.findings ?? []).filter((f) => f.level === 'violation')));
    t.same(violations, [], 'no violation recorded');
  }
  // Graded from packets alone: each requirement has a conforming finding in the remote run.
  for (const req of [
    'MUST-3',
    'MUST-5',
    'MUST-6',
    'MUST-7',
    'MUST-30',
    'MUST-31',
    'MUST-40',
    'MUST-45',
    'MUST-50',
    'MUST-59',
    'MUST-64',
    'MUST-65',
    'MUST-68',
    'SHLD-2',
    'SHLD-14',
    'SHLD-31',
    'MUST-25',
  ])
    t.match(remote.stdout, new RegExp(`conforms: [^\\n]*\\(${req}\\)`), `${req} conforms in remote mode`);
  const skipped = [...remote.verdicts].filter(([, v]) => v.startsWith('skip'));
  t.ok(
    skipped.every(([, v]) => v === 'skip: needs the lab agent'),
    'remote mode skips only what needs the agent',
    { skipped },
  );
  // Only this run's tables: other remote runs on the machine may hold theirs right now.
  const ours = [...remote.stdout.matchAll(/installed nft table inet (tcpfsm-remote-\d+)/g)].map((m) => m[1]!);
  t.ok(ours.length >= 1, `the run installed its tables (${ours.join(', ')})`);
  t.same(
    (await remoteTables()).filter((n) => ours.includes(n)),
    [],
    'none of them is left',
  );
});
