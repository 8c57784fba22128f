// Plain-object representations of the headers tcpfsm crafts and reads.
// Convention (after Scapy): a field left undefined is computed at encode time (checksums, lengths,
// data offset); an explicit value goes on the wire exactly as given, so tests can craft broken
// segments on purpose.

/** TCP flag bits, in header order (RFC 9293 3.1, RFC 3168 for ECE/CWR). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

export type TcpOption =
  /**
   * End of option list. `trailing`: the bytes after it to the end of the option area, kept
   * byte-exact when they are not the zero padding to the next 4-byte boundary that encoding adds
   * anyway (more zeros, or non-zero bytes), so that encode(decode(x)) = x for every segment.
   */
  | { kind: 'eol'; trailing?: Buffer }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; shift: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: Array<[left: number, right: number]> }
  | { kind: 'ts'; val: number; ecr: number }
  /** Any other option (or a known one with a bad length), kept byte-exact: type, then the data after the length byte. */
  | { kind: 'unknown'; type: number; data: Buffer }
  /**
   * Option bytes written exactly as given: a malformed list crafted on purpose (a length of 0,
   * one past the end). Decoding yields it only with `keepMalformedOptions`, for an option area
   * that does not parse (the whole area, from its first byte).
   */
  | { kind: 'raw'; bytes: Buffer };

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  /** uint32 */
  seq: number;
  /** uint32; meaningful when the ACK flag is set, sent as given otherwise */
  ack: number;
  /** bitmask of FIN|SYN|RST|PSH|ACK|URG|ECE|CWR */
  flags: number;
  window: number;
  urgent?: number;
  /** header length in 32-bit words; computed from the options when undefined */
  dataOffset?: number;
  /** computed with the pseudo-header when undefined */
  checksum?: number;
  /** the 3 reserved bits + NS (RFC 3540, historic) — 4 bits, 0 unless crafted */
  reserved?: number;
  options?: TcpOption[];
  payload?: Buffer;
}

/** What the decoder returns: every field present, and whether the checksum holds. */
export interface DecodedTcp extends Required<Omit<TcpSegment, 'options' | 'payload'>> {
  options: TcpOption[];
  payload: Buffer;
  /** null when no pseudo-header was available to check against */
  checksumOk: boolean | null;
}

export interface IPv4Header {
  version?: 4;
  ihl?: number;
  tos?: number;
  totalLength?: number;
  id?: number;
  /** bit 1 = DF, bit 2 = MF (the 3 flag bits as a number) */
  ipFlags?: number;
  fragOffset?: number;
  ttl?: number;
  protocol?: number;
  checksum?: number;
  src: string;
  dst: string;
  /** IPv4 options (RFC 791 3.1) kept as raw bytes; zero-padded to a multiple of 4 when encoding */
  options?: Buffer;
}

export interface IPv6Header {
  version?: 6;
  trafficClass?: number;
  flowLabel?: number;
  payloadLength?: number;
  nextHeader?: number;
  hopLimit?: number;
  src: string;
  dst: string;
  /**
   * Destination Options headers (RFC 8200 4.6) between the fixed header and TCP, as raw bytes:
   * nextHeader then names the first (60) and the last one's Next Header byte is TCP (6). Decoded:
   * the ones found (empty when none); other extension headers are not decoded.
   */
  extensionHeaders?: Buffer;
}

/** A TCP segment with the addresses it travelled between (what the wire and the pcap see). */
export interface Packet {
  ip: Required<IPv4Header> | Required<IPv6Header>;
  tcp: DecodedTcp;
}

/** The typed error every decoder throws on hostile or truncated bytes. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    readonly layer: 'ipv4' | 'ipv6' | 'tcp' | 'tcp-option' | 'icmp' | 'pcap',
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`Cannot decode ${layer}: ${problem} (at byte ${offset})`);
  }
}

/** IP header fields a sender may set for one segment, of either family. */
export type IpFields = Partial<IPv4Header> | Partial<IPv6Header>;
