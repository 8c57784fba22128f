// Asks a brand-new network namespace which sysctls it has of its own (see sysctl-scope.ts): one
// `unshare --net` child, which the kernel tears down with the process; nothing is named, nothing
// is left behind, nothing is written. Needs CAP_SYS_ADMIN (root), like the lab itself.
import { existsSync } from 'node:fs';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { run } from '../sys/exec.js';
import { hostWideByName, type NamespaceScope, refusal, scopeReason, sysctlProcPath } from './sysctl-scope.js';
import { SYSCTL_NAMES } from './sysctls.js';

// For each path: "w" writable by root, "r" read-only, "-" absent. The owner bits are the ones the
// kernel applies to root for sysctls (sysctl_perm), so stat's mode is the answer.
const PROBE = 'for p; do if [ -e "$p" ]; then m=$(stat -c %a "$p"); case "$m" in [2367]??) echo w;; *) echo r;; esac; else echo -; fi; done';

/** Each name's scope in a fresh network namespace. */
export async function namespaceScopes(names: readonly string[]): Promise<Map<string, NamespaceScope>> {
  if (!names.length) return new Map();
  let out: string;
  try {
    ({ stdout: out } = await run('unshare', ['--net', '--', 'sh', '-c', PROBE, 'probe', ...names.map(sysctlProcPath)]));
  } catch (e) {
    throw new EnvironmentError(`cannot check that the lab sysctls are per network namespace (unshare --net failed: ${(e as Error).message.split('\n')[0]})`);
  }
  const answers = out.trim().split('\n');
  if (answers.length !== names.length)
    throw new EnvironmentError(`the network-namespace sysctl probe answered ${answers.length} lines for ${names.length} names`);
  return new Map(names.map((n, i) => [n, answers[i] === 'w' ? 'writable' : answers[i] === 'r' ? 'read-only' : 'absent']));
}

/** The lab's short sysctls, checked per namespace by test/lab/sysctl-safety.test.ts: no probe needed. */
const KNOWN_PER_NAMESPACE = new Set<string>(Object.values(SYSCTL_NAMES));

/**
 * Throws a UsageError naming every key a lab must not set (host-wide by name, absent or
 * read-only in a fresh namespace), before any lab exists.
 */
export async function refuseHostSysctls(names: Iterable<string>): Promise<void> {
  const all = [...new Set(names)];
  const refused: Array<[string, string]> = [];
  for (const n of all) {
    const why = hostWideByName(n);
    if (why) refused.push([n, why]);
  }
  const toProbe = all.filter((n) => !KNOWN_PER_NAMESPACE.has(n) && !refused.some(([k]) => k === n));
  for (const [n, scope] of await namespaceScopes(toProbe)) {
    // Absent everywhere (this process's namespace too) is a typo or a module not loaded, not the host's.
    const why = scope === 'absent' && !existsSync(sysctlProcPath(n)) ? 'there is no such sysctl on this kernel' : scopeReason(scope);
    if (why) refused.push([n, why]);
  }
  if (refused.length) throw new UsageError(refusal(refused));
}
