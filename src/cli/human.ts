// What a person sees while suites run: one line per test (ok / not ok, duration, suite › name),
// the failing steps under a failed test, and a closing summary. On a terminal: colours, and a
// status line under the output with the running test, its latest TAP comment (`waiting 58s for
// TIME-WAIT`) and how long that has been going on. Piped: plain lines, no escapes.
import type { Writable } from 'node:stream';
import type { Counts, SuiteRun, TapTest } from '../report/run.js';
import { suiteOk } from '../report/run.js';
import type { RunnerListener } from './runner.js';
import type { SuiteFile } from './suites.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface HumanOptions {
  /** status line and cursor control */
  tty: boolean;
  colour: boolean;
  /** how often the status line redraws (ms) */
  refreshMs?: number;
}

/** Colours unless NO_COLOR is set (no-color.org); FORCE_COLOR turns them on when piped. */
export function wantColour(stream: { isTTY?: boolean }, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY && env.TERM !== 'dumb';
}

export const formatMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

interface Running {
  test: string | null;
  comment: string | null;
  since: number;
}

/** Piped output: one progress line per suite at most this often (plus each "waiting about" start). */
const PIPED_PROGRESS_EVERY_MS = 30_000;
/** A test comment that says how long a timer wait still runs (long-wait.ts, timing.ts waitGone / waitWithProgress). */
const isLongWaitProgress = (text: string): boolean => text.startsWith('waiting about ') || /: (waiting, )?\d+ s left/.test(text);

export class HumanReporter implements RunnerListener {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | null = null;
  private statusShown = false;
  private frame = 0;
  private readonly progressAt = new Map<string, number>();

  constructor(
    private readonly out: Writable,
    private readonly opts: HumanOptions,
  ) {}

  private paint(code: string, s: string): string {
    return this.opts.colour ? `\x1b[${code}m${s}\x1b[0m` : s;
  }
  private green = (s: string) => this.paint('32', s);
  private red = (s: string) => this.paint('31', s);
  private yellow = (s: string) => this.paint('33', s);
  private dim = (s: string) => this.paint('2', s);
  private bold = (s: string) => this.paint('1', s);

  /** A line above the status line. */
  print(line: string): void {
    this.clearStatus();
    this.out.write(line + '\n');
    this.drawStatus();
  }

  header(lines: string[]): void {
    for (const l of lines) this.print(this.bold(l));
  }

  suiteStart(suite: SuiteFile): void {
    this.running.set(suite.name, { test: null, comment: null, since: Date.now() });
    if (this.opts.tty && !this.timer) {
      this.timer = setInterval(() => this.redraw(), this.opts.refreshMs ?? 100);
      this.timer.unref();
    }
    this.drawStatusSoon();
  }

  testStart(suite: string, name: string): void {
    const r = this.running.get(suite);
    if (r) Object.assign(r, { test: name, comment: null, since: Date.now() });
  }

  comment(suite: string, test: string | null, text: string): void {
    const r = this.running.get(suite);
    // Comments (progress of long waits) go to the status line on a terminal; piped output stays
    // one line per test, nothing extra (the wait is visible in the test's duration).
    if (r && test) Object.assign(r, { comment: text, since: Date.now() });
    // Piped, a long timer wait (--sysctls host: minutes) still says now and then what it waits for.
    if (!this.opts.tty && test && isLongWaitProgress(text)) {
      // Only after a long wait began (allowWait's "waiting about"): the fast set's short waits print nothing.
      const last = this.progressAt.get(suite);
      if (text.startsWith('waiting about ') || (last !== undefined && Date.now() - last >= PIPED_PROGRESS_EVERY_MS)) {
        this.progressAt.set(suite, Date.now());
        this.print(this.dim(`        …  ${suite}: ${text}`));
      }
    }
  }

  test(suite: string, test: TapTest): void {
    const r = this.running.get(suite);
    if (r) Object.assign(r, { test: null, comment: null, since: Date.now() });
    const time = test.durationMs !== undefined ? formatMs(test.durationMs) : '';
    const name = `${suite} › ${test.name}`;
    if (test.skip !== undefined || test.todo !== undefined) {
      this.print(`${this.yellow('skip  ')}  ${''.padStart(8)}  ${name} ${this.dim(`(${test.skip ?? `todo: ${test.todo}`})`)}`);
      return;
    }
    if (test.ok) {
      this.print(`${this.green('ok    ')}  ${time.padStart(8)}  ${name}`);
      return;
    }
    if (test.interrupted !== undefined) {
      this.print(`${this.yellow('intr  ')}  ${time.padStart(8)}  ${name} ${this.dim(`(interrupted by ${test.interrupted})`)}`);
      return;
    }
    this.print(`${this.red('not ok')}  ${time.padStart(8)}  ${this.bold(name)}`);
    for (const f of test.failures.slice(0, 3)) this.print(`${''.padStart(18)}${this.red('✗')} ${firstLine(f.name)}`);
    if (test.failures.length > 3) this.print(`${''.padStart(20)}${this.dim(`… ${test.failures.length - 3} more`)}`);
  }

  suiteEnd(run: SuiteRun): void {
    this.running.delete(run.suite);
    if (!this.running.size) this.stopTimer();
    if (suiteOk(run) || (run.interrupted && run.signal !== 'SIGKILL')) return; // the notice said it was stopped
    const failedTests = run.tapTests.some((t) => !t.ok && t.skip === undefined && t.todo === undefined);
    if (failedTests && run.exitCode !== null) return; // its failing tests were shown
    const how = run.signal ? `was killed by ${run.signal}` : run.bailout ? `bailed out: ${run.bailout}` : `exited with code ${run.exitCode}`;
    const why = lastLine(run.stderr);
    this.print(`${this.red('not ok')}  ${''.padStart(8)}  ${this.bold(`suite ${run.suite} ${how}`)}${why ? `: ${why}` : ''}`);
  }

  notice(text: string): void {
    this.print(this.yellow(`tcpfsm: ${text}`));
  }

  summary(c: Counts, durationMs: number, extra: string[] = []): void {
    this.stopTimer();
    const parts = [`${c.passed} passed`, c.failed ? this.red(`${c.failed} failed`) : `${c.failed} failed`, `${c.skipped} skipped`];
    if (c.interrupted) parts.push(this.yellow(`${c.interrupted} interrupted`));
    const suites = `${c.suites} suite${c.suites === 1 ? '' : 's'}${c.suitesNotRun ? ` (${c.suitesNotRun} not run)` : ''}`;
    this.print('');
    this.print(`${this.bold(`${c.tests} tests:`)} ${parts.join(', ')} — ${suites} in ${formatMs(durationMs)}`);
    for (const l of extra) this.print(l);
  }

  close(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clearStatus();
  }

  private redraw(): void {
    this.frame++;
    this.clearStatus();
    this.drawStatus();
  }

  private drawStatusSoon(): void {
    if (this.opts.tty) this.redraw();
  }

  private statusText(): string {
    const now = Date.now();
    const parts = [...this.running.entries()].map(([suite, r]) => {
      const what = r.comment ?? r.test ?? 'running';
      const elapsed = Math.floor((now - r.since) / 1000);
      return `${suite}${r.test && r.comment ? ` › ${r.test}` : ''}: ${what}${elapsed >= 1 ? ` (${elapsed} s)` : ''}`;
    });
    return `${SPINNER[this.frame % SPINNER.length]} ${parts.join('  |  ')}`;
  }

  private drawStatus(): void {
    if (!this.opts.tty || !this.running.size) return;
    const width = (this.out as { columns?: number }).columns ?? 100;
    const text = this.statusText();
    this.out.write(this.dim(text.length > width - 1 ? text.slice(0, width - 2) + '…' : text));
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write('\r\x1b[2K');
    this.statusShown = false;
  }
}

const firstLine = (s: string): string => s.split('\n')[0]!;
const lastLine = (s: string): string =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop()
    ?.trim() ?? '';
