// Which lab stacks this machine can run (src/target/registry.ts stackHostProblem): UML 6.1 cannot
// run a process on a CPU whose XSAVE area it does not know (AVX-512, AMX). A test of such a stack
// skips with that reason; the tests of the check itself prove the reason is right.
import type { Test } from 'tap';
import { stackHostProblems } from '../../src/target/registry.js';
import { STACK_NAMES, type StackName } from '../../src/target/stack.js';

const problems = await stackHostProblems();

/** Why this machine cannot run `stack`, or undefined. */
export const cannotRun = (stack: StackName): string | undefined => problems.get(stack);

/** The stacks of `among` this machine runs, in order. */
export const runnable = (among: readonly StackName[] = STACK_NAMES): StackName[] => among.filter((s) => !problems.has(s));

/** Plan nothing, with the reason as the skip, when the machine cannot run `stack`: true if skipped. */
export function skipUnless(t: Test, stack: StackName): boolean {
  const why = problems.get(stack);
  if (why !== undefined) t.plan(0, `${stack}: ${why}`);
  return why !== undefined;
}
