// Our own side of the state machine. The teaching note's figures follow the client (SYN-SENT,
// FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT); the probe is a scripted peer with no kernel socket, so its
// state is derived here from what it sent and received, by the rules of RFC 9293 3.10.7 for an
// endpoint that behaves (acceptable segments only). Pure: fed segment by segment.
import type { TcpState } from '../fsm/index.js';
import { Seq } from '../packet/index.js';
import { ACK, FIN, RST, SYN } from '../packet/types.js';

export interface SideSegment {
  flags: number;
  seq: number;
  ack: number;
  /** payload bytes */
  len: number;
}

export class ProbeSide {
  state: TcpState;
  private sndNxt: number | undefined;
  private rcvNxt: number | undefined;
  /** sequence number of our FIN, once sent */
  private finSeq: number | undefined;

  /** CLOSED for a connection we open, LISTEN for one the target opens towards us. */
  constructor(initial: 'CLOSED' | 'LISTEN' = 'CLOSED') {
    this.state = initial;
  }

  /** Whether our FIN has been acknowledged by `ack`. */
  private finAcked(ack: number): boolean {
    return this.finSeq !== undefined && Seq.gt(ack, this.finSeq);
  }

  sent(s: SideSegment): TcpState {
    const syn = (s.flags & SYN) !== 0;
    if (s.flags & RST) return (this.state = 'CLOSED');
    // Only a segment at SND.NXT moves us on: a crafted old or far-out segment changes nothing.
    if (this.sndNxt !== undefined && !syn && s.seq !== this.sndNxt) return this.state;
    if (syn) {
      this.sndNxt = Seq.add(s.seq, 1 + s.len);
      if (!(s.flags & ACK) && (this.state === 'CLOSED' || this.state === 'TIME-WAIT')) this.state = 'SYN-SENT';
      else if (s.flags & ACK && this.state === 'LISTEN') this.state = 'SYN-RECEIVED';
      return this.state;
    }
    this.sndNxt = Seq.add(s.seq, s.len + (s.flags & FIN ? 1 : 0));
    if (s.flags & FIN && this.finSeq === undefined) {
      this.finSeq = Seq.add(s.seq, s.len);
      if (this.state === 'ESTABLISHED' || this.state === 'SYN-RECEIVED') this.state = 'FIN-WAIT-1';
      else if (this.state === 'CLOSE-WAIT') this.state = 'LAST-ACK';
    }
    return this.state;
  }

  received(s: SideSegment): TcpState {
    const { flags } = s;
    if (flags & RST) {
      // In SYN-SENT a RST counts when it acknowledges our SYN; otherwise when it sits at RCV.NXT.
      const ok = this.state === 'SYN-SENT' ? !!(flags & ACK) && s.ack === this.sndNxt : s.seq === this.rcvNxt;
      if (ok && this.state !== 'LISTEN') this.state = 'CLOSED';
      return this.state;
    }
    if (flags & SYN) {
      const synAck = (flags & ACK) !== 0;
      if (this.state === 'LISTEN' && !synAck) this.state = 'SYN-RECEIVED';
      else if (this.state === 'SYN-SENT' && synAck && s.ack === this.sndNxt) this.state = 'ESTABLISHED';
      else if (this.state === 'SYN-SENT' && !synAck)
        this.state = 'SYN-RECEIVED'; // simultaneous open
      else return this.state;
      this.rcvNxt = Seq.add(s.seq, 1);
      return this.state;
    }
    if (this.rcvNxt === undefined || s.seq !== this.rcvNxt) return this.state;
    this.rcvNxt = Seq.add(this.rcvNxt, s.len + (flags & FIN ? 1 : 0));
    const acked = !!(flags & ACK) && this.finAcked(s.ack);
    if (flags & ACK && this.state === 'SYN-RECEIVED' && s.ack === this.sndNxt) this.state = 'ESTABLISHED';
    if (acked) {
      if (this.state === 'FIN-WAIT-1') this.state = 'FIN-WAIT-2';
      else if (this.state === 'CLOSING') this.state = 'TIME-WAIT';
      else if (this.state === 'LAST-ACK') this.state = 'CLOSED';
    }
    if (flags & FIN) {
      if (this.state === 'ESTABLISHED') this.state = 'CLOSE-WAIT';
      else if (this.state === 'FIN-WAIT-1') this.state = 'CLOSING';
      else if (this.state === 'FIN-WAIT-2') this.state = 'TIME-WAIT';
    }
    return this.state;
  }
}
