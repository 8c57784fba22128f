// The requirement coverage table from the suites' declarations, and `tcpfsm requirements` over
// the real suites: counts add up, gaps are the wire-observable MUST/SHOULDs nobody covers.

import { fileURLToPath } from 'node:url';
import t from 'tap';
import { requirementCoverage } from '../../src/verdict/coverage.js';
import { tcpfsm } from '../cli/helpers.js';

t.test('coverage rows, counts and gaps', async (t) => {
  const cov = requirementCoverage([
    { suite: 'a', name: 'one', requirements: ['MUST-13', 'SHLD-1'] },
    { suite: 'b', name: 'two', requirements: ['MUST-13'] },
  ]);
  t.equal(cov.rows.length, 118);
  t.same(cov.rows.find((r) => r.id === 'MUST-13')!.coveredBy, ['a › one', 'b › two']);
  t.match(cov.rows.find((r) => r.id === 'MUST-2')!.coveredBy, [/^harness: /], 'the checksum check runs on every segment');
  t.equal(cov.rows[0]!.id, 'MUST-1', 'MUSTs first, numerically');
  t.equal(cov.rows[68]!.id, 'MUST-69');
  t.equal(cov.rows[69]!.id, 'SHLD-1');
  t.equal(cov.counts.MUST.covered, 2, 'MUST-2 (harness) and MUST-13');
  t.equal(cov.counts.SHOULD.covered, 1);
  t.equal(cov.counts.MUST.total + cov.counts.SHOULD.total + cov.counts.MAY.total, 118);
  t.notOk(cov.gaps.includes('MUST-13'));
  t.ok(cov.gaps.includes('MUST-3'), 'MUST-3 is observable and not covered here');
  t.notOk(
    cov.gaps.some((g) => g.startsWith('MAY')),
    'MAYs are never gaps',
  );
});

// Each call lists every suite (one node process per suite file): slow on a loaded machine.
t.test('tcpfsm requirements over the real suites', { timeout: 120_000 }, async (t) => {
  const suites = fileURLToPath(new URL('../../suites/', import.meta.url));
  const text = await tcpfsm(['requirements', '--suites-dir', suites]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /MUST-13 +MUST +Closing connections: TIME-WAIT lasts 2 MSL\n.*on the wire.*\n +✓ timer-time-wait › /);
  t.match(text.stdout, /covered \/ observable on the wire \/ labelled: MUST \d+\/\d+\/69, SHOULD \d+\/\d+\/31, MAY \d+\/\d+\/18/);
  // The ICMP and ECN suites close the last MUST gaps: every wire-observable MUST is covered.
  const must = /covered \/ observable on the wire \/ labelled: MUST (\d+)\/(\d+)\//.exec(text.stdout);
  t.equal(must?.[1], must?.[2], 'every wire-observable MUST is covered by a test');
  const gaps = /not covered yet: (.*)/.exec(text.stdout)?.[1]?.split(' ') ?? [];
  for (const id of ['MUST-54', 'MUST-55', 'MUST-56', 'SHLD-6', 'SHLD-8', 'SHLD-26']) t.notOk(gaps.includes(id), `${id} is covered`);
  const json = await tcpfsm(['requirements', '--json', '--level', 'must', '--suites-dir', suites]);
  const parsed = JSON.parse(json.stdout) as { requirements: Array<{ id: string }>; counts: Record<string, { total: number }> };
  t.equal(parsed.requirements.length, 69);
  t.equal(parsed.counts.MAY!.total, 18);
  const bad = await tcpfsm(['requirements', '--level', 'often']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--level wants must, should or may, got 'often'/);
});
