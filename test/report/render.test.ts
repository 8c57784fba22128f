// The report as a person sees it, rendered in headless Chromium: the FSM coverage diagram, the
// measured-figures section and the ladders. Every text element's box is read back from the
// browser; no two labels may intersect, none may leave its drawing or sit on a state box. The
// same check on the old Graphviz coverage diagram finds its pile of labels (the check has teeth).
// Screenshots stay in .tap/report-render/ for a person to look at.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type Mark, rfcTable, toDot } from '../../src/fsm/index.js';
import { coverageDiagram, rowCoverage } from '../../src/report/coverage.js';
import { fsmDiagram } from '../../src/report/fsm-diagram.js';
import { REPORT_CSS } from '../../src/report/html.js';
import { testsOf } from '../../src/report/run.js';
import { renderDot } from '../../src/report/svg.js';
import { writeReports } from '../../src/report/write.js';
import { type SvgBoxes, screenshot, svgTextBoxes, textProblems } from './chromium.js';
import { sampleRun } from './sample-run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Kept after the run (tap's own output folder, ignored by git): the pictures to look at. */
const SHOTS = join(ROOT, '.tap', 'report-render');

const page = (title: string, body: string): string =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${REPORT_CSS} body { margin: 8px; max-width: none; }</style></head><body>${body}</body></html>`;

const problemsOf = (svgs: SvgBoxes[]): string[] => svgs.flatMap((s, i) => textProblems(s).map((p) => `${s.svg || 'svg'} #${i}: ${p}`));

t.test('FSM diagram: every label readable in Chromium, in the plain and the coverage version', async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const run = sampleRun();
  const coverage = rowCoverage(run.suites.flatMap((s) => testsOf(s).map((test) => ({ suite: s.suite, test }))));
  // Every row marked, in every colour, so each label has its longest form and the legend is full.
  const marks = new Map<string, Mark>(rfcTable.map((r, i) => [r.id, (['passed', 'failed', 'covered', 'untested'] as const)[i % 4]!]));
  const versions = { 'fsm-plain': fsmDiagram().svg, 'fsm-run': coverageDiagram(coverage).svg, 'fsm-all-marks': fsmDiagram({ marks }).svg };
  for (const [name, svg] of Object.entries(versions)) {
    const file = join(SHOTS, `${name}.html`);
    writeFileSync(file, page(name, svg));
    const boxes = await svgTextBoxes(svg, 'svg.fsm-diagram');
    t.equal(boxes.length, 1, `${name}: one diagram`);
    t.ok(boxes[0]!.texts.length > 60, `${name}: ${boxes[0]!.texts.length} text elements measured`);
    t.same(problemsOf(boxes), [], `${name}: no label overlaps another, leaves the drawing or sits on a box`);
    await screenshot(file, join(SHOTS, `${name}.png`), '1290,990');
  }
  const labels = (await svgTextBoxes(versions['fsm-run'], 'svg.fsm-diagram'))[0]!.texts;
  for (const want of ['rcv SYN / snd SYN,ACK', 'rcv ACK of SYN', 'rcv FIN / snd ACK', 'Timeout=2MSL', 'passive OPEN']) {
    t.ok(
      labels.some((l) => l.text.includes(want)),
      `a label says "${want}"`,
    );
  }
  t.ok(labels.filter((l) => l.owner.startsWith('loops')).length >= 10, 'a ↻ badge per state with rows that keep it');
});

t.test('the old Graphviz coverage diagram fails the same check', async (t) => {
  const marks = new Map<string, Mark>(rfcTable.map((r) => [r.id, 'passed']));
  const old = await renderDot(toDot(marks, { selfLoops: true }));
  const problems = problemsOf(await svgTextBoxes(old.slice(old.indexOf('<svg')), 'svg'));
  t.ok(problems.filter((p) => p.includes(' overlaps ')).length > 10, `${problems.length} problems found, e.g. ${problems[0]}`);
});

t.test('the report page: figures, FSM and ladders readable; inferred states and empty suites said so', async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const dir = t.testdir();
  const files = await writeReports(dir, sampleRun(), 'TAP version 14\n');
  const html = readFileSync(files.index, 'utf8');
  const boxes = await svgTextBoxes(html, '#fsm-diagram svg, svg.figure-chart, svg.ladder', '1280,1000');
  t.ok(boxes.filter((b) => b.svg === 'figure-chart').length >= 8, 'a chart per figure with an expectation');
  t.same(problemsOf(boxes), [], 'no label overlaps another or leaves its drawing');
  const fsmInPage = boxes.find((b) => b.svg === 'fsm-diagram')!;
  const alone = (await svgTextBoxes(readFileSync(files.fsm, 'utf8'), 'svg.fsm-diagram', '1290,1000'))[0]!;
  // Widths relative to the drawing (the page may scale it): bold from a stray CSS class would add ~8 %.
  const widths = (s: SvgBoxes) => s.texts.map((x) => x.w / s.frame.w);
  const restyled = widths(fsmInPage).filter((w, i) => Math.abs(w / widths(alone)[i]! - 1) > 0.03).length;
  t.equal(restyled, 0, "the page's CSS leaves the diagram's text as fsm.svg draws it");
  await screenshot(files.index, join(SHOTS, 'index.png'), '1280,2200');

  // The figures section alone, for a person to look at.
  const figures = /<h2 id="figures">[\s\S]*?(?=<h2 id="fsm">)/.exec(html)![0];
  writeFileSync(join(SHOTS, 'figures.html'), page('figures', figures));
  await screenshot(join(SHOTS, 'figures.html'), join(SHOTS, 'figures.png'), '1280,1500');

  // Ladders, all in one page: no overlaps, every note line inside its box, nothing cut with "…".
  const ladderFiles = readdirSync(join(dir, 'ladders'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.svg'))
    .sort();
  const ladderSvgs = ladderFiles.map((f) => readFileSync(join(dir, 'ladders', f), 'utf8'));
  const ladders = await svgTextBoxes(page('ladders', ladderSvgs.join('\n')), 'svg.ladder', '1020,1000');
  t.equal(ladders.length, ladderFiles.length, `${ladderFiles.length} ladders measured`);
  ladders.forEach((l, i) => {
    const f = ladderFiles[i]!;
    t.same(textProblems(l), [], `${f}: no overlaps`);
    const notes = l.shapes.filter((s) => s.owner === 'note');
    const outside = l.texts.filter(
      (x) => x.owner === 'note' && x.cls !== 'time' && !notes.some((n) => x.x >= n.x && x.x + x.w <= n.x + n.w && x.y >= n.y && x.y + x.h <= n.y + n.h),
    );
    t.same(
      outside.map((x) => x.text),
      [],
      `${f}: every note line inside its box`,
    );
    t.notMatch(ladderSvgs[i], /…/, `${f}: nothing cut with …`);
  });
  const remote = ladderFiles.find((f) => f.startsWith('passive-close/01'))!;
  writeFileSync(join(SHOTS, 'ladder-remote.html'), page('remote ladder', readFileSync(join(dir, 'ladders', remote), 'utf8')));
  await screenshot(join(SHOTS, 'ladder-remote.html'), join(SHOTS, 'ladder-remote.png'), '1020,760');
});
