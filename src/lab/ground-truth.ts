// The target kernel's own view of its sockets: the second, independent signal next to the
// segments on the wire. Three sources give the same states: the namespace's /proc/net/tcp{,6}
// read from here through a process inside it (procTable: no fork, no round trip; what state
// checks on a Linux lab use), the same read by the agent (agentTable: one round trip on a pipe;
// a guest kernel's, UML's) and
// `ss` inside the namespace (one fork each; the only one with tcp_info: rto, rtt, windows).
//
// `ss -N NS` enters the namespace itself (one fork, ~2.6 ms a poll here; `ip netns exec NS ss`
// would cost a second exec). `-a` is required: without it ss hides LISTEN, SYN-RECV and
// TIME-WAIT. A `state …` filter would drop the State column, so states are filtered here and
// ss is only given port filters to keep its output small.
//
// A socket that is not listed is CLOSED (RFC 9293 §3.3.2: CLOSED "represents no connection
// state at all"): a tuple that disappears — after RST, after TIME-WAIT, after an orphan gives
// up — reads as CLOSED.
import { isIPv4, isIPv6 } from 'node:net';
import { run } from '../sys/exec.js';
import type { AgentClient } from './agent/client.js';
import { ProcTcpReader } from './proc-tcp-reader.js';
import { parseSs, type SsSocket, type TcpState } from './ss.js';

/** The namespace to look into with ss; a Lab qualifies. */
export interface NamespaceRef {
  namespace: string;
  /** how to run ss where the sockets live (a guest kernel's own ss through its agent); default `ss -N namespace` */
  readSs?: (filter: string[]) => Promise<string>;
}

/** Any lister of the target's sockets (it may return more than the tuple: they are filtered here). */
export interface SocketSource {
  /** where the sockets live, for messages: 'tcpfsm-12' */
  readonly where: string;
  list(tuple: TcpTuple): Promise<SsSocket[]>;
}

/**
 * The namespace's TCP table read from here through a process inside it (/proc/<pid>/net/tcp{,6}):
 * no fork and no round trip to the agent per check; what state checks use on a Linux lab.
 */
export function procTable(pid: number, where: string): SocketSource {
  const reader = new ProcTcpReader(`/proc/${pid}/net`);
  return {
    where,
    list: async (tuple) => reader.sockets({ localPort: tuple.localPort, peerPort: tuple.peerPort }),
  };
}

/** The agent's view of its own namespace's TCP table (/proc/net/tcp{,6}): no fork per check. */
export function agentTable(agent: AgentClient, where: string): SocketSource {
  return {
    where,
    list: async (tuple) => (await agent.tcp({ localPort: tuple.localPort, peerPort: tuple.peerPort })).sockets,
  };
}

/** `ss` inside the namespace (one fork a call): every field, tcp_info included. */
export function ssTable(ns: NamespaceRef): SocketSource {
  return {
    where: ns.namespace,
    list: async (tuple) =>
      parseSs(ns.readSs ? await ns.readSs(ssPortFilter(tuple)) : (await run('ss', ['-N', ns.namespace, ...SS_ARGS, ...ssPortFilter(tuple)])).stdout),
  };
}

const sourceOf = (from: NamespaceRef | SocketSource): SocketSource => ('list' in from ? from : ssTable(from));

/** A socket from the target's side: local = the target, peer = the probe. Omitted = any. */
export interface TcpTuple {
  localAddress?: string;
  localPort?: number;
  peerAddress?: string;
  peerPort?: number;
}

export const SS_ARGS = ['-H', '-t', '-a', '-n', '-o', '-i', '-e'] as const;

/** IPv4-mapped IPv6 → IPv4; IPv6 → all eight groups, so differently written equal addresses match. */
export function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head, tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  let h = groups(head);
  let t = groups(tail);
  // an embedded IPv4 tail (::ffff:… handled above; 64:ff9b::1.2.3.4 here) is two groups
  const v4 = (t.length ? t : h).at(-1);
  if (v4 && isIPv4(v4)) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    const two = [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    if (t.length) t = [...t.slice(0, -1), ...two];
    else h = [...h.slice(0, -1), ...two];
  }
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => parseInt(g, 16).toString(16)).join(':');
}

export function matchesTuple(s: SsSocket, tuple: TcpTuple): boolean {
  return (
    (tuple.localPort === undefined || s.local.port === tuple.localPort) &&
    (tuple.peerPort === undefined || s.peer.port === tuple.peerPort) &&
    (tuple.localAddress === undefined || canonicalAddress(s.local.address) === canonicalAddress(tuple.localAddress)) &&
    (tuple.peerAddress === undefined || canonicalAddress(s.peer.address) === canonicalAddress(tuple.peerAddress))
  );
}

/** ss filter on the ports of the tuple (addresses are compared here: v4-mapped forms differ). */
export function ssPortFilter(tuple: TcpTuple): string[] {
  const parts = [];
  if (tuple.localPort !== undefined) parts.push(`sport = :${tuple.localPort}`);
  if (tuple.peerPort !== undefined) parts.push(`dport = :${tuple.peerPort}`);
  return parts.length ? [parts.join(' and ')] : [];
}

export const describeTuple = (t: TcpTuple): string => `${t.localAddress ?? '*'}:${t.localPort ?? '*'} <-> ${t.peerAddress ?? '*'}:${t.peerPort ?? '*'}`;

/** Every TCP socket matching `tuple` (all of them when omitted); a namespace is read with ss. */
export async function socketsOf(from: NamespaceRef | SocketSource, tuple: TcpTuple = {}): Promise<SsSocket[]> {
  return (await sourceOf(from).list(tuple)).filter((s) => matchesTuple(s, tuple));
}

/** The one socket matching `tuple`, or null; more than one is a mistake in the caller's tuple. */
export async function socketOf(from: NamespaceRef | SocketSource, tuple: TcpTuple): Promise<SsSocket | null> {
  const source = sourceOf(from);
  return onlySocket(await socketsOf(source, tuple), tuple, source.where);
}

/** The one socket in `found`, or null; more than one is a mistake in the caller's tuple. */
export function onlySocket(found: SsSocket[], tuple: TcpTuple, where: string): SsSocket | null {
  if (found.length > 1) {
    throw new Error(
      `tuple ${describeTuple(tuple)} matches ${found.length} sockets in ${where} ` +
        `(${found.map((s) => `${s.ssState} ${s.local.address}:${s.local.port} ${s.peer.address}:${s.peer.port ?? '*'}`).join('; ')}): give more of the tuple`,
    );
  }
  return found[0] ?? null;
}

export async function stateOf(from: NamespaceRef | SocketSource, tuple: TcpTuple): Promise<TcpState | 'UNKNOWN'> {
  return (await socketOf(from, tuple))?.state ?? 'CLOSED';
}

export interface StateWait {
  state: TcpState | 'UNKNOWN';
  /** null when the state reached is CLOSED (no socket). */
  socket: SsSocket | null;
  elapsedMs: number;
  polls: number;
  /** Distinct states seen in order, e.g. ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2. */
  trail: Array<TcpState | 'UNKNOWN'>;
  /** ms from the start of the poll before the last to the end of the last: how late a change can be seen */
  lastGapMs: number;
}

export class StateTimeoutError extends Error {
  override name = 'StateTimeoutError';
  constructor(
    readonly tuple: TcpTuple,
    readonly wanted: readonly TcpState[],
    readonly last: StateWait,
    namespace: string,
  ) {
    super(
      `target socket ${describeTuple(tuple)} in ${namespace} is ${last.state} after ${Math.round(last.elapsedMs)} ms, ` +
        `expected ${wanted.join(' or ')} (seen: ${last.trail.join(' → ')}; ${last.polls} polls)`,
    );
  }
}

/**
 * Poll until the socket is in one of `want` (CLOSED = gone) or `deadlineMs` passes. Polls at
 * once, then after 2, 4, 8, 16, 20, 20… ms: a fast transition is seen within a few ms and a
 * timer-driven one (seconds) costs ~50 polls a second.
 */
export async function waitForState(
  from: NamespaceRef | SocketSource,
  tuple: TcpTuple,
  want: TcpState | readonly TcpState[],
  deadlineMs: number,
  opts: { maxIntervalMs?: number } = {},
): Promise<StateWait> {
  const wanted: readonly TcpState[] = typeof want === 'string' ? [want] : want;
  const maxInterval = opts.maxIntervalMs ?? 20;
  const source = sourceOf(from);
  const started = performance.now();
  const result: StateWait = { state: 'CLOSED', socket: null, elapsedMs: 0, polls: 0, trail: [], lastGapMs: 0 };
  let previousStart = started;
  for (let interval = 2; ; interval = Math.min(interval * 2, maxInterval)) {
    const pollStart = performance.now();
    const socket = await socketOf(source, tuple);
    result.lastGapMs = performance.now() - previousStart;
    previousStart = pollStart;
    result.polls++;
    result.socket = socket;
    result.state = socket?.state ?? 'CLOSED';
    result.elapsedMs = performance.now() - started;
    if (result.trail.at(-1) !== result.state) result.trail.push(result.state);
    if ((wanted as readonly string[]).includes(result.state)) return result;
    const left = deadlineMs - result.elapsedMs;
    if (left <= 0) throw new StateTimeoutError(tuple, wanted, { ...result, trail: [...result.trail] }, source.where);
    await new Promise((r) => setTimeout(r, Math.min(interval, left)));
  }
}

/** waitForState over a lookup of one socket (a user-space stack's own table); `where` names it in errors. */
export function pollForState(
  lookup: (tuple: TcpTuple) => Promise<SsSocket | null>,
  where: string,
  tuple: TcpTuple,
  want: TcpState | readonly TcpState[],
  deadlineMs: number,
  opts: { maxIntervalMs?: number } = {},
): Promise<StateWait> {
  return waitForState({ where, list: async (t) => ((s) => (s ? [s] : []))(await lookup(t)) }, tuple, want, deadlineMs, opts);
}
