// The run's plan (src/cli/plan.ts): what will run and what will skip and why, from the suites'
// listings and the target's capabilities, in the words the suites skip with.
import t from 'tap';
import { describeCapabilities, runPlan } from '../../src/cli/plan.js';
import type { SuiteListing } from '../../src/cli/suites.js';

const listing = (suite: string, tests: Array<[string, string[], boolean?]>): SuiteListing => ({
  suite,
  title: suite,
  rfc: 'RFC 9293',
  tests: tests.map(([name, needs, slow]) => ({ name, rfc: 'RFC 9293', slow: !!slow, needs })),
});

const listings = [
  listing('handshake', [
    ['SYN to a listening port', []],
    ['SYN to a closed port', ['agent']],
  ]),
  listing('matrix', [
    ['ESTABLISHED: 46 cells', []],
    ['FIN-WAIT-1: 51 cells', ['app-close']],
    ['CLOSED: 36 cells', ['agent']],
  ]),
  listing('keep-alive', [['no keep-alive probe', []]]),
  listing('timer-time-wait', [['TIME-WAIT lasts 2 MSL', ['agent', 'states'], true]]),
];

t.test('remote mode without a close trigger', async (t) => {
  const caps = { agent: false, states: false, settings: false, appClose: false, appSend: false };
  const plan = runPlan('remote', listings, caps, { slow: false });
  t.equal(plan.run, 3);
  t.equal(plan.skip, 4);
  t.equal(plan.lines[0], 'plan, remote: 3 of 7 tests run, 4 skip');
  t.equal(plan.lines[1], '  run in full: keep-alive');
  t.match(plan.lines.join('\n'), /handshake: 1 of 2 run; skip \(needs the lab agent\): SYN to a closed port/);
  t.match(
    plan.lines.join('\n'),
    /matrix: 1 of 3 run; skip \(needs the server to close first: give --close-trigger http, idle:SECONDS or send:BYTES\): FIN-WAIT-1: 51 cells \| skip \(needs the lab agent\): CLOSED: 36 cells/,
  );
  t.match(plan.lines.join('\n'), /timer-time-wait: 0 of 1 run; skip \(slow: run with --slow\)/, 'slow says so before its needs');
  t.equal(describeCapabilities(caps), 'no agent, no ground truth, no settings, no close trigger, no data request');
});

t.test('a close trigger, --slow and --grep', async (t) => {
  const caps = { agent: false, states: false, settings: false, appClose: true, appSend: true };
  const plan = runPlan('remote', listings, caps, { slow: true, grep: /cells/ });
  t.equal(plan.run, 2, 'ESTABLISHED and FIN-WAIT-1');
  t.equal(plan.skip, 1, 'CLOSED');
  t.notMatch(plan.lines.join('\n'), /handshake|keep-alive/, 'suites --grep leaves empty are not mentioned');
});

t.test('a lab stack without ground truth (slirp, passt)', async (t) => {
  const caps = { agent: true, states: false, settings: false, appClose: true, appSend: true };
  const plan = runPlan('stack slirp', listings, caps, { slow: true });
  t.equal(plan.skip, 1);
  t.match(plan.lines.join('\n'), /timer-time-wait: 0 of 1 run; skip \(needs ground truth: this target's own connection states cannot be read\)/);
});
