// Which words a walkthrough speaks: the English texts live with the lessons (lessons.ts), the
// Chinese ones in lessons-zh.ts; this picks one language's texts for a lesson and the interface.

import { type Lang, type Lesson, type LessonText, UI_EN, type Ui } from './lessons.js';
import { LESSONS_ZH, UI_ZH } from './lessons-zh.js';

export function uiFor(lang: Lang): Ui {
  return lang === 'zh' ? UI_ZH : UI_EN;
}

export function lessonText(lesson: Lesson, lang: Lang): LessonText {
  if (lang === 'zh') return LESSONS_ZH[lesson.name];
  return {
    title: lesson.title,
    summary: lesson.summary,
    intro: lesson.intro,
    steps: lesson.steps.map((s) => ({ title: s.title, say: s.say })),
    ask: lesson.question.ask,
    answer: lesson.question.answer,
  };
}
