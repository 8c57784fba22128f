// A suite process watches the pipe `tcpfsm run` gave it (src/sys/parent-watch.ts): when the run
// dies, even by SIGKILL, the suite gets SIGHUP (its cleanup registry removes its lab) at once.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { pidAlive } from '../lab/helpers.js';

const WATCH = new URL('../../src/sys/parent-watch.js', import.meta.url).href;

/** The child: notes SIGHUP in `marker`, then exits 129; otherwise it would live 30 s. */
const childCode = (marker: string) => `
import { writeFileSync } from 'node:fs';
import { watchParent } from ${JSON.stringify(WATCH)};
process.on('SIGHUP', () => { writeFileSync(${JSON.stringify(marker)}, 'SIGHUP'); process.exit(129); });
watchParent();
setTimeout(() => undefined, 30_000);
`;

/** The parent: starts the child (with the watch pipe or without), prints its pid, then idles. */
const parentCode = (marker: string, watched: boolean) => `
import { spawn } from 'node:child_process';
import { watchedStdio } from ${JSON.stringify(WATCH)};
const w = watchedStdio(['ignore', 'ignore', 'ignore']);
const child = spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(childCode(marker))}],
  ${watched} ? { stdio: w.stdio, env: { ...process.env, ...w.env }, detached: true } : { stdio: 'ignore', detached: true });
console.log(child.pid);
setInterval(() => undefined, 1000);
`;

async function killParent(marker: string, watched: boolean): Promise<{ child: number; goneAfterMs: number | null }> {
  const parent = spawn(process.execPath, ['--input-type=module', '-e', parentCode(marker, watched)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = Number(await new Promise<string>((r) => createInterface({ input: parent.stdout }).once('line', r)));
  await new Promise((r) => setTimeout(r, 300)); // the child is running its watch
  parent.kill('SIGKILL');
  const killed = Date.now();
  while (pidAlive(child) && Date.now() - killed < 3000) await new Promise((r) => setTimeout(r, 10));
  return { child, goneAfterMs: pidAlive(child) ? null : Date.now() - killed };
}

t.test('the parent SIGKILLed: the watching child gets SIGHUP and exits at once', async (t) => {
  const marker = join(t.testdir(), 'hup');
  const r = await killParent(marker, true);
  t.not(r.goneAfterMs, null, `the child exited ${r.goneAfterMs} ms after its parent was killed`);
  t.equal(existsSync(marker) && readFileSync(marker, 'utf8'), 'SIGHUP', 'through its SIGHUP handler (the cleanup registry in a suite)');
});

t.test('without the watch pipe nothing is watched (a suite run by hand, or by tap)', async (t) => {
  const marker = join(t.testdir(), 'hup');
  const r = await killParent(marker, false);
  t.teardown(() => {
    try {
      process.kill(r.child, 'SIGKILL');
    } catch {
      // gone
    }
  });
  t.equal(r.goneAfterMs, null, 'the child lives on');
  t.notOk(existsSync(marker));
});
