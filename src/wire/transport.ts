// The transport is a small interface (after packetdrill's netdev): the raw socket in real runs,
// an in-memory pair in unit tests. Nobody above src/wire knows which one it has.
import type { DecodedTcp, IpFields, Packet, TcpSegment } from '../packet/types.js';

export interface Endpoint {
  addr: string;
  port: number;
}

/** One segment as it crossed the wire, stamped with process.hrtime.bigint() (ns). */
export interface WireSegment {
  dir: 'out' | 'in';
  at: bigint;
  ip: Packet['ip'];
  tcp: DecodedTcp;
  /** the whole IP packet, as sent or received */
  bytes: Buffer;
}

export interface Match {
  localPort: number;
  remoteAddr: string;
  /** undefined: any remote port (the probe playing server for the target's active open) */
  remotePort?: number;
}

export type Unsubscribe = () => void;

export interface Transport {
  /** the probe's own address: source of everything it sends */
  readonly localAddr: string;
  /** Send a TCP segment to `dst`; resolves when it left, with the send timestamp. */
  send(dst: string, seg: TcpSegment, ip?: IpFields): Promise<WireSegment>;
  /** Deliver segments of one connection (or one local port) to `handler`. */
  listen(match: Match, handler: (s: WireSegment) => void): Unsubscribe;
  /** Every segment sent or received through this transport, in order (for traces and pcap). */
  onSegment(observer: (s: WireSegment) => void): Unsubscribe;
  /**
   * Send a whole IP packet that is not a TCP segment of ours — an ICMP error about our own
   * connection `about` — to `dst`; resolves with its send time. Only a raw socket has it.
   */
  sendIp?(dst: string, packet: Buffer, about: Match): Promise<bigint>;
  /**
   * Resolves when `n` segments of connection `about` could leave back to back (a paced
   * transport's bounds); a transport that does not pace has room at once and need not have it.
   */
  room?(dst: string, about: Match, n: number): Promise<void>;
  /** Every packet sendIp() sent, for the pcap. */
  onIpPacket?(observer: (at: bigint, bytes: Buffer) => void): Unsubscribe;
  close(): Promise<void>;
}

export const matchKey = (localPort: number, remoteAddr: string, remotePort: number | '*'): string => `${localPort}|${remoteAddr}|${remotePort}`;

/**
 * Routes incoming segments to subscribers in O(1): an exact 4-tuple key first, then the
 * local-port wildcard. Shared by every Transport implementation.
 */
export class Demux {
  private readonly handlers = new Map<string, (s: WireSegment) => void>();
  private readonly observers = new Set<(s: WireSegment) => void>();

  listen(m: Match, handler: (s: WireSegment) => void): Unsubscribe {
    const key = matchKey(m.localPort, m.remoteAddr, m.remotePort ?? '*');
    if (this.handlers.has(key)) throw new Error(`a listener for ${key} already exists`);
    this.handlers.set(key, handler);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }

  onSegment(observer: (s: WireSegment) => void): Unsubscribe {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Returns false when nobody wanted the segment (it is then not observed either). */
  deliver(s: WireSegment): boolean {
    const remoteAddr = s.ip.src;
    const h = this.handlers.get(matchKey(s.tcp.dstPort, remoteAddr, s.tcp.srcPort)) ?? this.handlers.get(matchKey(s.tcp.dstPort, remoteAddr, '*'));
    if (!h) return false;
    this.observe(s);
    h(s);
    return true;
  }

  observe(s: WireSegment): void {
    for (const o of this.observers) o(s);
  }

  clear(): void {
    this.handlers.clear();
    this.observers.clear();
  }
}
