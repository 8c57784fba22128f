// The target namespace's TCP knobs. Each lab has its own network namespace, so these are the
// target kernel's settings for that lab only; the host's values are never touched: a key that is
// not per network namespace is refused (sysctl-scope.ts by name here, sysctl-probe.ts before a
// lab is created, the agent again before it writes).
import { UsageError } from '../sys/errors.js';
import { refuseHostWideByName } from './sysctl-scope.js';

/** Short name → sysctl. Every value is an integer except where the kernel wants a list. */
export const SYSCTL_NAMES = {
  tcp_syn_retries: 'net.ipv4.tcp_syn_retries',
  tcp_synack_retries: 'net.ipv4.tcp_synack_retries',
  tcp_fin_timeout: 'net.ipv4.tcp_fin_timeout',
  tcp_retries1: 'net.ipv4.tcp_retries1',
  tcp_retries2: 'net.ipv4.tcp_retries2',
  tcp_orphan_retries: 'net.ipv4.tcp_orphan_retries',
  tcp_tw_reuse: 'net.ipv4.tcp_tw_reuse',
  tcp_rfc1337: 'net.ipv4.tcp_rfc1337',
  tcp_syncookies: 'net.ipv4.tcp_syncookies',
  tcp_timestamps: 'net.ipv4.tcp_timestamps',
  tcp_sack: 'net.ipv4.tcp_sack',
  tcp_window_scaling: 'net.ipv4.tcp_window_scaling',
  tcp_ecn: 'net.ipv4.tcp_ecn',
  tcp_abort_on_overflow: 'net.ipv4.tcp_abort_on_overflow',
  tcp_max_syn_backlog: 'net.ipv4.tcp_max_syn_backlog',
  tcp_max_tw_buckets: 'net.ipv4.tcp_max_tw_buckets',
  tcp_challenge_ack_limit: 'net.ipv4.tcp_challenge_ack_limit',
  tcp_invalid_ratelimit: 'net.ipv4.tcp_invalid_ratelimit',
  tcp_keepalive_time: 'net.ipv4.tcp_keepalive_time',
  tcp_keepalive_intvl: 'net.ipv4.tcp_keepalive_intvl',
  tcp_keepalive_probes: 'net.ipv4.tcp_keepalive_probes',
  somaxconn: 'net.core.somaxconn',
} as const;

export type SysctlKey = keyof typeof SYSCTL_NAMES;

export type LabSysctls = { [K in SysctlKey]?: number } & {
  /** Any other sysctl by its dotted name (net.ipv4.tcp_rmem: '4096 4096 4096'). */
  extra?: Record<string, string | number>;
};

/**
 * `key=value` pairs as users give them (`--lab-sysctl`, TCPFSM_LAB_SYSCTLS) in the lab's option
 * shape, on top of `base`: short names (tcp_fin_timeout) as integers, dotted names under `extra`.
 * A short name with a non-integer value is kept as given: the kernel refuses it, and the lab's
 * error names the sysctl and the value.
 */
export function labSysctlsFrom(values: Readonly<Record<string, string>>, base: Readonly<LabSysctls> = {}): LabSysctls {
  const out: LabSysctls = { ...base, ...(base.extra ? { extra: { ...base.extra } } : {}) };
  for (const [k, v] of Object.entries(values)) {
    if (k in SYSCTL_NAMES) (out as Record<string, unknown>)[k] = /^-?\d+$/.test(v) ? Number(v) : v;
    else (out.extra ??= {})[k] = v;
  }
  return out;
}

/** The other way: LabSysctls as flat `name=value` pairs (short names stay short), as a stack's settings take them. */
export function sysctlPairs(sysctls: Readonly<LabSysctls>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sysctls)) if (k !== 'extra' && v !== undefined) out[k] = String(v);
  for (const [k, v] of Object.entries(sysctls.extra ?? {})) out[k] = String(v);
  return out;
}

/**
 * Defaults that keep suites fast yet leave every mechanism observable:
 * - tcp_synack_retries 2: a SYN-RECEIVED with no ACK gives up after 1+2+4 s (kernel: 5 → 63 s);
 * - tcp_syn_retries 2: an unanswered active open gives up after 1+2+4 s (kernel: 6 → 127 s);
 * - tcp_fin_timeout 3: an orphaned FIN-WAIT-2 lasts 3 s (kernel: 60);
 * - tcp_retries2 3: an established connection with unacked data dies after 4 RTOs (kernel: 15);
 * - tcp_orphan_retries 2: an orphan FIN-WAIT-1 / LAST-ACK / CLOSING gives up after 3 RTOs
 *   (kernel: 0, which it reads as 8);
 * - tcp_invalid_ratelimit 0: challenge ACKs and dup-ACKs to out-of-window segments are not
 *   rate-limited per socket (kernel: one per 500 ms), so every RFC 5961 answer is observable;
 * TIME-WAIT stays 60 s: Linux has no knob for it (TCP_TIMEWAIT_LEN).
 */
export const FAST_SUITE_SYSCTLS: Readonly<LabSysctls> = {
  tcp_synack_retries: 2,
  tcp_syn_retries: 2,
  tcp_fin_timeout: 3,
  tcp_retries2: 3,
  tcp_orphan_retries: 2,
  tcp_invalid_ratelimit: 0,
};

/** The dotted-name → value map to write: defaults, then the caller's values on top. */
export function sysctlsToWrite(options: LabSysctls = {}, defaults: Readonly<LabSysctls> = FAST_SUITE_SYSCTLS): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: unknown, key: string) => {
    if (typeof value === 'number' ? !Number.isInteger(value) : typeof value !== 'string') {
      throw new UsageError(`lab sysctl ${key} must be an integer${key.includes('.') ? ' or a string' : ''}, got ${JSON.stringify(value)}`);
    }
    out[name] = String(value).trim().split(/\s+/).join(' ');
  };
  for (const src of [defaults, options]) {
    for (const [key, value] of Object.entries(src)) {
      if (key === 'extra' || value === undefined) continue;
      const name = SYSCTL_NAMES[key as SysctlKey];
      if (!name)
        throw new UsageError(`unknown lab sysctl option '${key}' (known: ${Object.keys(SYSCTL_NAMES).join(', ')}; others go in 'extra' by dotted name)`);
      add(name, value, key);
    }
    for (const [name, value] of Object.entries(src.extra ?? {})) add(name, value, name);
  }
  refuseHostWideByName(Object.keys(out));
  return out;
}

/** Names whose read-back value differs from what was written, as "name: wrote X, reads Y". */
export function sysctlMismatches(written: Record<string, string>, readBack: Record<string, string>): string[] {
  return Object.entries(written)
    .filter(([name, value]) => readBack[name] !== value)
    .map(([name, value]) => `${name}: wrote ${value}, reads ${readBack[name] ?? '(nothing)'}`);
}
