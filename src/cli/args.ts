// Option values from the command line, checked and normalised. Each parser throws a UsageError
// that names the option, quotes the bad value and shows the expected form.
import { isIP } from 'node:net';
import { refuseHostSysctls } from '../lab/sysctl-probe.js';
import { labSysctlsFrom, SYSCTL_NAMES, sysctlsToWrite } from '../lab/sysctls.js';
import { EXPECTATIONS, isExpectationKey } from '../peer/expectations.js';
import { UsageError } from '../sys/errors.js';

/** `key=value` → [key, value]; the key is non-empty, the value may hold further '='. */
export function parseKeyValue(option: string, raw: string): [string, string] {
  const at = raw.indexOf('=');
  if (at <= 0 || at === raw.length - 1) {
    throw new UsageError(`--${option} wants key=value, got '${raw}' (e.g. --${option} ${option === 'expect' ? 'synack-retries=2' : 'tcp_fin_timeout=5'})`);
  }
  return [raw.slice(0, at).trim(), raw.slice(at + 1).trim()];
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * `--lab-sysctl` values: a short name from the lab's list (tcp_fin_timeout=5, an integer) or a
 * dotted net.* sysctl of the lab's own namespace (net.ipv4.tcp_rmem='4096 87380 6291456'). A
 * dotted name with a short form is stored under the short form. Checked the way the lab will
 * check them; keys outside net.* are refused here (the host's own), the rest by
 * refuseHostWideLabSysctls before any lab is made.
 */
export function parseLabSysctls(values: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const byDotted = new Map<string, string>(Object.entries(SYSCTL_NAMES).map(([short, dotted]) => [dotted, short]));
  for (const raw of asList(values)) {
    const [k, v] = parseKeyValue('lab-sysctl', raw);
    const key = byDotted.get(k) ?? k;
    if (!(key in SYSCTL_NAMES) && !/^[a-z0-9_]+\.[A-Za-z0-9_.-]+$/.test(key)) {
      throw new UsageError(
        `--lab-sysctl: unknown sysctl '${k}' (short names: ${Object.keys(SYSCTL_NAMES).join(', ')}; or a dotted name like net.ipv4.tcp_rmem)`,
      );
    }
    if (key in SYSCTL_NAMES && !/^-?\d+$/.test(v)) throw new UsageError(`--lab-sysctl ${key} wants an integer, got '${v}'`);
    out[key] = v;
  }
  try {
    sysctlsToWrite(labSysctlsFrom(out), {}); // the lab's own checks, now rather than in every suite
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--lab-sysctl: ${e.message}`);
    throw e;
  }
  return out;
}

/** The per-namespace check of `--lab-sysctl` values (a throwaway namespace, root), before any lab. */
export async function refuseHostWideLabSysctls(values: Record<string, string>): Promise<void> {
  try {
    await refuseHostSysctls(Object.keys(sysctlsToWrite(labSysctlsFrom(values), {})));
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--lab-sysctl: ${e.message}`);
    throw e;
  }
}

/** `--expect name=number`: user expectations the suites compare measured figures with. */
export function parseExpect(values: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const raw of asList(values)) {
    const [k, v] = parseKeyValue('expect', raw);
    if (!isExpectationKey(k)) throw new UsageError(`--expect: no test reads '${k}' (known: ${Object.keys(EXPECTATIONS).join(', ')})`);
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new UsageError(`--expect ${k} wants a number, got '${v}'`);
    out[k] = n;
  }
  return out;
}

/** `host:port`, `[v6]:port`; host an IP address or a DNS name. Returns it normalised. */
export function parseTarget(raw: string): { host: string; port: number; text: string } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(raw) ?? /^([^:[\]\s]+):(\d+)$/.exec(raw);
  const hint = `--target wants host:port or [ipv6]:port, got '${raw}' (e.g. --target 198.18.0.10:80)`;
  if (!m) throw new UsageError(hint);
  const host = m[1]!;
  const port = Number(m[2]);
  const bracketed = raw.startsWith('[');
  if (bracketed && isIP(host) !== 6) throw new UsageError(`--target: '${host}' in brackets is not an IPv6 address`);
  const hostname = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
  if (!bracketed && !isIP(host) && !hostname.test(host)) throw new UsageError(`--target: '${host}' is neither an IP address nor a host name`);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError(`--target: port must be 1..65535, got ${m[2]}`);
  return { host, port, text: bracketed ? `[${host}]:${port}` : `${host}:${port}` };
}

/** A positive integer option (--jobs, lab ids). */
export function parsePositiveInt(option: string, raw: unknown, { min = 1, max = 1024 } = {}): number {
  const s = String(raw);
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max) throw new UsageError(`--${option} wants an integer from ${min} to ${max}, got '${s}'`);
  return n;
}

/** `--grep`: a JavaScript regular expression on test names. */
export function parseGrep(raw: string): string {
  try {
    new RegExp(raw);
  } catch (e) {
    throw new UsageError(`--grep: not a regular expression: ${(e as Error).message}`);
  }
  return raw;
}
