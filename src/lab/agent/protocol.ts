// The wire protocol between the harness and the target agent: one JSON object per line.
// Harness → agent: a Request. Agent → harness: a Response (same `id`) or an Event (no `id`).
// Shared by agent/main.ts and agent/client.ts so both ends agree at compile time.
import type { SsSocket } from '../ss.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** Connection ids are the agent's own numbers, unique for the agent's lifetime. */
export type ConnId = number;

export interface RequestMap {
  ping: { args: Record<string, never>; result: { pid: number; node: string; uptimeMs: number } };
  /** Write sysctls (dotted names, e.g. net.ipv4.tcp_fin_timeout) then read back `get` ∪ keys of `set`. */
  sysctl: {
    args: { set?: Record<string, string>; get?: string[] };
    result: { values: Record<string, string> };
  };
  /** port 0 picks an ephemeral port; the answer says which. */
  listen: {
    args: { port: number; host?: string; backlog?: number; keepAliveMs?: number };
    result: { port: number; host: string };
  };
  unlisten: { args: { port: number }; result: Record<string, never> };
  /** Active open. Answers as soon as the SYN is on its way; `connected` / `error` events follow. */
  connect: {
    args: { host: string; port: number; localAddress?: string; localPort?: number; keepAliveMs?: number };
    result: { conn: ConnId; localPort: number | null };
  };
  /** Exactly one of hex, text, n (n bytes of a repeating a..z pattern). */
  send: {
    args: { conn: ConnId; hex?: string; text?: string; n?: number };
    result: { written: number; userQueued: number };
  };
  /** Bytes that arrived since the previous read (like read(2)), plus totals and whether FIN arrived. */
  read: {
    args: { conn: ConnId };
    result: { hex: string; bytes: number; total: number; fin: boolean; closed: boolean };
  };
  /** SHUT_WR: FIN after queued data; the receive side stays open. */
  shutdown: { args: { conn: ConnId }; result: Record<string, never> };
  /** close(2): FIN after queued data — or RST if received data was never read (RFC 2525 §2.17). */
  close: { args: { conn: ConnId }; result: Record<string, never> };
  /** SO_LINGER{1,0} + close: RST now, queued data dropped (in SYN-SENT: no segment at all). */
  abort: { args: { conn: ConnId }; result: Record<string, never> };
  /** Stop reading from the kernel so its receive buffer fills and the window closes. */
  pause: { args: { conn: ConnId }; result: Record<string, never> };
  resume: { args: { conn: ConnId }; result: Record<string, never> };
  list: { args: Record<string, never>; result: { listening: number[]; conns: ConnSummary[] } };
  /**
   * Ground truth from where the agent runs: `ss` with the harness's SS_ARGS (ground-truth.ts)
   * plus `filter`, its output as it printed it. For targets whose sockets the host cannot see
   * with `ss -N` (a guest kernel such as User-Mode Linux).
   */
  ss: { args: { filter?: string[] }; result: { stdout: string } };
  /**
   * The kernel's TCP table of the agent's own namespace (/proc/net/tcp and tcp6, see
   * ../proc-tcp.ts), only the sockets with these ports: ground truth without a fork.
   */
  tcp: { args: { localPort?: number; peerPort?: number }; result: { sockets: SsSocket[] } };
}

export type Command = keyof RequestMap;
export const COMMANDS: readonly Command[] = [
  'ping',
  'sysctl',
  'listen',
  'unlisten',
  'connect',
  'send',
  'read',
  'shutdown',
  'close',
  'abort',
  'pause',
  'resume',
  'list',
  'ss',
  'tcp',
];

export interface ConnSummary {
  conn: ConnId;
  origin: 'accepted' | 'connected';
  local: Endpoint | null;
  remote: Endpoint | null;
  received: number;
  fin: boolean;
  closed: boolean;
}

export type Request = { [C in Command]: { id: number; cmd: C } & RequestMap[C]['args'] }[Command];

export type Response = ({ id: number; ok: true } & Record<string, unknown>) | { id: number | null; ok: false; error: string; code?: string };

export type AgentEvent =
  | { event: 'ready'; pid: number; node: string }
  | { event: 'accepted'; conn: ConnId; listenPort: number; local: Endpoint; remote: Endpoint }
  | { event: 'connected'; conn: ConnId; local: Endpoint; remote: Endpoint }
  | { event: 'data'; conn: ConnId; bytes: number; total: number }
  /** The peer's FIN arrived (all its data has been received). */
  | { event: 'end'; conn: ConnId }
  | { event: 'error'; conn: ConnId; code: string | null; message: string }
  | { event: 'close'; conn: ConnId; hadError: boolean }
  | { event: 'server-error'; port: number; code: string | null; message: string };
