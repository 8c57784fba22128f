// Every way a process can end removes its labs: a SIGKILLed one through its watchdog; what a run
// killed together with its watchdog leaves, cleanupLeftovers removes — and it leaves live labs
// alone, telling a dead owner from a live one even when the pid was reused or is a zombie.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import t, { type Test as Tap } from 'tap';
import { cleanupLeftovers, labStatus, listLabs } from '../../src/lab/inventory.js';
import { createLab } from '../../src/lab/lab.js';
import { run } from '../../src/sys/exec.js';
import { isRunning, selfIdentity, startTimeOf } from '../../src/sys/proc.js';
import { pidAlive, remnantsOf, startChildLab } from './helpers.js';

const waitGone = async (pid: number) => {
  for (const until = Date.now() + 3000; pidAlive(pid) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
};

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  t.test(`${signal} mid-run removes namespace, veth and agent`, async (t) => {
    const { child, ready, exited } = startChildLab('wait');
    const lab = await ready;
    t.ok((await labStatus(lab.id))?.namespace, 'the child has a lab');
    t.ok(pidAlive(lab.agentPid), 'with its agent');
    child.kill(signal);
    const end = await exited;
    t.equal(end.code, code, `exit code ${code} (stderr: ${end.stderr.trim() || 'none'})`);
    await waitGone(lab.agentPid);
    t.same(await remnantsOf(lab.id, lab.agentPid), [], 'nothing left');
    await waitGone(lab.watchdogPid);
    t.notOk(pidAlive(lab.watchdogPid), 'its watchdog was told the lab is gone and exited');
  });
}

for (const [mode, code] of [
  ['exit', 3],
  ['throw', 1],
] as const) {
  t.test(`${mode === 'exit' ? 'process.exit()' : 'an uncaught exception'}: the synchronous teardown removes the lab`, async (t) => {
    const { ready, exited } = startChildLab(mode);
    const lab = await ready;
    const end = await exited;
    t.equal(end.code, code);
    await waitGone(lab.agentPid);
    t.same(await remnantsOf(lab.id, lab.agentPid), [], 'nothing left');
  });
}

t.test('SIGKILL: the watchdog removes namespace, link, agent and nft tables within seconds', async (t) => {
  const { child, ready, exited } = startChildLab('wait');
  const lab = await ready;
  t.ok(pidAlive(lab.watchdogPid), 'the lab has a watchdog');
  await run('nft', ['add', 'table', 'inet', lab.namespace]); // as the probe's RST suppression names it
  child.kill('SIGKILL');
  await exited;
  const killed = Date.now();
  let left = await remnantsOf(lab.id, lab.agentPid);
  while (left.length && Date.now() - killed < 8000) {
    await new Promise((r) => setTimeout(r, 50));
    left = await remnantsOf(lab.id, lab.agentPid);
  }
  t.same(left, [], `nothing left (${Date.now() - killed} ms after the kill)`);
  await waitGone(lab.watchdogPid);
  t.notOk(pidAlive(lab.watchdogPid), 'the watchdog exited after its work');
});

t.test('SIGKILL of a process and its watchdog leaves a lab behind; cleanupLeftovers removes it all', async (t) => {
  const { child, ready, exited } = startChildLab('wait');
  const lab = await ready;
  process.kill(lab.watchdogPid, 'SIGKILL');
  await waitGone(lab.watchdogPid);
  child.kill('SIGKILL');
  await exited;
  await waitGone(lab.agentPid); // the agent exits by itself when its stdin closes
  t.same(await remnantsOf(lab.id), [`namespace ${lab.namespace}`, `link ${lab.namespace}`], 'no teardown ran: namespace and link remain');

  // What else a crash can leave: a process inside the namespace, nft tables named after the lab.
  const sleeper = spawn('ip', ['netns', 'exec', lab.namespace, 'sleep', '60'], { stdio: 'ignore' });
  await new Promise((r) => sleeper.once('spawn', r));
  await run('nft', ['add', 'table', 'inet', lab.namespace]);
  await run('nft', ['add', 'table', 'ip', `${lab.namespace}-rst`]);
  t.equal((await remnantsOf(lab.id)).length, 4);

  const report = await cleanupLeftovers({ ids: [lab.id], graceSeconds: 0 });
  t.same(report.namespaces, [lab.namespace]);
  t.same(report.links, [lab.namespace]);
  t.same(report.processes, [sleeper.pid]);
  t.same(report.nftTables.sort(), [`inet ${lab.namespace}`, `ip ${lab.namespace}-rst`]);
  t.same(report.failures, []);
  await waitGone(sleeper.pid!);
  t.same(await remnantsOf(lab.id, sleeper.pid), [], 'nothing left');
});

t.test('cleanupLeftovers leaves a live lab alone', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const report = await cleanupLeftovers({ ids: [lab.id] });
  t.same(report.skippedLive, [lab.namespace]);
  t.same([report.namespaces, report.links, report.processes], [[], [], []]);
  t.equal((await lab.agent.ping()).pid, lab.agent.pid, 'still working');
});

/** A namespace + probe link (no agent) whose alias names `owner` as its creator, like a crashed run's. */
async function fakeLab(t: Tap, alias: string): Promise<number> {
  const taken = new Set((await listLabs()).map((l) => l.id));
  const id = [...Array(100).keys()].map((k) => 16100 + k).find((k) => !taken.has(k))!;
  const name = `tcpfsm-${id}`;
  await run('ip', ['-batch', '-'], {
    input: `netns add ${name}\nlink add ${name} type veth peer name eth0 netns ${name}\nlink set dev ${name} alias ${alias}\n`,
  });
  t.teardown(() => run('ip', ['-force', '-batch', '-'], { input: `link del dev ${name}\nnetns del ${name}\n` }).catch(() => undefined));
  return id;
}

t.test('process identity: pid and start time; a zombie or a reused pid is not the owner', async (t) => {
  const me = selfIdentity();
  t.equal(me.pid, process.pid);
  t.ok(me.start !== null && me.start > 0, 'start time read from /proc/self/stat');
  t.equal(startTimeOf(process.pid), me.start);
  t.ok(isRunning(me));
  t.notOk(isRunning({ pid: me.pid, start: me.start! - 1 }), 'same pid, other start time: another process');
  t.ok(isRunning({ pid: me.pid, start: null }), 'no start time recorded: the pid decides');
  t.notOk(isRunning({ pid: 2 ** 22 + 1, start: null }), 'no such pid');
});

t.test('cleanup removes a lab whose owner pid now belongs to another process (pid reuse)', async (t) => {
  // This very process stands for the later one that got the dead owner's pid.
  const me = selfIdentity();
  const id = await fakeLab(t, `tcpfsm:pid=${me.pid}:start=${me.start! - 1}`);
  const s = await labStatus(id);
  t.equal(s?.owner, me.pid);
  t.notOk(s?.ownerAlive, 'the recorded start time does not match: the owner is gone');
  const r = await cleanupLeftovers({ ids: [id] });
  t.same(r.skippedLive, []);
  t.same(r.namespaces, [`tcpfsm-${id}`]);
  t.same(await remnantsOf(id), [], 'removed');
});

t.test('cleanup keeps a lab whose recorded owner (pid and start time) runs', async (t) => {
  const me = selfIdentity();
  const id = await fakeLab(t, `tcpfsm:pid=${me.pid}:start=${me.start}`);
  t.ok((await labStatus(id))?.ownerAlive);
  const r = await cleanupLeftovers({ ids: [id] });
  t.same(r.skippedLive, [`tcpfsm-${id}`]);
});

t.test('cleanup removes a lab whose owner is a zombie (dead, not yet reaped)', async (t) => {
  // The forked child exits at once; its parent never waits for it, so it stays a zombie. (A shell's
  // `sleep 0 & exec sleep 30` raced: the shell could reap the child before its exec.)
  const parent = spawn('perl', ['-e', '$| = 1; my $p = fork(); exit 0 unless $p; print "$p\n"; sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => parent.kill('SIGKILL'));
  const zombie = Number(await new Promise<string>((r) => createInterface({ input: parent.stdout! }).once('line', r)));
  for (let i = 0; i < 100 && isRunning({ pid: zombie, start: null }); i++) await new Promise((r) => setTimeout(r, 10));
  let killZero = true;
  try {
    process.kill(zombie, 0);
  } catch {
    killZero = false;
  }
  t.ok(killZero, 'kill(pid, 0) still succeeds on the zombie');
  const id = await fakeLab(t, `tcpfsm:pid=${zombie}:start=${startTimeOf(zombie)}`);
  t.notOk((await labStatus(id))?.ownerAlive, 'a zombie owner is not alive');
  const r = await cleanupLeftovers({ ids: [id] });
  t.same(r.namespaces, [`tcpfsm-${id}`]);
});
