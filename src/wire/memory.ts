// An in-memory Transport for unit tests of the peer and the suites' plumbing: no root, no
// sockets. Segments go through the real codec both ways, so what a test sees is what the raw
// socket would have delivered.
import { decodePacket, encodePacket } from '../packet/index.js';
import type { IpFields, TcpSegment } from '../packet/types.js';
import { Demux, type Match, type Transport, type Unsubscribe, type WireSegment } from './transport.js';

/** What the fake remote does with each segment the probe sends: answer with zero or more segments. */
export type Responder = (sent: WireSegment, transport: MemoryTransport) => void;

export class MemoryTransport implements Transport {
  readonly sent: WireSegment[] = [];
  private readonly demux = new Demux();

  constructor(
    readonly localAddr: string,
    private readonly responder: Responder = () => {},
  ) {}

  async send(dst: string, seg: TcpSegment, ip: IpFields = {}): Promise<WireSegment> {
    const bytes = encodePacket({ ttl: 64, ...ip, src: this.localAddr, dst }, seg);
    const pkt = decodePacket(bytes, 0, { keepMalformedOptions: true });
    const s: WireSegment = { dir: 'out', at: process.hrtime.bigint(), ip: pkt.ip, tcp: pkt.tcp, bytes };
    this.sent.push(s);
    this.demux.observe(s);
    // Answer on a later tick, as a real network would.
    setImmediate(() => this.responder(s, this));
    return s;
  }

  /** Deliver a segment from `src` to the probe, as if it arrived on the wire. */
  inject(src: string, seg: TcpSegment): boolean {
    const bytes = encodePacket({ ttl: 64, src, dst: this.localAddr }, seg);
    const pkt = decodePacket(bytes, 0, { keepMalformedOptions: true });
    return this.demux.deliver({ dir: 'in', at: process.hrtime.bigint(), ip: pkt.ip, tcp: pkt.tcp, bytes });
  }

  listen(match: Match, handler: (s: WireSegment) => void): Unsubscribe {
    return this.demux.listen(match, handler);
  }

  onSegment(observer: (s: WireSegment) => void): Unsubscribe {
    return this.demux.onSegment(observer);
  }

  async close(): Promise<void> {
    this.demux.clear();
  }
}
