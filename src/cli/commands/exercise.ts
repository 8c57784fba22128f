// tcpfsm exercise: an interactive session on a fresh lab, or a guided walkthrough of one
// behaviour from the teaching note (handshake, close, lost third ACK, TIME-WAIT, half-close, reset).
import type { Argv } from 'yargs';
import { runExercise, WALKTHROUGHS } from '../../exercise/index.js';
import { labSysctlsFrom } from '../../lab/index.js';
import { parseLabSysctls, refuseHostWideLabSysctls } from '../args.js';

export interface ExerciseArgs {
  walkthrough?: string;
  auto: boolean;
  labSysctl: string[];
}

export function exerciseBuilder(y: Argv): Argv<ExerciseArgs> {
  return y
    .usage(
      '$0 exercise [--walkthrough name] [--auto]\n\nDrive a real kernel TCP stack segment by segment and watch its state machine move.\n\nWalkthroughs:\n' +
        WALKTHROUGHS.map((w) => `  ${w.name.padEnd(11)} ${w.description}`).join('\n'),
    )
    .option('walkthrough', { alias: 'w', describe: 'a guided lesson instead of the free session', choices: WALKTHROUGHS.map((w) => w.name), requiresArg: true })
    .option('auto', { describe: 'run the walkthrough straight through (no Enter between steps); stable text', type: 'boolean', default: false })
    .option('lab-sysctl', { describe: 'set a sysctl in the lab namespace (repeatable), e.g. tcp_synack_retries=3', type: 'string', array: true, default: [], requiresArg: true })
    .example('$0 exercise', 'interactive: type `listen 8080`, `connect`, `syn`, `ack`, `state`, `trace`, `help`')
    .example('$0 exercise --walkthrough handshake', 'the 3-way handshake, step by step (Enter to continue)')
    .example('$0 exercise -w time-wait --auto', 'the TIME-WAIT lesson straight through') as unknown as Argv<ExerciseArgs>;
}

export async function exerciseCommand(a: ExerciseArgs): Promise<number> {
  const values = parseLabSysctls(a.labSysctl);
  if (a.labSysctl.length) await refuseHostWideLabSysctls(values); // before the session makes its lab
  return runExercise({ walkthrough: a.walkthrough, auto: a.auto, labSysctls: labSysctlsFrom(values) });
}
