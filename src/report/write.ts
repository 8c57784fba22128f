// reports/<timestamp>/ and reports/latest: every report file of one run, drawn from the run record.
//   results.tap  junit.xml  trace.pcap  fsm.svg  ladders/<suite>/<n>-<test>.svg  index.html  run.json
// Per-suite sidecars (JSON, pcap, TAP, stderr) stay under suites/, where the suites wrote them.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { TestResult } from '../peer/contract.js';
import { makeDirs } from '../sys/output-path.js';
import { coverageDiagram, type ExercisedTest, rowCoverage } from './coverage.js';
import { slug } from './escape.js';
import { indexHtml, type LadderRef } from './html.js';
import { junitXml } from './junit.js';
import { ladderSvg } from './ladder.js';
import { mergePcaps, type PcapInput } from './pcap-merge.js';
import { type RunRecord, testsOf } from './run.js';

export interface ReportFiles {
  dir: string;
  index: string;
  tap: string;
  junit: string;
  pcap: string;
  fsm: string;
  run: string;
  ladders: string[];
  /** what could not be reported fully (damaged pcap, ...) */
  problems: string[];
}

/** `2025-11-26T09-14-03Z`: sortable, no colons (they trouble some file systems and scp). */
export const runDirName = (at: Date): string =>
  at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');

/** reports/<timestamp>/, with -2, -3, ... when two runs start in the same second. */
export async function createRunDir(root: string, at = new Date()): Promise<string> {
  makeDirs('--report-dir', root, root); // not fs.mkdir recursive: it loops forever under /proc
  const base = runDirName(at);
  for (let n = 1; ; n++) {
    const dir = join(root, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir); // not recursive: EEXIST tells us another run has it
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Point <root>/latest at the run directory; replaced atomically (rename over the old link). */
export function linkLatest(root: string, runDir: string): string {
  const latest = join(root, 'latest');
  const tmp = join(root, `.latest-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(relative(root, runDir), tmp);
  renameSync(tmp, latest);
  return latest;
}

const targetLabel = (target: string | undefined): string | undefined => target?.replace(/^lab\s+/, '');

export async function writeReports(dir: string, run: RunRecord, tap: string): Promise<ReportFiles> {
  const problems: string[] = [];
  const file = (name: string) => join(dir, name);
  const files: ReportFiles = {
    dir,
    index: file('index.html'),
    tap: file('results.tap'),
    junit: file('junit.xml'),
    pcap: file('trace.pcap'),
    fsm: file('fsm.svg'),
    run: file('run.json'),
    ladders: [],
    problems,
  };

  writeFileSync(files.tap, tap);
  writeFileSync(files.junit, junitXml(run));

  const pcaps: PcapInput[] = [];
  for (const s of run.suites) {
    if (!s.pcapFile) continue;
    try {
      pcaps.push({ name: basename(s.pcapFile), bytes: readFileSync(s.pcapFile) });
    } catch (e) {
      problems.push(`${s.suite}: cannot read ${s.pcapFile}: ${(e as Error).message}`);
    }
  }
  const merged = mergePcaps(pcaps);
  problems.push(...merged.problems);
  writeFileSync(files.pcap, merged.pcap);

  const exercised: ExercisedTest[] = run.suites.flatMap((s) => testsOf(s).map((test) => ({ suite: s.suite, test })));
  const coverage = rowCoverage(exercised);
  const fsm = coverageDiagram(coverage);
  writeFileSync(files.fsm, `<?xml version="1.0" encoding="UTF-8"?>\n${fsm.svg}`);

  const ladders = new Map<TestResult, LadderRef>();
  let ladderNo = 0;
  for (const s of run.suites) {
    const tests = testsOf(s);
    tests.forEach((test, i) => {
      if (test.skip !== undefined || !test.trace.length) return;
      const rel = join('ladders', slug(s.suite), `${String(i + 1).padStart(2, '0')}-${slug(test.name)}.svg`);
      const svg = ladderSvg(test, {
        suite: s.suite,
        targetLabel: targetLabel(s.result?.target),
        idPrefix: `l${++ladderNo}`,
        ...(s.result?.mode ? { mode: s.result.mode } : {}),
      });
      mkdirSync(join(dir, 'ladders', slug(s.suite)), { recursive: true });
      writeFileSync(join(dir, rel), svg);
      files.ladders.push(join(dir, rel));
      ladders.set(test, { file: rel, svg });
    });
  }

  for (const s of run.suites) if (s.resultProblem && s.notRun === undefined) problems.push(`${s.suite}: ${s.resultProblem}`);
  // The record without the raw streams (those are in results.tap and suites/).
  writeFileSync(files.run, JSON.stringify({ ...run, suites: run.suites.map(({ tap: _tap, ...s }) => s) }, null, 2) + '\n');
  writeFileSync(
    files.index,
    indexHtml({
      run,
      fsmSvg: fsm.svg,
      coverage,
      ladders,
      files: {
        tap: 'results.tap',
        junit: 'junit.xml',
        pcap: 'trace.pcap',
        fsm: 'fsm.svg',
        run: 'run.json',
        suitesDir: existsSync(join(dir, 'suites')) ? 'suites/' : '.',
      },
      problems,
    }),
  );
  return files;
}
