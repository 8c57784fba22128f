// SIGKILL, the one signal nothing can catch: what a killed `tcpfsm run`, `tcpfsm exercise` or
// `lab up` holder started must go by itself within a few seconds — suite processes and agents
// notice their parent is gone and remove their labs; a lab whose only owner was killed is removed
// by the owner's watchdog (the `tcpfsm cleanup` of that owner).

import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { cleanupLeftovers } from '../../src/lab/inventory.js';
import { tcpfsm } from './helpers.js';
import { type KillOutcome, killMidWork, leftovers } from './sigkill-helpers.js';

const REAL_SUITES = fileURLToPath(new URL('../../suites/', import.meta.url));
/** From the kill until nothing is left: a lab's removal takes ~0.2 s; generous for a loaded machine. */
const BOUND_MS = 8000;
const RUNS = 5;
/** exercise and lab up: one process, one lab; fewer rounds keep the file within tap's timeout */
const ROUNDS = 3;

/** Whatever a failing run left, removed so the machine stays clean for the other tests. */
async function sweep(o: KillOutcome): Promise<void> {
  for (const pid of o.processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (o.labs.length) await cleanupLeftovers({ ids: o.labs, includeLive: true, graceSeconds: 0 });
}

async function check(t: Test, what: string, o: KillOutcome): Promise<boolean> {
  t.teardown(() => sweep(o));
  const clean = o.left.length === 0;
  t.ok(
    clean,
    `${what}: nothing of labs ${o.labs.join(', ')} or processes ${o.processes.join(', ')} left ${clean ? `after ${o.afterMs} ms` : `${o.afterMs} ms after the kill`}`,
    { left: o.left },
  );
  return clean;
}

t.test(`SIGKILL of tcpfsm run mid-run (${RUNS} times): suite processes, agents, labs, nft tables all go`, async (t) => {
  const env = { ...process.env, TCPFSM_SUITES_DIR: REAL_SUITES };
  let clean = 0;
  for (let i = 0; i < RUNS; i++) {
    // Two suites at once (two suite processes, two labs), killed a random moment after both are up.
    const o = await killMidWork(['run', 'timer-time-wait', 'timer-fin-wait-2', '--slow', '--jobs', '2', '--report-dir', t.testdir() + `/${i}`], {
      env,
      labs: 2,
      delayMs: Math.floor(Math.random() * 1500),
      boundMs: BOUND_MS,
    });
    t.ok(o.processes.length >= 4, `run ${i + 1}: it had started suite processes and agents (${o.processes.length})`);
    if (await check(t, `run ${i + 1}`, o)) clean++;
  }
  t.comment(`SIGKILL of tcpfsm run: ${clean} of ${RUNS} clean within ${BOUND_MS} ms`);
});

t.test(`SIGKILL of tcpfsm exercise (${ROUNDS} times): its lab and agent go`, async (t) => {
  let clean = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const o = await killMidWork(['exercise'], { delayMs: Math.floor(Math.random() * 500), boundMs: BOUND_MS });
    if (await check(t, `exercise ${i + 1}`, o)) clean++;
  }
  t.comment(`SIGKILL of tcpfsm exercise: ${clean} of ${ROUNDS} clean within ${BOUND_MS} ms`);
});

t.test(`SIGKILL of the lab up holder (${ROUNDS} times): its lab goes`, async (t) => {
  let clean = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const up = await tcpfsm(['lab', 'up', '--json']);
    t.equal(up.code, 0, up.stderr);
    const info = JSON.parse(up.stdout) as { id: number; holder: number };
    const o: KillOutcome = { labs: [info.id], processes: [], left: [], afterMs: 0 };
    process.kill(info.holder, 'SIGKILL');
    const killed = Date.now();
    o.left = await leftovers(o.labs, []);
    while (o.left.length && Date.now() - killed < BOUND_MS) {
      await new Promise((r) => setTimeout(r, 50));
      o.left = await leftovers(o.labs, []);
    }
    o.afterMs = Date.now() - killed;
    if (await check(t, `lab up ${i + 1}`, o)) clean++;
  }
  t.comment(`SIGKILL of the lab up holder: ${clean} of ${ROUNDS} clean within ${BOUND_MS} ms`);
});
