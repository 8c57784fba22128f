// tcpfsm exercise: an interactive session on a fresh lab, or a guided walkthrough of one
// behaviour from the teaching note (handshake, close, lost third ACK, TIME-WAIT, half-close, reset,
// ISNs, the SYN queue, TIME-WAIT reuse, both sides' states, why three and four), in English or Chinese.
import type { Argv } from 'yargs';
import { LANGS, type Lang, runExercise, WALKTHROUGHS } from '../../exercise/index.js';
import { hostSysctls, parseSysctlSet, SYSCTL_SETS } from '../../lab/host-sysctls.js';
import { labSysctlsFrom } from '../../lab/index.js';
import { parseLabSysctls, refuseHostWideLabSysctls } from '../args.js';

export interface ExerciseArgs {
  walkthrough?: string;
  auto: boolean;
  labSysctl: string[];
  sysctls?: string;
  lang: Lang;
}

export function exerciseBuilder(y: Argv): Argv<ExerciseArgs> {
  return y
    .usage(
      '$0 exercise [--walkthrough name] [--auto] [--lang en|zh]\n\nDrive a real kernel TCP stack segment by segment and watch its state machine move.\n\nWalkthroughs:\n' +
        WALKTHROUGHS.map((w) => `  ${w.name.padEnd(11)} ${w.description}`).join('\n'),
    )
    .option('walkthrough', { alias: 'w', describe: 'a guided lesson instead of the free session', choices: WALKTHROUGHS.map((w) => w.name), requiresArg: true })
    .option('auto', { describe: 'run the walkthrough straight through (no Enter between steps); stable text', type: 'boolean', default: false })
    .option('lang', { describe: 'language of the lesson texts (the teaching note is Chinese)', choices: LANGS, default: 'en' as Lang, requiresArg: true })
    .option('lab-sysctl', {
      describe: 'set a sysctl in the lab namespace (repeatable), e.g. tcp_synack_retries=3',
      type: 'string',
      array: true,
      default: [],
      requiresArg: true,
    })
    .option('sysctls', {
      describe:
        "the set the lab starts from: fast (default, short timers) or host (this machine's per-namespace TCP/IP sysctls, copied: its real timers); a lesson's own timers and --lab-sysctl go on top",
      choices: SYSCTL_SETS,
      requiresArg: true,
    })
    .example('$0 exercise', 'interactive: type `listen 8080`, `connect`, `syn`, `ack`, `state`, `trace`, `help`')
    .example('$0 exercise --walkthrough handshake', 'the 3-way handshake, step by step (Enter to continue)')
    .example('$0 exercise -w time-wait --auto', 'the TIME-WAIT lesson straight through')
    .example('$0 exercise -w handshake --lang zh', 'the handshake lesson in Chinese') as unknown as Argv<ExerciseArgs>;
}

export async function exerciseCommand(a: ExerciseArgs): Promise<number> {
  const values = parseLabSysctls(a.labSysctl);
  if (a.labSysctl.length) await refuseHostWideLabSysctls(values); // before the session makes its lab
  const base = parseSysctlSet(a.sysctls) === 'host' ? labSysctlsFrom(await hostSysctls()) : undefined;
  return runExercise({ walkthrough: a.walkthrough, auto: a.auto, lang: a.lang, labSysctls: labSysctlsFrom(values), baseSysctls: base });
}
