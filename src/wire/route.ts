// Which way the kernel would send a packet to an address: `ip -j route get ADDR`. Remote mode binds
// its raw socket to that interface and sends from that source address, so crafted segments take
// exactly the path the kernel's own would, and the nft rule can be scoped to it.
import { isIP } from 'node:net';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { CommandError, run } from '../sys/exec.js';

export interface Route {
  /** the destination asked about */
  dst: string;
  /** outgoing interface */
  iface: string;
  /** the source address the kernel would choose (prefsrc) */
  src: string;
  /** next hop, when the destination is not on a directly attached network */
  gateway?: string;
  /** 'unicast' (a remote address) or 'local' (an address of this machine: the route is via lo) */
  type: string;
}

/** Parse `ip -j route get DST` output (one JSON array with one route). */
export function parseRouteGet(json: string, dst: string): Route {
  let routes: unknown;
  try {
    routes = JSON.parse(json);
  } catch {
    throw new EnvironmentError(`ip -j route get ${dst} printed no JSON: ${json.slice(0, 200)}`);
  }
  const r = Array.isArray(routes) ? (routes[0] as Record<string, unknown> | undefined) : undefined;
  if (!r || typeof r.dev !== 'string') throw new EnvironmentError(`the kernel has no route to ${dst}`);
  const type = typeof r.type === 'string' ? r.type : 'unicast';
  if (type !== 'unicast' && type !== 'local') throw new EnvironmentError(`the route to ${dst} is of type ${type}: nothing can be sent there`);
  if (typeof r.prefsrc !== 'string') throw new EnvironmentError(`the route to ${dst} via ${r.dev} has no source address`);
  return { dst, iface: r.dev, src: r.prefsrc, type, ...(typeof r.gateway === 'string' ? { gateway: r.gateway } : {}) };
}

/** The kernel's route to an IPv4 or IPv6 address (`ip` picks the table by the address's family). */
export async function routeTo(dst: string): Promise<Route> {
  if (!isIP(dst)) throw new UsageError(`route lookup wants an IP address, got '${dst}'`);
  try {
    const { stdout } = await run('ip', ['-j', 'route', 'get', dst]);
    return parseRouteGet(stdout, dst);
  } catch (e) {
    if (e instanceof CommandError) throw new EnvironmentError(`no route to ${dst}: ${e.stderr.trim() || `ip exit ${e.code}`}`);
    throw e;
  }
}
