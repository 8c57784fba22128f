// What a test needs of its target, and why a target without it skips the test. Pure, so the CLI
// can say before a run what will run and what will skip (src/cli/plan.ts), with the very words
// the suites use when they skip (src/peer/suite.ts).

/**
 * Capabilities a test needs of its target: 'agent' (drive the target's application), 'app-close'
 * (the application closes first: the agent, or a remote close trigger), 'states' (the target's
 * own connection states: ground truth), 'settings' (read and change the stack's settings).
 */
export type Need = 'agent' | 'app-close' | 'states' | 'settings';

export interface Capabilities {
  agent: boolean;
  states: boolean;
  settings: boolean;
  appClose: boolean;
}

/** Why a test with these needs cannot run on a target with these capabilities (undefined: it can). */
export function lacking(needs: readonly Need[], caps: Capabilities): string | undefined {
  if (needs.includes('agent') && !caps.agent) return 'needs the lab agent';
  if (needs.includes('app-close') && !caps.appClose) return 'needs the server to close first: give --close-trigger http or idle:SECONDS';
  if (needs.includes('states') && !caps.states) return "needs ground truth: this target's own connection states cannot be read";
  if (needs.includes('settings') && !caps.settings) return "needs the target's settings, which this target does not expose";
  return undefined;
}
