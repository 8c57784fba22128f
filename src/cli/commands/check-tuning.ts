// tcpfsm check-tuning: did this machine's TIME-WAIT and retransmission tuning take effect? Runs
// the timer suites' tests that measure the target as it is set — in a lab started from this
// machine's own sysctls (--sysctls host), or on a server (--target, black-box: a figure that
// needs the lab's agent or ground truth is listed as not measurable there, with the reason) —
// and prints one table: each figure, the sysctl it follows, that sysctl's value, the figure
// measured and expected, and whether they match. Exit 0 all measured figures match, 1 a mismatch
// (or a failed test), 2 usage or environment error, like `run`.
import type { Argv } from 'yargs';
import { ENV } from '../../peer/contract.js';
import { DEFAULT_MAX_WAIT_S } from '../../peer/long-wait.js';
import type { RunRecord } from '../../report/run.js';
import { UsageError } from '../../sys/errors.js';
import { parsePositiveInt } from '../args.js';
import { TUNING_GREP, TUNING_SUITES, tuningRows, tuningTableText } from '../tuning-table.js';
import { runCommand } from './run.js';

export interface CheckTuningArgs {
  target?: string;
  maxWait?: string;
  labSysctl: string[];
  reportDir: string;
  jobs?: string;
  rate?: string;
  maxConns?: string;
  closeTrigger?: string;
  suitesDir?: string;
}

export function checkTuningBuilder(y: Argv): Argv<CheckTuningArgs> {
  return y
    .usage(
      "$0 check-tuning [--target host:port] [--max-wait SECONDS]\n\nMeasure what this machine's TCP tuning does, and compare it with the sysctls: SYN-ACK retries and their schedule, the half-open lifetime, data retransmissions and when an established connection gives up, FIN retransmissions of an orphan, the FIN-WAIT-2 lifetime, the TIME-WAIT length, whether a SYN reopens TIME-WAIT, and tcp_tw_reuse. Without --target the figures are measured in a lab that copies this machine's per-namespace TCP/IP sysctls (they are only read, never changed); with --target on your server, from packets alone.\n\nWaits follow the settings (tcp_retries2 = 15 is about 15 minutes): each one longer than --max-wait is left out and said so; long ones print what they wait for now and then.",
    )
    .option('target', {
      describe: 'measure a server of yours (host:port) instead of a lab: black-box, paced like run --target',
      type: 'string',
      requiresArg: true,
    })
    .option('max-wait', {
      describe: `longest timer wait to measure, in seconds (default ${DEFAULT_MAX_WAIT_S}); a figure whose wait is longer is reported as not measured`,
      type: 'string',
      requiresArg: true,
    })
    .option('lab-sysctl', {
      describe: "lab only: a sysctl on top of this machine's (key=value, repeatable), to try a tuning before applying it",
      type: 'string',
      array: true,
      default: [],
      requiresArg: true,
    })
    .option('report-dir', { describe: 'where reports/<timestamp>/ go (the full run behind the table)', type: 'string', default: 'reports', requiresArg: true })
    .option('jobs', { alias: 'j', describe: 'suites in parallel, one lab each (default 3; remote: one at a time)', type: 'string', requiresArg: true })
    .option('rate', { describe: 'remote: segments per second per connection (as run --rate)', type: 'string', requiresArg: true })
    .option('max-conns', { describe: 'remote: half-open connections at once (as run --max-conns)', type: 'string', requiresArg: true })
    .option('close-trigger', {
      describe: "remote: how to make the server close first: 'http' or 'idle:SECONDS' (as run --close-trigger)",
      type: 'string',
      requiresArg: true,
    })
    .option('suites-dir', { type: 'string', hidden: true, requiresArg: true })
    .example('$0 check-tuning', "this machine's tuning, measured in a lab (up to ~20 min with the kernel defaults)")
    .example('$0 check-tuning --max-wait 120', 'only the figures that take at most 2 minutes each')
    .example('$0 check-tuning --lab-sysctl tcp_retries2=8', 'what a tuning would do, before setting it on the host')
    .example('$0 check-tuning --target 198.18.0.10:80 --close-trigger http', 'a server of yours, black-box') as unknown as Argv<CheckTuningArgs>;
}

export async function checkTuningCommand(a: CheckTuningArgs): Promise<number> {
  const maxWait = parsePositiveInt('max-wait', a.maxWait ?? String(DEFAULT_MAX_WAIT_S), { max: 86_400 });
  if (a.target !== undefined && a.labSysctl.length)
    throw new UsageError('--lab-sysctl sets up the lab; --target measures a server with its own settings: give one of them');
  const remote = a.target !== undefined;
  const jobs = a.jobs ?? (remote ? undefined : '3');
  // The suites read the cap from the environment; every wait over it is a skip that says so.
  process.env[ENV.maxWait] = String(maxWait);
  let record: RunRecord | undefined;
  const code = await runCommand(
    {
      suites: TUNING_SUITES,
      grep: TUNING_GREP,
      failOn: 'violation',
      slow: true, // --max-wait is the limit here
      bail: false,
      labSysctl: a.labSysctl,
      setting: [],
      ...(remote ? {} : { sysctls: 'host' }),
      expect: [],
      reportDir: a.reportDir,
      tap: false,
      ...(jobs !== undefined ? { jobs } : {}),
      keepLab: false,
      ...(a.target !== undefined ? { target: a.target } : {}),
      asRemote: false,
      ...(a.rate !== undefined ? { rate: a.rate } : {}),
      ...(a.maxConns !== undefined ? { maxConns: a.maxConns } : {}),
      ...(a.closeTrigger !== undefined ? { closeTrigger: a.closeTrigger } : {}),
      ...(a.suitesDir !== undefined ? { suitesDir: a.suitesDir } : {}),
    },
    (run) => (record = run),
  );
  if (!record) return code;
  const rows = tuningRows(record);
  const where = remote ? `target ${a.target}, black-box` : "a lab with this machine's sysctls";
  process.stdout.write(`\ntuning (${where}; waits capped at ${maxWait} s):\n${tuningTableText(rows).join('\n')}\n`);
  const counts = (m: string) => rows.filter((r) => r.match === m).length;
  process.stdout.write(
    `${counts('yes')} match, ${counts('no')} do not, ${counts('inconclusive')} inconclusive (the machine was too busy to tell), ${counts('not measured')} not measured\n`,
  );
  return rows.some((r) => r.match === 'no') ? 1 : code;
}
