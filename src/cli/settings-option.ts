// The user's stack settings: `--setting [STACK:]name=value` (any stack's own names) and
// `--lab-sysctl [STACK:]name=value` (a Linux sysctl: linux and uml only), checked against every
// stack of the run before anything starts. A name a stack does not have is one line naming the
// stack and its settings (exit 2), never a setting dropped on the way.
import { UsageError } from '../sys/errors.js';
import { checkMemorySetting } from '../target/memory/settings.js';
import type { StackName } from '../target/stack.js';
import { describeStackSettings, LINUX_STACKS, splitStackPrefix, stackHasSetting } from '../target/stack-settings.js';
import { parseKeyValue, parseLabSysctls } from './args.js';

export interface UserSettings {
  /** what the suites get (ENV.labSysctls): `name` for every stack of the run, `stack:name` for one */
  env: Record<string, string>;
  /** the Linux sysctls among them (for linux, uml): each checked per network namespace before any lab */
  linux: Record<string, string>;
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * Both options' values for the run's stacks (`stacks`: the --stack list, linux by default).
 * Linux sysctls are checked as the lab checks them (parseLabSysctls: short names normalised,
 * integers where the kernel wants them, the host's own refused by name); the memory stack's
 * values by its own ranges; gVisor's and the proxies' values by the stack when it starts.
 */
export function parseUserSettings(given: { labSysctl?: unknown; setting?: unknown }, stacks: readonly StackName[]): UserSettings {
  const env: Record<string, string> = {};
  const linux: Record<string, string> = {};
  const several = stacks.length > 1;
  const entries: Array<['lab-sysctl' | 'setting', string]> = [
    ...asList(given.labSysctl).map((raw): ['lab-sysctl', string] => ['lab-sysctl', raw]),
    ...asList(given.setting).map((raw): ['setting', string] => ['setting', raw]),
  ];
  for (const [option, raw] of entries) {
    const [key, value] = parseKeyValue(option, raw);
    let prefix: StackName | undefined;
    let name: string;
    try {
      [prefix, name] = splitStackPrefix(key);
    } catch (e) {
      throw new UsageError(`--${option} ${raw}: ${(e as Error).message}`);
    }
    if (prefix && !stacks.includes(prefix)) throw new UsageError(`--${option} ${raw}: stack ${prefix} is not in this run (--stack ${stacks.join(',')})`);
    const targets = prefix ? [prefix] : stacks;
    const which = (st: StackName) => (several && !prefix ? `stack ${st} (of --stack ${stacks.join(',')})` : `stack ${st}`);
    // Where some of the run's stacks have it: how to give it to them alone.
    const alone = (st: StackName) => {
      const have = stacks.filter((s) => s !== st && (LINUX_STACKS.includes(s) || stackHasSetting(s, name)));
      return several && !prefix && have.length ? `; to set it on ${have.join(', ')} alone: --${option} ${have[0]}:${name}=${value}` : '';
    };
    let normal = name;
    for (const st of targets) {
      if (LINUX_STACKS.includes(st)) {
        try {
          normal = Object.keys(parseLabSysctls([`${name}=${value}`]))[0]!;
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          // The Linux checks' own words, named after the option given and, where it matters, the stack.
          if (!several && !prefix) throw option === 'lab-sysctl' ? e : new UsageError(e.message.replace(/^--lab-sysctl/, '--setting'));
          throw new UsageError(`--${option} ${raw}: ${which(st)}: ${e.message.replace(/^--lab-sysctl:? ?/, '')}${alone(st)}`);
        }
        linux[normal] = value;
      } else if (option === 'lab-sysctl') {
        throw new UsageError(`--lab-sysctl ${raw}: ${which(st)} has no Linux sysctls (${describeStackSettings(st)}; give them with --setting)${alone(st)}`);
      } else if (!stackHasSetting(st, name)) {
        throw new UsageError(`--setting ${raw}: ${which(st)} has no setting '${name}' (${describeStackSettings(st)})${alone(st)}`);
      } else if (st === 'memory') {
        try {
          checkMemorySetting(name, value);
        } catch (e) {
          throw new UsageError(`--setting ${raw}: ${(e as Error).message}`);
        }
      }
    }
    env[prefix ? `${prefix}:${normal}` : normal] = value;
  }
  return { env, linux };
}

/** --lab-sysctl and --setting of `tcpfsm run`: a remote server (--target) has no settings to set. */
export function userSettingsOption(
  a: { labSysctl?: unknown; setting?: unknown },
  target: string | undefined,
  stacks: readonly StackName[] | undefined,
): UserSettings {
  const given = [...asList(a.labSysctl).map(() => '--lab-sysctl'), ...asList(a.setting).map(() => '--setting')];
  if (target && given.length)
    throw new UsageError(`${[...new Set(given)].join(', ')} set a lab stack's settings; --target names a remote server, whose settings tcpfsm cannot change`);
  return parseUserSettings(a, stacks ?? ['linux']);
}
