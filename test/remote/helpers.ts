// Runs the built `tcpfsm run` against the real suites (dist/suites) and reads each test's verdict
// back from the run's reports (suites/<name>.json, src/peer/contract.ts SuiteResult).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { createLab, type Lab } from '../../src/lab/index.js';
import type { SuiteResult } from '../../src/peer/contract.js';
import { listTcpfsmTables } from '../../src/wire/nft.js';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));

/** Suites with tests that run without the lab agent (the packet-only ones). */
export const PACKET_SUITES = ['handshake', 'reset', 'active-close', 'simultaneous-close'];

export type Verdict = 'pass' | 'fail' | `skip: ${string}`;

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `suite > test` → verdict */
  verdicts: Map<string, Verdict>;
  results: SuiteResult[];
  /** the run's merged trace (reports/<ts>/trace.pcap), when it wrote one */
  pcap?: Buffer;
  /** differential.txt of a run over several stacks */
  differential?: string;
}

export function runTcpfsm(args: string[], opts: { timeoutMs?: number; onStdout?: (s: string, child: ChildProcess) => void } = {}): Promise<RunOutcome> {
  const reportDir = mkdtempSync(join(tmpdir(), 'tcpfsm-remote-test-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'run', '--tap', '--report-dir', reportDir, ...args], {
      env: { ...process.env, TCPFSM_SUITES_DIR: SUITES, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      opts.onStdout?.(s, child);
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpfsm run ${args.join(' ')} did not finish\n${stderr}`));
    }, opts.timeoutMs ?? 180_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const results = readResults(reportDir);
      const pcapFile = join(reportDir, 'latest', 'trace.pcap');
      const pcap = existsSync(pcapFile) ? readFileSync(pcapFile) : undefined;
      const diffFile = join(reportDir, 'latest', 'differential.txt');
      const differential = existsSync(diffFile) ? readFileSync(diffFile, 'utf8') : undefined;
      rmSync(reportDir, { recursive: true, force: true });
      const verdicts = new Map<string, Verdict>();
      for (const r of results) for (const t of r.tests) verdicts.set(`${r.suite} > ${t.name}`, t.skip ? `skip: ${t.skip}` : t.ok ? 'pass' : 'fail');
      resolve({ code, signal, stdout, stderr, verdicts, results, ...(pcap ? { pcap } : {}), ...(differential !== undefined ? { differential } : {}) });
    });
  });
}

/** A run's matrix cells by `STATE <- KIND @POSITION`, for comparing two runs cell by cell. */
export const matrixCellsOf = (run: Pick<RunOutcome, 'results'>) =>
  new Map(run.results.flatMap((s) => s.matrix ?? []).map((c) => [`${c.state} <- ${c.kind} @${c.position}`, c] as const));

/** Every suite's results file, a run over several stacks keeping each stack's in its own folder. */
function readResults(reportDir: string, dir = join(reportDir, 'latest', 'suites')): SuiteResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? readResults(reportDir, join(dir, e.name))
      : e.name.endsWith('.json')
        ? [JSON.parse(readFileSync(join(dir, e.name), 'utf8')) as SuiteResult]
        : [],
  );
}

/** The remote-mode nft tables of this machine (tcpfsm-remote-PID). */
export async function remoteTables(): Promise<string[]> {
  return (await listTcpfsmTables()).map(([, name]) => name).filter((n) => n.startsWith('tcpfsm-remote-'));
}

/**
 * The remote-mode tables this run installed (named in its output) that are still on the machine.
 * Scoped to the run: other test files (and other users of the machine) run remote mode at the
 * same time, with tables of their own.
 */
export async function tablesLeftBy(run: Pick<RunOutcome, 'stdout' | 'stderr'>): Promise<string[]> {
  const mine = new Set([...(run.stdout + run.stderr).matchAll(/installed nft table inet (tcpfsm-remote-\d+)/g)].map((m) => m[1]!));
  return (await remoteTables()).filter((n) => mine.has(n));
}

/**
 * A fresh lab whose namespace runs python3's http.server on `port` (extra arguments after the
 * bind address), listening before this returns; both go at the test's end.
 */
export async function labWithHttpServer(t: Test, extra: string[] = [], port = 8000): Promise<{ lab: Lab; port: number }> {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const server = spawn('ip', ['netns', 'exec', lab.namespace, 'python3', '-m', 'http.server', String(port), '--bind', lab.target.ipv4, ...extra], {
    stdio: 'ignore',
  });
  t.teardown(() => void server.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  while (!(await lab.sockets({ localPort: port })).some((s) => s.state === 'LISTEN')) {
    if (Date.now() > deadline) throw new Error('http.server did not listen within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { lab, port };
}
