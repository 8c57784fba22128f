// Stack names as users type them, and loading a stack's module by name (no lab needed).
import t from 'tap';
import { EnvironmentError, UsageError } from '../../src/sys/errors.js';
import { loadStack, parseStack, parseStacks } from '../../src/target/registry.js';
import { STACK_NAMES, type StackName } from '../../src/target/stack.js';
import { profileFor } from '../../src/target/target.js';

t.test('parseStacks: names in order, all, duplicates dropped, unknown names listed', async (t) => {
  t.same(parseStacks('linux'), ['linux']);
  t.same(parseStacks('uml, linux'), ['uml', 'linux']);
  t.same(parseStacks('all'), [...STACK_NAMES]);
  t.same(parseStacks('linux,all'), [...STACK_NAMES], 'all after a name: each stack once');
  t.throws(() => parseStacks('bsd'), new UsageError("unknown stack 'bsd' (valid: linux, uml, gvisor, slirp, passt, memory, or all)"));
  t.throws(() => parseStacks('linux,,uml'), UsageError);
  t.throws(() => parseStacks(''), UsageError);
  t.equal(parseStack('gvisor'), 'gvisor');
  t.throws(() => parseStack('all'), { message: /unknown stack 'all' \(valid: linux, uml, gvisor, slirp, passt, memory\)/ }, 'a suite process runs one stack');
});

t.test('loadStack: the module by name; a missing one is an error that names it', async (t) => {
  t.type(await loadStack('linux'), 'function', 'linux exports openStack');
  await t.rejects(loadStack('nosuch' as StackName), new EnvironmentError("stack 'nosuch' is not available in this build of tcpfsm (no src/target/nosuch.ts)"));
});

t.test("profileFor: a Linux stack's profile follows the release the stack reports", async (t) => {
  const ids = (stack: StackName, kernelRelease?: string) =>
    profileFor({ stack, settings: null, ...(kernelRelease ? { kernelRelease } : {}) }).deviations.map((d) => d.id);
  const uml = ids('uml', '6.1.176');
  t.ok(uml.includes('linux-ack-unsent-silent') && uml.includes('linux-time-wait-syn-reuse-fresh-isn'), 'UML 6.1: the older kernel behaviours');
  t.notOk(uml.includes('linux-synrecv-rst-right-edge-challenge'), 'UML 6.1: no exact RST check in SYN-RECEIVED');
  const host = ids('linux', '6.18.44-fc-v669');
  t.notOk(host.includes('linux-ack-unsent-silent') || host.includes('linux-time-wait-syn-reuse-fresh-isn'), '6.18.44: neither');
  t.ok(host.includes('linux-synrecv-rst-right-edge-challenge'));
  t.equal(profileFor({ stack: 'gvisor', settings: null }).name, 'rfc', 'not Linux: the RFC');
});
