// Suite wall time: every dist/suites/*.js (not starting with _) as the default run does it (no
// slow tests), one after another. Each suite's process tree (the suite, its lab agent, the ss
// and ip runs) reports its CPU through bash's `times`; wall − CPU is time spent waiting on the
// network and the target kernel's timers. The sidecar JSON splits wall time into lab set-up and
// the tests themselves.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteResult } from '../src/peer/contract.js';
import { runChild } from './lib.js';

export interface SuiteRow {
  suite: string;
  wallMs: number;
  cpuMs: number;
  /** sum of the tests' own durations (sidecar JSON) */
  testsMs: number;
  tests: number;
  passed: number;
  exit: number | null;
}

/** bash `times` second line: children's user and system time, "0m1.234s 0m0.567s". */
function childCpuMs(timesOut: string): number {
  const lines = timesOut.trim().split('\n');
  const m = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
  return m.reduce((sum, x) => sum + (Number(x[1]) * 60 + Number(x[2])) * 1000, 0);
}

export async function suiteWallTime(distDir: string): Promise<SuiteRow[]> {
  const dir = join(distDir, 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
    .sort();
  const out = mkdtempSync(join(tmpdir(), 'tcpfsm-bench-suites-'));
  const rows: SuiteRow[] = [];
  try {
    for (const f of files) {
      const name = f.replace(/\.js$/, '');
      const env: NodeJS.ProcessEnv = { ...process.env, TCPFSM_OUT: out };
      delete env.TCPFSM_SLOW;
      const r = await runChild('bash', ['-c', 'node "$1" >/dev/null 2>&1; rc=$?; times; exit $rc', 'suite', join(dir, f)], { env });
      let testsMs = 0;
      let tests = 0;
      let passed = 0;
      try {
        const res = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as SuiteResult;
        for (const t of res.tests) {
          if (t.skip) continue;
          tests++;
          if (t.ok) passed++;
          testsMs += t.durationMs;
        }
      } catch {
        /* a suite that wrote no sidecar: counted with its wall time only */
      }
      rows.push({ suite: name, wallMs: r.wallMs, cpuMs: childCpuMs(r.stdout), testsMs, tests, passed, exit: r.code });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return rows;
}
