// The report builders on hand-made run records: TAP nesting under parallel suites, the verdict
// rules (TAP over JSON, crashes), JUnit, pcap merging, FSM row marks, ladders, escaping.
import t from 'tap';
import { Parser } from 'tap-parser';
import { decodePcap, encodePacket, encodePcap, SYN } from '../../src/packet/index.js';
import type { Figure, TestResult } from '../../src/peer/contract.js';
import { coverageDiagram, rowCoverage } from '../../src/report/coverage.js';
import { slug, xmlAttr, xmlText } from '../../src/report/escape.js';
import { junitXml } from '../../src/report/junit.js';
import { ladderSvg, segmentLabel, wrap } from '../../src/report/ladder.js';
import { mergePcaps } from '../../src/report/pcap-merge.js';
import { countRun, type RunRecord, runOk, runVerdict, type SuiteRun, testsOf, verdictOf } from '../../src/report/run.js';
import { TapComposer } from '../../src/report/tap.js';
import { runRecord, sampleRun, suiteRunOf, testResult } from './sample-run.js';

const suiteRun = suiteRunOf;
const test = (over: Partial<TestResult>): TestResult => testResult({ durationMs: 1, ...over });
const record = (suites: SuiteRun[]): RunRecord => runRecord(suites);

const parse = (text: string): Promise<{ ok: boolean; count: number; fail: number }> =>
  new Promise((resolve) => new Parser((r) => resolve({ ok: r.ok, count: r.count, fail: r.fail })).end(text));

t.test('TapComposer: parallel suites become whole, ordered subtest blocks', async (t) => {
  const chunks: string[] = [];
  const c = new TapComposer((s) => chunks.push(s), ['header']);
  c.start('a');
  c.start('b');
  c.line('b', '# b comment');
  c.line('b', 'TAP version 14');
  c.line('a', 'TAP version 14');
  c.line('a', 'ok 1 - a1');
  c.line('b', 'not ok 1 - b1');
  c.line('a', '1..1');
  c.line('b', '1..1');
  t.match(chunks.join(''), /# Subtest: a\n {4}ok 1 - a1\n/, 'the first suite streams live');
  t.notMatch(chunks.join(''), /b1/, 'the second waits its turn');
  c.end(suiteRun({ suite: 'b', exitCode: 1, tapOk: false, stderr: 'boom' }));
  c.end(suiteRun({ suite: 'a' }));
  c.notRun(suiteRun({ suite: 'c', notRun: 'bail: an earlier suite failed' }));
  const text = c.finish(['1 passed']);
  t.equal(chunks.join(''), text, 'the sink saw exactly the stream');
  t.equal(
    text,
    'TAP version 14\n# header\n# Subtest: a\n    ok 1 - a1\n    1..1\nok 1 - a # time=10ms\n\n' +
      '# Subtest: b\n    # b comment\n    not ok 1 - b1\n    1..1\nnot ok 2 - b # time=10ms\n  ---\n  file: /x/s.js\n  exitCode: 1\n  stderr: boom\n  ...\n\n' +
      'ok 3 - c # SKIP bail: an earlier suite failed\n1..3\n# 1 passed\n',
  );
  t.same(await parse(text), { ok: false, count: 3, fail: 1 });
});

t.test('verdicts: TAP and exit status decide; the JSON adds details; crashes become failing entries', async (t) => {
  const tapTests = [
    { name: 'a [RFC 9293 3.5]', ok: true, failures: [] },
    { name: 'b [RFC 9293 3.5]', ok: false, failures: [{ name: 'ack: expected 1, got 2' }] },
  ];
  const s = suiteRun({
    exitCode: 1,
    tapOk: false,
    tapTests,
    result: {
      suite: 's',
      title: 'S',
      rfc: '',
      mode: 'lab',
      profile: 'linux',
      target: 'lab',
      startedAt: '',
      durationMs: 1,
      tests: [test({ name: 'a' }), test({ name: 'b', ok: true })],
    },
  });
  const tests = testsOf(s);
  t.same(
    tests.map((x) => [x.name, x.ok]),
    [
      ['a', true],
      ['b', false],
    ],
    'a JSON "ok" under a TAP "not ok" is a failure',
  );
  t.equal(tests[1]!.error?.message, 'ack: expected 1, got 2');

  const crashed = suiteRun({ exitCode: null, signal: 'SIGKILL', tapOk: false, stderr: 'killed', tapTests: [{ name: 'a', ok: true, failures: [] }] });
  const ct = testsOf(crashed);
  t.same(
    ct.map((x) => [x.name, x.ok]),
    [
      ['a', true],
      ['suite process (/x/s.js)', false],
    ],
  );
  t.equal(ct[1]!.error?.message, 'suite s was killed by SIGKILL');

  const run = record([s, crashed, suiteRun({ suite: 'n', notRun: 'bail' })]);
  t.same(countRun(run), { suites: 3, suitesFailed: 2, suitesNotRun: 1, suitesInterrupted: 0, tests: 4, passed: 2, failed: 2, skipped: 0, interrupted: 0 });
  t.notOk(runOk(run));
  t.ok(runOk(record([suiteRun({})])));
  t.notOk(runOk({ ...record([suiteRun({})]), interrupted: 'SIGINT' }), 'an interrupted run never passes');
});

t.test('an interrupted suite: what finished stays as it was, the unfinished test is interrupted, no crash entry', async (t) => {
  const tapTests = [
    { name: 'a [RFC 9293 3.5]', ok: true, failures: [] },
    { name: 'b [RFC 9293 3.5]', ok: false, failures: [{ name: 'ack: expected 1, got 2' }] },
    { name: 'c [RFC 9293 3.5]', ok: false, failures: [{ name: 'ss: namespace gone' }], interrupted: 'SIGINT' },
  ];
  const result = {
    suite: 's',
    title: 'S',
    rfc: '',
    mode: 'lab' as const,
    profile: 'linux',
    target: 'lab',
    startedAt: '',
    durationMs: 1,
    tests: [test({ name: 'a' }), test({ name: 'b', ok: false }), test({ name: 'c', ok: false, rows: ['r1'] })],
  };
  const s = suiteRun({ exitCode: 130, tapOk: false, tapTests, interrupted: 'SIGINT', result });
  const tests = testsOf(s);
  t.same(
    tests.map((x) => [x.name, verdictOf(x)]),
    [
      ['a', 'pass'],
      ['b', 'fail'],
      ['c', 'interrupted'],
    ],
    'no "suite process" crash entry for a suite stopped as asked',
  );
  t.same(
    countRun(record([s])),
    { suites: 1, suitesFailed: 1, suitesNotRun: 0, suitesInterrupted: 0, tests: 3, passed: 1, failed: 1, skipped: 0, interrupted: 1 },
    'b failed on its own: the suite failed',
  );
  t.equal(runVerdict({ ...record([s]), interrupted: 'SIGINT' }), 'fail');

  const calm = suiteRun({
    exitCode: 130,
    tapOk: false,
    tapTests: [tapTests[0]!, tapTests[2]!],
    interrupted: 'SIGINT',
    result: { ...result, tests: [result.tests[0]!, result.tests[2]!] },
  });
  const run = { ...record([calm]), interrupted: 'SIGINT' };
  t.same(countRun(run), { suites: 1, suitesFailed: 0, suitesNotRun: 0, suitesInterrupted: 1, tests: 2, passed: 1, failed: 0, skipped: 0, interrupted: 1 });
  t.equal(runVerdict(run), 'interrupted', 'nothing failed: the run is interrupted, not failed');
  t.equal(runVerdict(record([suiteRun({})])), 'pass');
  t.equal(rowCoverage([{ suite: 's', test: testsOf(calm)[1]! }]).get('r1')?.mark, 'covered', 'an interrupted test gives its FSM rows no verdict');
  const junit = junitXml(run, 'h');
  t.match(junit, /<testsuites name="tcpfsm" tests="2" failures="0" errors="0" skipped="1"/);
  t.match(junit, /<skipped message="interrupted by SIGINT">the run was interrupted while this test ran/);
  const c = new TapComposer();
  c.start('s');
  c.end(calm);
  const text = c.finish(['1 passed, 0 failed, 0 skipped, 1 interrupted by SIGINT'], 'SIGINT');
  t.match(text, /^ok 1 - s # SKIP interrupted by SIGINT: 1 of 2 tests finished$/m);
  t.ok(text.endsWith('# 1 passed, 0 failed, 0 skipped, 1 interrupted by SIGINT\nBail out! interrupted by SIGINT\n'));
});

t.test('junit.xml: one testcase per suite test, escaped, failures vs errors vs skips counted', async (t) => {
  const bad = 'a <b> & "c" \u0001 \'d\'';
  const s = suiteRun({
    suite: 'x&y',
    exitCode: 1,
    tapOk: false,
    stderr: 'warn <x>',
    result: {
      suite: 'x&y',
      title: 'T',
      rfc: 'RFC',
      mode: 'lab',
      profile: 'linux',
      target: 'lab tcpfsm-1',
      sysctls: { 'net.ipv4.tcp_fin_timeout': '3' },
      startedAt: '',
      durationMs: 5,
      tests: [
        test({ name: bad, ok: false, error: { message: bad, details: { expected: 1 } }, trace: [{ t: 0, kind: 'out', text: 'S 0:0(0)' }] }),
        test({ name: 'skipped', skip: 'slow' }),
      ],
    },
    tapTests: [{ name: bad, ok: false, failures: [] }],
  });
  const xml = junitXml(record([s, suiteRun({ suite: 'dead', exitCode: 2, tapOk: true })]), 'host');
  t.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="tcpfsm" tests="3" failures="1" errors="1" skipped="1"/);
  t.match(
    xml,
    /<testcase name="a &lt;b&gt; &amp; &quot;c&quot; \uFFFD &apos;d&apos;" classname="tcpfsm\.x&amp;y"/,
    'attribute escaped, control character replaced',
  );
  t.match(xml, /<failure message="[^"]*" type="AssertionError">expected: 1\ntrace:\n\+0\.000000 &gt; S 0:0\(0\)<\/failure>/);
  t.match(xml, /<skipped message="slow"\/>/);
  t.match(xml, /<error message="suite dead exited with code 2" type="SuiteError">/);
  t.match(xml, /<property name="sysctl\.net\.ipv4\.tcp_fin_timeout" value="3"\/>/);
  t.match(xml, /<system-err>warn &lt;x&gt;<\/system-err>/);
  t.notMatch(xml, /\u0001/);
});

t.test('pcap merge: timestamp order across files, stable on ties, a truncated tail kept up to the damage', async (t) => {
  const seg = (seq: number) => encodePacket({ src: '198.18.0.1', dst: '198.18.0.2' }, { srcPort: 1, dstPort: 2, seq, ack: 0, flags: SYN, window: 1 });
  const a = encodePcap([
    { timestamp: 10_000n, data: seg(1) },
    { timestamp: 30_000n, data: seg(3) },
    { timestamp: 50_000n, data: seg(5) },
  ]);
  // b has microsecond stamps: merged into the nanosecond file at the same instants.
  const b = encodePcap(
    [
      { timestamp: 20_000n, data: seg(2) },
      { timestamp: 30_000n, data: seg(4) },
    ],
    { nanoseconds: false },
  );
  const cut = encodePcap([
    { timestamp: 5_000n, data: seg(0) },
    { timestamp: 60_000n, data: seg(6) },
  ]).subarray(0, -7);
  const merged = mergePcaps([
    { name: 'a', bytes: a },
    { name: 'b', bytes: b },
    { name: 'cut', bytes: cut },
    { name: 'junk', bytes: Buffer.from('nope') },
  ]);
  const back = decodePcap(merged.pcap);
  t.same(
    back.records.map((r) => r.data.readUInt32BE(24)),
    [0, 1, 2, 3, 4, 5],
    'sorted by time; a before b at 30 ns; the damaged record dropped',
  );
  t.equal(merged.records, 6);
  t.equal(merged.problems.length, 2);
  t.match(merged.problems[0], /^cut: .*truncated record: .* kept the first 1 records$/);
  t.same(
    back.records.map((r) => r.timestamp),
    [5_000n, 10_000n, 20_000n, 30_000n, 30_000n, 50_000n],
  );
  t.match(merged.problems[1], /^junk: .*left out$/);
  t.equal(mergePcaps([]).pcap.length, 24, 'no captures: a valid empty file');
});

t.test('FSM row marks: failed if any test failed, passed if all passed, covered if only skipped', async (t) => {
  const cov = rowCoverage([
    { suite: 's', test: test({ name: 'p', rows: ['listen-rcv-syn', 'rcv-rst-in-window'] }) },
    { suite: 's', test: test({ name: 'f', ok: false, rows: ['rcv-rst-in-window'] }) },
    { suite: 's', test: test({ name: 'k', skip: 'slow', rows: ['syn-received-rcv-ack-of-syn'] }) },
    { suite: 's', test: test({ name: 'u', rows: ['no-such-row'] }) },
  ]);
  t.same(Object.fromEntries([...cov].map(([id, c]) => [id, c.mark])), {
    'listen-rcv-syn': 'passed',
    'rcv-rst-in-window': 'failed',
    'syn-received-rcv-ack-of-syn': 'covered',
    'no-such-row': 'passed',
  });
  t.same(cov.get('rcv-rst-in-window')!.tests, ['s › p', 's › f']);
  t.equal(cov.get('listen-rcv-syn')!.kind, 'transition');
  t.equal(cov.get('no-such-row')!.kind, 'unknown');
  const { svg } = coverageDiagram(cov);
  const arrow = (from: string, to: string) =>
    new RegExp(
      `<g class="arrow mark-(\\w+)" data-from="${from}" data-to="${to}"><title>([^<]*)</title><path [^>]*stroke="(#\\w+)"[^>]*/><text [^>]*>(.*?)</text></g>`,
    ).exec(svg);
  const passive = arrow('LISTEN', 'SYN-RECEIVED');
  t.equal(passive?.[1], 'passed', 'passed arrow');
  t.equal(passive?.[3], '#2e7d32', 'green');
  t.match(passive?.[4], /<tspan [^>]*fill="#2e7d32">rcv SYN \/ snd SYN,ACK<\/tspan>/, "labelled in its mark's colour");
  t.match(passive?.[2], /listen-rcv-syn, RFC 9293 3\.10\.7\.2\): s › p/, 'the hover text names the row and its tests');
  t.equal(arrow('CLOSED', 'LISTEN')?.[1], 'untested', 'an arrow no test took is untested…');
  t.match(arrow('CLOSED', 'LISTEN')?.[4], />passive OPEN</, '…and still labelled');
  t.match(
    svg,
    /<g class="loops mark-failed" data-state="ESTABLISHED"><title>ESTABLISHED keeps its state on 11 rows \(0 passed, 1 failed, 0 covered, 10 untested\):\n[^<]*• rcv RST in window \/ snd ACK — failed \(rcv-rst-in-window/,
    'self-loops: one badge per state, coloured by the worst',
  );
  t.match(svg, />↻ 11<\/text>/, 'the badge counts the rows');
  t.equal(arrow('SYN-RECEIVED', 'ESTABLISHED')?.[1], 'covered', 'only skipped tests: covered');
});

t.test('ladder: arrows both ways, states beside the target, notes, failure text, all escaped', async (t) => {
  const svg = ladderSvg(
    test({
      name: '<script>alert(1)</script>',
      ok: false,
      error: { message: 'expected & got' },
      trace: [
        { t: 0, kind: 'note', text: 'note <1>' },
        { t: 0.001, kind: 'out', text: 'S 0:0(0)', flags: 'S', seq: 0, len: 0, model: 'SYN-RECEIVED', truth: 'SYN-RECEIVED' },
        { t: 0.002, kind: 'in', text: 'S. 0:0(0) ack 1', flags: 'S.', seq: 0, ack: 1, len: 0 },
        { t: 0.003, kind: 'state', text: 'state', model: 'ESTABLISHED', truth: 'CLOSE-WAIT' },
      ],
    }),
    { suite: 's', targetLabel: 'tcpfsm-1 198.18.0.2', idPrefix: 'x1' },
  );
  t.notMatch(svg, /<script>/, 'no markup from the test name');
  t.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(svg, /<line x1="250" y1="\d+" x2="670" y2="\d+" stroke="#1565c0"[^>]*marker-end="url\(#x1-arrow-out\)"\/>/, 'probe → target');
  t.match(svg, /<line x1="670" y1="\d+" x2="250" y2="\d+" stroke="#6a1b9a"[^>]*marker-end="url\(#x1-arrow-in\)"\/>/, 'target → probe');
  t.match(svg, />\[S\] seq 0 len 0<\/text>/);
  t.match(svg, />FSM: SYN-RECEIVED<\/text>/);
  t.match(svg, />kernel: SYN-RECEIVED ✓<\/text>/);
  t.match(svg, /fill="#c62828">kernel: CLOSE-WAIT ≠ FSM<\/text>/, 'disagreement in red');
  t.match(svg, />note &lt;1&gt;<\/text>/);
  t.match(svg, />FAILED: expected &amp; got<\/text>/);
  t.equal(segmentLabel({ t: 0, kind: 'out', text: 'raw', flags: 'F.', seq: 5, ack: 9, len: 3 }), '[F.] seq 5 ack 9 len 3');
  t.same(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  t.same(wrap('x'.repeat(10), 4), ['xxxx', 'xxxx', 'xx']);
});

t.test('ladder in remote mode: the state is inferred, not read from a kernel, and the probe is marked', async (t) => {
  const remoteTest = sampleRun().suites.find((s) => s.suite === 'passive-close')!.result!.tests[0]!;
  const svg = ladderSvg(remoteTest, { suite: 'passive-close', mode: 'remote', idPrefix: 'r1' });
  t.notMatch(svg, />kernel: /, 'no "kernel:" where no kernel was read');
  t.match(svg, />inferred: ESTABLISHED ✓ \(from the state/, 'the state says it was inferred');
  t.match(svg, /target state after each line \(inferred: no kernel read\)/);
  t.match(svg, /<g class="segment out probe">[\s\S]*?>state probe<\/text>[\s\S]*?stroke-dasharray="6 3"/, 'the probe segment is tagged and dashed');
  t.match(svg, /<g class="segment in probe">[\s\S]*?>probe answer<\/text>/, 'and its answer');
  t.equal((svg.match(/class="segment [a-z]+ probe"/g) ?? []).length, 2, 'only the probe exchange is marked');
  // A record without `source` (written before the field existed): the suite's mode decides.
  const old = { ...remoteTest, trace: remoteTest.trace.map(({ source: _s, ...l }) => l) };
  t.match(ladderSvg(old, { suite: 's', mode: 'remote' }), />inferred: ESTABLISHED ✓/);
  t.match(ladderSvg(old, { suite: 's', mode: 'lab' }), />kernel: ESTABLISHED ✓<\/text>/, 'in the lab the kernel was read');
});

t.test('ladder: long notes and names wrap; nothing is cut, the new state stays', async (t) => {
  const note = 'remote close → the FSM sends FIN, the data queue is empty, the retransmission timer runs, and the remote is now in FIN-WAIT-1';
  const svg = ladderSvg(
    test({
      name: `a long test name ${'that goes on '.repeat(12)}to the end`,
      trace: [
        { t: 0, kind: 'note', text: note },
        { t: 0.1, kind: 'state', text: 'state', model: 'FIN-WAIT-1', truth: 'FIN-WAIT-1' },
      ],
    }),
    { suite: 's' },
  );
  t.notMatch(svg, /…/, 'no ellipsis');
  const lines = [...svg.matchAll(/<text [^>]*font-style="italic"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  t.ok(lines.length >= 2, `the note is ${lines.length} lines`);
  t.equal(lines.join(' '), note.replace(/→/g, '→'), 'every word of the note, in order');
  t.match(lines[lines.length - 1], /FIN-WAIT-1$/, 'the new state at the end is kept');
  const rect = /<g class="note">[\s\S]*?<rect [^>]*height="(\d+)"/.exec(svg);
  t.ok(Number(rect?.[1]) >= 9 + lines.length * 15, 'the note box grows with its lines');
  const title = [...svg.matchAll(/<text [^>]*font-size="15"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  t.ok(title.length >= 2, 'the name wraps onto another line');
  t.match(title[title.length - 1], / to the end$/, 'to its last word');
});

t.test('index.html: a suite that ran no test is not a pass; a run without a single verdict says so', async (t) => {
  const { indexHtml } = await import('../../src/report/html.js');
  const files = { tap: 'results.tap', junit: 'junit.xml', pcap: 'trace.pcap', fsm: 'fsm.svg', run: 'run.json', suitesDir: 'suites/' };
  const skipped = suiteRun({ suite: 'lost-ack', tapTests: [{ name: 'x', ok: true, skip: 'needs the lab agent', failures: [] }] });
  const passed = suiteRun({ suite: 'handshake', tapTests: [{ name: 'y', ok: true, failures: [] }] });
  const html = (suites: SuiteRun[]) => indexHtml({ run: record(suites), fsmSvg: '<svg></svg>', coverage: new Map(), ladders: new Map(), files, problems: [] });
  const mixed = html([passed, skipped]);
  t.match(mixed, /<h1>tcpfsm run <span class="badge pass">PASS<\/span><\/h1>/);
  t.match(mixed, /<td><a href="#suite-lost-ack">lost-ack<\/a><\/td>.*?<td><span class="skip">no tests ran<\/span><\/td>/, 'its status is neutral');
  t.match(mixed, /<td><a href="#suite-handshake">handshake<\/a><\/td>.*?<td><span class="pass">pass<\/span><\/td>/);
  t.match(mixed, /<th>suites<\/th><td>2 <span class="muted">\(1 passed, 0 failed, 1 ran no test\)<\/span>/);
  const none = html([skipped]);
  t.match(none, /<h1>tcpfsm run <span class="badge neutral">NO TESTS RAN<\/span><\/h1>/, 'no verdict at all: not a green PASS');
  t.match(none, /<title>tcpfsm NO TESTS RAN/);
});

t.test('figures: grouped by test, a chart of measured vs expected ± tolerance, a failure said plainly', async (t) => {
  const { figuresSection, figureOutcome, figureSentence, figureChart } = await import('../../src/report/figures.js');
  const fig = (over: Partial<Figure>): Figure => ({
    name: 'lifetime',
    value: 1134,
    unit: 'ms',
    expected: 1000,
    tolerance: 104,
    ok: false,
    toleranceWhy: 'tcp_fin_timeout = 1 s; ± 100 ms polling',
    ...over,
  });
  t.equal(figureOutcome(fig({})), 'fail');
  t.equal(figureOutcome(fig({ ok: true, value: 1010 })), 'pass');
  t.equal(figureOutcome(fig({ grade: 'inconclusive' } as Partial<Figure>)), 'inconclusive', 'a grade field is read');
  t.equal(figureOutcome(fig({ inconclusive: 'descheduled 350 ms' } as Partial<Figure>)), 'inconclusive', 'an inconclusive field is read');
  t.equal(figureOutcome({ name: 'delay', value: 3, unit: 'ms' }), 'info');
  t.equal(figureSentence(fig({})), 'measured 1134 ms, expected 1000 ± 104 ms: 30 ms above the allowed range');
  t.equal(figureSentence(fig({ value: 3, unit: 'count', expected: 1, tolerance: 0 })), 'measured 3, expected 1 ± 0: 2 above the allowed range');
  const chart = figureChart(fig({}));
  t.match(chart, /<rect class="band" x="[\d.]+" y="\d+" width="[\d.]+"/, 'the tolerance band');
  t.match(chart, /<circle class="measured" [^>]*fill="#c62828"/, 'the measured value, red when out of range');
  t.match(chart, />896<\/text>.*>1104<\/text>/, 'the band ends');
  t.match(figureChart(fig({ grade: 'inconclusive' } as Partial<Figure>)), /<circle class="measured" [^>]*fill="#757575"/, 'inconclusive: neutral');
  const html = figuresSection([
    {
      suite: 'timer',
      test: 'FIN-WAIT-2 <lifetime>',
      href: '#t-timer-0',
      figures: [fig({}), fig({ name: 'second', ok: true, value: 1001 }), { name: 'loop delay', value: 3.4, unit: 'ms' }],
    },
    { suite: 'timer', test: 'other', figures: [fig({ name: 'third', grade: 'inconclusive', inconclusive: 'descheduled 350 ms' } as Partial<Figure>)] },
  ]);
  t.equal((html.match(/FIN-WAIT-2 &lt;lifetime&gt;/g) ?? []).length, 1, 'the test is named once, on its card');
  t.match(
    html,
    /<section class="fig-card outcome-fail"><h3><a href="#t-timer-0">timer › FIN-WAIT-2 &lt;lifetime&gt;<\/a><\/h3><p class="fig-counts"><span class="pass">1 within tolerance<\/span> · <span class="fail">1 out of range<\/span><\/p>/,
  );
  t.match(
    html,
    /<td class="fig-name">lifetime<p class="fig-plain fail">measured 1134 ms, expected 1000 ± 104 ms: 30 ms above the allowed range<\/p><details><summary>how ± 104 was derived<\/summary><p>tcp_fin_timeout = 1 s; ± 100 ms polling<\/p><\/details>/,
    'failure said plainly; the derivation on demand',
  );
  t.match(html, /<th>recorded without an expectation<\/th>.*<td>loop delay<\/td><td class="num">3\.4 ms<\/td>/, 'figures without an expectation apart');
  t.match(
    html,
    /<section class="fig-card outcome-inconclusive">.*<p class="fig-plain skip">descheduled 350 ms<\/p>.*<span class="skip">inconclusive<\/span>/,
    'inconclusive: neutral, with its reason',
  );
  t.match(html, /4 figures from 2 tests: 1 within tolerance, 1 out of range, 1 inconclusive, 1 without an expectation/);
});

t.test('the end of a run: one line per outcome, further outcomes included', async (t) => {
  const { outcomeLines } = await import('../../src/report/outcomes.js');
  const run = sampleRun();
  const counts = { ...countRun(run), interrupted: 1 };
  t.same(
    outcomeLines(run, counts),
    [
      '   8 passed',
      '   2 failed',
      '   2 skipped',
      '   1 interrupted',
      '  1 suite ran no test: lost-ack',
      '  figures: 5 within tolerance, 2 out of range, 1 inconclusive',
    ].map((l) => l.replace(/^ {3}(\d) /, '  $1 ')),
  );
});

t.test('escaping and slugs', async (t) => {
  t.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
  t.equal(xmlAttr('"\'\n'), '&quot;&apos;&#10;');
  t.equal(xmlText('\u0000\u0008ok\uFFFE'), '\uFFFD\uFFFDok\uFFFD');
  t.equal(xmlText('😀'), '😀', 'astral characters are allowed');
  t.equal(slug('RST with seq <RCV.NXT & "x"'), 'rst-with-seq-rcv-nxt-x');
  t.equal(slug('###'), 'test');
  t.equal(slug('a'.repeat(80)).length, 60);
});

t.test('index.html: summary, suites, conformance matrix cells, escaping', async (t) => {
  const { indexHtml } = await import('../../src/report/html.js');
  const s = suiteRun({
    suite: 'matrix',
    result: {
      suite: 'matrix',
      title: 'Matrix <all>',
      rfc: 'RFC 9293 3.10.7',
      mode: 'lab',
      profile: 'linux',
      target: 'lab tcpfsm-1 198.18.0.2',
      startedAt: '',
      durationMs: 1,
      sysctls: { 'net.ipv4.tcp_rfc1337': '0' },
      tests: [test({ name: 'cells' })],
      matrix: [
        {
          state: 'ESTABLISHED',
          kind: 'RST',
          position: 'in-window',
          outcome: 'deviation',
          observed: 'ack',
          expected: 'ack',
          rfcExpected: 'challenge',
          departsFrom: 'RFC 5961 3.2',
        },
        { state: 'ESTABLISHED', kind: 'SYN', position: 'in-window', outcome: 'pass', observed: 'ack', expected: 'ack' },
      ],
    },
  });
  const html = indexHtml({
    run: record([s]),
    fsmSvg: '<svg></svg>',
    coverage: new Map(),
    ladders: new Map(),
    files: { tap: 'results.tap', junit: 'junit.xml', pcap: 'trace.pcap', fsm: 'fsm.svg', run: 'run.json', suitesDir: 'suites/' },
    problems: ['a <problem>'],
  });
  t.match(html, /<h1>tcpfsm run <span class="badge pass">PASS<\/span><\/h1>/);
  t.match(html, /<td>Matrix &lt;all&gt;<\/td>/);
  t.match(html, /<h2 id="matrix">Conformance matrix<\/h2><h3>matrix<\/h3><div class="tcpfsm-heatmap">/);
  t.match(html, /2 cells: 1 match the RFC, 1 follow a documented deviation, 0 fail/);
  t.match(html, /<tr><td><code>net\.ipv4\.tcp_rfc1337<\/code><\/td><td>0<\/td><\/tr>/);
  t.match(html, /<li>a &lt;problem&gt;<\/li>/);
  t.match(html, /No test measured a figure in this run\./);
});
