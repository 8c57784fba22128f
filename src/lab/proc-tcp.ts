// Parser for /proc/net/tcp and /proc/net/tcp6 (net/ipv4/tcp_ipv4.c get_tcp4_sock,
// get_openreq4, get_timewait4_sock; net/ipv6/tcp_ipv6.c get_tcp6_sock…): the kernel's TCP table
// of the reader's network namespace, read without a fork. The agent inside the target reads it,
// so a state check costs one agent round trip instead of one `ss` process (~4 ms).
// What it has: state, queues, the pending timer with its remaining time and retransmission count,
// the inode. What only `ss` has: tcp_info (rto, rtt, windows…), the socket cookie and the
// shutdown flags. Pure: no I/O.
import { endianness } from 'node:os';
import type { SsSocket, SsTimer, TcpState, TimerName } from './ss.js';

/** include/net/tcp_states.h, with ss's spelling of each (ssState). */
const STATES: Record<number, [TcpState, string]> = {
  1: ['ESTABLISHED', 'ESTAB'],
  2: ['SYN-SENT', 'SYN-SENT'],
  3: ['SYN-RECEIVED', 'SYN-RECV'],
  4: ['FIN-WAIT-1', 'FIN-WAIT-1'],
  5: ['FIN-WAIT-2', 'FIN-WAIT-2'],
  6: ['TIME-WAIT', 'TIME-WAIT'],
  7: ['CLOSED', 'UNCONN'],
  8: ['CLOSE-WAIT', 'CLOSE-WAIT'],
  9: ['LAST-ACK', 'LAST-ACK'],
  10: ['LISTEN', 'LISTEN'],
  11: ['CLOSING', 'CLOSING'],
  12: ['SYN-RECEIVED', 'SYN-RECV'], // TCP_NEW_SYN_RECV (request sockets print as SYN_RECV anyway)
};

/** The `tr` column (timer_active): 1 retransmit / loss probe, 2 keepalive, 3 TIME-WAIT, 4 zero-window probe. */
const TIMERS: Record<number, TimerName> = { 1: 'on', 2: 'keepalive', 3: 'timewait', 4: 'persist' };

/** The `tm->when` column is in clock_t (USER_HZ = 100 on every Linux ABI): 10 ms a unit. */
const CLOCK_T_MS = 10;

export class ProcTcpParseError extends Error {
  override name = 'ProcTcpParseError';
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message} in /proc/net/tcp line: ${JSON.stringify(line)}`);
  }
}

const LITTLE = endianness() === 'LE';

/** One 32-bit word as the kernel printed it (%08X of the native value) → its 4 bytes in memory order. */
function wordBytes(hex: string): number[] {
  const n = parseInt(hex, 16) >>> 0;
  const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return LITTLE ? b.reverse() : b;
}

/** `0100007F` → 127.0.0.1; 32 hex digits → IPv6 (v4-mapped as ::ffff:a.b.c.d, others in full). */
export function procAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  if (hex.length !== 32) throw new ProcTcpParseError(`unreadable address '${hex}'`, hex);
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function endpoint(text: string, line: string): SsSocket['local'] {
  const colon = text.indexOf(':');
  if (colon < 0) throw new ProcTcpParseError(`unreadable endpoint '${text}'`, line);
  return { address: procAddress(text.slice(0, colon)), port: parseInt(text.slice(colon + 1), 16) };
}

/** The two port columns of a line (cheap: lets the agent filter before parsing the rest). */
export function procPorts(line: string): { local: number; peer: number } | null {
  const m = /^\s*\d+:\s+[0-9A-F]+:([0-9A-F]{4})\s+[0-9A-F]+:([0-9A-F]{4})\s/.exec(line);
  return m ? { local: parseInt(m[1]!, 16), peer: parseInt(m[2]!, 16) } : null;
}

/**
 * One socket line in the SsSocket shape, so a state source can use it where it used ss output.
 * A listener's peer port is null (ss prints `*`); sendQ of a listener is 0 here (ss shows the
 * backlog there); info, cookie and shutdown are null (only ss has them).
 */
export function parseProcTcpLine(line: string): SsSocket {
  const f = line.trim().split(/\s+/);
  if (f.length < 10 || !/^\d+:$/.test(f[0]!))
    throw new ProcTcpParseError('expected sl, addresses, state, queues, timer, retransmits, uid, timeout, inode', line);
  const [, local, peer, st, queues, timer, retrnsmt, , , inode] = f as [string, string, string, string, string, string, string, string, string, string];
  const state = STATES[parseInt(st, 16)];
  const [tx, rx] = queues.split(':').map((x) => parseInt(x, 16)) as [number, number];
  const [tr, when] = timer.split(':').map((x) => parseInt(x, 16)) as [number, number];
  if (![tx, rx, tr, when].every(Number.isFinite)) throw new ProcTcpParseError('unreadable queues or timer', line);
  const name = TIMERS[tr];
  const sock: SsSocket = {
    state: state?.[0] ?? 'UNKNOWN',
    ssState: state?.[1] ?? `0x${st}`,
    recvQ: rx,
    sendQ: tx,
    local: endpoint(local, line),
    peer: endpoint(peer, line),
    timer: name ? ({ name, remainingMs: Math.max(0, when | 0) * CLOCK_T_MS, retransmits: parseInt(retrnsmt, 16) } satisfies SsTimer) : null,
    inode: Number(inode) || null,
    cookie: null,
    shutdown: null,
    info: null,
    raw: line,
  };
  if (sock.state === 'LISTEN') sock.peer = { address: sock.peer.address, port: null };
  return sock;
}

/** Every socket line of a /proc/net/tcp{,6} text (the header line skipped), optionally filtered by port. */
export function parseProcTcp(text: string, ports: { localPort?: number; peerPort?: number } = {}): SsSocket[] {
  const out: SsSocket[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || /^\s*sl\s/.test(line)) continue;
    if (ports.localPort !== undefined || ports.peerPort !== undefined) {
      const p = procPorts(line);
      if (!p) throw new ProcTcpParseError('unreadable ports', line);
      if ((ports.localPort !== undefined && p.local !== ports.localPort) || (ports.peerPort !== undefined && p.peer !== ports.peerPort)) continue;
    }
    out.push(parseProcTcpLine(line));
  }
  return out;
}
