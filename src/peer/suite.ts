// The suite harness: a suite file declares tests; this module gives each one a target (opened
// once per suite: a lab stack by name, or a remote server), scripted connections and the FSM
// oracle, runs them under node-tap (TAP 14 on stdout), and leaves a SuiteResult JSON + pcap for
// the reports. Tests say which capabilities they need (`needs`); a target without one skips them.
//   TCPFSM_LIST=1 node dist/suites/x.js   prints the suite's tests as JSON and touches nothing.

import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { linuxOptionsForRelease, linuxProfile, type Profile, type ProfileName } from '../fsm/index.js';
import { serveApp } from '../lab/agent/app-server.js';
import { type AgentClient, type ConnId, type LabSysctls, sysctlPairs, type TcpTuple } from '../lab/index.js';
import { sysctlsToWrite } from '../lab/sysctls.js';
import { formatFlags, parseFamily, Seq } from '../packet/index.js';
import { EnvironmentError, isUserFacing, UsageError } from '../sys/errors.js';
import { watchParent } from '../sys/parent-watch.js';
import { DEFAULT_STACK, openStackByName, parseStack } from '../target/registry.js';
import { isSettingRole } from '../target/roles.js';
import { IPV6_STACKS, type StackHost, type StackSettings, type StateSource } from '../target/stack.js';
import { settingsLacking, userSettingsFor } from '../target/stack-settings.js';
import { openTarget, profileByName, profileFor, type Target } from '../target/target.js';
import type { Finding } from '../verdict/grade.js';
import { requirement } from '../verdict/requirements.js';
import { PcapFileWriter } from '../wire/pcap-file.js';
import {
  ExpectationError,
  InconclusiveError,
  PathDivergedError,
  PeerConnection,
  type PeerOptions,
  rememberPortsFor,
  StaleIncarnationError,
} from './connection.js';
import { ENV, type Figure, type SuiteResult, type TestResult, type TraceLine } from './contract.js';
import { EXPECTATIONS, type ExpectationInfo, type ExpectationKey, expectationsUsed } from './expectations.js';
import { gradeFigure } from './grade.js';
import { WaitTooLongError } from './long-wait.js';
import { RemoteModel } from './model.js';
import { type Capabilities, lacking, lackingSettings, type Need } from './needs.js';
import {
  type CloseTrigger,
  type DataRequest,
  DEFAULT_MAX_CONNS,
  DEFAULT_RATE,
  HTTP_CLOSE_REQUEST,
  hostPort,
  openRemoteTarget,
  planRemoteTarget,
  type RemoteTarget,
  readRemoteOptions,
} from './remote.js';
import { showBytes } from './requests.js';
import { ScriptedConnection, stateGroundTruth } from './scripted.js';
import { Trace } from './trace.js';

export interface SuiteMeta {
  /** file stem under suites/ */
  name: string;
  title: string;
  rfc: string;
  /**
   * Linux sysctls every test of this suite runs with, on top of the fast defaults (the user's
   * settings win). On a stack without one the suite's tests skip (they would run with another
   * value); the run's plan says so too.
   */
  sysctls?: LabSysctls;
  /** Linux sysctls that only make the suite quicker, never change what it judges: left out, and said so, on a stack without them. */
  tuning?: LabSysctls;
  /** a floor for the target's RTO towards the probe, where the stack can set one (StackOptions.minRtoMs) */
  minRtoMs?: number;
}

export { type Capabilities, lacking, type Need } from './needs.js';

export interface TestMeta {
  rfc: string;
  /** long protocol waits: run only with --slow */
  slow?: boolean;
  needs?: Need[];
  /** RFC 9293 requirement labels this test judges (MUST-13, SHLD-1, MAY-12…): the coverage table */
  requirements?: string[];
  /** tap timeout for this test (default 30 s) */
  timeoutMs?: number;
  /**
   * Settings the test reads or sets: a role every stack names its own way (`synack-retries`:
   * read its name from ctx.target.settings.roles), or one stack's own name
   * (net.ipv4.tcp_rfc1337). A target whose settings lack one skips the test.
   */
  settings?: string[];
  /** the one address family the test is about (ICMP vs ICMPv6): skipped on the other */
  family?: 4 | 6;
}

/** The target as a test sees it: each capability is there, or the test did not declare it. */
export interface TestTarget {
  readonly name: Target['name'];
  readonly describe: string;
  /** where the segments go */
  readonly address: string;
  readonly probeAddress: string;
  /** see StackHost.appSeesProbe: false behind a proxy */
  readonly appSeesProbe: boolean;
  /** needs: ['agent'] */
  readonly agent: AgentClient;
  /** needs: ['states'] */
  readonly states: StateSource;
  /** needs: ['settings'] */
  readonly settings: StackSettings;
  /** Whether the target has a capability (for a test that works either way, e.g. ground truth or inferred states). */
  has(need: Need): boolean;
}

export interface TestContext {
  readonly target: TestTarget;
  readonly wire: Target['wire'];
  readonly profile: Profile;
  readonly trace: Trace;
  /** the tap test, for plain assertions */
  readonly t: Tap;
  /** Make the agent listen on a fresh port (a remote target: its one port); returns the port. */
  listen(backlog?: number): Promise<number>;
  /** A scripted connection from a fresh probe port to a listening remote port. */
  connect(port: number, opts?: ConnectOptions): ScriptedConnection;
  /** The agent's id for the connection it accepted from `c` (after the handshake). */
  accepted(c: ScriptedConnection): Promise<ConnId>;
  /**
   * Make the remote's application act on the connection it accepted from `c` (through the
   * agent, or a remote's close trigger) and let the FSM model follow: close() (orphans the
   * socket), shutdown(SHUT_WR), abort (RST), or send n bytes. Then model and target must agree.
   */
  remote(c: ScriptedConnection, action: RemoteAction): Promise<void>;
  /**
   * needs: ['app-send']. Make the target's application send at least `n` bytes on `c`: the
   * agent's send(n), or (no agent) the remote's data request, sent as a data segment outside the
   * model (its size is the server's choice: `exact` is false, and the test must see how much came,
   * throwing dataShortfall() when too little did). The model does not follow the data.
   */
  makeSend(c: ScriptedConnection, n: number): Promise<MadeSend>;
  /**
   * Record a graded finding of the test's own (src/verdict): a violation fails the test, a
   * conformance is a passing point, a choice, deviation or inconclusive result is carried in the
   * test's findings without failing it.
   */
  finding(f: Finding): void;
  /** The connection's tuple in the target's view (local = target side), for ctx.target.states. */
  tuple(c: ScriptedConnection): TcpTuple;
  /** Record a measured figure (checked against its expectation when one is given). */
  figure(f: Figure): void;
  /** A user expectation from `--expect key=value`, if given. */
  expectation(key: ExpectationKey): number | undefined;
  note(text: string): void;
  /** Attach extra data to the suite's sidecar JSON (e.g. the conformance matrix's cells). */
  attach(data: SuiteExtras): void;
  /** The names of this suite's tests that run in this process (selected, not skipped), in order. */
  readonly runnable: readonly string[];
}

/** What a suite may add to its SuiteResult besides tests. */
export type SuiteExtras = Partial<Pick<SuiteResult, 'matrix'>>;

type Tap = Test;

export type RemoteAction = 'close' | 'shutdown' | 'abort' | { send: number };

/** How ctx.makeSend made the target send. */
export interface MadeSend {
  /** true: exactly the bytes asked for (the agent); false: whatever the server answers */
  exact: boolean;
  /** 'the agent's send(n)' or 'the data request "GET / …"' */
  how: string;
  /** when the target was asked (hrtime): just before the agent's send, or our request's stamp */
  at: bigint;
}

/** A test whose data request brought too little data: inconclusive (a precondition), never a verdict. */
export function dataShortfall(made: MadeSend, got: number, need: number, waitedMs: number): InconclusiveError {
  return new InconclusiveError(
    `${made.how} made the server send ${got} bytes within ${Math.round(waitedMs)} ms; the test needs ${need}: the request did not work for this test, so its precondition is not met`,
    [],
  );
}

export interface ConnectOptions extends Omit<PeerOptions, 'trace'> {
  /** the remote's state for this connection before our first segment (default LISTEN) */
  remote?: 'LISTEN' | 'CLOSED';
}
type TestFn = (ctx: TestContext) => Promise<void>;
interface Declared {
  name: string;
  meta: TestMeta;
  fn: TestFn;
}

export function suite(meta: SuiteMeta, define: (test: (name: string, meta: TestMeta, fn: TestFn) => void) => void): void {
  const declared: Declared[] = [];
  define((name, m, fn) => {
    for (const id of m.requirements ?? []) requirement(id); // a typo in a label fails at load
    declared.push({ name, meta: m, fn });
  });
  if (process.env.TCPFSM_LIST) {
    const tests = declared.map((d) => ({
      name: d.name,
      rfc: d.meta.rfc,
      slow: !!d.meta.slow,
      needs: d.meta.needs ?? [],
      settings: [...new Set([...(d.meta.settings ?? []), ...suiteSettingNames(meta.sysctls)])],
      requirements: d.meta.requirements ?? [],
    }));
    process.stdout.write(JSON.stringify({ suite: meta.name, title: meta.title, rfc: meta.rfc, tests }) + '\n');
    return;
  }
  watchParent(); // started by `tcpfsm run`: end (and remove the lab) when it ends
  runSuite(meta, declared).catch((e: unknown) => {
    // Bad input or an unusable machine: one line and exit 2 (the runner reports it as such).
    if (!isUserFacing(e)) throw e;
    process.stderr.write(`tcpfsm: ${(e as Error).message}\n`);
    process.exit(e.exitCode);
  });
}

async function runSuite(meta: SuiteMeta, declared: Declared[]): Promise<void> {
  const grep = process.env[ENV.grep] ? new RegExp(process.env[ENV.grep]!) : null;
  const slow = process.env[ENV.slow] === '1';
  const expectations = parseJsonEnv<Record<string, number>>(ENV.expect) ?? {};
  const outDir = process.env[ENV.out];
  // Remote mode: --target (a real server), or --as-remote (a lab driven as if it were one).
  const targetText = process.env[ENV.target];
  const remoteOpts = readRemoteOptions(process.env[ENV.remote]);
  const remoteMode = !!targetText || !!remoteOpts.asRemote;
  const stack = parseStack(process.env[ENV.stack] || DEFAULT_STACK);
  const family = suiteFamily(process.env[ENV.family]);
  const started = new Date();
  const result: SuiteResult = {
    suite: meta.name,
    title: meta.title,
    rfc: meta.rfc,
    mode: remoteMode ? 'remote' : 'lab',
    ...(remoteMode ? {} : { stack }),
    family,
    profile: '',
    target: '',
    startedAt: started.toISOString(),
    durationMs: 0,
    tests: [],
  };

  const selected = declared.filter((d) => !grep || grep.test(d.name) || grep.test(`${meta.name} ${d.name}`));
  // What the target can do decides the skips; a remote target's capabilities are known before
  // anything opens, a stack's once it is up (it is opened only if some test may run).
  let caps: Capabilities | undefined = remoteMode
    ? { agent: false, states: false, settings: false, appClose: !!remoteOpts.trigger, appSend: !!remoteOpts.request }
    : undefined;
  // The suite's own settings go to the stack only whole: a stack without one skips every test.
  const suiteLacks = targetText ? [] : settingsLacking(stack, suiteSettingNames(meta.sysctls));
  const tuning = sysctlPairs(meta.tuning ?? {});
  const tuningLacks = settingsLacking(stack, Object.keys(tuning));
  const skipWhy = (d: Declared): string | undefined => {
    if (d.meta.slow && !slow) return 'slow: run with --slow';
    if (suiteLacks.length) return lackingSettings(suiteLacks);
    if (d.meta.family && d.meta.family !== family) return `IPv${d.meta.family} only (this run: --family ${family})`;
    return caps ? lacking(d.meta.needs ?? [], caps, d.meta.settings) : undefined;
  };
  // Run alone (`node dist/suites/x.js`), tap's root times out after TAP_TIMEOUT (30 s default):
  // give it the tests' own budgets plus the target set-up when they need more.
  const setBudget = (runnable: Declared[]) => {
    const budgetMs = runnable.reduce((sum, d) => sum + (d.meta.timeoutMs ?? 30_000), 0) + 10_000;
    if (!process.env.TAP_TIMEOUT && budgetMs > 30_000) t.setTimeout(budgetMs);
  };
  let target: Target | undefined;
  let remote: RemoteTarget | undefined;
  let pcap: PcapFileWriter | undefined;
  // --sysctls host: the host's set first, the suite's own over it, the user's settings on top.
  const sysctls = {
    ...(parseJsonEnv<Record<string, string>>(ENV.labSysctlBase) ?? {}),
    ...Object.fromEntries(Object.entries(tuning).filter(([name]) => !tuningLacks.includes(name))),
    ...sysctlPairs(meta.sysctls ?? {}),
    ...userSettingsFor(stack, parseJsonEnv<Record<string, string>>(ENV.labSysctls) ?? {}),
  };

  // A bad remote target is one clear error (exit 2) before anything is installed.
  if (targetText && selected.some((d) => !skipWhy(d))) {
    const { host, port } = splitTarget(targetText);
    await planRemoteTarget(remoteOpts.addr ?? host, port, !!remoteOpts.asRemote); // the CLI resolved it once
  }
  t.comment(`${meta.title} (${meta.rfc})`);
  if (tuningLacks.length && !targetText && selected.some((d) => !skipWhy(d)))
    t.comment(`stack ${stack} has no ${tuningLacks.join(', ')}: left at its own value (the suite sets it only to run quicker)`);
  if (!remoteMode && selected.some((d) => !skipWhy(d))) {
    // A stack that cannot start is one clear error (exit 2): it removed what it made.
    target = await openTarget({ stack, family, settings: sysctls, minRtoMs: meta.minRtoMs, profile: process.env[ENV.profile] as ProfileName | undefined });
    caps = capabilitiesOf(target, undefined, undefined);
    result.target = target.describe;
    result.profile = target.profile.name;
    if (target.settings) result.sysctls = { ...target.settings.values };
  }
  const runnable = selected.filter((d) => !skipWhy(d));
  setBudget(runnable);
  if (runnable.length && remoteMode) {
    t.before(async () => {
      let host: string;
      let port: number;
      let lab: StackHost | undefined;
      if (targetText) {
        ({ host, port } = splitTarget(targetText));
      } else {
        // --as-remote alone: a lab whose application is a small server; everything else is remote mode.
        lab = await openStackByName(stack, { settings: sysctls, minRtoMs: meta.minRtoMs });
        if (family === 6 && !lab.target.ipv6) {
          await lab.close();
          throw new EnvironmentError(`stack ${stack} is not reachable over IPv6 in tcpfsm's lab (--family 6: ${IPV6_STACKS.join(', ')})`);
        }
        ({ port } = await lab.agent!.listen(0, { backlog: 128, ...(family === 6 ? { host: '::' } : {}) }));
        serveApp(lab.agent!, port); // its application answers requests as a small server would (app-server.ts)
        host = family === 6 ? lab.target.ipv6! : lab.target.ipv4;
      }
      try {
        remote = await openRemoteTarget({
          host: (targetText && remoteOpts.addr) || host,
          port,
          asRemote: remoteOpts.asRemote,
          rate: remoteOpts.rate,
          maxConns: remoteOpts.maxConns,
          report: (text) => process.stdout.write(`# remote: ${text}\n`),
        });
      } catch (e) {
        await lab?.close();
        throw e;
      }
      const profile = remoteProfile(lab, !!remoteOpts.asRemote);
      const describe = `remote ${hostPort(host, port)} (${remote.addr} via ${remote.route.iface} from ${remote.route.src})${lab ? ` — lab ${labName(lab)} as remote` : ''}`;
      target = remoteTarget(remote, port, profile, describe, lab);
      // A named server may hold our earlier runs' 4-tuples in TIME-WAIT; a lab made now cannot.
      if (!lab) rememberPortsFor(`${remote.addr}:${port}`);
      result.target = describe;
      result.profile = profile.name;
      if (lab?.settings) result.sysctls = { ...lab.settings.values };
      t.comment(
        `remote: target ${hostPort(remote.addr, port)} via ${remote.route.iface}${remote.route.gateway ? ` gateway ${remote.route.gateway}` : ''} from ${remote.route.src}; no agent, no ground truth: states are inferred from packets`,
      );
      t.comment(
        `remote: profile ${profile.name}${process.env[ENV.profile] ? '' : remoteOpts.asRemote ? " (this machine's kernel: the lab runs it)" : " (assumed: --profile rfc judges by the RFC's letter)"}; ${remoteOpts.rate ?? DEFAULT_RATE} segments/s per connection, at most ${remoteOpts.maxConns ?? DEFAULT_MAX_CONNS} half-open connections${remoteOpts.closeTrigger ? `; close trigger ${remoteOpts.closeTrigger}` : ''}${remoteOpts.dataRequest ? `; data request ${remoteOpts.dataRequest}` : ''}`,
      );
    });
  }
  if (runnable.length) {
    t.before(() => {
      if (outDir && target) {
        mkdirSync(outDir, { recursive: true });
        result.pcap = join(outDir, `${meta.name}.pcap`);
        pcap = new PcapFileWriter(result.pcap).attach(target.wire);
      }
    });
  }
  if (target || runnable.length) {
    t.teardown(async () => {
      pcap?.close();
      if (remote) {
        const st = remote.wire.stats;
        t.comment(
          `remote: ${st.sent} segments sent, ${st.paced} waited for their token (${Math.round(st.pacedMs)} ms in all), ${st.synWaits} SYNs waited for a half-open slot, at most ${st.peakHalfOpen} half-open at once`,
        );
      }
      if (!target) return;
      if (process.env[ENV.keepLab] === '1') {
        const how = await target.keep();
        if (how) t.comment(how);
      } else await target.close();
    });
  }
  t.teardown(() => {
    result.durationMs = Date.now() - started.getTime();
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      if (expectationsUsed.size) result.expectationsUsed = [...expectationsUsed];
      writeFileSync(join(outDir, `${meta.name}.json`), JSON.stringify(result, null, 2));
    }
  });

  for (const d of selected) {
    const skip = skipWhy(d);
    if (skip) {
      t.test(d.name, { skip }, async () => {});
      result.tests.push({ name: d.name, rfc: d.meta.rfc, ok: true, skip, durationMs: 0, trace: [], rows: [], figures: [] });
      continue;
    }
    t.test(`${d.name} [${d.meta.rfc}]`, { timeout: d.meta.timeoutMs ?? 30_000 }, async (tt) => {
      const trace = new Trace();
      const conns: ScriptedConnection[] = [];
      const figures: Figure[] = [];
      const began = performance.now();
      const attach = (data: SuiteExtras) => Object.assign(result, data);
      const graded: Finding[] = [];
      // Assigned, not spread: a target's capabilities are getters that throw where it has none.
      const ctx: TestContext = Object.assign(makeContext(tt, target!, trace, conns, figures, expectations, remoteOpts, attach), {
        finding: (f: Finding) => recordFinding(tt, trace, graded, f),
        runnable: runnable.map((r) => r.name),
      });
      let error: TestResult['error'];
      let inconclusive: string | undefined;
      try {
        try {
          await d.fn(ctx);
        } catch (e) {
          if (!(e instanceof StaleIncarnationError)) throw e;
          // Not the target's doing: run the test once more, from source ports not used before.
          tt.comment(`${e.message}: running the test again from fresh source ports`);
          trace.note(`${e.message}; the test runs again`);
          if (remote) await releaseRemoteConnections(conns);
          for (const c of conns.splice(0)) c.close();
          await d.fn(ctx);
        }
      } catch (e) {
        if (e instanceof StaleIncarnationError) {
          inconclusive = `inconclusive: ${e.message}, twice`;
          graded.push({ level: 'inconclusive', requirement: d.meta.rfc, check: d.name, expected: 'a fresh 4-tuple', observed: e.message });
          tt.comment(inconclusive);
          (tt.options as { skip?: string }).skip = inconclusive;
        } else if (e instanceof WaitTooLongError) {
          // The target's own timers would make this wait longer than the run allows: a skip, not a finding.
          inconclusive = e.message;
          tt.comment(e.message);
          (tt.options as { skip?: string }).skip = e.message;
        } else if (e instanceof PathDivergedError) {
          // Its finding is already among the connection's; the test ends as the target chose.
          tt.comment(`${e.message}: the test ends here (its script follows the RFC's path)`);
        } else if (e instanceof InconclusiveError) {
          // No evidence either way (loss on the path, a precondition): the test point becomes a SKIP.
          inconclusive = `inconclusive: ${e.message}`;
          graded.push({ level: 'inconclusive', requirement: d.meta.rfc, check: d.name, expected: 'an answer', observed: e.message });
          tt.comment(inconclusive);
          (tt.options as { skip?: string }).skip = inconclusive;
        } else if (e instanceof ExpectationError) {
          error = { message: e.message, details: e.details };
          tt.fail(e.message, { trace: e.trace, ...e.details });
        } else {
          error = { message: (e as Error).message };
          tt.fail((e as Error).message, { trace: trace.lines(), stack: (e as Error).stack });
        }
      } finally {
        if (target!.servicePort !== null) await releaseRemoteConnections(conns);
        for (const c of conns) c.close();
      }
      const rows = [...new Set(conns.flatMap((c) => [...c.model.rows]))];
      tt.comment(`fsm rows: ${rows.join(' ') || '(none)'}`);
      // Choices and deviations the RFC grades but that fail nothing: one passing point carries them.
      const findings = [...graded.filter((f) => f.level !== 'conforms' && f.level !== 'violation'), ...conns.flatMap((c) => c.findings)];
      if (findings.length) tt.pass(`graded findings: ${findings.map((f) => `${f.level} ${f.requirement}`).join(', ')}`, { diagnostic: true, findings });
      result.tests.push({
        name: d.name,
        rfc: d.meta.rfc,
        ...(d.meta.requirements?.length ? { requirements: d.meta.requirements } : {}),
        ok: tt.passing() && !error,
        ...(inconclusive ? { skip: inconclusive } : {}),
        durationMs: performance.now() - began,
        error,
        trace: traceLines(trace),
        rows,
        figures,
        ...(findings.length ? { findings } : {}),
      });
    });
  }
}

function capabilitiesOf(target: Target, trigger: CloseTrigger | undefined, request: DataRequest | undefined): Capabilities {
  return {
    agent: !!target.agent,
    states: !!target.states,
    settings: !!target.settings,
    appClose: !!target.agent || !!trigger,
    settingNames: [...Object.keys(target.settings?.values ?? {}), ...Object.keys(target.settings?.roles ?? {})],
    appSend: !!target.agent || !!request,
    icmp: !!target.wire.sendIp,
  };
}

const labName = (host: StackHost): string => `tcpfsm-${host.id}`;

/** A remote server (or a lab treated as one) as a Target: packets only, one port that serves. */
function remoteTarget(remote: RemoteTarget, port: number, profile: Profile, describe: string, lab: StackHost | undefined): Target {
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await remote.close();
      await lab?.close();
    })());
  return {
    name: 'remote',
    describe,
    lab: lab ? labName(lab) : null,
    address: remote.addr,
    probeAddress: remote.wire.localAddr,
    wire: remote.wire,
    profile,
    agent: null,
    states: null,
    settings: null,
    servicePort: port,
    appSeesProbe: true,
    close,
    keep: async () => {
      if (!lab?.keep) {
        await close();
        return null;
      }
      await remote.close();
      return lab.keep();
    },
  };
}

/** TCPFSM_FAMILY: '6' for IPv6; unset or '4': IPv4. */
function suiteFamily(text: string | undefined): 4 | 6 {
  if (!text) return 4;
  const f = parseFamily(text);
  if (!f) throw new UsageError(`${ENV.family} wants 4 or 6, got '${text}'`);
  return f;
}

/** `host:port` / `[v6]:port` as the CLI normalised it. */
function splitTarget(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${ENV.target} wants host:port, got '${text}'`);
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`${ENV.target}: port must be 1..65535, got ${m[2]}`);
  return { host: m[1]!, port };
}

/**
 * The oracle's profile for a remote target: --profile when given; a lab treated as remote runs
 * its stack (this machine's kernel, with the lab's sysctls); a real remote is assumed to be
 * Linux with default settings.
 */
function remoteProfile(lab: StackHost | undefined, asRemote: boolean): Profile {
  const name = process.env[ENV.profile] as ProfileName | undefined;
  if (name && name !== 'linux') return profileByName(name);
  if (lab) return profileFor(lab, name);
  return asRemote ? linuxProfile(linuxOptionsForRelease(release())) : linuxProfile();
}

/**
 * A remote server keeps what a test leaves open until its own timeouts: end each connection
 * that is still synchronized with an exact RST (RFC 9293 3.10.7.4 second check: closes it).
 */
async function releaseRemoteConnections(conns: readonly ScriptedConnection[]): Promise<void> {
  const open: readonly string[] = ['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'];
  for (const c of conns) {
    if (!open.includes(c.model.state)) continue;
    c.peer.trace.note(`test over: an exact RST frees the server's ${c.model.state} connection`);
    await c.peer.send({ flags: 'R', seq: c.peer.sndNxt }).catch(() => undefined);
  }
}

/** The target with each capability a getter that names the missing `needs` declaration. */
function testTarget(target: Target, trigger: CloseTrigger | undefined, request: DataRequest | undefined, changed: Set<string>): TestTarget {
  const missing = (what: string, need: Need) =>
    new Error(`ctx.target.${what}: this target (${target.name}) has none; declare needs: ['${need}'] on the test so it is skipped here`);
  return {
    name: target.name,
    describe: target.describe,
    address: target.address,
    probeAddress: target.probeAddress,
    appSeesProbe: target.appSeesProbe,
    get agent() {
      if (!target.agent) throw missing('agent', 'agent');
      return target.agent;
    },
    get states() {
      if (!target.states) throw missing('states', 'states');
      return target.states;
    },
    get settings() {
      const settings = target.settings;
      if (!settings) throw missing('settings', 'settings');
      // What the test sets itself: the user's expectation for it no longer applies (see expectation()).
      return {
        get values() {
          return settings.values;
        },
        set: (values: Readonly<Record<string, string>>) => {
          for (const name of Object.keys(values)) changed.add(name);
          return settings.set(values);
        },
        roles: settings.roles,
      };
    },
    has: (need) => !lacking([need], capabilitiesOf(target, trigger, request)),
  };
}

function makeContext(
  tt: Tap,
  target: Target,
  trace: Trace,
  conns: ScriptedConnection[],
  figures: Figure[],
  expectations: Record<string, number>,
  { trigger, request }: { trigger?: CloseTrigger; request?: DataRequest },
  attach: (data: SuiteExtras) => void,
): Omit<TestContext, 'finding' | 'runnable'> {
  const { wire, profile, agent } = target;
  const changed = new Set<string>();
  // Ground truth where the target has it; otherwise inState() asks the target with a state probe.
  const truth = target.states ? stateGroundTruth(target.states, target.address, target.probeAddress) : null;
  const noAgent = (what: string) => new Error(`${what} needs the lab agent, which this target does not have: declare needs: ['agent'] on this test`);
  const accepted = async (c: ScriptedConnection): Promise<ConnId> => {
    if (!agent) throw noAgent('accepted()');
    // Behind a proxy the application's peer is the proxy itself: the listening port alone says.
    return (await agent.accepted(c.peer.remotePort, target.appSeesProbe ? c.peer.localPort : undefined)).conn;
  };
  return {
    target: testTarget(target, trigger, request, changed),
    wire,
    profile,
    trace,
    t: tt,
    async listen(backlog) {
      if (!agent) {
        trace.note(`remote target listens on ${target.servicePort} (no agent: listen() is the target's port)`);
        return target.servicePort!;
      }
      const { port } = await agent.listen(0, { backlog });
      trace.note(`agent listens on ${port}`);
      return port;
    },
    connect(port, { remote = 'LISTEN', ...opts } = {}) {
      const peer = new PeerConnection(wire, target.address, port, { ...opts, trace });
      peer.dropOldDuplicates = !agent; // remote, paced: the server may retransmit before we answer
      const model = RemoteModel.listening(profile);
      model.state = remote;
      const c = new ScriptedConnection(peer, model, truth);
      c.probeStates = !truth;
      c.onStep = (text) => tt.pass(text);
      conns.push(c);
      return c;
    },
    accepted,
    async remote(c, action) {
      if (!agent) return triggerClose(c, action, trigger, trace, noAgent);
      const id = await accepted(c);
      if (action === 'close') {
        await agent.close(id);
        c.remoteCalled('close', { orphaned: true });
      } else if (action === 'shutdown') {
        await agent.shutdown(id);
        c.remoteCalled('close', { orphaned: false });
      } else if (action === 'abort') {
        await agent.abort(id);
        c.remoteCalled('abort');
      } else {
        await agent.send(id, { n: action.send });
        c.remoteCalled('send', { len: action.send });
      }
      await c.checkTruth();
    },
    async makeSend(c, n) {
      if (agent) {
        const at = process.hrtime.bigint();
        await agent.send(await accepted(c), { n });
        trace.note(`the agent sends ${n} bytes`);
        return { exact: true, how: `the agent's send(${n})`, at };
      }
      if (!request) throw new Error("makeSend() needs the agent or a data request: declare needs: ['app-send'] on this test");
      const how = `the data request "${showBytes(request.bytes)}"`;
      trace.note(`${how} stands for the agent's send(${n}): the server's answer is its data`);
      const sent = await c.peer.send({ flags: 'P.', payload: request.bytes });
      return { exact: false, how, at: sent.at };
    },
    tuple: (c) => ({ localAddress: target.address, localPort: c.peer.remotePort, peerAddress: target.probeAddress, peerPort: c.peer.localPort }),
    figure: (f) => recordFigure(tt, figures, f),
    expectation: (key) => {
      // A test that sets the very setting a figure follows measures its own value, not the user's.
      const setting = (EXPECTATIONS[key] as ExpectationInfo).setting;
      const name = setting && isSettingRole(setting) ? target.settings?.roles?.[setting]?.name : setting;
      if (name && changed.has(name)) return undefined;
      if (expectations[key] !== undefined) expectationsUsed.add(key);
      return expectations[key];
    },
    note: (text) => trace.note(text),
    attach,
  };
}

/** No agent: the server closes first when its close trigger makes it (remote mode). */
async function triggerClose(
  c: ScriptedConnection,
  action: RemoteAction,
  trigger: CloseTrigger | undefined,
  trace: Trace,
  noAgent: (what: string) => Error,
): Promise<void> {
  if (action !== 'close' && action !== 'shutdown') throw noAgent(`remote(c, ${JSON.stringify(action)})`);
  if (!trigger) throw new Error(`remote(c, '${action}') needs the server to close first: declare needs: ['app-close'] and give --close-trigger`);
  // The server decides between close() and shutdown(): on the wire both are data then FIN.
  if (trigger.kind === 'http') {
    trace.note(`close trigger: an HTTP/1.0 request; the server answers and closes (stands for the agent's ${action}())`);
    await c.awaitRemoteClose({ request: HTTP_CLOSE_REQUEST, timeoutMs: 5000 });
  } else if (trigger.kind === 'send') {
    trace.note(`close trigger: "${showBytes(trigger.bytes)}"; the server answers and closes (stands for the agent's ${action}())`);
    await c.awaitRemoteClose({ request: trigger.bytes, timeoutMs: 5000 });
  } else {
    trace.note(`close trigger: waiting up to ${trigger.seconds} s for the idle server to close (stands for the agent's ${action}())`);
    await c.awaitRemoteClose({ timeoutMs: trigger.seconds * 1000 + 2000 });
  }
}

function recordFinding(tt: Tap, trace: Trace, into: Finding[], f: Finding): void {
  into.push(f);
  const text = `${f.check} (${f.requirement}): expected ${f.expected}, observed ${f.observed}`;
  trace.note(`${f.level}: ${text}`);
  if (f.level === 'violation') tt.fail(`violation of ${text}`, { findings: [f] });
  else if (f.level === 'conforms') tt.pass(`conforms: ${text}`);
}

function recordFigure(tt: Tap, figures: Figure[], f: Figure): void {
  figures.push(f);
  const range = f.expected !== undefined ? ` expected ${f.expected}${f.tolerance !== undefined ? ` ± ${f.tolerance}` : ''} ${f.unit}` : '';
  tt.comment(`figure ${f.name}: ${f.value} ${f.unit}${range}`);
  if (f.expected !== undefined && f.tolerance !== undefined) {
    const g = gradeFigure({ ...f, expected: f.expected, tolerance: f.tolerance });
    f.grade = g.grade;
    f.gradeWhy = g.why;
    if (g.grade !== 'inconclusive') f.ok = g.grade === 'conforms';
    const message = `${f.name}: measured ${f.value} ${f.unit}, expected ${f.expected} ± ${f.tolerance} ${f.unit}${f.toleranceWhy ? ` (${f.toleranceWhy})` : ''}`;
    const diag = { measured: f.value, expected: f.expected, tolerance: f.tolerance, ...(f.delay !== undefined ? { schedulingDelay: f.delay } : {}) };
    // Inconclusive: neither a pass nor a failure; TAP's word for a check not made is SKIP.
    if (g.grade === 'inconclusive') tt.pass(message, { ...diag, skip: `inconclusive: ${g.why}` });
    else tt.ok(f.ok, message, diag);
  }
}

function parseJsonEnv<T>(name: string): T | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new UsageError(`${name} is not valid JSON: ${raw}`);
  }
}

/** The trace as plain data for the reports: relative numbers, flags, and states beside arrows. */
function traceLines(trace: Trace): TraceLine[] {
  const lines: TraceLine[] = [];
  const text = trace.lines();
  trace.entries.forEach((e, i) => {
    const tsec = Number(e.at - trace.startedAt) / 1e9;
    const body = text[i]!.replace(/^\+\S+ /, '');
    if (e.kind === 'note') lines.push({ t: tsec, kind: 'note', text: e.text });
    else if (e.kind === 'state')
      lines.push({ t: tsec, kind: 'state', text: body, model: e.model as TraceLine['model'], truth: e.truth, ...(e.source ? { source: e.source } : {}) });
    else {
      const isn = e.isn?.() ?? {};
      const out = e.segment.dir === 'out';
      const srcIsn = (out ? isn.probe : isn.remote) ?? 0;
      const dstIsn = (out ? isn.remote : isn.probe) ?? 0;
      const tcp = e.segment.tcp;
      lines.push({
        t: tsec,
        kind: e.segment.dir,
        text: body.slice(2),
        flags: formatFlags(tcp.flags),
        seq: Seq.sub(tcp.seq, srcIsn),
        ack: tcp.flags & 0x10 ? Seq.sub(tcp.ack, dstIsn) : undefined,
        len: tcp.payload.length,
      });
    }
  });
  return lines;
}

/** The dotted names of a suite's own sysctls (what a stack must have for its tests to run). */
function suiteSettingNames(sysctls: LabSysctls | undefined): string[] {
  return Object.keys(sysctlsToWrite(sysctls ?? {}, {}));
}
