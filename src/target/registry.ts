// Stack names → their modules (src/target/<name>.ts, each exporting openStack), loaded only when
// a run asks for that stack, so a stack whose module or packages are missing costs the others
// nothing. parseStacks checks what the user typed (`--stack linux,uml`, `all`).
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { STACK_NAMES, type StackHost, type StackName, type StackOptions } from './stack.js';

export const DEFAULT_STACK: StackName = 'linux';

export type OpenStack = (opts?: StackOptions) => Promise<StackHost>;

/** Stacks that run in this process behind the in-memory transport: no namespace, no raw socket, no root. */
const IN_PROCESS_STACKS: readonly StackName[] = ['memory'];
export const isInProcessStack = (name: StackName): boolean => IN_PROCESS_STACKS.includes(name);

export const isStackName = (name: string): name is StackName => (STACK_NAMES as readonly string[]).includes(name);

const valid = (): string => `${STACK_NAMES.join(', ')}, or all`;

/** `linux`, `linux,uml`, `all` → the stacks in the order given (duplicates dropped). */
export function parseStacks(text: string): StackName[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--stack wants stack names separated by commas (${valid()}), got '${text}'`);
  const out: StackName[] = [];
  for (const name of names) {
    if (name === 'all') out.push(...STACK_NAMES);
    else if (isStackName(name)) out.push(name);
    else throw new UsageError(`unknown stack '${name}' (valid: ${valid()})`);
  }
  return [...new Set(out)];
}

/** One stack name (what a suite process is given); unknown → UsageError listing the valid ones. */
export function parseStack(name: string): StackName {
  if (!isStackName(name)) throw new UsageError(`unknown stack '${name}' (valid: ${STACK_NAMES.join(', ')})`);
  return name;
}

/**
 * The stack's openStack, its module imported now. The specifier is computed so a stack whose
 * module is not in this build is a clear error at run time, not a compile error for the others.
 */
export async function loadStack(name: StackName): Promise<OpenStack> {
  return (await stackModule(name)).openStack as OpenStack;
}

/**
 * Why this machine cannot run the stack although its packages are there (UML 6.1 on a CPU whose
 * XSAVE area it does not know), or null. A stack module says so through `hostProblem()`.
 */
export async function stackHostProblem(name: StackName): Promise<string | null> {
  const check = (await stackModule(name)).hostProblem;
  return typeof check === 'function' ? ((await check()) as string | null) : null;
}

/** Each of `names` this machine cannot run, with why (stackHostProblem); the others are absent. */
export async function stackHostProblems(names: readonly StackName[] = STACK_NAMES): Promise<Map<StackName, string>> {
  const problems = new Map<StackName, string>();
  for (const name of names) {
    const why = await stackHostProblem(name);
    if (why !== null) problems.set(name, why);
  }
  return problems;
}

async function stackModule(name: StackName): Promise<{ openStack?: unknown; hostProblem?: unknown }> {
  const file = `./${name}.js`;
  let mod: { openStack?: unknown; hostProblem?: unknown };
  try {
    mod = (await import(new URL(file, import.meta.url).href)) as { openStack?: unknown; hostProblem?: unknown };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // (loaders such as tap's may rethrow without the code; the message names the file either way)
    if ((err.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(err.message)) && err.message.includes(`/target/${name}.js'`)) {
      throw new EnvironmentError(`stack '${name}' is not available in this build of tcpfsm (no src/target/${name}.ts)`);
    }
    throw e;
  }
  if (typeof mod.openStack !== 'function') throw new EnvironmentError(`stack '${name}': src/target/${name}.ts does not export openStack()`);
  return mod;
}

/** Bring a stack up by name. */
export async function openStackByName(name: StackName, opts: StackOptions = {}): Promise<StackHost> {
  return (await loadStack(name))(opts);
}
