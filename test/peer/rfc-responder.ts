// A tiny remote that answers like RFC 9293 for the exchanges the unit tests script (handshake,
// in-order data, FIN, close): the independent reference a mutated oracle must disagree with.
import { Seq } from '../../src/packet/index.js';
import { ACK, FIN, RST, SYN, type TcpSegment } from '../../src/packet/types.js';
import type { MemoryTransport, Responder } from '../../src/wire/memory.js';

export const PROBE_ADDR = '198.18.0.1';
export const REMOTE_ADDR = '198.18.0.2';
export const REMOTE_PORT = 8080;
export const REMOTE_ISS = 0x8000_0000;

export class RfcResponder {
  state: 'LISTEN' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'CLOSE-WAIT' | 'LAST-ACK' | 'CLOSED' = 'LISTEN';
  sndNxt = REMOTE_ISS;
  rcvNxt = 0;
  probePort = 0;
  private transport: MemoryTransport | undefined;

  readonly respond: Responder = (sent, transport) => {
    this.transport = transport;
    const seg = sent.tcp;
    this.probePort = seg.srcPort;
    if (seg.flags & RST) {
      this.state = 'CLOSED';
      return;
    }
    if (this.state === 'LISTEN' && seg.flags & SYN) {
      this.rcvNxt = Seq.add(seg.seq, 1);
      this.reply(SYN | ACK);
      this.sndNxt = Seq.add(this.sndNxt, 1);
      this.state = 'SYN-RECEIVED';
      return;
    }
    if (seg.seq !== this.rcvNxt) return this.reply(ACK); // out of sequence: ACK RCV.NXT (3.10.7.4 first)
    if (this.state === 'SYN-RECEIVED' && seg.flags & ACK) this.state = 'ESTABLISHED';
    else if (this.state === 'LAST-ACK' && seg.flags & ACK && seg.ack === this.sndNxt) this.state = 'CLOSED';
    const len = seg.payload.length + (seg.flags & FIN ? 1 : 0);
    if (len === 0) return;
    this.rcvNxt = Seq.add(this.rcvNxt, len);
    if (seg.flags & FIN && this.state === 'ESTABLISHED') this.state = 'CLOSE-WAIT';
    this.reply(ACK);
  };

  /** The remote application closes: FIN (CLOSE-WAIT → LAST-ACK). */
  close(): void {
    this.reply(FIN | ACK);
    this.sndNxt = Seq.add(this.sndNxt, 1);
    this.state = 'LAST-ACK';
  }

  private reply(flags: number): void {
    injectReply(this.transport!, this.probePort, flags, this.sndNxt, this.rcvNxt);
  }
}

/** The in-memory remote's segment to the probe: its SYN at REMOTE_ISS, anything else at SND.NXT. */
export function injectReply(transport: MemoryTransport, probePort: number, flags: number, sndNxt: number, rcvNxt: number): void {
  const seg: TcpSegment = {
    srcPort: REMOTE_PORT,
    dstPort: probePort,
    seq: flags & SYN ? REMOTE_ISS : sndNxt,
    ack: rcvNxt,
    flags,
    window: 64240,
    options: flags & SYN ? [{ kind: 'mss', value: 1460 }] : [],
    payload: Buffer.alloc(0),
  };
  transport.inject(REMOTE_ADDR, seg);
}
