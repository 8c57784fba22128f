// Creating network namespaces needs CAP_SYS_ADMIN (ip netns add mounts the namespace file) and
// configuring links and addresses needs CAP_NET_ADMIN. Say which one is missing, in one line.
import { readFileSync } from 'node:fs';
import { EnvironmentError } from '../sys/errors.js';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;

/** Effective capability set of this process, from /proc/self/status (CapEff, hex). */
export function effectiveCapabilities(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt('0x' + m[1]) : 0n;
}

export function missingLabCapabilities(caps = effectiveCapabilities()): string[] {
  const missing: string[] = [];
  if (!(caps & (1n << BigInt(CAP_NET_ADMIN)))) missing.push('CAP_NET_ADMIN');
  if (!(caps & (1n << BigInt(CAP_SYS_ADMIN)))) missing.push('CAP_SYS_ADMIN');
  return missing;
}

export function requireLabPrivileges(): void {
  const missing = missingLabCapabilities();
  if (missing.length === 0) return;
  const who = process.getuid?.() === 0 ? 'root without' : `uid ${process.getuid?.()} without`;
  throw new EnvironmentError(
    `the lab needs root (${missing.join(' and ')} to create network namespaces and veth links); running as ${who} ${missing.join(', ')}: run with sudo`,
  );
}

/** Remote mode: a raw socket (CAP_NET_RAW) and the nft RST-suppression table (CAP_NET_ADMIN). */
export function missingRemoteCapabilities(caps = effectiveCapabilities()): string[] {
  const missing: string[] = [];
  if (!(caps & (1n << BigInt(CAP_NET_RAW)))) missing.push('CAP_NET_RAW');
  if (!(caps & (1n << BigInt(CAP_NET_ADMIN)))) missing.push('CAP_NET_ADMIN');
  return missing;
}

export function requireRemotePrivileges(): void {
  const missing = missingRemoteCapabilities();
  if (missing.length === 0) return;
  const who = process.getuid?.() === 0 ? 'root without' : `uid ${process.getuid?.()} without`;
  throw new EnvironmentError(
    `remote mode needs root (CAP_NET_RAW for the raw socket, CAP_NET_ADMIN for the nft table that drops the kernel's own RSTs); running as ${who} ${missing.join(', ')}: run with sudo`,
  );
}
