// Shared plumbing of the benchmarks: percentiles, the machine's description, the comparison
// tools (installed from Debian when missing), and the target namespace's own packet counters,
// which count what reached the target rather than what a tool claims it sent.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import type { Lab } from '../src/lab/index.js';

/** Debian's interpreter: the one python3-scapy installs into (a pyenv shim may shadow `python3`). */
export const PYTHON = '/usr/bin/python3';

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `values` (any unit). */
export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

export const median = (values: readonly number[]): number => summarize(values).p50;

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  kernel: string;
  node: string;
  loadBefore: number[];
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* keep os.cpus() */
  }
  return { date: new Date().toISOString(), nproc: cpus().length, cpu, kernel: release(), node: process.version, loadBefore: loadavg() };
}

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** python3-scapy and hping3 from Debian; `apt-get update` once only if the install lacks lists. */
export function ensureComparisonTools(log: (s: string) => void): { scapy: string; hping3: string } {
  const ok = () => has(PYTHON, ['-c', 'import scapy']) && has('sh', ['-c', 'command -v hping3']);
  if (!ok()) {
    log('installing python3-scapy hping3 from Debian');
    const install = () =>
      execFileSync('apt-get', ['install', '-y', '-q', 'python3-scapy', 'hping3'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
      install();
    }
  }
  const version = (pkg: string) => execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return { scapy: version('python3-scapy'), hping3: version('hping3') };
}

/** The target namespace's TCP InSegs and eth0 rx packets (from /proc inside it). */
export async function targetCounters(lab: Lab): Promise<{ inSegs: number; rxPackets: number }> {
  const { stdout } = await lab.exec('sh', ['-c', `cat /proc/net/snmp; echo; cat /sys/class/net/${lab.targetInterface}/statistics/rx_packets`]);
  const lines = stdout.split('\n');
  const head = lines.find((l) => l.startsWith('Tcp: RtoAlgorithm'))!.split(/\s+/);
  const vals = lines.filter((l) => l.startsWith('Tcp: '))[1]!.split(/\s+/);
  const inSegs = Number(vals[head.indexOf('InSegs')]);
  const rxPackets = Number(lines.filter((l) => /^\d+$/.test(l.trim())).pop());
  return { inSegs, rxPackets };
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Run a program to its end (or SIGINT after `stopAfterMs`), collecting its output. */
export function runChild(cmd: string, args: string[], opts: { input?: string; stopAfterMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const timer = opts.stopAfterMs !== undefined ? setTimeout(() => child.kill('SIGINT'), opts.stopAfterMs) : undefined;
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Let the event loop run for `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const fmt = (x: number, digits = 1): string =>
  !Number.isFinite(x) ? 'n/a' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
