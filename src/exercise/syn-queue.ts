// The listener's queues, for the SYN-queue lesson: half-open connections (SYN-RECV request
// sockets, the "SYN queue"), established ones not yet accepted (the accept queue, ss Recv-Q of
// the listener), the limits that bound them and the kernel's counters of what it dropped.
// `syns` sends SYNs from fresh probe ports, paced, and never completes them: lab only.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTcp } from '../packet/index.js';
import type { DecodedTcp } from '../packet/types.js';
import { PeerConnection } from '../peer/connection.js';
import { run } from '../sys/exec.js';
import type { Target } from '../target/target.js';

/** Between two SYNs of `syns`: slow enough to read as single segments, never a flood. */
export const SYN_PACE_MS = 50;
/** How long each SYN waits for its SYN-ACK before it counts as dropped. */
const ANSWER_MS = 300;

export interface SynResult {
  port: number;
  answer: DecodedTcp | null;
}

/** Send one SYN from each of `ports` to `targetPort`; the half-open connections are left to the target. */
export async function halfOpenSyns(target: Target, targetPort: number, ports: readonly number[]): Promise<SynResult[]> {
  const out: SynResult[] = [];
  for (const port of ports) {
    const peer = new PeerConnection(target.wire, target.address, targetPort, { localPort: port });
    try {
      await peer.send('S');
      const s = await peer.next(ANSWER_MS);
      out.push({ port, answer: s?.tcp ?? null });
    } finally {
      // Its SYN-ACK retransmissions now find no one: the nft table keeps the probe kernel quiet.
      peer.close();
    }
    await sleep(SYN_PACE_MS);
  }
  return out;
}

export interface QueueReport {
  port: number;
  /** the listener's effective backlog (ss Send-Q of a LISTEN socket) */
  backlog: number;
  /** connections established and waiting for accept() (ss Recv-Q of a LISTEN socket) */
  acceptQueue: number;
  /** SYN-RECV request sockets on the port */
  halfOpen: number;
  /** TcpExt counters of the target's namespace */
  counters: Record<string, number>;
}

/** The counters the lesson reads (/proc/net/netstat TcpExt, per namespace). */
export const QUEUE_COUNTERS = ['TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'SyncookiesSent', 'SyncookiesRecv', 'ListenDrops', 'ListenOverflows'] as const;

export async function queueReport(target: Target, port: number): Promise<QueueReport | null> {
  // ss gives a listener's backlog (its Send-Q); the TCP table alone does not.
  const states = target.states!;
  const sockets = await (states.details ? states.details({ localPort: port }) : states.sockets({ localPort: port }));
  const listener = sockets.find((s) => s.state === 'LISTEN');
  if (!listener) return null;
  const netstat = (await run('ip', ['netns', 'exec', target.lab!, 'cat', '/proc/net/netstat'])).stdout;
  return {
    port,
    backlog: listener.sendQ,
    acceptQueue: listener.recvQ,
    halfOpen: sockets.filter((s) => s.state === 'SYN-RECEIVED').length,
    counters: tcpExtCounters(netstat),
  };
}

/** The TcpExt line pair of /proc/net/netstat as name → value. */
export function tcpExtCounters(netstat: string): Record<string, number> {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return {};
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

export function formatSynResult(r: SynResult, relative: (tcp: DecodedTcp) => string): string {
  return r.answer ? `probe port ${r.port}: < ${relative(r.answer)}` : `probe port ${r.port}: no answer`;
}

export { formatTcp };
