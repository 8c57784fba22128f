// Timer waits that follow the target's settings: with the fast set they are seconds, with the
// host's (`--sysctls host`) they can be minutes (tcp_retries2 = 15: ~15 min). A test says how long
// it expects to wait before it starts; a wait beyond QUICK_WAIT_MS runs only with --slow, one
// beyond the cap (TCPFSM_MAX_WAIT, check-tuning --max-wait) not at all, and either is a skip
// naming the setting and the time, never a failure. An allowed wait gets a test timeout to match.
import type { Test } from 'tap';
import { ENV } from './contract.js';

/** Longer than this, a timer wait is a slow test (the fast set's longest is ~8 s). */
export const QUICK_WAIT_MS = 20_000;
/** The default cap: the host's usual tcp_retries2 = 15 (~924 s) still fits. */
export const DEFAULT_MAX_WAIT_S = 1200;

/** A wait the run does not allow (not --slow, or over the cap): the test is skipped with this reason. */
export class WaitTooLongError extends Error {}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The cap in ms from the environment. */
export function maxWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env[ENV.maxWait]);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_MAX_WAIT_S) * 1000;
}

/** Why a wait of `ms` may not start in this run (undefined: it may). */
export function waitRefusal(ms: number, what: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cap = maxWaitMs(env);
  if (ms > cap) return `capped: ${what} takes about ${seconds(ms)}, over the ${seconds(cap)} cap (--max-wait)`;
  if (ms > QUICK_WAIT_MS && env[ENV.slow] !== '1') return `slow: ${what} takes about ${seconds(ms)}: run with --slow`;
  return undefined;
}

/**
 * Before a wait of about `ms` for `what` (e.g. "the half-open connection to be dropped
 * (tcp_synack_retries = 5)"): throws WaitTooLongError when the run does not allow it; otherwise
 * stretches the test's timeout over it and says on the progress stream what is waited for.
 */
export function allowWait(t: Test, ms: number, what: string): void {
  const why = waitRefusal(ms, what);
  if (why) throw new WaitTooLongError(why);
  if (ms > QUICK_WAIT_MS) {
    t.setTimeout(Math.round(ms * 2 + 60_000));
    // The suite's own budget counted 30 s a test: stretch the root too (reached through the
    // parents: importing tap's root here would start a TAP run in every process that reads QUICK_WAIT_MS).
    let root: { parent?: unknown; setTimeout(n: number): void } = t;
    while (root.parent) root = root.parent as typeof root;
    root.setTimeout(Math.round(ms * 2 + 300_000));
    t.comment(`waiting about ${seconds(ms)} for ${what}`);
  }
}
