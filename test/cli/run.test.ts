// `tcpfsm run` end to end on the fixture suites (real node-tap TAP, SuiteResult JSON, pcaps):
// exit codes, the human and --tap outputs, every report file checked by an independent reader
// (tap-parser, tcpdump, Chromium's XML parser and renderer), --bail, signals.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t, { type Test as Tap } from 'tap';
import { Parser } from 'tap-parser';
import { dumpDom, screenshot, xmlErrors } from '../report/chromium.js';
import { tcpfsm } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Kept after the run (tap's own output folder): the rendered report, to look at. */
const SHOTS = join(ROOT, '.tap', 'report-render');

interface ParsedTap {
  ok: boolean;
  count: number;
  pass: number;
  fail: number;
  skip: number;
}

const parseTap = (text: string): Promise<ParsedTap> =>
  new Promise((resolve) => {
    const p = new Parser((r) => resolve({ ok: r.ok, count: r.count, pass: r.pass, fail: r.fail, skip: r.skip }));
    p.end(text);
  });

/** tcpdump's reading of a pcap: one line per packet with an epoch timestamp (-tt). */
function tcpdump(file: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile('tcpdump', ['-tt', '-n', '-r', file], (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout.trim().split('\n').filter(Boolean)),
    ),
  );
}

function latestRun(tt: Tap, reportDir: string): string {
  const latest = join(reportDir, 'latest');
  const target = readlinkSync(latest);
  tt.ok(!target.startsWith('/'), 'reports/latest is a relative link');
  return join(reportDir, target);
}

t.test('a passing run: exit 0, a line per test, every report file there and valid', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(
    [
      'run',
      'pass',
      '--report-dir',
      reportDir,
      '--grep',
      'SYN|ACK|TIME',
      '--expect',
      'synack-retries=2',
      '--lab-sysctl',
      'tcp_fin_timeout=5',
      '--lab-sysctl',
      'net.ipv4.tcp_rmem=4096 8192 16384',
      '--profile',
      'rfc',
      '--keep-lab',
    ],
    { env: { TAP_CHILD_ID: '99', TAP_TIMEOUT: '1' } },
  );
  t.equal(r.code, 0, 'exit 0');
  t.equal(r.stderr, '');
  t.match(r.stdout, /^ok +\d+ ms {2}pass › SYN to a listening port is answered by SYN-ACK \[RFC 9293 3\.5\]$/m, 'one line per test: verdict, duration, name');
  t.match(r.stdout, /^skip {14}pass › TIME-WAIT lasts 2MSL \(slow: run with --slow\)$/m);
  t.match(r.stdout, /^3 tests: 2 passed, 0 failed, 1 skipped — 1 suite in /m);
  t.notMatch(r.stdout, /\x1b\[/, 'no escape codes when piped');

  const dir = latestRun(t, reportDir);
  // The end: one line per outcome, then the report as a path, a file:// URL and a command.
  const end = r.stdout.slice(r.stdout.indexOf('3 tests:')).split('\n').slice(1);
  t.same(end.slice(0, 4), ['  2 passed', '  0 failed', '  1 skipped', '  figures: 1 within tolerance, 0 out of range'], 'one line per outcome');
  t.match(end[4], /^report: \S+\/index\.html$/);
  t.equal(end[5], `  ${pathToFileURL(realpathSync(join(dir, 'index.html'))).href}`, "the file:// URL of the run's page");
  t.match(end[6], /^ {2}open it: tcpfsm report open \S+$/);
  const opened = await tcpfsm(['report', 'path', end[6]!.replace(/^ {2}open it: tcpfsm report open /, '')]);
  t.equal(opened.stdout, `${realpathSync(join(dir, 'index.html'))}\n`, "the printed command finds this run's page");
  for (const f of ['results.tap', 'junit.xml', 'trace.pcap', 'fsm.svg', 'index.html', 'run.json', 'suites/pass.json', 'suites/pass.pcap', 'suites/pass.tap']) {
    t.ok(existsSync(join(dir, f)), `${f} written`);
  }
  const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
  t.same(await parseTap(tap), { ok: true, count: 1, pass: 1, fail: 0, skip: 0 }, 'results.tap: one passing suite point');
  t.match(tap, /^# Subtest: pass\n {4}# env /m, 'the suite stream is nested under its subtest');
  t.match(tap, /^ {8}ok 1 - segment matched$/m, 'its own subtests nest one level deeper');
  // What the suite process was given (the fixture echoes its environment as a TAP comment).
  const env = JSON.parse(/# env (\{.*\})/.exec(tap)![1]!) as Record<string, string | undefined>;
  t.equal(env.grep, 'SYN|ACK|TIME');
  t.equal(env.slow, '0');
  t.equal(env.profile, 'rfc');
  t.equal(env.keepLab, '1');
  t.same(JSON.parse(env.expect!), { 'synack-retries': 2 });
  t.same(JSON.parse(env.labSysctls!), { tcp_fin_timeout: '5', 'net.ipv4.tcp_rmem': '4096 8192 16384' });
  t.equal(env.tapChild, undefined, "an outer tap run's TAP_* variables do not reach the suites");
  t.equal(env.stack, undefined, 'no --stack: the suites choose their default (linux), as before the option existed');

  const packets = await tcpdump(join(dir, 'trace.pcap'));
  t.equal(packets.length, 9, 'tcpdump reads all 9 segments');
  t.match(packets[0], /^1700000000\.000000 IP 198\.18\.0\.1\.40000 > 198\.18\.0\.2\.80: Flags \[S\], seq 1000/);

  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  t.match(junit, /<testsuites name="tcpfsm" tests="3" failures="0" errors="0" skipped="1"/);
  t.match(junit, /<property name="figure\.synack_rto" value="1003 ms \(expected 1000 ± 50\)"\/>/);

  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
    options: Record<string, unknown>;
    suites: Array<{ suite: string; exitCode: number }>;
  };
  t.same(
    run.suites.map((s) => [s.suite, s.exitCode]),
    [['pass', 0]],
  );
  t.equal(run.options.profile, 'rfc');
});

t.test('a failing run (2 at a time): exit 1, failures and the crash in every report, HTML renders', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'pass', 'fail', 'crash', '--jobs', '2', '--report-dir', reportDir]);
  t.equal(r.code, 1, 'exit 1: a test failed');
  t.match(r.stdout, /^not ok +\d+ ms {2}fail › RST with seq <RCV\.NXT & "quotes" # not a directive \[RFC 5961 3\.2\]$/m);
  t.match(r.stdout, /^ {18}✗ ack: expected 1 \(0x1\), got 2 \(0x2\) <bad> & "wrong"$/m, 'the failing step under the test');
  t.match(r.stdout, /^not ok {12}suite crash exited with code \d+: fixture: the harness fell over$/m, 'a crashed suite is named with its stderr');
  t.match(r.stdout, /^7 tests: 4 passed, 2 failed, 1 skipped — 3 suites in /m);
  const dir = latestRun(t, reportDir);

  const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
  t.same(await parseTap(tap), { ok: false, count: 3, pass: 1, fail: 2, skip: 0 }, 'results.tap: three suite points, two failed');
  // Parallel suites, sequential stream: each suite's block is whole.
  for (const name of ['pass', 'fail', 'crash']) {
    const block = new RegExp(`^# Subtest: ${name}\\n((?: {4}.*\\n|\\n)*)(not )?ok \\d+ - ${name} `, 'm').exec(tap);
    t.ok(block, `${name}: one contiguous block`);
    t.notMatch(block?.[1] ?? '', /^# Subtest/m, `${name}: nothing of another suite inside`);
  }
  t.match(
    tap,
    /^not ok \d+ - crash # time=\d+ms\n {2}---\n(?: {2}.*\n)*? {2}exitCode: \d+\n(?: {2}.*\n)*? {2}stderr: .*the harness fell over/m,
    'the crashed suite point carries exit status and stderr as YAML',
  );
  t.match(
    tap,
    /^ {8}not ok 2 - ack: expected 1 \(0x1\), got 2 \(0x2\) <bad> & "wrong"\n {10}---\n {10}trace:/m,
    'the suite diagnostics with the trace stay in place',
  );

  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  t.match(junit, /<testsuites name="tcpfsm" tests="7" failures="1" errors="1" skipped="1"/);
  t.match(junit, /<failure message="ack: expected 1 \(0x1\), got 2 \(0x2\) &lt;bad&gt; &amp; &quot;wrong&quot;" type="AssertionError">/);
  t.match(junit, /<error message="suite crash exited with code \d+" type="SuiteError">/);

  const packets = await tcpdump(join(dir, 'trace.pcap'));
  t.equal(packets.length, 9 + 6, 'both captures merged (the crashed suite wrote none)');
  const stamps = packets.map((p) => Number(p.split(' ')[0]));
  t.same(
    stamps,
    [...stamps].sort((a, b) => a - b),
    'in timestamp order',
  );
  t.ok(
    packets.some((p, i) => i > 0 && p.includes('40000') !== packets[i - 1]!.includes('40000')),
    'records of the two suites interleave by time',
  );

  const ladders = readdirSync(join(dir, 'ladders'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.svg'));
  t.same(
    ladders.sort(),
    [
      'fail/01-in-window-rst-gets-a-challenge-ack.svg',
      'fail/02-rst-with-seq-rcv-nxt-quotes-not-a-directive.svg',
      'pass/01-syn-to-a-listening-port-is-answered-by-syn-ack.svg',
      'pass/03-the-final-ack-makes-it-established.svg',
    ].sort(),
  );
  const failedLadder = readFileSync(join(dir, 'ladders', 'fail', '02-rst-with-seq-rcv-nxt-quotes-not-a-directive.svg'), 'utf8');
  t.match(failedLadder, /\[S\.\] seq 0 ack 1 len 0/, 'arrows carry tcpdump flags and relative numbers');
  t.match(failedLadder, /kernel: SYN-RECEIVED ≠ FSM/, 'a disagreement between FSM and kernel is marked');
  t.match(failedLadder, /RST with seq &lt;RCV\.NXT &amp; "quotes"/, 'text is escaped');

  const docs = [junit, readFileSync(join(dir, 'fsm.svg'), 'utf8'), ...ladders.map((l) => readFileSync(join(dir, 'ladders', l), 'utf8'))];
  t.same(
    await xmlErrors(docs),
    docs.map(() => ''),
    'junit.xml, fsm.svg and every ladder are well-formed XML (Chromium DOMParser)',
  );

  mkdirSync(SHOTS, { recursive: true });
  const png = join(SHOTS, 'index.png');
  await screenshot(join(dir, 'index.html'), png);
  t.ok(statSync(png).size > 50_000, `a screenshot of index.html with content: ${png}`);
  const dom = await dumpDom(join(dir, 'index.html'));
  t.match(dom, /<h1>tcpfsm run <span class="badge fail">FAIL<\/span><\/h1>/);
  t.match(
    dom,
    /<table class="kv" id="summary">.*<th>tests<\/th><td>7: <span class="pass">4 passed<\/span>, <span class="fail">2 failed<\/span>, <span class="skip">1 skipped<\/span>/s,
    'the summary table',
  );
  t.match(dom, /<td><a href="#suite-crash">crash<\/a><\/td>.*?<span class="fail">FAIL<\/span>/s, 'the suites table');
  t.match(dom, /<div class="diagram" id="fsm-diagram"><svg [^>]*>.*?<\/svg>\s*<\/div>/s, 'fsm.svg inline');
  t.match(dom, /<td><code>rcv-rst-in-window<\/code><\/td><td>transition<\/td><td class="fail">failed<\/td>/, 'a row exercised by a failing test is failed');
  t.match(dom, /<td><code>syn-received-rcv-ack-of-syn<\/code><\/td><td>transition<\/td><td class="pass">passed<\/td>/, 'a row of passing tests only is passed');
  t.match(dom, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="ladder"/, "the failing test's ladder inline");
  t.match(dom, /ack: expected 1 \(0x1\), got 2 \(0x2\) &lt;bad&gt; &amp; "wrong"/, 'the failure message, escaped');
  t.match(
    dom,
    /<section class="fig-card outcome-fail"><h3><a href="#t-fail-\d+">fail › [^<]*<\/a><\/h3>.*?<td class="fig-name">challenge_acks<p class="fig-plain fail">measured 3, expected 1 ± 0: 2 above the allowed range<\/p>/s,
    'figures grouped by test; a failed one says measured vs expected',
  );
  for (const href of ['results.tap', 'junit.xml', 'trace.pcap']) t.match(dom, new RegExp(`href="${href.replace('.', '\\.')}"`), `links to ${href}`);
  t.notMatch(readFileSync(join(dir, 'index.html'), 'utf8'), /(src|href)="https?:/, 'nothing from the network');
});

t.test('--tap: TAP 14 on stdout and nothing else', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'pass', 'fail', '--tap', '--report-dir', reportDir]);
  t.equal(r.code, 1);
  t.match(r.stdout, /^TAP version 14\n/);
  t.notMatch(r.stdout, /^(ok|not ok) +\d+ ms/m, 'no human lines');
  t.same(await parseTap(r.stdout), { ok: false, count: 2, pass: 1, fail: 1, skip: 0 });
  t.equal(r.stdout, readFileSync(join(latestRun(t, reportDir), 'results.tap'), 'utf8'), 'stdout is results.tap');
  t.match(r.stderr, /^tcpfsm: reports in /);
});

t.test('--stack: checked, recorded, and passed to the suites', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'pass', '--stack', 'linux', '--report-dir', reportDir, '--tap']);
  t.equal(r.code, 0);
  const env = JSON.parse(/# env (\{.*\})/.exec(r.stdout)![1]!) as Record<string, string | undefined>;
  t.equal(env.stack, 'linux', 'TCPFSM_STACK reaches the suite');
  const run = JSON.parse(readFileSync(join(latestRun(t, reportDir), 'run.json'), 'utf8')) as { options: Record<string, unknown> };
  t.equal(run.options.stack, 'linux', 'run.json records the stack');
});

t.test('a suite that cannot run here: exit 2 with its reason', async (t) => {
  const r = await tcpfsm(['run', 'env', 'pass', '--report-dir', t.testdir()]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tcpfsm: suite env could not run: the lab needs root \(CAP_NET_ADMIN\): run with sudo\n$/);
});

t.test('--bail: no suite starts after a failure', async (t) => {
  const reportDir = t.testdir();
  const r = await tcpfsm(['run', 'fail', 'pass', '--bail', '--jobs', '1', '--report-dir', reportDir]);
  t.equal(r.code, 1);
  t.notMatch(r.stdout, /pass › /, 'pass never ran');
  const dir = latestRun(t, reportDir);
  const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
  t.match(tap, /^ok 2 - pass # SKIP bail: an earlier suite failed$/m);
  t.match(tap, /Bail out!|not ok 2 - ack/, 'the failing suite stopped at its first failure (TAP_BAIL)');
  t.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<skipped message="not run: bail: an earlier suite failed"\/>/);
});

/** The wait fixture's marker in the run folder, once it is in its long wait. */
const startedMarker = (reportDir: string): boolean =>
  existsSync(reportDir) && readdirSync(reportDir).some((run) => existsSync(join(reportDir, run, 'suites', 'wait.started')));

/**
 * Run the wait fixture beside `other`; once `other` has reported and the long one says
 * (wait.started) that it is in its 60 s wait, send `sig`. Piped output shows no progress lines.
 */
async function interruptedRun(t: Tap, sig: NodeJS.Signals, other: string, otherDone: RegExp) {
  const reportDir = t.testdir();
  let sent = false;
  const started = Date.now();
  const r = await tcpfsm(['run', 'wait', other, '--jobs', '2', '--report-dir', reportDir], {
    onStdout: (_chunk, child) => {
      if (sent || !otherDone.test(_chunk + '')) return;
      sent = true;
      const poll = setInterval(() => {
        if (!startedMarker(reportDir)) return;
        clearInterval(poll);
        child.kill(sig);
      }, 50);
    },
  });
  t.ok(sent, `${other} finished while the long one waited`);
  t.ok(Date.now() - started < 30_000, 'did not wait out the 60 s test');
  return { r, dir: latestRun(t, reportDir) };
}

interface RunJson {
  interrupted: string;
  suites: Array<{ suite: string; exitCode: number | null; interrupted?: string; tapTests: Array<{ name: string; ok: boolean; interrupted?: string }> }>;
}

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  t.test(`${sig} is forwarded to the running suites, which finish their cleanup first; the run is interrupted, not failed`, async (t) => {
    const { r, dir } = await interruptedRun(t, sig, 'pass', /pass › /);
    t.equal(r.code, code, `exit ${code}`);
    t.equal(readFileSync(join(dir, 'suites', 'wait.signal'), 'utf8'), sig, 'the suite got the signal and ran its cleanup');
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
    t.equal(run.interrupted, sig, 'the report says the run was interrupted');
    const wait = run.suites.find((s) => s.suite === 'wait')!;
    t.not(wait.exitCode, 0, 'the interrupted suite did not pass');
    t.equal(wait.interrupted, sig, 'run.json: the suite was interrupted');
    t.same(
      wait.tapTests.map((p) => [p.name, p.interrupted]),
      [['waits for TIME-WAIT [RFC 9293 3.10.7.4]', sig]],
      'run.json: its unfinished test is interrupted',
    );

    // What a person reads: the unfinished test is interrupted, what finished is as it was.
    t.match(r.stdout, new RegExp(`^intr +(\\d+ ms +)?wait › waits for TIME-WAIT.*\\(interrupted by ${sig}\\)$`, 'm'));
    t.notMatch(r.stdout, /^not ok/m, 'no test and no suite is shown as failed');
    t.match(r.stdout, /^4 tests: 2 passed, 0 failed, 1 skipped, 1 interrupted — 2 suites in /m);

    const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
    t.match(tap, new RegExp(`^ok \\d - wait # SKIP interrupted by ${sig}: 0 of 1 tests finished$`, 'm'), 'TAP: the suite point is not a failure');
    t.ok(
      tap.endsWith(`\n# 2 passed, 0 failed, 1 skipped, 1 interrupted by ${sig}\nBail out! interrupted by ${sig}\n`),
      'TAP: the stream ends with the summary and a Bail out! naming the signal',
    );
    const parsed = await new Promise<{ fail: number; bailout: string | boolean }>((resolve) => new Parser((res) => resolve(res)).end(tap));
    t.equal(parsed.fail, 0, 'TAP: no failing point');
    t.equal(parsed.bailout, `interrupted by ${sig}`);

    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    t.match(junit, /<testsuites name="tcpfsm" tests="\d+" failures="0" errors="0"/, 'JUnit: no failure, no error');
    t.match(
      junit,
      new RegExp(`<testcase name="waits for TIME-WAIT \\[RFC 9293 3\\.10\\.7\\.4\\]"[^>]*>\\s*<skipped message="interrupted by ${sig}">`),
      'JUnit: the unfinished test is skipped as interrupted',
    );
    t.match(junit, new RegExp(`<property name="interrupted" value="${sig}"/>`));

    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    t.match(html, /<h1>tcpfsm run <span class="badge interrupted">INTERRUPTED<\/span><\/h1>/, 'HTML: the verdict is INTERRUPTED');
    t.match(html, /<title>tcpfsm INTERRUPTED/);
    t.notMatch(html, />FAIL</, 'HTML: nothing says FAIL');
    t.match(html, /<td><span class="skip"[^>]*>interrupted<\/span><\/td><td>waits for TIME-WAIT/, 'HTML: the test row says interrupted');
    t.match(html, /<h2 id="failures">Failures<\/h2><p class="pass">None\.<\/p>/);
    t.ok(existsSync(join(dir, 'index.html')), 'reports written for what ran');
  });
}

t.test('an interrupted run keeps the failures that happened before the signal', async (t) => {
  const { r, dir } = await interruptedRun(t, 'SIGINT', 'fail', /not ok .*fail › RST with seq/);
  t.equal(r.code, 130, 'the signal decides the exit code');
  t.match(r.stdout, /^not ok +\d+ ms {2}fail › RST with seq/m, 'the failed test is shown as failed');
  t.match(r.stdout, /^intr .*wait › waits for TIME-WAIT/m);
  t.match(r.stdout, /^3 tests: 1 passed, 1 failed, 0 skipped, 1 interrupted/m);
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  t.match(html, /<span class="badge fail">FAIL<\/span> interrupted by SIGINT/, 'HTML: FAIL, and interrupted');
  t.match(html, /<h2 id="failures">Failures \(1\)<\/h2>/, 'HTML: one failure, not the interrupted test');
  const tap = readFileSync(join(dir, 'results.tap'), 'utf8');
  t.match(tap, /^not ok \d - fail /m);
  t.match(tap, /^ok \d - wait # SKIP interrupted by SIGINT/m);
});
