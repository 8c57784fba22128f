// The run's plan, said before anything starts: per suite, which tests will run and which will
// skip and why (the target lacks what they need, or they are slow), from the suites' own listings
// and the target's capabilities — a remote server's (packets only, a close trigger or not) or a
// lab stack's (src/target/capabilities.ts). The suites skip with the same words (src/peer/needs.ts).
import { type Capabilities, lacking, type Need } from '../peer/needs.js';
import { STACK_CAPABILITIES } from '../target/capabilities.js';
import type { StackName } from '../target/stack.js';
import { STACK_ROLE_NAMES, STACK_SETTING_NAMES } from '../target/stack-settings.js';
import { listSuite, type SuiteFile, type SuiteListing } from './suites.js';

export interface PlanOptions {
  slow: boolean;
  grep?: RegExp;
}

export interface Plan {
  run: number;
  skip: number;
  lines: string[];
}

/** What a target of these capabilities is, in words. */
export function describeCapabilities(caps: Capabilities): string {
  const has = (ok: boolean, what: string) => (ok ? what : `no ${what}`);
  return [
    has(caps.agent, 'agent'),
    has(caps.states, 'ground truth'),
    has(caps.settings, 'settings'),
    caps.appClose ? 'the server can be made to close' : 'no close trigger',
    caps.appSend ? 'the server can be made to send' : 'no data request',
  ].join(', ');
}

export function runPlan(title: string, listings: readonly SuiteListing[], caps: Capabilities, opts: PlanOptions): Plan {
  let run = 0;
  let skip = 0;
  const full: string[] = [];
  const partial: string[] = [];
  for (const l of listings) {
    const tests = l.tests.filter((x) => !opts.grep || opts.grep.test(x.name) || opts.grep.test(`${l.suite} ${x.name}`));
    if (!tests.length) continue;
    const why = new Map<string, string[]>();
    for (const x of tests) {
      const reason = x.slow && !opts.slow ? 'slow: run with --slow' : lacking(x.needs as Need[], caps, x.settings ?? []);
      if (!reason) continue;
      why.set(reason, [...(why.get(reason) ?? []), x.name]);
    }
    const skipped = [...why.values()].reduce((n, names) => n + names.length, 0);
    run += tests.length - skipped;
    skip += skipped;
    if (!skipped) full.push(l.suite);
    else
      partial.push(
        `  ${l.suite}: ${tests.length - skipped} of ${tests.length} run; ${[...why].map(([reason, names]) => `skip (${reason}): ${names.join('; ')}`).join(' | ')}`,
      );
  }
  return {
    run,
    skip,
    lines: [`plan, ${title}: ${run} of ${run + skip} tests run, ${skip} skip`, ...(full.length ? [`  run in full: ${full.join(', ')}`] : []), ...partial],
  };
}

/**
 * The plan of a remote-mode run (a server, or a lab as one) or a run on named lab stacks, one
 * block per stack; nothing for a plain lab run (everything runs there).
 */
export async function planLines(
  suites: readonly SuiteFile[],
  opts: {
    remote?: { target?: string; closeTrigger?: string; dataRequest?: string; stack?: StackName };
    stacks?: readonly StackName[];
    slow: boolean;
    grep?: string;
  },
): Promise<string[]> {
  if (!opts.remote && !opts.stacks) return [];
  const listings = await Promise.all(suites.map((s) => listSuite(s)));
  const popts = { slow: opts.slow, ...(opts.grep !== undefined ? { grep: new RegExp(opts.grep) } : {}) };
  if (opts.remote) {
    const caps: Capabilities = { agent: false, states: false, settings: false, appClose: !!opts.remote.closeTrigger, appSend: !!opts.remote.dataRequest };
    const what = opts.remote.target ? `target ${opts.remote.target}` : `a ${opts.remote.stack ?? 'linux'} lab as remote`;
    return runPlan(
      `remote mode, ${what} (${describeCapabilities(caps)}${opts.remote.closeTrigger ? `: ${opts.remote.closeTrigger}` : ''})`,
      listings,
      caps,
      popts,
    ).lines;
  }
  return (opts.stacks ?? []).flatMap((st) => {
    const c = STACK_CAPABILITIES[st];
    const names = STACK_SETTING_NAMES[st];
    // Where the set is closed (not a Linux kernel's sysctls): its names and the roles they fill.
    const settingNames = names ? [...names, ...(STACK_ROLE_NAMES[st] ?? [])] : undefined;
    const caps: Capabilities = { ...c, appClose: c.agent, appSend: c.agent, ...(settingNames ? { settingNames } : {}) };
    return runPlan(`stack ${st} (${describeCapabilities(caps)})`, listings, caps, popts).lines;
  });
}
