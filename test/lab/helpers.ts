// Shared by the lab tests: what of lab k is still on the machine, asked the way a person would
// (`ip netns list`, `ip link`, `nft list tables`, the agent's pid).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/sys/exec.js';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0): look at its state.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Everything named after lab `id` that still exists, as readable strings (empty = clean). */
export async function remnantsOf(id: number, agentPid?: number): Promise<string[]> {
  const name = `tcpfsm-${id}`;
  const left: string[] = [];
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
  if (netns.includes(name)) left.push(`namespace ${name}`);
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  if (new RegExp(`^\\d+: ${name}[@:]`, 'm').test(links)) left.push(`link ${name}`);
  const tables = (await run('nft', ['list', 'tables'])).stdout;
  for (const m of tables.matchAll(/^table (\S+) (tcpfsm-\S+)$/gm)) {
    if (m[2] === name || m[2]!.startsWith(name + '-')) left.push(`nft table ${m[1]} ${m[2]}`);
  }
  if (agentPid !== undefined && pidAlive(agentPid)) left.push(`agent pid ${agentPid}`);
  return left;
}

export const CHILD = fileURLToPath(new URL('./lab-child.js', import.meta.url));

export interface ChildLab {
  id: number;
  namespace: string;
  agentPid: number;
  /** the shell that removes the lab should the child be SIGKILLed (src/lab/watchdog.ts) */
  watchdogPid: number;
}

/** Start lab-child.js in `mode`; resolves with its lab once created, plus the child handle. */
export function startChildLab(mode: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  const ready = new Promise<ChildLab>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    void exited.then((e) => reject(new Error(`child exited before its lab was up: ${JSON.stringify(e)}`)));
  });
  return { child, ready, exited };
}
