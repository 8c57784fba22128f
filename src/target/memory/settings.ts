// The memory stack's own options (its "sysctls"): RFC 5961 on or off, its timers and its buffer.
// Values are strings as every stack's settings are; each is checked when set, and read back.
import { UsageError } from '../../sys/errors.js';
import type { RoleBinding, SettingRole } from '../roles.js';
import type { StackSettings } from '../stack.js';

interface Spec {
  /** default, as a string */
  value: string;
  min: number;
  max: number;
  what: string;
}

/**
 * Defaults are the RFCs' own: RTO 1 s initial and minimum (RFC 6298 2.1, 2.4), TIME-WAIT 2 MSL
 * with MSL = 2 minutes (RFC 9293 3.4.2), no FIN-WAIT-2 timeout (RFC 9293 3.6 sets none).
 */
export const MEMORY_SETTINGS = {
  rfc5961: { value: '1', min: 0, max: 1, what: 'RFC 5961 challenge ACKs for in-window RST and SYN (0: RFC 793 resets, MAY-12)' },
  rto_initial_ms: { value: '1000', min: 1, max: 120_000, what: 'initial retransmission timeout (RFC 6298 2.1)' },
  rto_min_ms: { value: '1000', min: 1, max: 120_000, what: 'lower bound of the RTO (RFC 6298 2.4)' },
  rto_max_ms: { value: '60000', min: 1, max: 600_000, what: 'upper bound of the RTO (RFC 6298 2.5)' },
  retries: { value: '8', min: 0, max: 255, what: 'retransmissions of data or FIN before the connection is dropped (R2, RFC 9293 3.8.3)' },
  syn_retries: { value: '5', min: 0, max: 255, what: 'retransmissions of an active open SYN (R2 for SYN)' },
  synack_retries: { value: '5', min: 0, max: 255, what: 'retransmissions of a SYN-ACK before SYN-RECEIVED gives up' },
  time_wait_ms: { value: '240000', min: 1, max: 3_600_000, what: 'TIME-WAIT duration: 2 MSL (RFC 9293 3.4.2, MSL = 2 min)' },
  fin_wait_2_timeout_ms: { value: '0', min: 0, max: 3_600_000, what: 'FIN-WAIT-2 timeout after close() (0: none, as RFC 9293)' },
  receive_buffer: { value: '65535', min: 1, max: 65535, what: 'receive buffer in bytes: the largest window (no window scaling)' },
  mss: { value: '1460', min: 88, max: 65495, what: 'the MSS announced in our SYNs (RFC 9293 3.7.1)' },
} as const satisfies Record<string, Spec>;

/** The settings as numbers, for the stack's own use. */
export type MemoryConfig = { [K in keyof typeof MEMORY_SETTINGS]: number };

/**
 * The roles (../roles.ts) the memory stack's settings fill, each read exactly as it is named
 * (a count is the count, a duration the duration: no Linux time budget, no 3.5 × RTO floor).
 * orphan-retries is `retries` too: this stack has one limit for data and FIN, orphaned or not,
 * so a FIN-WAIT-1 after close() (what the role is about) gives up after `retries` as Linux's
 * orphan does after tcp_orphan_retries. fin-timeout applies to orphans only, as on Linux;
 * 0 (the default) is none, as in RFC 9293 3.6.
 */
export const MEMORY_ROLES: Readonly<Partial<Record<SettingRole, RoleBinding>>> = {
  'synack-retries': { name: 'synack_retries' },
  retries2: { name: 'retries' },
  'orphan-retries': { name: 'retries' },
  'fin-timeout': { name: 'fin_wait_2_timeout_ms', zeroIsNone: true },
  'time-wait': { name: 'time_wait_ms' },
};

/** `value` for the setting `name`, normalised; a UsageError names an unknown name or a value out of range. */
export function checkMemorySetting(name: string, raw: string): string {
  const spec = (MEMORY_SETTINGS as Record<string, Spec>)[name];
  if (!spec) throw new UsageError(`unknown memory stack setting '${name}' (known: ${Object.keys(MEMORY_SETTINGS).join(', ')})`);
  const text = String(raw).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < spec.min || n > spec.max)
    throw new UsageError(`memory stack setting ${name}: '${raw}' is not an integer in ${spec.min}..${spec.max} (${spec.what})`);
  return String(n);
}

export class MemorySettings implements StackSettings {
  readonly roles = MEMORY_ROLES;
  private current: Record<string, string> = Object.fromEntries(Object.entries(MEMORY_SETTINGS).map(([k, s]) => [k, s.value]));
  /** Numbers, updated with every set(). */
  readonly config = {} as MemoryConfig;

  constructor() {
    this.refresh();
  }

  get values(): Readonly<Record<string, string>> {
    return { ...this.current };
  }

  /** Validate every value before changing any, then apply them all. */
  async set(values: Readonly<Record<string, string>>): Promise<Readonly<Record<string, string>>> {
    const next: Record<string, string> = {};
    for (const [name, raw] of Object.entries(values)) next[name] = checkMemorySetting(name, raw);
    Object.assign(this.current, next);
    this.refresh();
    return this.values;
  }

  private refresh(): void {
    for (const [k, v] of Object.entries(this.current)) (this.config as Record<string, number>)[k] = Number(v);
  }
}
