// One suite as a child process: `node dist/suites/<name>.js` with the run's TCPFSM_* variables.
// Its stdout (TAP 14) is parsed live with tap-parser: each top-level subtest is one suite test,
// comments inside it (`# waiting 58s for TIME-WAIT`) are progress. Its stderr is kept (the tail)
// for the reports. When it exits, its SuiteResult JSON and pcap are picked up from TCPFSM_OUT.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Parser, type Result } from 'tap-parser';
import { ENV, type SuiteResult } from '../peer/contract.js';
import type { SuiteRun, TapTest } from '../report/run.js';
import { watchedStdio } from '../sys/parent-watch.js';
import { childEnv } from './env.js';
import type { SuiteFile } from './suites.js';

const STDERR_TAIL = 16 * 1024;

export interface SuiteProcessEvents {
  /** a raw stdout line, without its newline */
  line: [string];
  /** a top-level test began */
  testStart: [string];
  /** a TAP comment (without '# '), inside the test named, or at suite level (null) */
  comment: [string | null, string];
  /** a top-level test ended */
  test: [TapTest];
  bailout: [string];
  end: [SuiteRun];
}

const skipReason = (r: Result): string | undefined => (r.skip === false ? undefined : typeof r.skip === 'string' && r.skip ? r.skip : 'skipped');
const todoReason = (r: Result): string | undefined => (r.todo === false ? undefined : typeof r.todo === 'string' && r.todo ? r.todo : 'todo');

/** Failing leaf assertions of a subtest (nested subtests included), as they arrive. */
function collectFailures(child: Parser, into: TapTest['failures']): void {
  let openChild: string | null = null;
  child.on('child', (grandchild: Parser) => {
    openChild = grandchild.name;
    collectFailures(grandchild, into);
  });
  child.on('assert', (r: Result) => {
    // The point that closes a nested subtest: its leaves were collected already.
    if (openChild !== null && r.name === openChild) {
      openChild = null;
      return;
    }
    if (!r.ok && !r.todo && !r.skip) into.push({ name: r.name, ...(r.diag ? { diag: r.diag as Record<string, unknown> } : {}) });
  });
}

export class SuiteProcess extends EventEmitter<SuiteProcessEvents> {
  private child: ChildProcess | null = null;
  private exited = false;
  /** the signal forwarded to the suite while it ran: what ends after it was interrupted, not failed */
  private interruptedBy: NodeJS.Signals | undefined;
  /** the test running now, and its failing assertions so far */
  private current: { name: string; failures: TapTest['failures'] } | null = null;
  /** the running test had failed already when the signal came: it stays a failure */
  private failedBeforeSignal = false;

  constructor(
    readonly suite: SuiteFile,
    /** TCPFSM_* and any other variables for the suite */
    private readonly env: Record<string, string>,
    /** TCPFSM_OUT: where the suite writes <name>.json and <name>.pcap */
    readonly outDir: string,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && !this.exited;
  }

  /** Start the suite; resolves when it has exited and its sidecars are read. */
  run(): Promise<SuiteRun> {
    const started = new Date();
    const t0 = performance.now();
    const tapTests: TapTest[] = [];
    let tap = '';
    let stderr = '';
    let bailout: string | undefined;

    const parser = new Parser();
    parser.on('child', (child: Parser) => {
      const current = (this.current = { name: child.name, failures: [] });
      this.emit('testStart', child.name);
      const name = child.name;
      child.on('comment', (c: string) => {
        const text = c.trim().replace(/^#\s?/, '');
        if (!text.startsWith('Subtest: ')) this.emit('comment', name, text);
      });
      collectFailures(child, current.failures);
    });
    parser.on('comment', (c: string) => this.emit('comment', null, c.trim().replace(/^#\s?/, '')));
    parser.on('assert', (r: Result) => {
      // node-tap closes each subtest with its point right after it (names may differ by TAP escaping).
      const failures = this.current ? this.current.failures : [];
      this.current = null;
      const skip = skipReason(r);
      const todo = todoReason(r);
      const test: TapTest = {
        name: r.name,
        ok: r.ok,
        ...(skip !== undefined ? { skip } : {}),
        ...(todo !== undefined ? { todo } : {}),
        ...(r.time !== null ? { durationMs: r.time } : {}),
        failures,
        ...(r.diag ? { diag: r.diag as Record<string, unknown> } : {}),
      };
      // A test that ends not ok after the signal, with no failure seen before it, was cut short
      // (its lab is removed under it); one that had failed already is reported as the failure it is.
      if (this.interruptedBy && !this.failedBeforeSignal && !r.ok && skip === undefined && todo === undefined) test.interrupted = this.interruptedBy;
      this.failedBeforeSignal = false;
      tapTests.push(test);
      this.emit('test', test);
    });
    parser.on('bailout', (reason: string) => {
      bailout = reason || 'bailed out';
      this.emit('bailout', bailout);
    });
    const parsed = new Promise<boolean>((resolve) => parser.on('complete', (r: { ok: boolean }) => resolve(r.ok)));

    // Its own process group: a Ctrl-C on the terminal reaches the runner only, which forwards it
    // once, so the suite sees a single signal and removes its lab in peace. And a pipe it watches
    // (parent-watch.ts): should the runner die without forwarding anything, the suite cleans up too.
    const watch = watchedStdio(['ignore', 'pipe', 'pipe']);
    const child = spawn(process.execPath, [this.suite.file], {
      env: childEnv({
        ...this.env,
        ...(this.suite.stack ? { [ENV.stack]: this.suite.stack } : {}),
        ...(this.suite.family ? { [ENV.family]: String(this.suite.family) } : {}),
        [ENV.out]: this.outDir,
        ...watch.env,
      }),
      stdio: watch.stdio,
      detached: true,
    });
    this.child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_TAIL);
    });
    const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => {
      tap += line + '\n';
      parser.write(line + '\n');
      this.emit('line', line);
    });
    const stdoutDone = new Promise<void>((resolve) => lines.on('close', resolve));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.on('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });

    return (async () => {
      const { code, signal, spawnError } = await exit;
      this.exited = true;
      if (!spawnError) await stdoutDone;
      parser.end();
      const tapOk = await parsed;
      if (spawnError) stderr += `\ncould not start ${this.suite.file}: ${spawnError.message}`;
      // The test that was running when the suite stopped, if its point never came.
      const open = this.current;
      if (this.interruptedBy && open) {
        const test: TapTest = { name: open.name, ok: false, failures: open.failures, ...(this.failedBeforeSignal ? {} : { interrupted: this.interruptedBy }) };
        tapTests.push(test);
        this.emit('test', test);
      }
      const run: SuiteRun = {
        suite: this.suite.name,
        file: this.suite.file,
        startedAt: started.toISOString(),
        durationMs: performance.now() - t0,
        exitCode: code,
        signal,
        tap,
        stderr,
        tapTests,
        tapOk: tapOk && !bailout,
        ...(bailout !== undefined ? { bailout } : {}),
        ...(this.interruptedBy ? { interrupted: this.interruptedBy } : {}),
        ...this.sidecars(),
      };
      // The suite's raw streams next to its JSON, for whoever digs into one suite.
      writeFileSync(join(this.outDir, `${this.suite.name}.tap`), tap);
      if (stderr) writeFileSync(join(this.outDir, `${this.suite.name}.stderr`), stderr);
      this.emit('end', run);
      return run;
    })();
  }

  /** Forward a signal to the suite (it removes its lab, then exits). */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    if (sig !== 'SIGKILL' && !this.interruptedBy) {
      this.interruptedBy = sig;
      this.failedBeforeSignal = !!this.current?.failures.length;
    }
    try {
      this.child!.kill(sig);
    } catch {
      // gone meanwhile
    }
  }

  private sidecars(): Pick<SuiteRun, 'result' | 'resultProblem' | 'pcapFile'> {
    // The suite names its files after itself (the file stem), whatever the run calls it.
    const stem = basename(this.suite.file, '.js');
    const jsonFile = join(this.outDir, `${stem}.json`);
    const pcapFile = join(this.outDir, `${stem}.pcap`);
    const out: Pick<SuiteRun, 'result' | 'resultProblem' | 'pcapFile'> = {};
    if (existsSync(pcapFile)) out.pcapFile = pcapFile;
    if (!existsSync(jsonFile)) {
      out.resultProblem = `no ${this.suite.name}.json: the suite wrote no results file`;
      return out;
    }
    try {
      const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as SuiteResult;
      if (typeof result !== 'object' || result === null || !Array.isArray(result.tests)) throw new Error('it has no tests array');
      for (const t of result.tests) {
        t.trace ??= [];
        t.rows ??= [];
        t.figures ??= [];
      }
      out.result = result;
      if (result.pcap && !out.pcapFile && existsSync(result.pcap)) out.pcapFile = result.pcap;
    } catch (e) {
      out.resultProblem = `${this.suite.name}.json is not a SuiteResult: ${(e as Error).message}`;
    }
    return out;
  }
}
