// Runs the selected suites, `jobs` at a time, each in its own process (and so its own lab).
// SIGINT / SIGTERM / SIGHUP are forwarded to the running suites, which remove their labs and exit;
// the runner waits for them and reports what finished. A second signal only says what it waits
// for; a third kills the suites outright (each lab's watchdog then removes it, see src/lab/watchdog.ts).
// Should the runner itself die (SIGKILL), each suite sees its watch pipe close and cleans up too.
// With `bail`, no further suite starts after one fails.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteRun, TapTest } from '../report/run.js';
import { suiteOk } from '../report/run.js';
import { SuiteProcess } from './suite-process.js';
import type { SuiteFile } from './suites.js';

export interface RunnerListener {
  suiteStart?(suite: SuiteFile): void;
  line?(suite: string, line: string): void;
  testStart?(suite: string, name: string): void;
  comment?(suite: string, test: string | null, text: string): void;
  test?(suite: string, test: TapTest): void;
  suiteEnd?(run: SuiteRun): void;
  /** something the user should know now (signals, waiting) */
  notice?(text: string): void;
}

export interface RunnerOptions {
  suites: readonly SuiteFile[];
  /** the order to start them in (default: as given); results stay in the given order */
  startOrder?: readonly SuiteFile[];
  jobs: number;
  bail: boolean;
  /** TCPFSM_* variables for every suite */
  env: Record<string, string>;
  /** TCPFSM_OUT for every suite */
  outDir: string;
  listener?: RunnerListener;
}

export interface RunnerResult {
  /** in the order the suites were given */
  suites: SuiteRun[];
  interrupted?: NodeJS.Signals;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const notRun = (suite: SuiteFile, why: string): SuiteRun => ({
  suite: suite.name,
  file: suite.file,
  startedAt: '',
  durationMs: 0,
  exitCode: null,
  signal: null,
  tap: '',
  stderr: '',
  tapTests: [],
  tapOk: true,
  notRun: why,
});

export async function runSuites(opts: RunnerOptions): Promise<RunnerResult> {
  const listener = opts.listener ?? {};
  mkdirSync(opts.outDir, { recursive: true });
  const results = new Map<string, SuiteRun>();
  const running = new Set<SuiteProcess>();
  const queue = [...(opts.startOrder ?? opts.suites)];
  let interrupted: NodeJS.Signals | undefined;
  let signals = 0;
  let bailed = false;

  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    interrupted ??= sig;
    if (signals === 1) {
      listener.notice?.(`${sig}: stopping; waiting for ${running.size} running suite(s) to remove their labs`);
      for (const p of running) p.signal(sig);
    } else if (signals === 2) {
      listener.notice?.(`still waiting for ${[...running].map((p) => p.suite.name).join(', ')}; once more to kill them`);
    } else {
      listener.notice?.("killing the suites; their watchdogs remove their labs ('tcpfsm lab status' shows what is left)");
      for (const p of running) p.signal('SIGKILL');
    }
  };
  for (const sig of FORWARDED) process.on(sig, onSignal);

  const startOne = (suite: SuiteFile): Promise<void> => {
    // Over several stacks each stack's runs write their files apart (the suite names them after itself).
    // So do each family's runs (`--family both`).
    const sub = [suite.stack, suite.family && `ipv${suite.family}`].filter(Boolean).join('-');
    const outDir = sub ? join(opts.outDir, sub) : opts.outDir;
    mkdirSync(outDir, { recursive: true });
    const p = new SuiteProcess(suite, opts.env, outDir);
    p.on('line', (line) => listener.line?.(suite.name, line));
    p.on('testStart', (name) => listener.testStart?.(suite.name, name));
    p.on('comment', (test, text) => listener.comment?.(suite.name, test, text));
    p.on('test', (test) => listener.test?.(suite.name, test));
    running.add(p);
    listener.suiteStart?.(suite);
    return p.run().then((run) => {
      running.delete(p);
      results.set(suite.name, run);
      if (opts.bail && !suiteOk(run)) bailed = true;
      listener.suiteEnd?.(run);
    });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (running.size < opts.jobs && queue.length && !interrupted && !bailed) {
          startOne(queue.shift()!).then(pump, reject);
        }
        if (running.size === 0) resolve();
      };
      pump();
    });
  } finally {
    for (const sig of FORWARDED) process.off(sig, onSignal);
  }

  const why = interrupted ? `interrupted by ${interrupted}` : 'bail: an earlier suite failed';
  const suites = opts.suites.map((s) => results.get(s.name) ?? notRun(s, why));
  return { suites, ...(interrupted ? { interrupted } : {}) };
}
