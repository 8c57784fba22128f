// The `tcpfsm` command line (main.ts is the executable). Exit codes: 0 all passed, 1 a test failed, 2 usage or environment error
// (bad option, not root, missing tool; also a tcpfsm bug, with its stack), 128+n on signal n.
// User-facing errors are one line on stderr, `tcpfsm: <what> ` plus a hint; never a stack trace.
import yargs, { type Argv } from 'yargs';
import { isUserFacing, UsageError } from '../sys/errors.js';
import { type CheckTuningArgs, checkTuningBuilder, checkTuningCommand } from './commands/check-tuning.js';
import { type CleanupArgs, cleanupBuilder, cleanupCommand } from './commands/cleanup.js';
import { type ExerciseArgs, exerciseBuilder, exerciseCommand } from './commands/exercise.js';
import { type FsmArgs, fsmBuilder, fsmCommand } from './commands/fsm.js';
import { HOLD_COMMAND, holdCommand, labBuilder } from './commands/lab.js';
import { type ListArgs, listBuilder, listCommand } from './commands/list.js';
import { reportBuilder } from './commands/report.js';
import { type RequirementsArgs, requirementsBuilder, requirementsCommand } from './commands/requirements.js';
import { type RunArgs, runBuilder, runCommand } from './commands/run.js';
import { type Io, processIo, useIo } from './io.js';
import { VERSION } from './version.js';

const COMMANDS = ['run', 'list', 'lab', 'fsm', 'exercise', 'cleanup', 'report', 'check-tuning'];

/** The command the user was after, for the "see --help" hint. */
function commandOf(argv: readonly string[]): string {
  const words = argv.filter((a) => !a.startsWith('-'));
  if (words[0] === 'lab' && ['up', 'down', 'status'].includes(words[1] ?? '')) return `lab ${words[1]}`;
  if (words[0] === 'report' && ['open', 'path'].includes(words[1] ?? '')) return `report ${words[1]}`;
  return COMMANDS.includes(words[0] ?? '') ? words[0]! : '';
}

const hint = (argv: readonly string[]): string => `run 'tcpfsm ${commandOf(argv) ? commandOf(argv) + ' ' : ''}--help' for usage`;

/** The first word of the command line, when it names no command. */
const commandWord = (argv: readonly string[]): string => argv.find((a) => !a.startsWith('-')) ?? '';

/** `handle` receives each command's exit code. */
export function cli(argv: string[], handle: (run: Promise<number>) => Promise<void>): Argv {
  return yargs(argv)
    .scriptName('tcpfsm')
    .usage('$0 <command> [options]\n\nTests real TCP stacks with real packets against the RFC 9293 state machine.')
    .command<RunArgs>('run [suites..]', 'run conformance suites against a fresh lab (or a remote target); write reports', runBuilder, (a) =>
      handle(runCommand(a)),
    )
    .command<CheckTuningArgs>(
      'check-tuning',
      "measure this machine's (or a server's) TCP timer tuning: one table, each figure beside the sysctl it follows",
      checkTuningBuilder,
      (a) => handle(checkTuningCommand(a)),
    )
    .command<ListArgs>('list [suites..]', 'list suites and their tests', listBuilder, (a) => handle(listCommand(a)))
    .command('lab', 'a lab that stays up: lab up | lab down | lab status', (y) => labBuilder(y, handle))
    .command<RequirementsArgs>('requirements', "RFC 9293's labelled requirements: how each is observed and which tests judge it", requirementsBuilder, (a) =>
      handle(requirementsCommand(a)),
    )
    .command<FsmArgs>('fsm', 'the RFC 9293 state machine: table, DOT or SVG', fsmBuilder, (a) => handle(fsmCommand(a)))
    .command<ExerciseArgs>('exercise', 'learn the state machine: an interactive session or a guided walkthrough on a lab', exerciseBuilder, (a) =>
      handle(exerciseCommand(a)),
    )
    .command('report', 'the latest report: report open (in a browser, or its file:// URL) | report path', (y) => reportBuilder(y, handle))
    .command<CleanupArgs>('cleanup [ids..]', 'remove labs, links and nft tables that crashed runs left', cleanupBuilder, (a) => handle(cleanupCommand(a)))
    .command<{ id?: string; labSysctl: string[]; sysctls?: string }>(
      HOLD_COMMAND,
      false, // internal: the process that keeps a `lab up` lab alive
      (y) =>
        y
          .option('id', { type: 'string' })
          .option('lab-sysctl', { type: 'string', array: true, default: [] })
          .option('sysctls', { type: 'string' }) as unknown as Argv<{
          id?: string;
          labSysctl: string[];
          sysctls?: string;
        }>,
      (a) => handle(holdCommand(a)),
    )
    .example('$0 run', 'every suite against a fresh lab; reports in reports/latest/')
    .example('$0 list', 'what the suites test')
    .example('$0 report open', "the latest run's report in a browser")
    .example('$0 fsm --svg -o fsm.svg', 'the state machine diagram')
    .example('$0 exercise --walkthrough handshake', 'a guided lesson on a real kernel')
    .example('$0 cleanup', 'remove what a crashed run left')
    .check((a) => {
      // Words after '--' land in argv._, not in the command's positionals: `cleanup -- 7` would
      // otherwise run as a bare `cleanup` (every leftover), `lab down -- 7` as every lab up lab.
      const words = a._.length && (a._[0] === 'lab' || a._[0] === 'report') ? 2 : 1;
      const extra = a._.slice(words).map(String);
      if (extra.length) throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((x) => `'${x}'`).join(' ')} (after '--'?)`);
      return true;
    }, true)
    .demandCommand(1, 'name a command: run, list, requirements, report, lab, fsm, exercise or cleanup')
    .strict()
    .recommendCommands()
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .exitProcess(false) // --help and --version return; the exit code is ours to set
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Errors thrown by handlers pass through untouched; yargs' own validation messages become
      // usage errors (one line, exit 2).
      // yargs' own YError ("Not enough arguments following: grep") is a usage error too.
      if (err && err.name !== 'YError') throw err;
      msg ||= err?.message ?? '';
      const oneLine = msg.replace(/\s*\n\s*/g, ' ').replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
      const unknownCommand = /^did you mean/.test(oneLine) ? `unknown command '${commandWord(argv)}'. ` : '';
      throw new UsageError(unknownCommand + oneLine);
    });
}

/** Run one command line; resolves with the exit code (nothing calls process.exit). */
export async function main(argv: string[], output: Io = processIo): Promise<number> {
  let code = 0;
  const handle = async (run: Promise<number>) => {
    code = await run;
  };
  const restore = useIo(output);
  try {
    // With a callback, yargs hands over --help / --version text instead of printing it.
    await cli(argv, handle).parseAsync(argv, {}, (_err, _argv, text) => {
      if (text) output.out(text.endsWith('\n') ? text : text + '\n');
    });
    return code;
  } catch (e) {
    if (isUserFacing(e)) {
      const usage = e instanceof UsageError ? `; ${hint(argv)}` : '';
      output.err(`tcpfsm: ${e.message}${usage}\n`);
      return e.exitCode;
    }
    output.err(`tcpfsm: internal error (a bug in tcpfsm, please report it):\n${(e as Error).stack ?? String(e)}\n`);
    return 2;
  } finally {
    restore();
  }
}
