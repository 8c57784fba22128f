// Settings every TCP has under a name (and a unit, and a reading) of its own: a role. A test that
// grades a timer against "the stack's SYN-ACK retries" asks for the role (TestMeta.settings) and
// reads it here, so each stack is graded against its own setting, never against Linux's name.
import type { StackSettings } from './stack.js';

/** The roles, each in one unit: counts of retransmissions, durations in ms. */
export const SETTING_ROLES = {
  'synack-retries': { what: 'SYN-ACK retransmissions before SYN-RECEIVED gives up', unit: 'count' },
  retries2: { what: 'retransmissions of data before an established connection is dropped (R2, RFC 9293 3.8.3)', unit: 'count' },
  'orphan-retries': { what: 'retransmissions of a FIN before an orphaned FIN-WAIT-1 is dropped', unit: 'count' },
  'fin-timeout': { what: 'lifetime of an orphaned FIN-WAIT-2', unit: 'ms' },
  'time-wait': { what: 'TIME-WAIT duration (2 MSL)', unit: 'ms' },
} as const satisfies Record<string, { what: string; unit: 'count' | 'ms' }>;

export type SettingRole = keyof typeof SETTING_ROLES;

export const isSettingRole = (name: string): name is SettingRole => Object.hasOwn(SETTING_ROLES, name);

/** One stack's setting for a role. */
export interface RoleBinding {
  /** the stack's own name */
  readonly name: string;
  /** a duration role's value is in seconds here (default: ms) */
  readonly seconds?: boolean;
  /** 0 turns the mechanism off (the memory stack's fin_wait_2_timeout_ms) */
  readonly zeroIsNone?: boolean;
  /**
   * The stack reads the value as Linux does (src/fsm/linux-timers.ts): retries as a time budget
   * of RTO_MIN doublings, tcp_orphan_retries 0 as 8, the FIN-WAIT-2 timeout floored at 3.5 × RTO.
   * Absent: as the role says (an exact count, an exact duration).
   */
  readonly linux?: boolean;
}

/**
 * Linux's names (the lab's kernel, UML). TIME-WAIT has none: TCP_TIMEWAIT_LEN is 60 s, compiled
 * in (the linux profile says so).
 */
export const LINUX_SETTING_ROLES: Readonly<Partial<Record<SettingRole, RoleBinding>>> = {
  'synack-retries': { name: 'net.ipv4.tcp_synack_retries', linux: true },
  retries2: { name: 'net.ipv4.tcp_retries2', linux: true },
  'orphan-retries': { name: 'net.ipv4.tcp_orphan_retries', linux: true },
  'fin-timeout': { name: 'net.ipv4.tcp_fin_timeout', seconds: true, linux: true },
};

/** A role's value on one target, as the stack has it and in the role's unit. */
export interface RoleValue {
  readonly role: SettingRole;
  readonly binding: RoleBinding;
  /** the stack's own text, e.g. '3' */
  readonly raw: string;
  /** in the role's unit (count, ms); null: 0 turns it off on this stack */
  readonly value: number | null;
  /** 'net.ipv4.tcp_fin_timeout = 3 s', 'fin_wait_2_timeout_ms = 0 (none)' */
  readonly text: string;
}

/** The role's value where the target's settings have it; undefined where they do not. */
export function readRole(settings: StackSettings | null | undefined, role: SettingRole): RoleValue | undefined {
  const binding = settings?.roles?.[role];
  const raw = binding ? settings?.values[binding.name] : undefined;
  if (!binding || raw === undefined) return undefined;
  const n = Number(raw);
  const value = binding.zeroIsNone && n === 0 ? null : SETTING_ROLES[role].unit === 'ms' && binding.seconds ? n * 1000 : n;
  const unit = SETTING_ROLES[role].unit === 'ms' ? (binding.seconds ? ' s' : ' ms') : '';
  return { role, binding, raw, value, text: `${binding.name} = ${raw}${value === null ? ' (none)' : unit}` };
}

/** The stack's own name and text for setting a role to `value` (in the role's unit), for settings.set(). */
export function roleSetting(settings: StackSettings, role: SettingRole, value: number): Record<string, string> {
  const binding = settings.roles?.[role];
  if (!binding) throw new Error(`this stack has no setting for the role ${role}: declare settings: ['${role}'] on the test so it is skipped here`);
  const own = SETTING_ROLES[role].unit === 'ms' && binding.seconds ? value / 1000 : value;
  return { [binding.name]: String(own) };
}
