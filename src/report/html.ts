// index.html: the run at a glance, readable offline (no scripts, no network, inline CSS).
// Summary, files, suites, failures with message, diagnostics, trace and ladder, measured
// figures, the FSM coverage diagram and table, then every test with its ladder.
import { stringify } from 'yaml';
import { diagramModel, type Mark } from '../fsm/index.js';
import type { TestResult } from '../peer/contract.js';
import { stackHasSetting } from '../target/stack-settings.js';
import { isRfc9293Label, REQUIREMENTS } from '../verdict/requirements.js';
import type { RowCoverage } from './coverage.js';
import { tableCoverage } from './coverage.js';
import { differential, resultsByStack } from './differential.js';
import { xmlAttr as attr, xmlText as text } from './escape.js';
import { FIGURES_CSS, type FigureGroup, figuresSection } from './figures.js';
import { MARK_COLOUR } from './fsm-diagram.js';
import { renderHeatmap } from './heatmap.js';
import { ranNoTest } from './outcomes.js';
import { countRun, type RunRecord, runVerdict, type SuiteRun, suiteInterrupted, suiteOk, suiteRan, testsOf, verdictOf } from './run.js';
import { traceText } from './trace-text.js';

export interface LadderRef {
  /** path relative to index.html */
  file: string;
  svg: string;
}

export interface HtmlInput {
  run: RunRecord;
  /** fsm.svg's <svg> element, inlined */
  fsmSvg: string;
  coverage: ReadonlyMap<string, RowCoverage>;
  ladders: ReadonlyMap<TestResult, LadderRef>;
  /** report files, relative to index.html */
  files: { tap: string; junit: string; pcap: string; fsm: string; run: string; suitesDir: string };
  /** things that went wrong while writing the reports (damaged pcap, missing JSON) */
  problems: string[];
}

export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #212121; margin: 24px auto; max-width: 1240px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #cfd8dc; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border: 1px solid #cfd8dc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eceff1; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 160px; }
.pass { color: #2e7d32; font-weight: bold; } .fail { color: #c62828; font-weight: bold; } .skip { color: #757575; font-weight: bold; } .covered { color: #1565c0; font-weight: bold; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: bold; }
.badge.pass { background: #2e7d32; color: #fff; } .badge.fail { background: #c62828; color: #fff; }
pre { background: #f5f5f5; border: 1px solid #e0e0e0; padding: 8px; overflow-x: auto; font: 12px/1.4 ui-monospace, 'DejaVu Sans Mono', Menlo, monospace; }
.failure { border-left: 4px solid #c62828; padding-left: 12px; margin-bottom: 24px; }
.diagram { overflow-x: auto; } .diagram svg { max-width: 100%; height: auto; }
details { margin: 4px 0; } summary { cursor: pointer; }
.muted { color: #757575; } code { font: 12px ui-monospace, 'DejaVu Sans Mono', Menlo, monospace; }
nav a { margin-right: 14px; }
.badge.neutral, .badge.interrupted { background: #757575; color: #fff; }
table#self-loops td.rows { line-height: 1.7; } table#self-loops td:nth-child(-n+3) { white-space: nowrap; } .loop-row { white-space: nowrap; } .loop-row.untested { color: #9e9e9e; }
${FIGURES_CSS}`;

const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);

function verdictCell(test: TestResult): string {
  const v = verdictOf(test);
  if (v === 'interrupted') return `<span class="skip" title="${attr(`the run was interrupted by ${test.interrupted} while this test ran`)}">interrupted</span>`;
  return v === 'skip' ? `<span class="skip">skip</span>` : v === 'pass' ? `<span class="pass">pass</span>` : `<span class="fail">FAIL</span>`;
}

const anchor = (suite: string, index: number): string => `t-${suite.replace(/[^A-Za-z0-9_-]/g, '_')}-${index}`;

function uniqueValues(run: RunRecord, pick: (s: SuiteRun) => string | undefined): string {
  const values = [...new Set(run.suites.map(pick).filter((v): v is string => !!v))];
  return values.length ? values.map(text).join('<br>') : '<span class="muted">—</span>';
}

function sysctlRows(run: RunRecord): string {
  const values = new Map<string, Map<string, string[]>>();
  for (const s of run.suites) {
    for (const [k, v] of Object.entries(s.result?.sysctls ?? {})) {
      const byValue = values.get(k) ?? new Map<string, string[]>();
      byValue.set(v, [...(byValue.get(v) ?? []), s.suite]);
      values.set(k, byValue);
    }
  }
  if (!values.size) return '<span class="muted">— (no lab sysctls reported)</span>';
  const host = run.options.hostSysctls;
  const rows = [...values.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, byValue]) => {
      const v = [...byValue.entries()].map(([value, suites]) =>
        byValue.size > 1 ? `${text(value)} <span class="muted">(${text(suites.join(', '))})</span>` : text(value),
      );
      const user = Object.keys(run.options.labSysctls).some((u) => k === u || k.endsWith(`.${u}`)) ? ' <span class="muted">(--lab-sysctl)</span>' : '';
      return `<tr><td><code>${text(k)}</code></td><td>${v.join('<br>')}${user}</td>${host ? hostCell(host[k], [...byValue.keys()]) : ''}</tr>`;
    });
  return `${sysctlSetNote(run)}<table><tr><th>sysctl</th><th>value</th>${host ? '<th>this machine</th>' : ''}</tr>${rows.join('')}</table>`;
}

/** The machine's own value beside the lab's: marked when the lab's differs. */
function hostCell(host: string | undefined, lab: readonly string[]): string {
  if (host === undefined) return '<td><span class="muted">—</span></td>';
  return lab.every((v) => v === host)
    ? `<td><span class="muted">${text(host)}</span></td>`
    : `<td><strong>${text(host)}</strong> <span class="muted">(differs)</span></td>`;
}

/** Which set the labs started from (--sysctls), and how many keys differ from this machine. */
function sysctlSetNote(run: RunRecord): string {
  const { sysctlSet, hostSysctls } = run.options;
  if (!sysctlSet) return '';
  const differ = new Set(
    run.suites.flatMap((s) =>
      Object.entries(s.result?.sysctls ?? {})
        .filter(([k, v]) => hostSysctls?.[k] !== undefined && hostSysctls[k] !== v)
        .map(([k]) => k),
    ),
  );
  const what =
    sysctlSet === 'host'
      ? "host: this machine's per-namespace TCP/IP sysctls, copied into each lab"
      : "fast: the lab's shortened timers — a pass says nothing about this machine's own tuning (--sysctls host measures it)";
  return `<p>sysctl set <strong>${text(sysctlSet)}</strong> — ${text(what)}; ${differ.size} key${differ.size === 1 ? '' : 's'} differ${differ.size === 1 ? 's' : ''} from this machine.</p>`;
}

function summary(run: RunRecord): string {
  const c = countRun(run);
  const noTests = run.suites.filter((s) => suiteOk(s) && ranNoTest(s)).length;
  const o = run.options;
  const opts = [
    o.grep !== undefined ? `--grep ${o.grep}` : '',
    o.slow ? '--slow' : '',
    o.bail ? '--bail' : '',
    `--jobs ${o.jobs}`,
    o.keepLab ? '--keep-lab' : '',
    o.asRemote ? '--as-remote' : '',
    ...Object.entries(o.expect).map(([k, v]) => `--expect ${k}=${v}`),
    o.sysctlSet === 'host' ? '--sysctls host' : '',
    // A Linux sysctl for every stack as --lab-sysctl took it; another stack's own, or one stack's, as --setting.
    ...Object.entries(o.labSysctls).map(([k, v]) => `${stackHasSetting('linux', k) ? '--lab-sysctl' : '--setting'} ${k}=${v}`),
  ].filter(Boolean);
  const rows: Array<[string, string]> = [
    ['verdict', `${verdictBadge(run)}${run.interrupted ? ` interrupted by ${text(run.interrupted)}: what had finished is reported as it was` : ''}`],
    ['started', text(run.startedAt)],
    ['duration', ms(run.durationMs)],
    [
      'suites',
      `${c.suites} <span class="muted">(${c.suites - c.suitesFailed - c.suitesNotRun - c.suitesInterrupted - noTests} passed, ${c.suitesFailed} failed${c.suitesInterrupted ? `, ${c.suitesInterrupted} interrupted` : ''}${noTests ? `, ${noTests} ran no test` : ''}${c.suitesNotRun ? `, ${c.suitesNotRun} not run` : ''})</span>`,
    ],
    [
      'tests',
      `${c.tests}: <span class="pass">${c.passed} passed</span>, <span class="${c.failed ? 'fail' : 'muted'}">${c.failed} failed</span>, <span class="skip">${c.skipped} skipped</span>${c.interrupted ? `, <span class="skip">${c.interrupted} interrupted</span>` : ''}`,
    ],
    ['target', o.target ? text(o.target) : uniqueValues(run, (s) => s.result?.target)],
    ['mode', uniqueValues(run, (s) => s.result?.mode)],
    ['profile', o.profile ? text(o.profile) : uniqueValues(run, (s) => s.result?.profile)],
    ['grades', gradeCounts(run)],
    ['options', opts.length ? `<code>${text(opts.join(' '))}</code>` : '<span class="muted">—</span>'],
    ['command', `<code>${text(run.command)}</code>`],
    ['tcpfsm', text(run.version)],
  ];
  return `<table class="kv" id="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function suiteStatus(s: SuiteRun): string {
  if (!suiteRan(s)) return `<span class="skip">not run</span>`;
  if (!suiteOk(s)) return suiteInterrupted(s) ? `<span class="skip">interrupted</span>` : `<span class="fail">FAIL</span>`;
  return ranNoTest(s) ? `<span class="skip">no tests ran</span>` : `<span class="pass">pass</span>`;
}

/** The run's verdict: PASS, FAIL, or NO TESTS RAN when it passed without a single verdict. */
const verdictWord = (run: RunRecord): string => {
  const v = runVerdict(run);
  return v !== 'pass' ? v.toUpperCase() : run.suites.every(ranNoTest) ? 'NO TESTS RAN' : 'PASS';
};

function verdictBadge(run: RunRecord): string {
  const word = verdictWord(run);
  return `<span class="badge ${word === 'FAIL' ? 'fail' : word === 'PASS' ? 'pass' : word === 'INTERRUPTED' ? 'interrupted' : 'neutral'}">${word}</span>`;
}

function suitesTable(run: RunRecord): string {
  const rows = run.suites.map((s) => {
    const tests = testsOf(s);
    const n = (f: (t: TestResult) => boolean) => tests.filter(f).length;
    const status = suiteStatus(s);
    const exit = !suiteRan(s) ? text(s.notRun ?? '') : s.signal ? `killed by ${text(s.signal)}` : `exit ${s.exitCode}`;
    return `<tr><td><a href="#suite-${attr(s.suite)}">${text(s.suite)}</a></td><td>${text(s.result?.title ?? '')}</td><td>${text(s.result?.rfc ?? '')}</td><td>${status}</td><td class="num">${tests.length}</td><td class="num">${n((t) => t.ok && t.skip === undefined)}</td><td class="num">${n((t) => verdictOf(t) === 'fail')}</td><td class="num">${n((t) => t.skip !== undefined)}</td><td class="num">${ms(s.durationMs)}</td><td>${exit}</td></tr>`;
  });
  return `<table id="suites"><tr><th>suite</th><th>title</th><th>RFC</th><th>result</th><th>tests</th><th>passed</th><th>failed</th><th>skipped</th><th>duration</th><th>process</th></tr>${rows.join('')}</table>`;
}

function details(test: TestResult): string {
  const d = test.error?.details;
  return d && Object.keys(d).length ? `<pre class="details">${text(stringify(d, { lineWidth: 0 }).trimEnd())}</pre>` : '';
}

function failures(run: RunRecord, ladders: HtmlInput['ladders']): string {
  const items: string[] = [];
  for (const s of run.suites) {
    testsOf(s).forEach((test, i) => {
      if (verdictOf(test) !== 'fail') return;
      const ladder = ladders.get(test);
      items.push(
        `<div class="failure" id="fail-${anchor(s.suite, i)}"><h3>${text(s.suite)} › ${text(test.name)}</h3>` +
          `<p class="fail">${text(test.error?.message ?? 'failed')}</p>${details(test)}` +
          (test.trace.length ? `<pre class="trace">${text(traceText(test.trace))}</pre>` : '') +
          (ladder ? `<div class="diagram">${ladder.svg}</div><p><a href="${attr(ladder.file)}">${text(ladder.file)}</a></p>` : '') +
          `</div>`,
      );
    });
  }
  return items.length ? `<h2 id="failures">Failures (${items.length})</h2>${items.join('\n')}` : `<h2 id="failures">Failures</h2><p class="pass">None.</p>`;
}

function figures(run: RunRecord): string {
  const groups: FigureGroup[] = [];
  for (const s of run.suites) {
    testsOf(s).forEach((test, i) => {
      if (test.figures.length) groups.push({ suite: s.suite, test: test.name, href: `#${anchor(s.suite, i)}`, figures: test.figures });
    });
  }
  return figuresSection(groups);
}

/** Per state, the rows that keep it (the diagram's ↻ badges), each in its mark's colour. */
function selfLoopTable(input: HtmlInput): string {
  const marks = new Map([...input.coverage].map(([id, c]) => [id, c.mark] as const));
  const loops = diagramModel(marks).loops.filter((l) => l.rows.length);
  const rows = loops.map((l) => {
    const n = (m: Mark) => l.rows.filter((r) => r.mark === m).length;
    const counts = (['passed', 'failed', 'covered', 'untested'] as const)
      .filter((m) => n(m))
      .map((m) => `<span style="color:${MARK_COLOUR[m]}">${n(m)} ${m}</span>`);
    const list = l.rows.map((r) => {
      const tests = input.coverage.get(r.row.id)?.tests ?? [];
      const tip = `${r.row.id} · ${r.row.rfc} · ${r.row.note}${tests.length ? ` · tests: ${tests.join('; ')}` : ''}`;
      return `<span class="loop-row ${r.mark}" title="${attr(tip)}"${r.mark === 'untested' ? '' : ` style="color:${MARK_COLOUR[r.mark]}"`}>${text(r.label)}</span>`;
    });
    return `<tr><td><b>${text(l.state)}</b></td><td class="num">${l.rows.length}</td><td>${counts.join(', ')}</td><td class="rows">${list.join(' · ')}</td></tr>`;
  });
  return (
    `<h3 id="self-loops-title">Rows that keep the state (the ↻ badges)</h3>` +
    `<table id="self-loops"><tr><th>state</th><th>rows</th><th>result</th><th>rows, in their result's colour (hover: rule, RFC, tests)</th></tr>${rows.join('')}</table>`
  );
}

function coverageSection(input: HtmlInput): string {
  const table = tableCoverage(input.coverage);
  const exercised = table.filter((r) => r.mark !== 'untested').length;
  const markClass = { passed: 'pass', failed: 'fail', covered: 'covered', untested: 'muted' } as const;
  const rows = [...input.coverage.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(
      (c) =>
        `<tr><td><code>${text(c.id)}</code></td><td>${c.kind}</td><td class="${markClass[c.mark]}">${c.mark}</td><td>${text(c.rfc ?? '')}</td><td>${text(c.description ?? '')}</td><td>${c.tests.map(text).join('<br>')}</td></tr>`,
    );
  return (
    `<h2 id="fsm">FSM coverage</h2><p>${exercised} of ${table.length} rows of the RFC 9293 transition table exercised. ` +
    `One arrow per pair of states, labelled with every row that takes it, each in its result's colour: green passed, red failed, blue covered (only skipped tests), grey untested; ` +
    `an arrow is red if one of its rows failed, else green if one passed. ↻ counts the rows that keep a state (table below). Hover an arrow or badge for its rows and tests. <a href="${attr(input.files.fsm)}">fsm.svg</a></p>` +
    `<div class="diagram" id="fsm-diagram">${input.fsmSvg}</div>` +
    selfLoopTable(input) +
    (rows.length
      ? `<table id="coverage"><tr><th>row</th><th>kind</th><th>result</th><th>RFC</th><th>rule</th><th>tests</th></tr>${rows.join('')}</table>`
      : '<p class="muted">No test reported FSM rows.</p>')
  );
}

/** Conformance matrix cells (suites/matrix.ts) as a heat map, one per suite that has them. */
function matrixSection(run: RunRecord): string {
  const parts = run.suites.filter((s) => s.result?.matrix?.length).map((s) => `<h3>${text(s.suite)}</h3>${renderHeatmap(s.result!.matrix!)}`);
  return parts.length ? `<h2 id="matrix">Conformance matrix</h2>${parts.join('\n')}` : '';
}

function testsSection(run: RunRecord, ladders: HtmlInput['ladders']): string {
  const parts: string[] = ['<h2 id="tests">Tests</h2>'];
  for (const s of run.suites) {
    const tests = testsOf(s);
    parts.push(
      `<h3 id="suite-${attr(s.suite)}">${text(s.suite)}${s.result?.title ? ` — ${text(s.result.title)}` : ''}${s.result?.rfc ? ` <span class="muted">(${text(s.result.rfc)})</span>` : ''}</h3>`,
    );
    if (!suiteRan(s)) {
      parts.push(`<p class="muted">Not run: ${text(s.notRun ?? '')}</p>`);
      continue;
    }
    if (s.resultProblem) parts.push(`<p class="muted">${text(s.resultProblem)}</p>`);
    const rows = tests.map((test, i) => {
      const ladder = ladders.get(test);
      const failed = verdictOf(test) === 'fail';
      const body = ladder
        ? failed
          ? `<a href="#fail-${anchor(s.suite, i)}">see failure</a> · <a href="${attr(ladder.file)}">ladder</a>`
          : `<details><summary>ladder (${test.trace.length} lines)</summary><img loading="lazy" src="${attr(ladder.file)}" alt="${attr(`ladder diagram of ${test.name}`)}" style="max-width:100%"></details>`
        : test.skip !== undefined
          ? text(test.skip)
          : test.interrupted !== undefined
            ? text(`interrupted by ${test.interrupted}`)
            : '';
      return `<tr id="${anchor(s.suite, i)}"><td>${verdictCell(test)}</td><td>${text(test.name)}</td><td>${text(test.rfc)}</td><td class="num">${ms(test.durationMs)}</td><td>${body}</td></tr>`;
    });
    parts.push(`<table class="tests"><tr><th>result</th><th>test</th><th>RFC</th><th>duration</th><th>ladder</th></tr>${rows.join('')}</table>`);
    if (s.stderr.trim() && !suiteOk(s)) parts.push(`<details><summary>stderr of ${text(s.suite)}</summary><pre>${text(s.stderr.trim())}</pre></details>`);
  }
  return parts.join('\n');
}

export function indexHtml(input: HtmlInput): string {
  const { run, files } = input;
  const links = [
    [files.tap, 'results.tap (TAP 14)'],
    [files.junit, 'junit.xml'],
    [files.pcap, 'trace.pcap (tcpdump -r)'],
    [files.fsm, 'fsm.svg'],
    [files.run, 'run.json'],
    [files.suitesDir, 'per-suite JSON, pcap, TAP'],
  ]
    .map(([href, label]) => `<a href="${attr(href!)}">${text(label!)}</a>`)
    .join('');
  const problems = input.problems.length ? `<h2>Report problems</h2><ul>${input.problems.map((p) => `<li>${text(p)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tcpfsm ${verdictWord(run)} — ${text(run.startedAt)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>tcpfsm run ${verdictBadge(run)}</h1>
<p class="muted">${text(run.startedAt)} · TCP conformance against RFC 9293 and RFC 5961</p>
<nav>${links}</nav>
<h2>Summary</h2>
${summary(run)}
<h3>Lab sysctls</h3>
${sysctlRows(run)}
<h2>Suites</h2>
${suitesTable(run)}
${failures(run, input.ladders)}
${figures(run)}
${coverageSection(input)}
${matrixSection(run)}
${differentialSection(run)}
${requirementsSection(run)}
${testsSection(run, input.ladders)}
${problems}
</body>
</html>
`;
}

const GRADE_CLASS: Record<string, string> = { conforms: 'pass', violation: 'fail', deviation: 'covered', choice: 'muted', inconclusive: 'skip' };

/** Several stacks: each test and matrix cell side by side, the rows where the stacks differ first. */
function differentialSection(run: RunRecord): string {
  const by = resultsByStack(run);
  if (!by) return '';
  const d = differential(by);
  const rows = [...d.rows].sort((a, b) => Number(b.differs) - Number(a.differs));
  const cell = (s: string, r: (typeof rows)[number]) => {
    const a = r.byStack[s];
    return a
      ? `<td class="${GRADE_CLASS[a.grade] ?? ''}" title="${attr(a.observed)}">${text(a.verdict)}${a.grade !== 'conforms' && a.verdict !== 'skip' ? ` · ${text(a.grade)}` : ''}</td>`
      : '<td class="muted">—</td>';
  };
  const body = rows
    .map((r) => `<tr${r.differs ? ' class="differs" style="background:#fff8e1"' : ''}><td>${text(r.key)}</td>${d.stacks.map((s) => cell(s, r)).join('')}</tr>`)
    .join('');
  return `<h2 id="differential">Stacks side by side</h2><p>${rows.filter((r) => r.differs).length} of ${rows.length} tests and matrix cells differ between ${d.stacks.map(text).join(', ')} (highlighted, first; hover a cell for what was seen).</p><table id="differential-table"><tr><th>test or cell</th>${d.stacks.map((s) => `<th>${text(s)}</th>`).join('')}</tr>${body}</table>`;
}

/**
 * Per target (stack, or the remote server): tests that conformed, and the graded findings the
 * tests carried — violations (failed tests), deviations, choices, inconclusive.
 */
function gradeCounts(run: RunRecord): string {
  const by = new Map<string, Record<string, number>>();
  for (const s of run.suites) {
    const key = s.result?.stack ?? s.result?.target ?? s.suite;
    const c = by.get(key) ?? { conforms: 0, violation: 0, deviation: 0, choice: 0, inconclusive: 0 };
    by.set(key, c);
    for (const t of testsOf(s)) {
      const v = verdictOf(t);
      if (v === 'fail') c.violation!++;
      else if (t.skip?.startsWith('inconclusive')) c.inconclusive!++;
      else if (v === 'pass' && !(t.findings ?? []).length) c.conforms!++;
      for (const f of t.findings ?? []) if (f.level !== 'conforms' && f.level !== 'violation') c[f.level] = (c[f.level] ?? 0) + 1;
    }
  }
  const row = (c: Record<string, number>) =>
    ['conforms', 'violation', 'deviation', 'choice', 'inconclusive'].map((g) => `<span class="${GRADE_CLASS[g] ?? ''}">${c[g] ?? 0} ${g}</span>`).join(', ');
  return [...by].map(([k, c]) => (by.size > 1 ? `${text(k)}: ${row(c)}` : row(c))).join('<br>');
}

/** RFC 9293's labelled requirements this run judged: the tests that declared each, and the grades seen. */
function requirementsSection(run: RunRecord): string {
  const rows = new Map<string, { tests: string[]; grades: string[] }>();
  const row = (id: string) => rows.get(id) ?? rows.set(id, { tests: [], grades: [] }).get(id)!;
  for (const s of run.suites) {
    for (const t of testsOf(s)) {
      const v = verdictOf(t);
      for (const id of t.requirements ?? []) row(id).tests.push(`${s.suite} › ${t.name}: ${v}`);
      for (const f of t.findings ?? []) if (isRfc9293Label(f.requirement)) row(f.requirement).grades.push(f.level);
    }
  }
  if (!rows.size) return '';
  const order = (id: string) => (id.startsWith('MUST') ? 0 : id.startsWith('SHLD') ? 1 : 2) * 1000 + Number(id.split('-')[1]);
  const body = [...rows]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([id, r]) => {
      const req = REQUIREMENTS.get(id);
      const grades = [...new Set(r.grades)].map((g) => `<span class="${GRADE_CLASS[g] ?? ''}">${text(g)}</span>`).join(', ');
      return `<tr><td>${text(id)}</td><td>${text(req?.feature ?? '')}</td><td>${r.tests.map(text).join('<br>') || '<span class="muted">—</span>'}</td><td>${grades || '<span class="muted">—</span>'}</td></tr>`;
    })
    .join('');
  return `<h2 id="requirements">Requirements judged</h2><p class="muted">RFC 9293's labels this run's tests declared or graded (all 118: <code>tcpfsm requirements</code>).</p><table id="requirements-table"><tr><th>requirement</th><th>feature</th><th>tests and their verdicts</th><th>findings</th></tr>${body}</table>`;
}
