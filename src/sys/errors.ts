// Errors a user can act on. Everything else that is thrown is a harness bug.
// Exit codes follow the CLI contract: 0 all passed, 1 a test failed, 2 usage or environment error.

/** Bad invocation or bad input from the user (unknown option, malformed target, bad value). */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The machine cannot run tcpfsm as asked: not root, a missing tool, a port in use, ... */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  readonly exitCode = 2;
}

export const isUserFacing = (e: unknown): e is UsageError | EnvironmentError => e instanceof UsageError || e instanceof EnvironmentError;
