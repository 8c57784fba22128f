// Every lesson in both languages: the Chinese texts have the lesson's shape (a title, a summary,
// an intro, one text per step, a question and an answer), are Chinese, and quote the lab's real
// values like the English ones; `--lang zh` runs a walkthrough in Chinese.
import t from 'tap';
import { lessonText, uiFor } from '../../src/exercise/i18n.js';
import { LANGS, LESSONS, type LessonValues, lines } from '../../src/exercise/lessons.js';
import { labLinksOf, transcriptOf } from './helpers.js';

const values: LessonValues = { sysctl: (name) => ({ tcp_synack_retries: '3', ip_local_port_range: '33333 33333' })[name] ?? '7' };
const CJK = /[\u4e00-\u9fff]/;

t.test('every lesson has its texts in every language, step for step', async (t) => {
  t.same([...LANGS], ['en', 'zh']);
  for (const lesson of LESSONS) {
    for (const lang of LANGS) {
      const text = lessonText(lesson, lang);
      const all = [
        text.title,
        text.summary,
        ...lines(text.intro, values),
        ...text.steps.flatMap((s) => [s.title, ...lines(s.say, values)]),
        ...lines(text.ask, values),
        ...lines(text.answer, values),
      ];
      t.equal(text.steps.length, lesson.steps.length, `${lesson.name} (${lang}): a text for each of its ${lesson.steps.length} steps`);
      t.ok(
        all.every((l) => l.trim().length > 0),
        `${lesson.name} (${lang}): no empty line`,
      );
      if (lang === 'zh')
        t.ok(
          [text.title, text.summary, ...text.steps.map((s) => s.title)].every((l) => CJK.test(l)),
          `${lesson.name}: titles in Chinese`,
        );
      else
        t.notOk(
          all.some((l) => CJK.test(l)),
          `${lesson.name}: English text`,
        );
    }
  }
  const zh = lessonText(LESSONS.find((l) => l.name === 'lost-ack')!, 'zh');
  t.match(lines(zh.intro, values).join('\n'), /本实验环境：3[\s\S]*15 秒/, 'the Chinese text quotes the real values too');
  t.match(uiFor('zh').pressEnter, '按回车');
});

t.test('--lang zh runs a walkthrough in Chinese', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'handshake', auto: true, lang: 'zh' });
  t.equal(code, 0);
  t.match(text, '══ 演练: 三次握手 (RFC 9293 3.5) ══');
  t.match(text, '── 步骤 2/4: 第一次握手：SYN ──');
  t.match(text, /答案:\n {2}都是 6/);
  t.match(text, '演练结束：FSM 与内核在每一步都一致。');
  t.match(text, 'state: FSM ESTABLISHED | kernel ESTABLISHED', "the session's own lines stay as they are");
  t.same(await labLinksOf(process.pid), []);
});
