// The suite harness: a suite file declares tests; this module gives each one a target (a fresh
// lab, shared by the suite's tests), a wire, scripted connections and the FSM oracle, runs them
// under node-tap (TAP 14 on stdout), and leaves a SuiteResult JSON + pcap for the reports.
//   TCPFSM_LIST=1 node dist/suites/x.js   prints the suite's tests as JSON and touches nothing.
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { linuxOptionsForRelease, linuxProfile, profiles, type Profile, type ProfileName } from '../fsm/index.js';
import { createLab, labSysctlsFrom, type Lab, type LabSysctls } from '../lab/index.js';
import { formatFlags, Seq } from '../packet/index.js';
import { ENV, type Figure, type SuiteResult, type TestResult, type TraceLine } from '../report/results.js';
import { UsageError, isUserFacing } from '../sys/errors.js';
import { requirement } from '../verdict/requirements.js';
import type { ExpectationKey } from './expectations.js';
import type { Finding } from '../verdict/grade.js';
import { PcapFileWriter } from '../wire/pcap-file.js';
import type { ConnId } from '../lab/index.js';
import type { Transport } from '../wire/transport.js';
import { DEFAULT_MAX_CONNS, DEFAULT_RATE, HTTP_CLOSE_REQUEST, openRemoteTarget, planRemoteTarget, readRemoteOptions, type CloseTrigger, type RemoteTarget } from './remote.js';
import { ExpectationError, PeerConnection, type PeerOptions } from './connection.js';
import { RemoteModel } from './model.js';
import { ScriptedConnection, labGroundTruth } from './scripted.js';
import { Trace } from './trace.js';
import { labProfile, openLabTarget } from './target.js';

export interface SuiteMeta {
  /** file stem under suites/ */
  name: string;
  title: string;
  rfc: string;
  /** lab sysctls this suite needs on top of the fast defaults (the user's --lab-sysctl wins) */
  sysctls?: LabSysctls;
}

export type Need = 'agent' | 'app-close';

export interface TestMeta {
  rfc: string;
  /** long protocol waits: run only with --slow */
  slow?: boolean;
  needs?: Need[];
  /** RFC 9293 requirement labels this test judges (MUST-13, SHLD-1, MAY-12…): the coverage table */
  requirements?: string[];
  /** tap timeout for this test (default 30 s) */
  timeoutMs?: number;
}

export interface TestContext {
  readonly lab: Lab;
  readonly wire: Transport;
  readonly profile: Profile;
  readonly trace: Trace;
  /** the tap test, for plain assertions */
  readonly t: Tap;
  /** Make the agent listen on a fresh port; returns the port. */
  listen(backlog?: number): Promise<number>;
  /** A scripted connection from a fresh probe port to a listening remote port. */
  connect(port: number, opts?: ConnectOptions): ScriptedConnection;
  /** The agent's id for the connection it accepted from `c` (after the handshake). */
  accepted(c: ScriptedConnection): Promise<ConnId>;
  /**
   * Make the remote's application act on the connection it accepted from `c` (through the lab
   * agent) and let the FSM model follow: close() (orphans the socket), shutdown(SHUT_WR),
   * abort (RST), or send n bytes. Then model and kernel must agree.
   */
  remote(c: ScriptedConnection, action: RemoteAction): Promise<void>;
  /**
   * Record a graded finding of the test's own (src/verdict): a violation fails the test, a
   * conformance is a passing point, a choice, deviation or inconclusive result is carried in the
   * test's findings without failing it.
   */
  finding(f: Finding): void;
  /** Record a measured figure (checked against its expectation when one is given). */
  figure(f: Figure): void;
  /** A user expectation from `--expect key=value`, if given. */
  expectation(key: ExpectationKey): number | undefined;
  note(text: string): void;
  /** Attach extra data to the suite's sidecar JSON (e.g. the conformance matrix's cells). */
  attach(data: SuiteExtras): void;
}

/** What a suite may add to its SuiteResult besides tests. */
export type SuiteExtras = Partial<Pick<SuiteResult, 'matrix'>>;

type Tap = Test;

export type RemoteAction = 'close' | 'shutdown' | 'abort' | { send: number };

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
    const tests = declared.map((d) => ({ name: d.name, rfc: d.meta.rfc, slow: !!d.meta.slow, needs: d.meta.needs ?? [], requirements: d.meta.requirements ?? [] }));
    process.stdout.write(JSON.stringify({ suite: meta.name, title: meta.title, rfc: meta.rfc, tests }) + '\n');
    return;
  }
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
  const started = new Date();
  const result: SuiteResult = {
    suite: meta.name, title: meta.title, rfc: meta.rfc, mode: remoteMode ? 'remote' : 'lab', profile: '', target: '',
    startedAt: started.toISOString(), durationMs: 0, tests: [],
  };

  const selected = declared.filter((d) => !grep || grep.test(d.name) || grep.test(`${meta.name} ${d.name}`));
  const skipWhy = (d: Declared): string | undefined => {
    if (d.meta.slow && !slow) return 'slow: run with --slow';
    if (remoteMode && d.meta.needs?.includes('agent')) return 'needs the lab agent';
    if (remoteMode && d.meta.needs?.includes('app-close') && !remoteOpts.trigger)
      return 'needs the server to close first: give --close-trigger http or idle:SECONDS';
    return undefined;
  };
  const runnable = selected.filter((d) => !skipWhy(d));
  // Run alone (`node dist/suites/x.js`), tap's root times out after TAP_TIMEOUT (30 s default):
  // give it the tests' own budgets plus the lab set-up when they need more.
  const budgetMs = runnable.reduce((sum, d) => sum + (d.meta.timeoutMs ?? 30_000), 0) + 10_000;
  if (!process.env.TAP_TIMEOUT && budgetMs > 30_000) t.setTimeout(budgetMs);
  let lab: Lab | undefined;
  let wire: Transport | undefined;
  let remote: RemoteTarget | undefined;
  let pcap: PcapFileWriter | undefined;
  let profile: Profile = profiles.rfc;

  // A bad remote target is one clear error (exit 2) before anything is installed.
  if (targetText && runnable.length) {
    const { host, port } = splitTarget(targetText);
    await planRemoteTarget(host, port, !!remoteOpts.asRemote);
  }
  t.comment(`${meta.title} (${meta.rfc})`);
  if (runnable.length) {
    const sysctls = labSysctlsFrom(parseJsonEnv<Record<string, string>>(ENV.labSysctls) ?? {}, meta.sysctls);
    t.before(async () => {
      if (remoteMode) {
        let host: string;
        let port: number;
        if (targetText) {
          ({ host, port } = splitTarget(targetText));
        } else {
          // --as-remote alone: a lab whose agent only listens; everything else is remote mode.
          lab = await createLab({ sysctls });
          ({ port } = await lab.agent.listen(0, { backlog: 128 }));
          host = lab.target.ipv4;
        }
        remote = await openRemoteTarget({
          host, port, asRemote: remoteOpts.asRemote, rate: remoteOpts.rate, maxConns: remoteOpts.maxConns,
          report: (text) => process.stdout.write(`# remote: ${text}\n`),
        });
        wire = remote.wire;
        profile = remoteProfile(lab, !!remoteOpts.asRemote);
        result.target = `remote ${host}:${port} (${remote.addr} via ${remote.route.iface} from ${remote.route.src})${lab ? ` — lab ${lab.namespace} as remote` : ''}`;
        if (lab) result.sysctls = lab.sysctls as Record<string, string>;
        t.comment(`remote: target ${remote.addr}:${port} via ${remote.route.iface}${remote.route.gateway ? ` gateway ${remote.route.gateway}` : ''} from ${remote.route.src}; no agent, no ground truth: states are inferred from packets`);
        t.comment(`remote: profile ${profile.name}${process.env[ENV.profile] ? '' : remoteOpts.asRemote ? ' (this machine\'s kernel: the lab runs it)' : ' (assumed: --profile rfc judges by the RFC\'s letter)'}; ${remoteOpts.rate ?? DEFAULT_RATE} segments/s per connection, at most ${remoteOpts.maxConns ?? DEFAULT_MAX_CONNS} half-open connections${remoteOpts.closeTrigger ? `; close trigger ${remoteOpts.closeTrigger}` : ''}`);
      } else {
        const target = await openLabTarget({
          sysctls,
          profile: process.env[ENV.profile] as ProfileName | undefined,
        });
        ({ lab, wire, profile } = target);
        result.target = `lab ${lab.namespace} ${lab.target.ipv4}`;
        result.sysctls = lab.sysctls as Record<string, string>;
      }
      result.profile = profile.name;
      if (outDir) {
        mkdirSync(outDir, { recursive: true });
        result.pcap = join(outDir, `${meta.name}.pcap`);
        pcap = new PcapFileWriter(result.pcap).attach(wire!);
      }
    });
    t.teardown(async () => {
      pcap?.close();
      if (remote) {
        const st = remote.wire.stats;
        t.comment(`remote: ${st.sent} segments sent, ${st.paced} waited for their token (${Math.round(st.pacedMs)} ms in all), ${st.synWaits} SYNs waited for a half-open slot, at most ${st.peakHalfOpen} half-open at once`);
        await remote.close();
      } else await wire?.close();
      if (lab && process.env[ENV.keepLab] === '1') {
        await lab.detach();
        t.comment(`kept lab ${lab.namespace} (target ${lab.target.ipv4}, probe ${lab.probeInterface}); inspect with 'ip netns exec ${lab.namespace} ss -tanoi', remove with 'tcpfsm cleanup'`);
      } else await lab?.destroy();
    });
  }
  t.teardown(() => {
    result.durationMs = Date.now() - started.getTime();
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
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
      // Not spread: the remote context's `lab` is a getter that throws (no agent), and a spread reads it.
      const ctx: TestContext = Object.assign(
        remote
          ? makeRemoteContext(tt, remote, profile, trace, conns, figures, expectations, remoteOpts.trigger, attach)
          : makeContext(tt, lab!, wire!, profile, trace, conns, figures, expectations, attach),
        { finding: (f: Finding) => recordFinding(tt, trace, graded, f) },
      );
      let error: TestResult['error'];
      try {
        await d.fn(ctx);
      } catch (e) {
        if (e instanceof ExpectationError) {
          error = { message: e.message, details: e.details };
          tt.fail(e.message, { trace: e.trace, ...e.details });
        } else {
          error = { message: (e as Error).message };
          tt.fail((e as Error).message, { trace: trace.lines(), stack: (e as Error).stack });
        }
      } finally {
        if (remote) await releaseRemoteConnections(conns);
        for (const c of conns) c.close();
      }
      const rows = [...new Set(conns.flatMap((c) => [...c.model.rows]))];
      tt.comment(`fsm rows: ${rows.join(' ') || '(none)'}`);
      // Choices and deviations the RFC grades but that fail nothing: one passing point carries them.
      const findings = [...graded.filter((f) => f.level !== 'conforms' && f.level !== 'violation'), ...conns.flatMap((c) => c.findings)];
      if (findings.length) tt.pass(`graded findings: ${findings.map((f) => `${f.level} ${f.requirement}`).join(', ')}`, { diagnostic: true, findings });
      result.tests.push({
        name: d.name, rfc: d.meta.rfc, ok: tt.passing() && !error, durationMs: performance.now() - began,
        error, trace: traceLines(trace), rows, figures, ...(findings.length ? { findings } : {}),
      });
    });
  }
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
 * this machine's kernel (its release and, with a lab of our own, its sysctls); a real remote is
 * assumed to be Linux with default settings.
 */
function remoteProfile(lab: Lab | undefined, asRemote: boolean): Profile {
  const name = process.env[ENV.profile] as ProfileName | undefined;
  if (name && name !== 'linux') {
    if (!(name in profiles)) throw new UsageError(`unknown profile '${name}' (known: ${Object.keys(profiles).join(', ')})`);
    return profiles[name];
  }
  if (lab) return labProfile(lab, name);
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

function makeContext(
  tt: Tap, lab: Lab, wire: Transport, profile: Profile, trace: Trace,
  conns: ScriptedConnection[], figures: Figure[], expectations: Record<string, number>,
  attach: (data: SuiteExtras) => void = () => {},
): Omit<TestContext, 'finding'> {
  const truth = labGroundTruth(lab, wire.localAddr);
  const accepted = async (c: ScriptedConnection): Promise<ConnId> => (await lab.agent.accepted(c.peer.remotePort, c.peer.localPort)).conn;
  return {
    lab, wire, profile, trace, t: tt,
    async listen(backlog) {
      const { port } = await lab.agent.listen(0, { backlog });
      trace.note(`agent listens on ${port}`);
      return port;
    },
    connect(port, { remote = 'LISTEN', ...opts } = {}) {
      const peer = new PeerConnection(wire, lab.target.ipv4, port, { ...opts, trace });
      const model = RemoteModel.listening(profile);
      model.state = remote;
      const c = new ScriptedConnection(peer, model, truth);
      c.onStep = (text) => tt.pass(text);
      conns.push(c);
      return c;
    },
    accepted,
    async remote(c, action) {
      const id = await accepted(c);
      if (action === 'close') {
        await lab.agent.close(id);
        c.remoteCalled('close', { orphaned: true });
      } else if (action === 'shutdown') {
        await lab.agent.shutdown(id);
        c.remoteCalled('close', { orphaned: false });
      } else if (action === 'abort') {
        await lab.agent.abort(id);
        c.remoteCalled('abort');
      } else {
        await lab.agent.send(id, { n: action.send });
        c.remoteCalled('send', { len: action.send });
      }
      await c.checkTruth();
    },
    figure: (f) => recordFigure(tt, figures, f),
    expectation: (key) => expectations[key],
    note: (text) => trace.note(text),
    attach,
  };
}

/** Remote mode: no agent, no ground truth; listen() is the target's port, states are probed. */
function makeRemoteContext(
  tt: Tap, target: RemoteTarget, profile: Profile, trace: Trace,
  conns: ScriptedConnection[], figures: Figure[], expectations: Record<string, number>,
  trigger: CloseTrigger | undefined, attach: (data: SuiteExtras) => void,
): Omit<TestContext, 'finding'> {
  const noAgent = (what: string) => new Error(`${what} needs the lab agent, which a remote target does not have: declare needs: ['agent'] on this test`);
  const wire = target.wire;
  return {
    get lab(): Lab {
      throw noAgent('ctx.lab');
    },
    wire, profile, trace, t: tt,
    async listen() {
      trace.note(`remote target listens on ${target.port} (no agent: listen() is the target's port)`);
      return target.port;
    },
    connect(port, { remote = 'LISTEN', ...opts } = {}) {
      const peer = new PeerConnection(wire, target.addr, port, { ...opts, trace });
      const model = RemoteModel.listening(profile);
      model.state = remote;
      const c = new ScriptedConnection(peer, model, null);
      c.probeStates = true;
      c.onStep = (text) => tt.pass(text);
      conns.push(c);
      return c;
    },
    accepted: async () => {
      throw noAgent('accepted()');
    },
    async remote(c, action) {
      if (action !== 'close' && action !== 'shutdown') throw noAgent(`remote(c, ${JSON.stringify(action)})`);
      if (!trigger) throw new Error(`remote(c, '${action}') needs the server to close first: declare needs: ['app-close'] and give --close-trigger`);
      // The server decides between close() and shutdown(): on the wire both are data then FIN.
      if (trigger.kind === 'http') {
        trace.note(`close trigger: an HTTP/1.0 request; the server answers and closes (stands for the agent's ${action}())`);
        await c.awaitRemoteClose({ request: HTTP_CLOSE_REQUEST, timeoutMs: 5000 });
      } else {
        trace.note(`close trigger: waiting up to ${trigger.seconds} s for the idle server to close (stands for the agent's ${action}())`);
        await c.awaitRemoteClose({ timeoutMs: trigger.seconds * 1000 + 2000 });
      }
    },
    figure: (f) => recordFigure(tt, figures, f),
    expectation: (key) => expectations[key],
    note: (text) => trace.note(text),
    attach,
  };
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
    f.ok = Math.abs(f.value - f.expected) <= f.tolerance;
    tt.ok(f.ok, `${f.name}: measured ${f.value} ${f.unit}, expected ${f.expected} ± ${f.tolerance} ${f.unit}${f.toleranceWhy ? ` (${f.toleranceWhy})` : ''}`, {
      measured: f.value, expected: f.expected, tolerance: f.tolerance,
    });
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
    else if (e.kind === 'state') lines.push({ t: tsec, kind: 'state', text: body, model: e.model as TraceLine['model'], truth: e.truth });
    else {
      const isn = e.isn?.() ?? {};
      const out = e.segment.dir === 'out';
      const srcIsn = (out ? isn.probe : isn.remote) ?? 0;
      const dstIsn = (out ? isn.remote : isn.probe) ?? 0;
      const tcp = e.segment.tcp;
      lines.push({
        t: tsec, kind: e.segment.dir, text: body.slice(2), flags: formatFlags(tcp.flags),
        seq: Seq.sub(tcp.seq, srcIsn), ack: tcp.flags & 0x10 ? Seq.sub(tcp.ack, dstIsn) : undefined, len: tcp.payload.length,
      });
    }
  });
  return lines;
}
