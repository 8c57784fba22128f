// tcpfsm run [suites..]: run conformance suites, each in its own process against a fresh lab,
// print one line per test (or TAP with --tap), write reports/<timestamp>/ and reports/latest.
// Exit 0 all passed, 1 a test failed, 2 usage or environment error, 128+n when stopped by signal n.
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, relative } from 'node:path';
import type { Argv } from 'yargs';
import { differencesFromHost, hostSysctls, parseSysctlSet, readHostSysctl, SYSCTL_SETS, type SysctlSet, sysctlSetLine } from '../../lab/host-sysctls.js';
import { requireLabPrivileges, requireRemotePrivileges } from '../../lab/privileges.js';
import { FAST_SUITE_SYSCTLS, sysctlPairs } from '../../lab/sysctls.js';
import type { Family } from '../../packet/family.js';
import { ENV } from '../../peer/contract.js';
import { describeExpectations } from '../../peer/expectations.js';
import { QUICK_WAIT_MS } from '../../peer/long-wait.js';
import {
  DEFAULT_MAX_CONNS,
  DEFAULT_RATE,
  isLabAddress,
  parseCloseTrigger,
  parseDataRequest,
  parseMaxConns,
  parseRate,
  planRemoteTarget,
  type RemoteOptions,
} from '../../peer/remote.js';
import { differential, differentialText, labResultsByStack, resultsByStack } from '../../report/differential.js';
import { countRun, type RunRecord, runOk, type SuiteRun, suiteRan, testsOf } from '../../report/run.js';
import { TapComposer } from '../../report/tap.js';
import { createRunDir, linkLatest, writeReports } from '../../report/write.js';
import { EnvironmentError, isUserFacing, UsageError } from '../../sys/errors.js';
import { prepareOutputDir } from '../../sys/output-path.js';
import { isInProcessStack, loadStack, parseStacks, stackHostProblem } from '../../target/registry.js';
import { IPV4_ONLY_WHY, IPV6_STACKS, STACK_NAMES, type StackName } from '../../target/stack.js';
import { checkExpectations, expectationLines, loadExpectations, observedFindings } from '../../verdict/expectations.js';
import type { FailOn } from '../../verdict/grade.js';
import { parseExpect, parseGrep, parsePositiveInt, parseTarget, refuseHostWideLabSysctls } from '../args.js';
import { DurationMemory } from '../durations.js';
import { HumanReporter, wantColour } from '../human.js';
import { planLines } from '../plan.js';
import { reportWhere } from '../report-where.js';
import { type RunnerListener, runSuites } from '../runner.js';
import { userSettingsOption } from '../settings-option.js';
import { discoverSuites, listSuite, type SuiteFile, selectSuites, suitesDir } from '../suites.js';
import { VERSION } from '../version.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export interface RunArgs {
  suites: string[];
  failOn: FailOn;
  grep?: string;
  slow: boolean;
  bail: boolean;
  labSysctl: string[];
  sysctls?: string;
  setting: string[];
  expect: string[];
  reportDir: string;
  tap: boolean;
  jobs?: string;
  keepLab: boolean;
  profile?: 'linux' | 'rfc';
  stack?: string;
  target?: string;
  asRemote: boolean;
  rate?: string;
  maxConns?: string;
  closeTrigger?: string;
  dataRequest?: string;
  suitesDir?: string;
  family?: string;
}

export function runBuilder(y: Argv): Argv<RunArgs> {
  return y
    .positional('suites', { describe: 'suites to run (default: all), by file stem', type: 'string', array: true, default: [] })
    .option('grep', { describe: 'run only tests whose name matches this regular expression (at least one must)', type: 'string', requiresArg: true })
    .option('slow', { describe: 'also run slow tests (long protocol waits such as TIME-WAIT)', type: 'boolean', default: false })
    .option('bail', { describe: 'stop at the first failing test; start no further suite', type: 'boolean', default: false })
    .option('lab-sysctl', {
      describe: 'a Linux sysctl of the target (linux, uml), [STACK:]key=value (repeatable); short (tcp_fin_timeout) or dotted name',
      type: 'string',
      array: true,
      default: [],
      requiresArg: true,
    })
    .option('setting', {
      describe:
        "a setting of the stack under test by its own name, [STACK:]name=value (repeatable): linux, uml their sysctls (as --lab-sysctl), memory its options (rfc5961, rto_min_ms, synack_retries, time_wait_ms…), gvisor netstack's (tcp.sack…); a name a stack lacks is an error; STACK: gives it to one stack of --stack a,b",
      type: 'string',
      array: true,
      default: [],
      requiresArg: true,
    })
    .option('sysctls', {
      describe: `the set each lab starts from, under --lab-sysctl: fast (default: short timers, synack_retries 2, fin_timeout 3, retries2 3, orphan_retries 2; a pass with it says nothing about this machine's own tuning) or host (every per-namespace TCP/IP sysctl of the namespace tcpfsm runs in, copied: the timer suites measure this machine's values; waits over ${QUICK_WAIT_MS / 1000} s need --slow)`,
      choices: SYSCTL_SETS,
      requiresArg: true,
    })
    .option('expect', {
      describe: `expectation for a measured figure, name=number (repeatable); names: ${describeExpectations()}`,
      type: 'string',
      array: true,
      default: [],
      requiresArg: true,
    })
    .option('report-dir', {
      describe: 'where reports/<timestamp>/ and reports/latest go (created and checked writable before any lab)',
      type: 'string',
      default: 'reports',
      requiresArg: true,
    })
    .option('tap', { describe: 'print the run as TAP 14 on stdout, nothing else', type: 'boolean', default: false })
    .option('jobs', {
      alias: 'j',
      describe: 'suites in parallel, one lab each (default 2, with several stacks 2 per stack up to 8; remote mode runs one at a time)',
      type: 'string',
      requiresArg: true,
    })
    .option('keep-lab', { describe: "keep each suite's lab after it ends (passed to the suites as TCPFSM_KEEP_LAB=1)", type: 'boolean', default: false })
    .option('fail-on', {
      describe:
        'the least grade that fails the run (exit 1): violation (a MUST broken, or another kind of answer) or deviation (also a SHOULD not followed, or a detail of a prescribed segment)',
      choices: ['violation', 'deviation'] as const,
      default: 'violation' as FailOn,
      requiresArg: true,
    })
    .option('profile', { describe: 'FSM profile the answers are judged by (default: linux in the lab)', choices: ['linux', 'rfc'] as const, requiresArg: true })
    .option('stack', {
      describe: `TCP stack to test: ${STACK_NAMES.join(', ')} (memory runs in process, without root; default linux; all leaves out, with the reason, a stack this machine cannot run)`,
      type: 'string',
      requiresArg: true,
    })
    .option('family', {
      describe: "the lab's address family: 4, 6 (its ULA addresses) or both (every suite once per family, side by side); default 4",
      choices: ['4', '6', 'both'],
      type: 'string',
      requiresArg: true,
    })
    .option('target', { describe: 'remote target host:port or [IPv6]:port instead of a lab (remote mode)', type: 'string', requiresArg: true })
    .option('as-remote', {
      describe:
        'treat a lab as a remote target: verdicts from packets alone (no agent, no ground truth); alone: a fresh lab per suite whose application is a small server (HTTP/1.0: a 4096-byte answer, then close; HTTP/1.1 or any line: the answer, kept open; QUIT: close); with --target: a lab address (198.18.0.0/15, or a lab ULA fd00:7c9f:<lab>::/64)',
      type: 'boolean',
      default: false,
    })
    .option('rate', {
      describe: `remote mode: segments per second per connection (default ${DEFAULT_RATE}). Over any 1 s window a connection sends at most ⌊rate⌋ (at least 1), and at most 2 back to back (2 per 2/rate s); all connections together at most ⌊rate × max-conns⌋ (default ${DEFAULT_RATE * DEFAULT_MAX_CONNS}); one suite at a time, so these hold for the whole target`,
      type: 'string',
      requiresArg: true,
    })
    .option('max-conns', {
      describe: `remote mode: half-open connections at once, target-wide (default ${DEFAULT_MAX_CONNS})`,
      type: 'string',
      requiresArg: true,
    })
    .option('close-trigger', {
      describe:
        "remote mode: how to make the server close first, for tests that need it: 'http' (sends GET / HTTP/1.0), 'idle:SECONDS' (waits), or 'send:BYTES' (sends the bytes, escapes \\r \\n \\t \\0 \\\\ \\xHH, e.g. 'send:QUIT\\r\\n'); a trigger that does not close the server makes its tests inconclusive",
      type: 'string',
      requiresArg: true,
    })
    .option('data-request', {
      describe:
        "remote mode: what makes the server send data, for tests that watch its data (retransmission, segment size, zero-window probes): 'http' (sends GET / HTTP/1.1; the answer's body is the data) or 'send:BYTES' (escaped as for --close-trigger); a request answered with too little data makes its tests inconclusive",
      type: 'string',
      requiresArg: true,
    })
    .option('suites-dir', {
      describe: 'directory of compiled suites (default dist/suites; env TCPFSM_SUITES_DIR)',
      type: 'string',
      hidden: true,
      requiresArg: true,
    })
    .example('$0 run', 'every suite, each against a fresh lab, reports in reports/latest/')
    .example('$0 run handshake rst --jobs 2', 'two suites in parallel')
    .example("$0 run --grep 'TIME-WAIT' --slow", 'only matching tests, slow ones included')
    .example('$0 run --lab-sysctl tcp_synack_retries=3 --expect synack-retries=3', 'tune the target and say what to expect')
    .example('$0 run timer-synack timer-fin-wait-2 --sysctls host --slow', "measure this machine's own SYN-ACK retries and FIN-WAIT-2 timeout in a lab")
    .example('$0 run --stack linux', 'the suites on a named lab stack')
    .example('$0 run timer-synack --stack memory --setting synack_retries=3', "the memory stack's own settings")
    .example('$0 run --family both', 'every suite over IPv4 and over IPv6, the differences listed')
    .example('$0 run --tap > run.tap', 'TAP 14 for another tool')
    .example('$0 run --target 198.18.0.10:443', 'remote mode: your own server, packets only, paced')
    .example('$0 run --as-remote', 'remote mode against a fresh lab (the harness checks itself)') as unknown as Argv<RunArgs>;
}

/** The suites' environment: the contract of src/peer/contract.ts ENV. */
export function suiteEnv(
  a: RunArgs,
  checked: {
    labSysctls: Record<string, string>;
    expect: Record<string, number>;
    target?: string;
    remote?: RemoteOptions;
    stack?: StackName;
    base?: Record<string, string>;
  },
): Record<string, string> {
  const env: Record<string, string> = {
    ...(checked.base ? { [ENV.labSysctlBase]: JSON.stringify(checked.base) } : {}),
    [ENV.slow]: a.slow ? '1' : '0',
    [ENV.labSysctls]: JSON.stringify(checked.labSysctls),
    [ENV.expect]: JSON.stringify(checked.expect),
  };
  if (a.grep !== undefined) env[ENV.grep] = a.grep;
  if (a.profile) env[ENV.profile] = a.profile;
  if (checked.stack) env[ENV.stack] = checked.stack;
  if (checked.target) env[ENV.target] = checked.target;
  if (checked.target || a.asRemote) env[ENV.remote] = JSON.stringify({ asRemote: a.asRemote, ...checked.remote });
  if (a.keepLab) env.TCPFSM_KEEP_LAB = '1';
  if (a.bail) env.TAP_BAIL = '1';
  return env;
}

/**
 * Suites at once by default: two labs for one stack; with several, two per stack up to eight (a
 * suite mostly waits on the target's timers: `--stack all` (five stacks) took 659 s two at a time,
 * 299 s six at a time; with the longest suites started first, 199 s six and 154 s eight at a time,
 * the same verdicts but for one flaky passt test, on a 2-core machine; twelve loaded it enough to
 * change what timing-sensitive checks see).
 */
const DEFAULT_JOBS = 2;
const MAX_DEFAULT_JOBS = 8;

/** `onRecord`: the finished run as data, for a command built on run (check-tuning). */
export async function runCommand(a: RunArgs, onRecord?: (run: RunRecord) => void): Promise<number> {
  // Everything the user typed is checked before anything starts.
  const jobs = a.jobs !== undefined ? parsePositiveInt('jobs', a.jobs, { max: 64 }) : DEFAULT_JOBS;
  if (a.grep !== undefined) parseGrep(a.grep);
  const sysctlSet = parseSysctlSet(a.sysctls);
  const expect = parseExpect(a.expect);
  const target = a.target !== undefined ? parseTarget(a.target).text : undefined;
  const remote = remoteOptions(a, target);
  // Remote mode: one suite process at a time, so the pacing bounds are the target's, not each suite's.
  if (remote && a.jobs !== undefined && jobs > 1)
    throw new UsageError(`--jobs ${jobs}: remote mode runs one suite at a time (the pacing bounds hold for the whole target)`);
  if (a.sysctls !== undefined) refuseSysctlSet(sysctlSet, target, a.stack !== undefined ? parseStacks(a.stack) : undefined);
  const { stacks, leftOut, unrunnable } = await stackOption(a, target);
  const parallel = remote ? 1 : a.jobs === undefined && stacks && stacks.length > 1 ? Math.min(DEFAULT_JOBS * stacks.length, MAX_DEFAULT_JOBS) : jobs;
  const stack = stacks?.length === 1 ? stacks[0] : undefined;
  const settings = userSettingsOption(a, target, stacks);
  const labSysctls = settings.env;
  const dir = suitesDir(a.suitesDir);
  const chosen = selectSuites(discoverSuites(dir), a.suites);
  // Several stacks: every suite once per stack, `suite@stack`, each in a lab of that stack.
  const perStack = stacks && stacks.length > 1 ? stacks.flatMap((st) => chosen.map((s) => ({ ...s, name: `${s.name}@${st}`, stack: st }))) : chosen;
  const families = familyOption(a, target, stacks);
  const suites = withFamilies(perStack, families);
  if (target) requireRemotePrivileges();
  else if (!stacks?.every(isInProcessStack)) {
    // (a stack in this process, memory, needs neither root nor a lab)
    requireLabPrivileges();
    await refuseHostWideLabSysctls(settings.linux); // before any suite makes a lab
  }
  const base = sysctlSet === 'host' && !target ? await hostSysctls() : undefined;
  const sysctlLine = target
    ? []
    : [sysctlSetLine(sysctlSet, Object.keys(base ?? {}).length, differencesFromHost({ ...(base ?? sysctlPairs(FAST_SUITE_SYSCTLS)), ...labSysctls }))];
  if (a.grep !== undefined) await requireGrepMatches(a.grep, suites);
  // Remote mode: resolve, classify and route the target once, here; the suites get the address.
  if (target) remote!.addr = await preflightRemote(target, a.asRemote, families.length === 1 && a.family !== undefined ? families[0] : undefined);
  // What will run and what will skip, and why: said before anything starts.
  const plan = await planLines(chosen, {
    ...(remote ? { remote: { target, closeTrigger: a.closeTrigger, dataRequest: a.dataRequest, stack } } : {}),
    ...(stacks && !remote ? { stacks } : {}),
    slow: a.slow,
    grep: a.grep,
  });
  // Last, as it creates the directory: every check above must pass first.
  const reportRoot = prepareOutputDir('--report-dir', a.reportDir);

  const started = new Date();
  const runDir = await createRunDir(reportRoot, started);
  const outDir = join(runDir, 'suites');
  const rel = relative(process.cwd(), runDir);
  const shown = !rel || rel.startsWith('..') ? runDir : rel;

  const human = a.tap ? null : new HumanReporter(process.stdout, { tty: !!process.stdout.isTTY, colour: wantColour(process.stdout) });
  const tap = new TapComposer(a.tap ? (chunk) => process.stdout.write(chunk) : undefined, [
    `tcpfsm ${VERSION}: ${suites.length} suite${suites.length === 1 ? '' : 's'}, ${target ? `target ${target}` : 'a fresh lab per suite'}${a.profile ? `, profile ${a.profile}` : ''}`,
    ...plan,
    ...leftOut,
    ...sysctlLine,
  ]);
  human?.header([
    `tcpfsm ${VERSION}: ${suites.map((s) => s.name).join(', ')} — ${target ? `target ${target}` : 'a fresh lab per suite'}${a.profile ? `, profile ${a.profile}` : ''}${parallel > 1 ? `, ${parallel} at a time` : ''}`,
    ...plan,
    ...leftOut,
    ...sysctlLine,
  ]);

  const listener: RunnerListener = {
    suiteStart: (s) => {
      tap.start(s.name);
      human?.suiteStart(s);
    },
    line: (s, line) => tap.line(s, line),
    testStart: (s, name) => human?.testStart(s, name),
    comment: (s, test, text) => human?.comment(s, test, text),
    test: (s, t) => human?.test(s, t),
    suiteEnd: (run) => {
      tap.end(run);
      human?.suiteEnd(run);
    },
    notice: (text) => (human ? human.notice(text) : process.stderr.write(`tcpfsm: ${text}\n`)),
  };
  // Remote mode: what was installed on this machine, and that it was removed, always on stderr.
  const comment = listener.comment!;
  listener.comment = (s, test, text) => {
    if (test === null && /^remote: (installed|removed|nft table)/.test(text)) process.stderr.write(`tcpfsm: ${s}: ${text.slice('remote: '.length)}\n`);
    comment(s, test, text);
  };

  // In a lab, the longest suites start first (their last durations); a remote run goes one at a time.
  const durations = target ? undefined : new DurationMemory();
  const shape = { ...(stack ? { stack } : {}), slow: a.slow };
  let result;
  try {
    result = await runSuites({
      suites,
      ...(durations && parallel > 1 ? { startOrder: durations.order(suites, shape) } : {}),
      jobs: parallel,
      bail: a.bail,
      env: suiteEnv(a, { labSysctls, expect, target, remote, stack, base }),
      outDir,
      listener,
    });
  } finally {
    human?.close();
  }
  // A --grep run times part of a suite; an interrupted or unrun suite did not reach its end.
  if (durations && a.grep === undefined)
    durations.record(
      result.suites.flatMap((r, i) =>
        r.notRun === undefined && r.signal === null && r.exitCode !== null ? [{ suite: suites[i]!, durationMs: r.durationMs }] : [],
      ),
      shape,
    );
  for (const s of result.suites) if (!suiteRan(s)) tap.notRun(s);

  const run: RunRecord = {
    version: VERSION,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    command: ['tcpfsm', ...process.argv.slice(2)].join(' '),
    options: {
      ...(a.grep !== undefined ? { grep: a.grep } : {}),
      slow: a.slow,
      bail: a.bail,
      jobs: parallel,
      ...(a.profile ? { profile: a.profile } : {}),
      ...(stacks ? { stack: stacks.join(',') } : {}),
      ...(a.family !== undefined ? { family: a.family } : {}),
      ...(target ? { target } : {}),
      asRemote: a.asRemote,
      keepLab: a.keepLab,
      labSysctls,
      ...(target ? {} : { sysctlSet, hostSysctls: hostValuesOf(result.suites) }),
      expect,
    },
    suites: result.suites,
    ...(result.interrupted ? { interrupted: result.interrupted } : {}),
  };
  const counts = countRun(run);
  const tapText = tap.finish(
    [
      `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${run.interrupted ? `, ${counts.interrupted} interrupted by ${run.interrupted}` : ''}`,
    ],
    run.interrupted,
  );
  const files = await writeReports(runDir, run, tapText);
  onRecord?.(run);
  linkLatest(reportRoot, runDir);

  const envFailure = result.suites.find(isEnvironmentFailure);
  const kept = a.keepLab ? ["labs kept for inspection (--keep-lab): 'tcpfsm lab status' lists them, 'tcpfsm cleanup' removes them"] : [];
  // Each stack's findings against its expectations file (expectations/<stack>.json), and written
  // in that file's form (findings-<stack>.json) so a maintainer can adopt them.
  const expectationNotes: string[] = [];
  for (const [st, results] of labResultsByStack(run)) {
    writeFileSync(join(runDir, `findings-${st}.json`), `${JSON.stringify({ stack: st, known: observedFindings(results) }, null, 2)}\n`);
    const known = loadExpectations(st);
    if (known) expectationNotes.push(...expectationLines(st, checkExpectations(known, results)));
  }
  // An expectation no test read (the tests that follow it did not run, or set the value themselves).
  const read = new Set(run.suites.flatMap((s) => s.result?.expectationsUsed ?? []));
  const unused = Object.keys(expect).filter((k) => !read.has(k));
  if (unused.length) expectationNotes.push(`--expect ${unused.join(', ')}: no test that ran used ${unused.length > 1 ? 'them' : 'it'}`);
  // Several stacks: what differs between them, at the end of the run and in differential.txt.
  const byStack = resultsByStack(run);
  const diffLines = byStack ? differentialText(differential(byStack)) : [];
  if (byStack) writeFileSync(join(runDir, 'differential.txt'), differentialText(differential(byStack), Infinity).join('\n') + '\n');
  human?.summary(counts, run.durationMs, [
    ...reportWhere(run, counts, files.index, join(shown, 'index.html')),
    ...kept,
    ...files.problems.map((p) => `report problem: ${p}`),
    // After the outcome and the report's place: how the stacks differ, what was (un)expected.
    ...diffLines,
    ...expectationNotes,
  ]);
  if (a.tap) for (const line of [...expectationNotes, `reports in ${shown}`]) process.stderr.write(`tcpfsm: ${line}\n`);

  if (result.interrupted) return SIGNAL_EXIT[result.interrupted] ?? 130;
  if (unrunnable.length) throw new EnvironmentError(unrunnable.join('; '));
  if (envFailure) {
    const why = envFailure.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${envFailure.exitCode}`;
    throw new EnvironmentError(`suite ${envFailure.suite} could not run: ${why.replace(/^tcpfsm:\s*/, '')}`);
  }
  if (!runOk(run)) return 1;
  // --fail-on deviation: a test that passed with a deviation among its findings fails the run too.
  const deviations = run.suites.flatMap((s) => testsOf(s).flatMap((t) => (t.findings ?? []).filter((f) => f.level === 'deviation')));
  return a.failOn === 'deviation' && deviations.length ? 1 : 0;
}

/** A --grep that selects no test is a typo, not a run: say so before any lab is built. */
async function requireGrepMatches(grep: string, suites: readonly SuiteFile[]): Promise<void> {
  const re = new RegExp(grep);
  const listings = await Promise.all(suites.map((s) => listSuite(s)));
  if (listings.some((l) => l.tests.some((t) => re.test(t.name) || re.test(`${l.suite} ${t.name}`)))) return;
  throw new UsageError(
    `--grep '${grep}' matches no test in ${suites.length === 1 ? `suite ${suites[0]!.name}` : `the ${suites.length} selected suites`} (see: tcpfsm list)`,
  );
}

/** The target's address, checked once: resolution, address class, route, privileges (all before any suite). */
async function preflightRemote(target: string, asRemote: boolean, family: Family | undefined): Promise<string> {
  const { host, port } = parseTarget(target);
  try {
    return (await planRemoteTarget(host, port, asRemote, family)).addr;
  } catch (e) {
    // route.ts speaks of addresses; name the option the user typed.
    if (isUserFacing(e) && !e.message.startsWith('--')) e.message = `--target ${target}: ${e.message}`;
    throw e;
  }
}

/**
 * --stack, checked now: known names, a lab to run them in (not --target), a module for each (a
 * stack missing from this build is one clear error), and a machine that can run each. A stack
 * named by the user that cannot run here is an error (exit 2), after the other stacks named ran;
 * `all` leaves it out and says so in the header. Unset: undefined, the suites' default (linux), exactly as before the option existed.
 */
async function stackOption(a: RunArgs, target: string | undefined): Promise<{ stacks: StackName[] | undefined; leftOut: string[]; unrunnable: string[] }> {
  if (a.stack === undefined) return { stacks: undefined, leftOut: [], unrunnable: [] };
  const parsed = parseStacks(a.stack);
  if (target) throw new UsageError(`--stack chooses the lab's stack; --target names a remote server instead of a lab: give one of them`);
  const inProcess = parsed.filter(isInProcessStack);
  if (a.asRemote && inProcess.length)
    throw new UsageError(`--as-remote drives a lab as a remote server; ${inProcess.join(', ')} runs in this process and has no address on a network`);
  const named = new Set(a.stack.split(',').map((n) => n.trim()));
  const stacks: StackName[] = [];
  const leftOut: string[] = [];
  const unrunnable: string[] = [];
  for (const s of parsed) {
    await loadStack(s);
    const problem = await stackHostProblem(s);
    if (problem === null) stacks.push(s);
    else if (named.has(s)) {
      unrunnable.push(`--stack ${s}: this machine cannot run it: ${problem}`);
      leftOut.push(`${unrunnable.at(-1)} (the other stacks run)`);
    } else leftOut.push(`--stack all: ${s} left out, this machine cannot run it: ${problem}`);
  }
  if (!stacks.length) throw new EnvironmentError(unrunnable.length === 1 ? unrunnable[0]! : `--stack ${a.stack}: no stack can run on this machine`);
  return { stacks, leftOut, unrunnable };
}

/**
 * --family, checked now: 4 (default), 6 or both, only on stacks the lab reaches over IPv6; with
 * --target, 4 or 6: which address record of a name to use.
 */
function familyOption(a: RunArgs, target: string | undefined, stacks: StackName[] | undefined): Family[] {
  if (a.family === undefined || a.family === '4') return [4];
  // With --target the family picks a name's A or AAAA record (and must match a literal).
  if (target && a.family === 'both') throw new UsageError('--family both runs a lab twice; with --target give 4 or 6 (the address record to use)');
  if (target) return [6];
  const ipv4Only = (stacks ?? ['linux']).filter((s) => !IPV6_STACKS.includes(s));
  if (ipv4Only.length)
    throw new UsageError(
      `--family ${a.family}: stack ${ipv4Only.join(', ')} is IPv4-only in tcpfsm's lab (${ipv4Only.map((s) => `${s}: ${IPV4_ONLY_WHY[s] ?? 'no IPv6'}`).join('; ')}; IPv6: ${IPV6_STACKS.join(', ')})`,
    );
  return a.family === 'both' ? [4, 6] : [6];
}

/**
 * Each suite once per family, marked in its name (`handshake@ipv6`, over several stacks
 * `handshake@linux-ipv6`) so TAP, JUnit, HTML and the differential show the family; IPv4 alone
 * keeps the plain names.
 */
function withFamilies(suites: SuiteFile[], families: Family[]): SuiteFile[] {
  if (families.length === 1 && families[0] === 4) return suites;
  return families.flatMap((f) => suites.map((s) => ({ ...s, name: `${s.name}${s.stack ? '-' : '@'}ipv${f}`, family: f })));
}

/** --sysctls needs a Linux lab: a remote server's settings are its own, another stack's knobs differ. */
function refuseSysctlSet(set: SysctlSet, target: string | undefined, stacks: readonly StackName[] | undefined): void {
  if (target) throw new UsageError(`--sysctls ${set} chooses the lab's sysctls; --target names a server whose settings are its own: give one of them`);
  const other = stacks?.find((st) => st !== 'linux');
  if (set === 'host' && other) throw new UsageError(`--sysctls host copies this machine's Linux sysctls into a linux lab; --stack ${other} has other knobs`);
}

/** This machine's values of every sysctl the labs reported, for the report's comparison. */
function hostValuesOf(suites: readonly SuiteRun[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of new Set(suites.flatMap((s) => Object.keys(s.result?.sysctls ?? {})))) {
    const v = readHostSysctl(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** Remote-mode options, checked now (a bad value is a usage error before anything starts). */
function remoteOptions(a: RunArgs, target: string | undefined): RemoteOptions | undefined {
  const remote = !!target || a.asRemote;
  const given = [
    a.rate !== undefined && '--rate',
    a.maxConns !== undefined && '--max-conns',
    a.closeTrigger !== undefined && '--close-trigger',
    a.dataRequest !== undefined && '--data-request',
  ].filter(Boolean);
  if (!remote) {
    if (given.length) throw new UsageError(`${given.join(', ')} only apply to remote mode (--target or --as-remote)`);
    return undefined;
  }
  if (target) {
    const { host } = parseTarget(a.target!);
    if (a.asRemote && isIP(host) && !isLabAddress(host))
      throw new UsageError(`--as-remote: ${host} is not a lab address (198.18.0.0/15, fd00:7c9f:<lab>::/64)`);
  }
  if (a.closeTrigger !== undefined) parseCloseTrigger(a.closeTrigger);
  if (a.dataRequest !== undefined) parseDataRequest(a.dataRequest);
  return {
    ...(a.rate !== undefined ? { rate: parseRate(a.rate) } : {}),
    ...(a.maxConns !== undefined ? { maxConns: parseMaxConns(a.maxConns) } : {}),
    ...(a.closeTrigger !== undefined ? { closeTrigger: a.closeTrigger } : {}),
    ...(a.dataRequest !== undefined ? { dataRequest: a.dataRequest } : {}),
  };
}

/** A suite that stopped before any test with exit 2: the harness's usage / environment exit. */
const isEnvironmentFailure = (s: SuiteRun): boolean => suiteRan(s) && s.exitCode === 2 && s.tapTests.length === 0;
