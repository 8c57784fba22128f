// tcpfsm fsm: the RFC 9293 state machine as the harness uses it — the transition table as text,
// Graphviz DOT (--dot) or SVG (--svg, rendered in-process by @viz-js/viz).
import type { Argv } from 'yargs';
import { fromStates, linuxDeviations, type ProfileName, profiles, target, toDot } from '../../fsm/index.js';
import { fsmDiagram } from '../../report/fsm-diagram.js';
import { UsageError } from '../../sys/errors.js';
import { checkOutputFile, writeOutputFile } from '../../sys/output-path.js';
import { io } from '../io.js';

export interface FsmArgs {
  dot?: boolean;
  svg?: boolean;
  profile: ProfileName;
  selfLoops: boolean;
  output?: string;
}

export function fsmBuilder(y: Argv): Argv<FsmArgs> {
  return y
    .option('dot', { describe: 'print Graphviz DOT', type: 'boolean' })
    .option('svg', { describe: 'print SVG in the layout of RFC 9293 Figure 5 (no graphviz needed)', type: 'boolean' })
    .option('profile', {
      describe: 'profile: the RFC alone, or Linux with its documented deviations',
      choices: ['rfc', 'linux'] as const,
      default: 'rfc' as const,
      requiresArg: true,
    })
    .option('self-loops', {
      describe: 'with --dot: also draw rows that keep the state (the SVG counts them in a badge per state)',
      type: 'boolean',
      default: false,
    })
    .option('output', { alias: 'o', describe: 'write to this file instead of stdout', type: 'string', requiresArg: true })
    .conflicts('dot', 'svg')
    .example('$0 fsm', 'the transition table as text')
    .example('$0 fsm --svg -o fsm.svg', 'the diagram in the layout of RFC 9293 Figure 5')
    .example('$0 fsm --dot | dot -Tpng > fsm.png', 'DOT for your own Graphviz') as unknown as Argv<FsmArgs>;
}

function tableText(profile: ProfileName): string {
  const table = profiles[profile].table;
  const lines = [`# RFC 9293 transition table (${table.length} rows), profile ${profile}`];
  for (const row of table) {
    const from = fromStates(row);
    const to = row.to === 'same' ? 'same' : target(row, from[0]!);
    const emits = row.emits.map((e) => e.flags).join(' ') || '-';
    lines.push(`${row.id.padEnd(40)} ${from.join(',').padEnd(28)} ${row.on.padEnd(28)} -> ${to.padEnd(13)} send ${emits.padEnd(5)} ${row.rfc}`);
  }
  if (profile === 'linux') {
    lines.push('', `# Linux deviations (${linuxDeviations().length}), checked before the table rows`);
    for (const d of linuxDeviations()) lines.push(`${d.id.padEnd(40)} ${d.title}  (${d.cite})`);
  }
  return lines.join('\n') + '\n';
}

export async function fsmCommand(a: FsmArgs): Promise<number> {
  if (!(a.profile in profiles)) throw new UsageError(`unknown profile '${a.profile}' (known: ${Object.keys(profiles).join(', ')})`);
  // The file is checked before the (slow) rendering: a bad path is one line, exit 2.
  const file = a.output !== undefined ? checkOutputFile('--output', a.output) : undefined;
  const table = profiles[a.profile].table;
  const title =
    a.profile === 'rfc'
      ? 'RFC 9293 TCP connection states'
      : `RFC 9293 TCP connection states (profile ${a.profile}: ${linuxDeviations().length} deviations not drawn)`;
  let out: string;
  if (a.svg) {
    out = `<?xml version="1.0" encoding="UTF-8"?>\n${fsmDiagram({ table, title }).svg}`;
  } else if (a.dot) {
    out = toDot(undefined, { table, title, selfLoops: a.selfLoops });
  } else {
    out = tableText(a.profile);
  }
  if (file) writeOutputFile('--output', file, out);
  else io.out(out);
  return 0;
}
