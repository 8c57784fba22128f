// junit.xml for CI systems (Jenkins, GitLab, GitHub test reporters), in the common dialect
// described at github.com/testmoapp/junitxml: <testsuites> / <testsuite> / <testcase> with
// <failure>, <error>, <skipped>, <properties>, <system-out>, <system-err>.
//
// Generated from the run record rather than with @tapjs/reporter's JUnit stream: that one makes a
// <testcase> of every TAP assertion (a suite test here is a subtest of many step assertions), and
// it pulls in ink/React at import time. Here one suite test is one <testcase>, its failure
// carries the harness's message and the segment trace, and a crashed suite is an <error>.
import { hostname } from 'node:os';
import { stringify } from 'yaml';
import type { TestResult } from '../peer/contract.js';
import { xmlAttr, xmlText } from './escape.js';
import { type RunRecord, type SuiteRun, suiteRan, testsOf } from './run.js';
import { traceText } from './trace-text.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

const property = (name: string, value: unknown): string => `<property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`;

function properties(entries: Array<[string, unknown]>, pad: string): string {
  const present = entries.filter(([, v]) => v !== undefined && v !== '');
  if (!present.length) return '';
  return `${pad}<properties>\n${present.map(([k, v]) => `${pad}  ${property(k, v)}`).join('\n')}\n${pad}</properties>\n`;
}

/** The crash entry testsOf adds is an <error> (the harness broke), not a <failure> (the target did). */
const isCrash = (s: SuiteRun, test: TestResult): boolean => test.name === `suite process (${s.file})`;

function testcase(s: SuiteRun, test: TestResult): string {
  const pad = '    ';
  const head = `${pad}<testcase name="${xmlAttr(test.name)}" classname="${xmlAttr(`tcpfsm.${s.suite}`)}" time="${seconds(test.durationMs)}"`;
  const body: string[] = [];
  const props: Array<[string, unknown]> = [['rfc', test.rfc]];
  for (const f of test.figures) {
    const expected = f.expected !== undefined ? ` (expected ${f.expected}${f.tolerance !== undefined ? ` ± ${f.tolerance}` : ''})` : '';
    props.push([`figure.${f.name}`, `${f.value} ${f.unit}${expected}`]);
  }
  // Graded findings (src/verdict), as other tools read them: one property each.
  for (const [i, f] of (test.findings ?? []).entries())
    props.push([`finding.${i + 1}`, `${f.level} ${f.requirement}: ${f.check}: expected ${f.expected}, observed ${f.observed}`]);
  const propText = properties(props, pad + '  ');
  if (propText) body.push(propText.trimEnd());
  if (test.skip !== undefined) {
    body.push(`${pad}  <skipped message="${xmlAttr(test.skip)}"/>`);
  } else if (test.interrupted !== undefined) {
    // JUnit has no "interrupted": the test did not finish, so it is neither a pass nor a failure.
    const seen = test.error ? `\n${test.error.message}` : '';
    body.push(
      `${pad}  <skipped message="${xmlAttr(`interrupted by ${test.interrupted}`)}">${xmlText(`the run was interrupted while this test ran${seen ? '; what it saw then:' + seen : ''}`)}</skipped>`,
    );
  } else if (!test.ok) {
    const message = test.error?.message ?? 'failed';
    const details = test.error?.details && Object.keys(test.error.details).length ? stringify(test.error.details, { lineWidth: 0 }) : '';
    const trace = traceText(test.trace);
    const text = [details.trimEnd(), trace ? `trace:\n${trace}` : ''].filter(Boolean).join('\n');
    const tag = isCrash(s, test) ? 'error' : 'failure';
    body.push(`${pad}  <${tag} message="${xmlAttr(message)}" type="${tag === 'error' ? 'SuiteError' : 'AssertionError'}">${xmlText(text)}</${tag}>`);
  }
  if (test.ok && test.trace.length) body.push(`${pad}  <system-out>${xmlText(traceText(test.trace))}</system-out>`);
  return body.length ? `${head}>\n${body.join('\n')}\n${pad}</testcase>\n` : `${head}/>\n`;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function testsuite(s: SuiteRun, host: string): { xml: string; counts: SuiteCounts } {
  const tests = testsOf(s);
  const errors = tests.filter((t) => isCrash(s, t)).length;
  const failures = tests.filter((t) => !t.ok && t.skip === undefined && t.interrupted === undefined).length - errors;
  const skipped = suiteRan(s) ? tests.filter((t) => t.skip !== undefined || t.interrupted !== undefined).length : 1;
  const counts: SuiteCounts = { tests: suiteRan(s) ? tests.length : 1, failures, errors, skipped };
  const r = s.result;
  const attrs = [
    `name="${xmlAttr(s.suite)}"`,
    ...Object.entries(counts).map(([k, v]) => `${k}="${v}"`),
    `time="${seconds(s.durationMs)}"`,
    ...(s.startedAt ? [`timestamp="${xmlAttr(s.startedAt.replace(/Z$/, ''))}"`] : []),
    `hostname="${xmlAttr(host)}"`,
    `file="${xmlAttr(s.file)}"`,
  ];
  let out = `  <testsuite ${attrs.join(' ')}>\n`;
  out += properties(
    [
      ['title', r?.title],
      ['rfc', r?.rfc],
      ['mode', r?.mode],
      ['profile', r?.profile],
      ['target', r?.target],
      ...Object.entries(r?.sysctls ?? {}).map(([k, v]): [string, unknown] => [`sysctl.${k}`, v]),
      ['exitCode', s.exitCode ?? undefined],
      ['signal', s.signal ?? undefined],
      ['interrupted', s.interrupted],
    ],
    '    ',
  );
  if (!suiteRan(s))
    out += `    <testcase name="${xmlAttr(s.suite)}" classname="tcpfsm.${xmlAttr(s.suite)}" time="0">\n      <skipped message="${xmlAttr(`not run: ${s.notRun}`)}"/>\n    </testcase>\n`;
  for (const test of tests) out += testcase(s, test);
  if (s.stderr.trim()) out += `    <system-err>${xmlText(s.stderr.trim())}</system-err>\n`;
  return { xml: out + '  </testsuite>\n', counts };
}

export function junitXml(run: RunRecord, host = hostname()): string {
  const total: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = run.suites.map((s) => {
    const { xml, counts } = testsuite(s, host);
    for (const k of Object.keys(total) as Array<keyof SuiteCounts>) total[k] += counts[k];
    return xml;
  });
  const attrs = `name="tcpfsm" ${Object.entries(total)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')} time="${seconds(run.durationMs)}" timestamp="${xmlAttr(run.startedAt.replace(/Z$/, ''))}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${attrs}>\n${suites.join('')}</testsuites>\n`;
}
