// A guided walkthrough: a lesson's steps run one after another through the same session commands
// a student types, each explained first; Enter moves on (or --auto runs straight through). Every
// step checks the state the lesson promises, on the FSM and on the kernel, so a lesson that no
// longer shows what it says is caught. At a pause, `quit` (or q) leaves, the commands that only
// look (state, trace, isns, queue) run, and anything else is answered, never silently dropped.
import { lessonText, uiFor } from './i18n.js';
import { type Lang, type Lesson, type LessonValues, lines } from './lessons.js';
import type { Printer } from './output.js';
import { PROMPT } from './repl.js';
import type { Session } from './session.js';

export interface WalkthroughIo {
  /** wait for the student between steps: the line typed, null when input ended. Absent: --auto. */
  pause?: () => Promise<string | null>;
}

/** Commands a student may run at a pause: they only look, so the lesson's state stays as it is. */
const LOOKING = new Set(['state', 'trace', 'isns', 'queue', 'help']);
const QUIT = new Set(['quit', 'q', 'exit']);

/** The lab's values as lesson texts quote them: short names under net.ipv4 or net.core. */
export function valuesOf(sysctls: Readonly<Record<string, string>>): LessonValues {
  return {
    sysctl: (name) => sysctls[name] ?? sysctls[`net.ipv4.${name}`] ?? sysctls[`net.core.${name}`] ?? '?',
  };
}

/** Runs the lesson up to its question; with --auto also the check and the answer. False if the student left. */
export async function runWalkthrough(session: Session, out: Printer, lesson: Lesson, io: WalkthroughIo = {}, lang: Lang = 'en'): Promise<boolean> {
  const ui = uiFor(lang);
  const text = lessonText(lesson, lang);
  const v = valuesOf(session.sysctls);
  out.line(`══ ${ui.walkthrough}: ${text.title} (${lesson.rfc}) ══`, 'title');
  out.lines(lines(text.intro, v));
  const settings = lessonSettings(lesson, v);
  if (settings) out.line(ui.labSettings(settings), 'dim');
  const n = lesson.steps.length;
  for (const [i, step] of lesson.steps.entries()) {
    out.line();
    out.line(`── ${ui.step} ${i + 1}/${n}: ${text.steps[i]!.title} ──`, 'title');
    out.lines(lines(text.steps[i]!.say, v).map((l) => `  ${l}`));
    const timersBefore = session.timersFired;
    for (const command of step.run) {
      out.line(`${PROMPT}${command}`, 'prompt');
      await session.execute(command);
    }
    if (step.expect && (session.modelState !== step.expect || session.lastKernel !== step.expect)) {
      if (session.timersFired > timersBefore && session.modelState === session.lastKernel) {
        out.line(ui.timerMovedOn(step.expect, session.modelState ?? '-'), 'note');
      } else {
        session.problems++;
        out.line(`  ${ui.lessonCheckFailed(step.expect, session.modelState ?? '-', session.lastKernel ?? '-')}`, 'bad');
      }
    }
    if (io.pause && i < n - 1 && !(await pause(session, out, io.pause, ui.pressEnter, ui.atPause))) return false;
  }
  out.line();
  out.line(`── ${ui.question} ──`, 'title');
  out.lines(lines(text.ask, v).map((l) => `  ${l}`));
  if (io.pause) {
    out.line(`  ${ui.typeToCheck(lesson.question.command)}`);
    return true;
  }
  out.line(ui.checkIt);
  out.line(`${PROMPT}${lesson.question.command}`, 'prompt');
  await session.execute(lesson.question.command);
  showAnswer(out, lesson, session.problems, session.sysctls, lang);
  return true;
}

/** Wait for Enter; false when the student quits or the input ends. */
async function pause(
  session: Session,
  out: Printer,
  next: () => Promise<string | null>,
  pressEnter: string,
  atPause: (typed: string) => string,
): Promise<boolean> {
  for (;;) {
    out.line(pressEnter, 'dim');
    const line = await next();
    if (line === null) return false;
    const typed = line.trim();
    const word = typed.split(/\s+/)[0]!.toLowerCase();
    if (!typed) return true;
    if (QUIT.has(word)) return false;
    if (LOOKING.has(word)) await session.execute(typed);
    else out.line(atPause(typed), 'note');
  }
}

/** "tcp_orphan_retries = 8, tcp_fin_timeout = 60": the lesson's own settings, as the lab reads them back. */
function lessonSettings(lesson: Lesson, v: LessonValues): string {
  const s = lesson.sysctls ?? {};
  const names = [...Object.keys(s).filter((k) => k !== 'extra'), ...Object.keys(s.extra ?? {})];
  return names.map((k) => `${k.replace(/^net\.(ipv4|core)\./, '')} = ${v.sysctl(k).replace(/\s+/, '-')}`).join(', ');
}

export function showAnswer(out: Printer, lesson: Lesson, problems: number, sysctls: Readonly<Record<string, string>>, lang: Lang = 'en'): void {
  const ui = uiFor(lang);
  out.line(`${ui.answer}:`, 'title');
  out.lines(lines(lessonText(lesson, lang).answer, valuesOf(sysctls)).map((l) => `  ${l}`));
  out.line(ui.done(problems), problems ? 'bad' : 'good');
}
