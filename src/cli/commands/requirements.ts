// tcpfsm requirements: RFC 9293's labelled requirements (Appendix B) with how each can be observed
// and the tests that judge it, built from the suites' own declarations (no lab needed).
import type { Argv } from 'yargs';
import { UsageError } from '../../sys/errors.js';
import { type CoverageRow, OBSERVABILITY_TEXT, requirementCoverage } from '../../verdict/coverage.js';
import type { Level } from '../../verdict/requirements.js';
import { io } from '../io.js';
import { discoverSuites, listSuite, suitesDir } from '../suites.js';

export interface RequirementsArgs {
  json: boolean;
  level?: string;
  uncovered: boolean;
  suitesDir?: string;
}

const LEVELS: Record<string, Level> = { must: 'MUST', should: 'SHOULD', shld: 'SHOULD', may: 'MAY' };

export function requirementsBuilder(y: Argv): Argv<RequirementsArgs> {
  return y
    .option('json', { describe: 'the table and the counts as JSON', type: 'boolean', default: false })
    .option('level', { describe: 'only one level: must, should or may', type: 'string', requiresArg: true })
    .option('uncovered', { describe: 'only requirements observable on the wire that no test covers', type: 'boolean', default: false })
    .option('suites-dir', { type: 'string', hidden: true, requiresArg: true })
    .example('$0 requirements', 'every labelled requirement, how it can be observed, the tests that judge it')
    .example('$0 requirements --level must --uncovered', 'the wire-observable MUSTs no test judges yet')
    .example('$0 requirements --json', 'machine-readable, with the coverage counts') as unknown as Argv<RequirementsArgs>;
}

export async function requirementsCommand(a: RequirementsArgs): Promise<number> {
  const level = a.level === undefined ? undefined : LEVELS[a.level.toLowerCase()];
  if (a.level !== undefined && !level) throw new UsageError(`--level wants must, should or may, got '${a.level}'`);
  const listings = await Promise.all(discoverSuites(suitesDir(a.suitesDir)).map((s) => listSuite(s)));
  const coverage = requirementCoverage(listings.flatMap((l) => l.tests.map((t) => ({ suite: l.suite, name: t.name, requirements: t.requirements }))));
  const rows = coverage.rows.filter((r) => (!level || r.level === level) && (!a.uncovered || (r.observable === 'wire' && !r.coveredBy.length)));
  if (a.json) {
    io.out(JSON.stringify({ counts: coverage.counts, gaps: coverage.gaps, requirements: rows }, null, 2) + '\n');
    return 0;
  }
  for (const r of rows) io.out(line(r));
  const c = coverage.counts;
  io.out(
    `\ncovered / observable on the wire / labelled: MUST ${c.MUST.covered}/${c.MUST.observable}/${c.MUST.total}, ` +
      `SHOULD ${c.SHOULD.covered}/${c.SHOULD.observable}/${c.SHOULD.total}, MAY ${c.MAY.covered}/${c.MAY.observable}/${c.MAY.total}\n` +
      (coverage.gaps.length
        ? `wire-observable MUST/SHOULD not covered yet: ${coverage.gaps.join(' ')}\n`
        : 'every wire-observable MUST and SHOULD is covered\n'),
  );
  return 0;
}

function line(r: CoverageRow): string {
  const neg = r.negative ? ' (NOT)' : '';
  const head = `${r.id.padEnd(8)} ${r.level}${neg}`.padEnd(21) + ` ${r.group}: ${r.feature}`;
  const how = `           ${OBSERVABILITY_TEXT[r.observable]}${r.how ? ` — ${r.how}` : ''}`;
  const by = r.coveredBy.length ? r.coveredBy.map((t) => `           ✓ ${t}`).join('\n') : r.observable === 'wire' ? '           ✗ not covered' : '';
  return `${head}\n${how}\n${by ? by + '\n' : ''}`;
}
