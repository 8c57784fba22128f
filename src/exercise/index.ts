// `tcpfsm exercise`: learn the TCP state machine on a real kernel. Without a walkthrough, an
// interactive session (see commands.ts); with one, a guided lesson (lessons.ts), step by step or
// straight through with --auto (stable text: relative numbers only, no timestamps, no lab ids).
import type { LabSysctls } from '../lab/index.js';
import { UsageError } from '../sys/errors.js';
import { lessonText, uiFor } from './i18n.js';
import { LANGS, type Lang, LESSONS, type Lesson, type WalkthroughName } from './lessons.js';
import { Printer } from './output.js';
import { Lines, PROMPT, repl } from './repl.js';
import { Session } from './session.js';
import { runWalkthrough, showAnswer } from './walkthrough.js';

export type { Lang, WalkthroughName } from './lessons.js';
export { LANGS } from './lessons.js';

export interface ExerciseOptions {
  /** a walkthrough name (WALKTHROUGHS); absent: the interactive session */
  walkthrough?: string;
  /** run the walkthrough without pausing, answer its question, and end */
  auto?: boolean;
  /** default process.stdin */
  input?: NodeJS.ReadableStream;
  /** default process.stdout; colours only when it is a terminal */
  output?: NodeJS.WritableStream;
  /** lab sysctls on top of the fast suite defaults and the lesson's own (`--lab-sysctl`) */
  labSysctls?: LabSysctls;
  /** the set under the lesson's own (`--sysctls host`: this machine's); unset: the fast defaults */
  baseSysctls?: LabSysctls;
  /** the language of the lesson texts (`--lang`), default English */
  lang?: Lang;
}

/** The walkthroughs, with one-line descriptions, for the CLI's choices and help. */
export const WALKTHROUGHS: ReadonlyArray<{ name: WalkthroughName; description: string }> = LESSONS.map((l) => ({
  name: l.name,
  description: l.summary,
}));

/** A walkthrough's one-line description in `lang`. */
export const describeWalkthrough = (lesson: Lesson, lang: Lang): string => lessonText(lesson, lang).summary;

/** The lesson's own settings, then the user's on top (theirs win, `extra` merged key by key). */
export function withLessonSysctls(lesson: LabSysctls | undefined, user: LabSysctls | undefined): LabSysctls | undefined {
  if (!lesson) return user;
  if (!user) return lesson;
  const extra = { ...lesson.extra, ...user.extra };
  return { ...lesson, ...user, ...(Object.keys(extra).length ? { extra } : {}) };
}

export function lessonNamed(name: string): Lesson {
  const lesson = LESSONS.find((l) => l.name === name);
  if (!lesson) throw new UsageError(`unknown walkthrough '${name}' (known: ${LESSONS.map((l) => l.name).join(', ')})`);
  return lesson;
}

/**
 * Run an exercise on a fresh lab, removed at the end. Resolves with the exit code: 0, or 1 when a
 * walkthrough saw the FSM and the kernel disagree. Throws UsageError (exit code 2) for an unknown
 * walkthrough or --auto without one, EnvironmentError (2) when no lab can be made.
 */
export async function runExercise(opts: ExerciseOptions = {}): Promise<number> {
  const lang = opts.lang ?? 'en';
  if (!(LANGS as readonly string[]).includes(lang)) throw new UsageError(`unknown language '${lang}' (known: ${LANGS.join(', ')})`);
  const ui = uiFor(lang);
  const lesson = opts.walkthrough !== undefined ? lessonNamed(opts.walkthrough) : undefined;
  if (opts.auto && !lesson) throw new UsageError(`--auto runs a walkthrough without pauses: add --walkthrough <${LESSONS.map((l) => l.name).join('|')}>`);
  const output = opts.output ?? process.stdout;
  const input = opts.input ?? process.stdin;
  const out = new Printer(output);
  const stable = !!opts.auto || !(output as { isTTY?: boolean }).isTTY;
  out.line(ui.settingUp, 'dim');
  const session = await Session.open({
    printer: out,
    sysctls: withLessonSysctls(withLessonSysctls(opts.baseSysctls, lesson?.sysctls), opts.labSysctls),
    stable,
  });
  let lines: Lines | undefined;
  try {
    const { target } = session;
    out.line(stable ? ui.labReady : `${ui.labReady} (${target.lab}: target ${target.address}, probe ${target.probeAddress})`, 'dim');
    out.line();
    if (!lesson) {
      lines = new Lines(input, output);
      out.lines(ui.replIntro);
      await repl(session, out, lines);
      return 0;
    }
    if (opts.auto) {
      await runWalkthrough(session, out, lesson, {}, lang);
      return session.problems ? 1 : 0;
    }
    const reader = (lines = new Lines(input, output));
    // What is typed at a pause is echoed from a pipe, as the REPL does, so the transcript shows it.
    const pause = async () => {
      const line = await reader.next();
      if (line && !reader.terminal) out.line(`${PROMPT}${line}`, 'prompt');
      return line;
    };
    const finished = await runWalkthrough(session, out, lesson, { pause }, lang);
    const problems = session.problems;
    if (finished) {
      // The student types the check; its answer follows the first time they do.
      let answered = false;
      await repl(session, out, reader, {
        after: (line) => {
          if (answered || line.trim() !== lesson.question.command) return;
          answered = true;
          showAnswer(out, lesson, problems, session.sysctls, lang);
        },
      });
    }
    return problems ? 1 : 0;
  } finally {
    lines?.close();
    await session.close();
  }
}
