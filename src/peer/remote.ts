// Opening a remote target: a real server on another host (or, with --as-remote, a lab treated as
// one). No agent and no ground truth there: verdicts rest on packets alone. Set-up:
//   resolve   a name (dns.lookup: A, else AAAA, or the family asked for) or an IPv4 / IPv6 literal
//   route     `ip -j route get ADDR`: the outgoing interface and source address the kernel uses
//   wire      RawWire bound to that interface, sending from that address
//   nft       the RST-suppression table scoped to exactly: that interface, that destination
//             address, and the probe's source-port range (PROBE_PORT_RANGE); removed on every
//             exit path (src/sys/cleanup), and checked gone afterwards
//   throttle  every send waits until its connection's bounds (--rate) and the target-wide total
//             (rate × --max-conns per second) allow it, at most --max-conns half-open
//             connections at once: a run never looks like a SYN flood

import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4 } from 'node:net';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { UsageError } from '../sys/errors.js';
import { listTcpfsmTables } from '../wire/nft.js';
import { RawWire } from '../wire/raw.js';
import { type Route, routeTo } from '../wire/route.js';
import { ThrottledTransport } from '../wire/throttle.js';
import { PROBE_PORT_RANGE } from './connection.js';
import { ipv6ClassProblem, isIPv6Loopback, isLabIPv6 } from './ipv6-class.js';
import { type CloseTrigger, type DataRequest, parseCloseTrigger, parseDataRequest } from './requests.js';

/** Default pacing: a few segments per second per connection, a handful of half-open connections. */
export const DEFAULT_RATE = 5;
export const DEFAULT_MAX_CONNS = 4;
export { type CloseTrigger, type DataRequest, HTTP_CLOSE_REQUEST, parseCloseTrigger, parseDataRequest } from './requests.js';

/** Remote-mode options as the runner passes them to a suite (ENV.remote, JSON). */
export interface RemoteOptions {
  /** the target is a lab treated as remote (its address must be a lab's) */
  asRemote?: boolean;
  /** segments per second per connection */
  rate?: number;
  /** half-open connections at once */
  maxConns?: number;
  /** '--close-trigger' as typed: 'http', 'idle:SECONDS' or 'send:BYTES' */
  closeTrigger?: string;
  /** '--data-request' as typed: 'http' or 'send:BYTES' (what makes the server send data) */
  dataRequest?: string;
  /** the target's address, resolved and checked once by the CLI (suites do not look it up again) */
  addr?: string;
}

export function parseRate(raw: unknown): number {
  const n = Number(raw);
  if (!(Number.isFinite(n) && n > 0 && n <= 1000)) throw new UsageError(`--rate wants segments per second, a number in (0, 1000], got '${String(raw)}'`);
  return n;
}

export function parseMaxConns(raw: unknown): number {
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= 1 && n <= 64)) throw new UsageError(`--max-conns wants an integer from 1 to 64, got '${String(raw)}'`);
  return n;
}

/** The lab range, RFC 2544's 198.18.0.0/15, or a lab's ULA /64: the only addresses --as-remote may point at. */
export function isLabAddress(addr: string): boolean {
  if (isIP(addr) === 6) return isLabIPv6(addr);
  if (!isIPv4(addr)) return false;
  const [a, b] = addr.split('.').map(Number);
  return a === 198 && (b === 18 || b === 19);
}

/** `addr:port`, an IPv6 address in brackets (RFC 3986 3.2.2), as --target takes it. */
export const hostPort = (addr: string, port: number): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

const isLoopback = (addr: string): boolean => (isIPv4(addr) && addr.startsWith('127.')) || isIPv6Loopback(addr);

/** Why no TCP server can have this address (RFC 6890 special-purpose blocks), or undefined. */
export function addressClassProblem(addr: string): string | undefined {
  if (addr.includes(':')) return ipv6ClassProblem(addr);
  const [a] = addr.split('.').map(Number) as [number];
  if (a === 0) return 'is an unspecified address (0.0.0.0/8, "this network")';
  if (addr === '255.255.255.255') return 'is the limited broadcast address';
  if (a >= 224 && a <= 239) return 'is a multicast address (224.0.0.0/4)';
  if (a >= 240) return 'is a reserved address (240.0.0.0/4)';
  return undefined;
}

/** A host name or literal to one address: a name's IPv4 one first, else its IPv6 one (or only the family asked for). */
export async function resolveTarget(host: string, family?: 4 | 6): Promise<string> {
  const checked = (addr: string): string => {
    const problem = addressClassProblem(addr);
    if (problem) throw new UsageError(`--target ${host}${addr === host ? '' : ` (${addr})`} ${problem}: TCP talks to one unicast host`);
    return addr;
  };
  if (isIP(host) || host.includes('%')) {
    if (family && isIP(host) !== family) throw new UsageError(`--target ${host} is not an IPv${family} address (--family ${family})`);
    return checked(host);
  }
  let addrs: Array<{ address: string; family: number }>;
  try {
    addrs = await lookup(host, { all: true });
  } catch (e) {
    throw new UsageError(`--target: cannot resolve '${host}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const found = addrs.find((a) => a.family === (family ?? 4)) ?? (family ? undefined : addrs.find((a) => a.family === 6));
  if (!found) throw new UsageError(`--target: '${host}' has no IPv${family} address (${addrs.map((a) => a.address).join(', ')})`);
  return checked(found.address);
}

/**
 * Check the route before anything is installed. A target reached via `lo` is an address of this
 * machine: allowed for 127/8 when the target port lies outside the probe's source ports (else
 * the nft rule would drop the server's own RSTs too); refused for any other local address.
 * --as-remote must reach a lab directly through its tcpfsm-* link, never via a gateway.
 */
export function checkRoute(route: Route, port: number, asRemote: boolean): void {
  if (route.iface === 'lo') {
    if (!isLoopback(route.dst))
      throw new UsageError(
        `--target ${route.dst} is an address of this machine (the route is via lo): test it from another host, through a lab, or on 127.0.0.1`,
      );
    if (port >= PROBE_PORT_RANGE[0] && port <= PROBE_PORT_RANGE[1])
      throw new UsageError(
        `--target ${hostPort(route.dst, port)}: on loopback the target port must lie outside the probe's source ports ${PROBE_PORT_RANGE[0]}-${PROBE_PORT_RANGE[1]}`,
      );
  }
  if (asRemote && (!isLabAddress(route.dst) || !route.iface.startsWith('tcpfsm-') || route.gateway))
    throw new UsageError(
      `--as-remote wants a lab address reached directly through its tcpfsm-* link; ${route.dst} goes ${route.gateway ? `via ${route.gateway} ` : ''}dev ${route.iface} (is the lab up?)`,
    );
}

export interface RemoteTarget {
  addr: string;
  port: number;
  route: Route;
  wire: ThrottledTransport;
  raw: RawWire;
  /** the nft table and rule, as installed */
  table: string;
  rule: string;
  /** Close the wire and remove the table (checked). Idempotent. */
  close(): Promise<void>;
}

export interface OpenRemoteOptions {
  host: string;
  port: number;
  asRemote?: boolean;
  rate?: number;
  maxConns?: number;
  /** told what was installed, and whether it was found removed (also on SIGINT/SIGTERM) */
  report?: (text: string) => void;
}

/** Resolve and route the target and check both; installs nothing (bad targets fail here). */
export async function planRemoteTarget(host: string, port: number, asRemote: boolean, family?: 4 | 6): Promise<{ addr: string; route: Route }> {
  const addr = await resolveTarget(host, family);
  if (asRemote && !isLabAddress(addr)) throw new UsageError(`--as-remote: ${host} (${addr}) is not a lab address (198.18.0.0/15, fd00:7c9f:<lab>::/64)`);
  const route = await routeTo(addr);
  checkRoute(route, port, asRemote);
  return { addr, route };
}

export async function openRemoteTarget(opts: OpenRemoteOptions): Promise<RemoteTarget> {
  const { addr, route } = await planRemoteTarget(opts.host, opts.port, !!opts.asRemote);
  const id = `remote-${process.pid}`;
  const table = `tcpfsm-${id}`;
  const report = opts.report ?? (() => {});
  // Registered before the table exists, so it runs after the table's own removal (newest first)
  // on every path, and says whether the table is really gone.
  const verify: Registration = onCleanup(
    `check nft table ${table} is gone`,
    async () =>
      report(
        describeRemoval(
          table,
          (await listTcpfsmTables().catch(() => [])).some(([, n]) => n === table),
        ),
      ),
    () => {
      let present = false;
      try {
        present = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' })
          .split('\n')
          .some((l) => l.trim().split(/\s+/)[2] === table);
      } catch {
        /* nft gone: nothing to check */
      }
      report(describeRemoval(table, present));
    },
  );
  let raw: RawWire;
  try {
    raw = await RawWire.open({
      iface: route.iface,
      localAddr: route.src,
      suppress: { id, oifname: route.iface, daddr: addr, sportRange: PROBE_PORT_RANGE },
    });
  } catch (e) {
    await verify.release();
    throw e;
  }
  const rule = raw.suppression!.rule;
  report(`installed nft table inet ${table}: ${rule}`);
  const rate = opts.rate ?? DEFAULT_RATE;
  // Bounds per connection and in total (src/wire/throttle.ts pacingBounds); the runner starts
  // one remote suite at a time, so the total holds for the whole target.
  const wire = new ThrottledTransport(raw, { rate, maxHalfOpen: opts.maxConns ?? DEFAULT_MAX_CONNS });
  let closing: Promise<void> | undefined;
  return {
    addr,
    port: opts.port,
    route,
    wire,
    raw,
    table,
    rule,
    close: () =>
      (closing ??= (async () => {
        await wire.close();
        await verify.release();
      })()),
  };
}

const describeRemoval = (table: string, present: boolean): string =>
  present ? `nft table inet ${table} is STILL PRESENT: remove it with 'tcpfsm cleanup'` : `removed nft table inet ${table} (checked: nft list tables)`;

const badAddr = (addr: unknown): never => {
  throw new UsageError(`TCPFSM_REMOTE: addr wants a unicast IP address, got '${String(addr)}'`);
};

/** Remote options from the suite's environment (already checked by the CLI; checked again here). */
export function readRemoteOptions(json: string | undefined): RemoteOptions & { trigger?: CloseTrigger; request?: DataRequest } {
  if (!json) return {};
  let o: RemoteOptions;
  try {
    o = JSON.parse(json) as RemoteOptions;
  } catch {
    throw new UsageError(`TCPFSM_REMOTE is not valid JSON: ${json}`);
  }
  return {
    ...o,
    ...(o.rate !== undefined ? { rate: parseRate(o.rate) } : {}),
    ...(o.maxConns !== undefined ? { maxConns: parseMaxConns(o.maxConns) } : {}),
    ...(o.closeTrigger !== undefined ? { trigger: parseCloseTrigger(o.closeTrigger) } : {}),
    ...(o.dataRequest !== undefined ? { request: parseDataRequest(o.dataRequest) } : {}),
    ...(o.addr !== undefined && (!isIP(o.addr) || addressClassProblem(o.addr)) ? badAddr(o.addr) : {}),
  };
}
