// The order suites start in. With several at a time, a run ends when its last suite does, so the
// longest start first (longest processing time first): a 110 s matrix that starts last makes the
// run 110 s longer than the work needs. How long a suite takes is known from the last time it ran
// the same way — on the same stack, family and --slow — kept in a small JSON file per user
// beside the port memory ({key → ms}); a suite never timed starts before all timed ones, in the
// given order. Only the order changes: the results are reported in the given order.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import type { SuiteFile } from './suites.js';

export const DURATION_MEMORY_FILE = (): string =>
  process.env.TCPFSM_DURATION_MEMORY ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'tcpfsm', 'durations.json');

export interface RunShape {
  /** the stack of a single-stack run (a run over several names each suite's own) */
  stack?: string;
  slow: boolean;
}

/** What a suite's duration depends on: which suite, on which stack and family, with slow tests or not. */
export function durationKey(suite: SuiteFile, run: RunShape): string {
  const stem = basename(suite.file, extname(suite.file));
  return `${stem}|${suite.stack ?? run.stack ?? 'linux'}|ipv${suite.family ?? 4}${run.slow ? '|slow' : ''}`;
}

export class DurationMemory {
  constructor(private readonly file: string = DURATION_MEMORY_FILE()) {}

  /** The suites in the order to start them: never timed first (as given), then longest first. */
  order(suites: readonly SuiteFile[], run: RunShape): SuiteFile[] {
    const known = this.read();
    const ms = (s: SuiteFile) => known[durationKey(s, run)];
    const untimed = suites.filter((s) => ms(s) === undefined);
    const timed = suites.filter((s) => ms(s) !== undefined).sort((a, b) => ms(b)! - ms(a)!);
    return [...untimed, ...timed];
  }

  /** Remember how long each suite that ran to its end took. */
  record(ran: ReadonlyArray<{ suite: SuiteFile; durationMs: number }>, run: RunShape): void {
    if (!ran.length) return;
    const known = this.read();
    for (const { suite, durationMs } of ran) known[durationKey(suite, run)] = Math.round(durationMs);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(known));
      renameSync(tmp, this.file); // atomic: a parallel run never reads half a file
    } catch {
      // Only the next run's order is lost; the run itself is unaffected.
    }
  }

  private read(): Record<string, number> {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object') return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= 0));
    } catch {
      return {}; // no file yet, or a damaged one: the given order
    }
  }
}
