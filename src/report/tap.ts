// results.tap: one TAP 14 stream for the whole run, each suite's own stream nested as a subtest
// (TAP 14 "Subtests": a `# Subtest: name` comment, the child stream indented four spaces, then
// the parent's test point for it). The suite's diagnostics (segment traces of failures) stay
// inside its block untouched; the suite's own point carries exit status and stderr as YAML.
//
// Suites run in parallel but a TAP stream is sequential: one suite at a time holds the stream
// and writes live; the others buffer until it is their turn. So `--tap` on stdout is live for
// one suite at a time and byte-for-byte the results.tap file.
import { stringify } from 'yaml';
import { type SuiteRun, suiteInterrupted, suiteOk, testsOf, verdictOf } from './run.js';

interface Block {
  name: string;
  buffered: string[];
  result?: SuiteRun;
}

const indent = (line: string): string => (line === '' ? '' : `    ${line}`);

/** The YAML diagnostic block of a test point, indented two spaces (TAP 14 "YAML Diagnostics"). */
export function yamlBlock(diag: Record<string, unknown>): string {
  const body = stringify(diag, { lineWidth: 0 }).trimEnd();
  return ['  ---', ...body.split('\n').map((l) => `  ${l}`), '  ...'].join('\n') + '\n';
}

/** The closing point of one suite's block. */
export function suitePoint(id: number, s: SuiteRun): string {
  if (s.notRun !== undefined) return `ok ${id} - ${escapeName(s.suite)} # SKIP ${s.notRun}\n`;
  if (suiteInterrupted(s)) {
    // Stopped as asked, nothing failed: not a failure (the stream's Bail out! says the run was cut short).
    const tests = testsOf(s);
    const finished = tests.filter((t) => verdictOf(t) !== 'interrupted').length;
    return `ok ${id} - ${escapeName(s.suite)} # SKIP interrupted by ${s.interrupted}: ${finished} of ${tests.length} tests finished\n`;
  }
  const ok = suiteOk(s);
  let line = `${ok ? 'ok' : 'not ok'} ${id} - ${escapeName(s.suite)} # time=${s.durationMs.toFixed(0)}ms\n`;
  if (!ok) {
    const diag: Record<string, unknown> = { file: s.file };
    if (s.signal) diag.signal = s.signal;
    else diag.exitCode = s.exitCode;
    if (s.interrupted) diag.interrupted = s.interrupted;
    if (s.bailout) diag.bailout = s.bailout;
    if (s.resultProblem) diag.result = s.resultProblem;
    const stderr = s.stderr.trim();
    if (stderr) diag.stderr = stderr;
    line += yamlBlock(diag);
  }
  return line;
}

/** TAP 14: `#` and `\` in a description are escaped so they do not start a directive. */
const escapeName = (name: string): string => name.replace(/\\/g, '\\\\').replace(/#/g, '\\#');

export class TapComposer {
  private text = '';
  private readonly blocks = new Map<string, Block>();
  /** started and not yet written out, in start order */
  private readonly queue: Block[] = [];
  private holder: Block | null = null;
  private points = 0;

  constructor(
    /** receives every chunk as it is composed (stdout for `--tap`) */
    private readonly sink: (chunk: string) => void = () => undefined,
    header: string[] = [],
  ) {
    this.emit('TAP version 14\n' + header.map((h) => `# ${h}\n`).join(''));
  }

  start(suite: string): void {
    const block: Block = { name: suite, buffered: [] };
    this.blocks.set(suite, block);
    this.queue.push(block);
    this.takeTurn();
  }

  /** One line of the suite's stdout (without its newline). */
  line(suite: string, line: string): void {
    const block = this.block(suite);
    // The child's own version line goes: a nested stream has its parent's version (TAP 14
    // subtests). node-tap may print it after a leading comment, so not only as the first line.
    if (/^TAP version \d+\s*$/.test(line)) return;
    if (block === this.holder) this.emit(indent(line) + '\n');
    else block.buffered.push(line);
  }

  end(s: SuiteRun): void {
    const block = this.block(s.suite);
    block.result = s;
    if (block === this.holder) {
      this.emit(suitePoint(++this.points, s) + '\n');
      this.holder = null;
      this.takeTurn();
    }
  }

  /** A suite that never started (--bail, interrupted): a skipped point. */
  notRun(s: SuiteRun): void {
    const block: Block = { name: s.suite, buffered: [], result: s };
    this.blocks.set(s.suite, block);
    this.queue.push(block);
    this.takeTurn();
  }

  /**
   * The plan and a closing summary; returns the whole stream. An interrupted run ends with
   * `Bail out! interrupted by SIG…` instead of the plan: TAP's own word for a run cut short.
   */
  finish(summary: string[] = [], interrupted?: string): string {
    // Suites that never ended (the runner gave up on them) are closed as they stand.
    for (const block of [this.holder, ...this.queue]) {
      if (block && !block.result) {
        block.result = {
          suite: block.name,
          file: '',
          startedAt: '',
          durationMs: 0,
          exitCode: null,
          signal: null,
          tap: '',
          stderr: 'the suite did not finish',
          tapTests: [],
          tapOk: false,
        };
      }
    }
    if (this.holder) this.end(this.holder.result!);
    const comments = summary.map((s) => `# ${s}\n`).join('');
    this.emit(interrupted ? comments + `Bail out! interrupted by ${interrupted}\n` : `1..${this.points}\n` + comments);
    return this.text;
  }

  get output(): string {
    return this.text;
  }

  private block(suite: string): Block {
    const block = this.blocks.get(suite);
    if (!block) throw new Error(`TapComposer: suite ${suite} was not started`);
    return block;
  }

  /** Hand the stream to the oldest waiting suite: write its buffer, and its point if it is done. */
  private takeTurn(): void {
    while (!this.holder && this.queue.length) {
      const next = this.queue.shift()!;
      if (next.result?.notRun !== undefined) {
        this.emit(suitePoint(++this.points, next.result));
        continue;
      }
      this.emit(`# Subtest: ${next.name}\n` + next.buffered.map((l) => indent(l) + '\n').join(''));
      next.buffered = [];
      if (next.result) this.emit(suitePoint(++this.points, next.result) + '\n');
      else this.holder = next;
    }
  }

  private emit(chunk: string): void {
    this.text += chunk;
    this.sink(chunk);
  }
}
