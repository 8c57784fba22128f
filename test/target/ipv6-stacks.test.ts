// The smoke set over IPv6 on every stack the lab reaches over IPv6 (IPV6_STACKS): every test runs
// and passes, suites named suite@ipv6, against the stack's ULA address; the ground-truth checks
// (inState) read the stack's own IPv6 connections (the agent's /proc/net/tcp6, netstack's
// endpoints). Every other stack is refused over IPv6 with its reason: one line, exit 2.
import t from 'tap';
import { IPV4_ONLY_WHY, IPV6_STACKS, STACK_NAMES } from '../../src/target/stack.js';
import { runTcpfsm } from '../remote/helpers.js';
import { runnable } from './runnable.js';

const SMOKE = ['handshake', 'passive-close', 'active-close', 'reset'];
// (UML cannot run on some CPUs: ./runnable.ts; uml.test.ts says so as its skip)
const STACKS = runnable(IPV6_STACKS);

t.test('the smoke set over IPv6 on every IPv6 stack, in one run', { timeout: 150_000 }, async (t) => {
  const run = await runTcpfsm(['--family', '6', '--stack', STACKS.join(','), ...SMOKE], { timeoutMs: 140_000 });
  t.equal(run.code, 0, 'no failure', { stderr: run.stderr.slice(-2000) });
  for (const stack of STACKS) {
    for (const suite of SMOKE) {
      const r = run.results.find((x) => x.suite === suite && x.stack === stack);
      t.ok(r && r.tests.length > 0, `${suite} ran on ${stack} and reported its tests`);
      t.equal(r?.family, 6, `${stack} ${suite} ran over IPv6`);
      t.match(r?.target ?? '', /fd00:7c9f:/, `${stack} ${suite}: the target is the lab's ULA address`);
      for (const x of r?.tests ?? []) t.ok(x.ok && !x.skip, `${stack} ${suite}@ipv6: ${x.name}${x.skip ? ` (skipped: ${x.skip})` : ''}`);
    }
  }
});

t.test('stacks not reached over IPv6 are refused with their reason', async (t) => {
  for (const stack of STACK_NAMES.filter((s) => !IPV6_STACKS.includes(s))) {
    const run = await runTcpfsm(['--family', '6', '--stack', stack, 'handshake'], { timeoutMs: 20_000 });
    t.equal(run.code, 2, `${stack}: exit 2`);
    t.equal(run.stderr.trim().split('\n').length, 1, `${stack}: one line`);
    t.ok(IPV4_ONLY_WHY[stack] && run.stderr.includes(IPV4_ONLY_WHY[stack]!), `${stack}: says why`, { stderr: run.stderr });
    t.equal(run.results.length, 0, `${stack}: nothing ran`);
  }
});
