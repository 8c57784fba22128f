// tcpfsm list [suites..]: the suites and their tests, as each suite reports them itself
// (TCPFSM_LIST=1), without creating a lab.
import type { Argv } from 'yargs';
import { parseGrep } from '../args.js';
import { io } from '../io.js';
import { discoverSuites, listSuite, type SuiteListing, selectSuites, suitesDir } from '../suites.js';

export interface ListArgs {
  suites: string[];
  json: boolean;
  grep?: string;
  suitesDir?: string;
}

export function listBuilder(y: Argv): Argv<ListArgs> {
  return y
    .positional('suites', { describe: 'suites to list (default: all)', type: 'string', array: true, default: [] })
    .option('json', { describe: 'one JSON array instead of text', type: 'boolean', default: false })
    .option('grep', { describe: 'only tests whose name matches this regular expression', type: 'string', requiresArg: true })
    .option('suites-dir', { type: 'string', hidden: true, requiresArg: true })
    .example('$0 list', 'every suite and test')
    .example('$0 list handshake --json', 'one suite, machine-readable') as unknown as Argv<ListArgs>;
}

export async function listCommand(a: ListArgs): Promise<number> {
  const grep = a.grep !== undefined ? new RegExp(parseGrep(a.grep)) : null;
  const suites = selectSuites(discoverSuites(suitesDir(a.suitesDir)), a.suites);
  const listings: SuiteListing[] = await Promise.all(suites.map((s) => listSuite(s)));
  const shown = listings.map((l) => ({ ...l, tests: l.tests.filter((t) => !grep || grep.test(t.name) || grep.test(`${l.suite} ${t.name}`)) }));
  if (a.json) {
    io.out(JSON.stringify(shown, null, 2) + '\n');
    return 0;
  }
  let total = 0;
  for (const l of shown) {
    io.out(`${l.suite} — ${l.title} (${l.rfc})\n`);
    for (const t of l.tests) {
      const tags = [t.slow ? 'slow' : '', ...(t.needs ?? []).map((n) => `needs ${n}`)].filter(Boolean);
      io.out(`  ${t.name}  [${t.rfc}]${tags.length ? `  (${tags.join(', ')})` : ''}\n`);
    }
    total += l.tests.length;
  }
  io.out(`${total} tests in ${shown.length} suite${shown.length === 1 ? '' : 's'}\n`);
  return 0;
}
