// A guided walkthrough: a lesson's steps run one after another through the same session commands
// a student types, each explained first; Enter moves on (or --auto runs straight through). Every
// step checks the state the lesson promises, on the FSM and on the kernel, so a lesson that no
// longer shows what it says is caught.
import type { Lesson } from './lessons.js';
import { UI } from './lessons.js';
import { PROMPT } from './repl.js';
import type { Printer } from './output.js';
import type { Session } from './session.js';

export interface WalkthroughIo {
  /** wait for the student between steps; resolves false when input ended. Absent: --auto. */
  pause?: () => Promise<boolean>;
}

/** Runs the lesson up to its question; with --auto also the check and the answer. False if the student left. */
export async function runWalkthrough(session: Session, out: Printer, lesson: Lesson, io: WalkthroughIo = {}): Promise<boolean> {
  out.line(`══ ${UI.walkthrough}: ${lesson.title} (${lesson.rfc}) ══`, 'title');
  out.lines(lesson.intro);
  const n = lesson.steps.length;
  for (const [i, step] of lesson.steps.entries()) {
    out.line();
    out.line(`── ${UI.step} ${i + 1}/${n}: ${step.title} ──`, 'title');
    out.lines(step.say.map((l) => `  ${l}`));
    for (const command of step.run) {
      out.line(`${PROMPT}${command}`, 'prompt');
      await session.execute(command);
    }
    if (step.expect && (session.modelState !== step.expect || session.lastKernel !== step.expect)) {
      session.problems++;
      out.line(`  ${UI.lessonCheckFailed(step.expect, session.modelState ?? '-', session.lastKernel ?? '-')}`, 'bad');
    }
    if (io.pause && i < n - 1) {
      out.line(UI.pressEnter, 'dim');
      if (!(await io.pause())) return false;
    }
  }
  out.line();
  out.line(`── ${UI.question} ──`, 'title');
  out.lines(lesson.question.ask.map((l) => `  ${l}`));
  if (io.pause) {
    out.line(`  ${UI.typeToCheck(lesson.question.command)}`);
    return true;
  }
  out.line(UI.checkIt);
  out.line(`${PROMPT}${lesson.question.command}`, 'prompt');
  await session.execute(lesson.question.command);
  showAnswer(out, lesson, session.problems);
  return true;
}

export function showAnswer(out: Printer, lesson: Lesson, problems: number): void {
  out.line(`${UI.answer}:`, 'title');
  out.lines(lesson.question.answer.map((l) => `  ${l}`));
  out.line(UI.done(problems), problems ? 'bad' : 'good');
}
