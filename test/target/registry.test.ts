// Stack names as users type them, and loading a stack's module by name (no lab needed).
import t from 'tap';
import { EnvironmentError, UsageError } from '../../src/sys/errors.js';
import { loadStack, parseStack, parseStacks } from '../../src/target/registry.js';
import { STACK_NAMES, type StackName } from '../../src/target/stack.js';

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
