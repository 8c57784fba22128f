// Which settings each stack has, known before it starts, so that a setting is never given to a
// stack that lacks it and then dropped: the CLI refuses the user's (exit 2, naming the stack and
// its settings), and a suite whose own setting (a Linux sysctl such as tcp_rfc1337=1) a stack
// lacks skips there instead of running with another value. The user's settings reach a suite
// as one JSON object (ENV.labSysctls): `name` for every stack of the run, `stack:name` for one.
import { SYSCTL_NAME } from '../lab/sysctl-scope.js';
import { SYSCTL_NAMES } from '../lab/sysctls.js';
import { UsageError } from '../sys/errors.js';
import { MEMORY_ROLES, MEMORY_SETTINGS } from './memory/settings.js';
import { STACK_NAMES, type StackName } from './stack.js';

/** The Linux kernels: any sysctl of the lab's namespace (checked for host safety apart, src/lab/sysctl-scope.ts). */
export const LINUX_STACKS: readonly StackName[] = ['linux', 'uml'];

/** netstack's options as the gVisor program names them (stacks/gvisor/settings.go; a unit test compares). */
export const GVISOR_SETTINGS = [
  'tcp.sack',
  'tcp.delay',
  'tcp.moderate_rcvbuf',
  'tcp.always_syn_cookies',
  'tcp.linger_timeout_ms',
  'tcp.time_wait_timeout_ms',
  'tcp.min_rto_ms',
  'tcp.max_rto_ms',
  'tcp.max_retries',
  'tcp.syn_retries',
  'tcp.time_wait_reuse',
  'tcp.recovery',
  'tcp.congestion_control',
  'tcp.send_buffer',
  'tcp.receive_buffer',
] as const;

/** The proxies' start-time options (src/target/slirp.ts, passt.ts: ProxyTool.options; a unit test compares). */
const PROXY_SETTINGS = ['mtu'] as const;

/** Each stack's setting names where the set is closed; Linux kernels: undefined (any sysctl). */
export const STACK_SETTING_NAMES: Readonly<Record<StackName, readonly string[] | undefined>> = {
  linux: undefined,
  uml: undefined,
  gvisor: GVISOR_SETTINGS,
  slirp: PROXY_SETTINGS,
  passt: PROXY_SETTINGS,
  memory: Object.keys(MEMORY_SETTINGS),
};

/** The roles a stack's settings fill, where known before it starts (Linux: ./roles.ts LINUX_SETTING_ROLES). */
export const STACK_ROLE_NAMES: Readonly<Partial<Record<StackName, readonly string[]>>> = {
  memory: Object.keys(MEMORY_ROLES),
};

/** Whether `stack` has a setting called `name` (a Linux kernel: a short or dotted sysctl name). */
export function stackHasSetting(stack: StackName, name: string): boolean {
  const names = STACK_SETTING_NAMES[stack];
  return names ? names.includes(name) : name in SYSCTL_NAMES || SYSCTL_NAME.test(name);
}

/** For messages: 'its settings: rfc5961, rto_initial_ms, …' */
export function describeStackSettings(stack: StackName): string {
  const names = STACK_SETTING_NAMES[stack];
  if (!names) return 'its settings: sysctls of its network namespace, short (tcp_fin_timeout) or dotted (net.ipv4.tcp_rmem)';
  return `its settings: ${names.join(', ')}`;
}

/** The names among `names` that `stack` lacks. */
export const settingsLacking = (stack: StackName, names: Iterable<string>): string[] => [...names].filter((n) => !stackHasSetting(stack, n));

/** `memory:rto_min_ms` → ['memory', 'rto_min_ms']; no stack prefix → [undefined, name]. */
export function splitStackPrefix(key: string): [StackName | undefined, string] {
  const at = key.indexOf(':');
  if (at < 0) return [undefined, key];
  const stack = key.slice(0, at);
  if (!(STACK_NAMES as readonly string[]).includes(stack))
    throw new UsageError(`setting '${key}': '${stack}' is not a stack (${STACK_NAMES.join(', ')}); give name=value or STACK:name=value`);
  return [stack as StackName, key.slice(at + 1)];
}

/** The user's settings (ENV.labSysctls) meant for `stack`: every unprefixed one, and its own `stack:name` ones on top. */
export function userSettingsFor(stack: StackName, all: Readonly<Record<string, string>>): Record<string, string> {
  const common: Record<string, string> = {};
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    const [prefix, name] = splitStackPrefix(key);
    if (prefix === undefined) common[name] = value;
    else if (prefix === stack) own[name] = value;
  }
  return { ...common, ...own };
}
