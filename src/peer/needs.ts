// What a test needs of its target, and why a target without it skips the test. Pure, so the CLI
// can say before a run what will run and what will skip (src/cli/plan.ts), with the very words
// the suites use when they skip (src/peer/suite.ts).

/**
 * Capabilities a test needs of its target: 'agent' (drive the target's application), 'app-close'
 * (the application closes first: the agent, or a remote close trigger), 'states' (the target's
 * own connection states: ground truth), 'settings' (read and change the stack's settings),
 * 'app-send' (the application can be made to send data: the agent, or a remote's data request),
 * 'icmp' (the wire can send ICMP errors about a connection: a raw IP socket).
 */
export type Need = 'agent' | 'app-close' | 'app-send' | 'states' | 'settings' | 'icmp';

export interface Capabilities {
  agent: boolean;
  states: boolean;
  settings: boolean;
  appClose: boolean;
  appSend: boolean;
  /** ICMP errors can be sent to the target (false: an in-process stack, no IP between us) */
  icmp?: boolean;
  /** the names the target's settings have, and the roles they fill (unknown before it opens) */
  settingNames?: readonly string[];
}

/** Why a test with these needs cannot run on a target with these capabilities (undefined: it can). */
export function lacking(needs: readonly Need[], caps: Capabilities, settings: readonly string[] = []): string | undefined {
  const missing = caps.settingNames ? settings.filter((name) => !caps.settingNames!.includes(name)) : [];
  if (missing.length && caps.settings) return lackingSettings(missing);
  if (needs.includes('agent') && !caps.agent) return 'needs the lab agent';
  if (needs.includes('app-close') && !caps.appClose) return 'needs the server to close first: give --close-trigger http, idle:SECONDS or send:BYTES';
  if (needs.includes('app-send') && !caps.appSend) return 'needs the server to send data: give --data-request http or send:BYTES';
  if (needs.includes('icmp') && caps.icmp === false)
    return 'needs ICMP: this target is reached without IP (an in-process stack), so no ICMP error can reach it';
  if (needs.includes('states') && !caps.states) return "needs ground truth: this target's own connection states cannot be read";
  if ((needs.includes('settings') || settings.length) && !caps.settings) return "needs the target's settings, which this target does not expose";
  return undefined;
}

/** Why a test skips on a stack without these settings (its own, or ones its suite sets). */
export const lackingSettings = (missing: readonly string[]): string =>
  `needs the setting${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this stack does not have`;
