// The sysctl set a lab starts from (`--sysctls fast|host`). `fast` is FAST_SUITE_SYSCTLS, short
// timers that keep the suites quick; `host` copies the per-network-namespace TCP/IP sysctls of
// the namespace tcpfsm runs in (the root namespace normally) into the lab, so the timer suites
// measure this machine's own tuning. Only read here: nothing of the host is ever written.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { UsageError } from '../sys/errors.js';
import { namespaceScopes } from './sysctl-probe.js';
import { hostWideByName, sysctlProcPath } from './sysctl-scope.js';
import { FAST_SUITE_SYSCTLS, SYSCTL_NAMES, sysctlPairs } from './sysctls.js';

export const SYSCTL_SETS = ['fast', 'host'] as const;
export type SysctlSet = (typeof SYSCTL_SETS)[number];

export function parseSysctlSet(raw: string | undefined): SysctlSet {
  if (raw === undefined) return 'fast';
  if ((SYSCTL_SETS as readonly string[]).includes(raw)) return raw as SysctlSet;
  throw new UsageError(`--sysctls wants ${SYSCTL_SETS.join(' or ')}, got '${raw}'`);
}

/** Not copied: a secret (the TFO key: the lab makes its own), or sizing for namespaces made inside the lab. */
const NOT_COPIED = new Set(['net.ipv4.tcp_fastopen_key', 'net.ipv4.tcp_child_ehash_entries', 'net.ipv4.udp_child_hash_entries']);

const BY_DOTTED = new Map<string, string>(Object.entries(SYSCTL_NAMES).map(([short, dotted]) => [dotted, short]));

/** The short name where the lab has one (so `--lab-sysctl tcp_fin_timeout=…` lands on the same key). */
export const canonicalSysctlKey = (name: string): string => BY_DOTTED.get(name) ?? name;
/** The dotted name of a short or dotted key. */
export const dottedSysctlName = (key: string): string => SYSCTL_NAMES[key as keyof typeof SYSCTL_NAMES] ?? key;

/** A sysctl's value in this process's namespace, whitespace normalised as the lab reads it; null if unreadable. */
export function readHostSysctl(name: string): string | null {
  try {
    return readFileSync(sysctlProcPath(name), 'utf8').trim().split(/\s+/).join(' ');
  } catch {
    return null;
  }
}

/** Candidates: every net.ipv4 tcp_* / ip_* file of this namespace, and net.core.somaxconn. */
function candidateNames(): string[] {
  const dir = '/proc/sys/net/ipv4';
  const names = readdirSync(dir)
    .filter((f) => /^(tcp|ip)_/.test(f) && statSync(`${dir}/${f}`).isFile())
    .map((f) => `net.ipv4.${f}`);
  return [...names, 'net.core.somaxconn'].filter((n) => !NOT_COPIED.has(n) && hostWideByName(n) === null);
}

/**
 * The `host` set: each TCP/IP sysctl a brand-new network namespace has writable of its own, with
 * this namespace's value, keyed by the lab's short name where it has one. Needs root (the probe).
 */
export async function hostSysctls(): Promise<Record<string, string>> {
  const names = candidateNames();
  const scopes = await namespaceScopes(names);
  const out: Record<string, string> = {};
  for (const n of names) {
    if (scopes.get(n) !== 'writable') continue;
    const v = readHostSysctl(n);
    if (v) out[canonicalSysctlKey(n)] = v; // an empty list (ip_local_reserved_ports) is a fresh namespace's own default
  }
  return out;
}

/** The values a lab of this set starts from, before the suite's and the user's own (flat pairs). */
export async function baseSysctls(set: SysctlSet): Promise<Record<string, string>> {
  return set === 'host' ? hostSysctls() : sysctlPairs(FAST_SUITE_SYSCTLS);
}

export interface SysctlDifference {
  name: string;
  lab: string;
  host: string | null;
}

/** Keys whose lab value differs from this namespace's (dotted names, sorted). */
export function differencesFromHost(lab: Readonly<Record<string, string>>, host: (name: string) => string | null = readHostSysctl): SysctlDifference[] {
  return Object.entries(lab)
    .map(([k, v]) => ({ name: dottedSysctlName(k), lab: String(v).trim().split(/\s+/).join(' ') }))
    .map((d) => ({ ...d, host: host(d.name) }))
    .filter((d) => d.host !== d.lab)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One line for the run's header: the set in force and what differs from the host. */
export function sysctlSetLine(set: SysctlSet, copied: number, diffs: readonly SysctlDifference[]): string {
  const shown = diffs.map((d) => `${d.name.replace(/^net\.ipv4\./, '')} ${d.lab} (host ${d.host ?? '—'})`).join(', ');
  const head =
    set === 'host'
      ? `sysctls: host — ${copied} per-namespace TCP/IP sysctls of this machine's namespace copied into each lab`
      : "sysctls: fast — the lab's shortened timers; a pass says nothing about this machine's own tuning (--sysctls host measures it)";
  return `${head}; ${diffs.length ? `differ from the host: ${shown}` : 'none differs from the host'}`;
}
