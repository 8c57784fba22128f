// Every way a process can end removes its labs; what a SIGKILLed run leaves, cleanupLeftovers
// removes — and it leaves live labs alone.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createLab } from '../../src/lab/lab.js';
import { cleanupLeftovers, labStatus } from '../../src/lab/inventory.js';
import { run } from '../../src/sys/exec.js';
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

t.test('SIGKILL leaves a lab behind; cleanupLeftovers removes it all', async (t) => {
  const { child, ready, exited } = startChildLab('wait');
  const lab = await ready;
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
