// The pure TCP/IP codec: plain objects <-> bytes, checksums, tcpdump-style text, pcap files.
// No I/O. Every wire format is a codec trio: encodeX(value, ..., buf?, offset?) returns the bytes
// written, decodeX(buf, offset?) throws only DecodeError on bad bytes, encodingLengthX(value).

export { formatIPv4, formatIPv6, parseAddress, parseIPv4, parseIPv6 } from './address.js';
export {
  addressSum,
  fold,
  internetChecksum,
  PROTOCOL_TCP,
  type PseudoHeader,
  pseudoHeaderSum,
  sum16,
  tcpChecksum,
  tcpLengthSum,
} from './checksum.js';
export { defaultSendMss, ethernetMss, type Family, familyOf, parseFamily } from './family.js';
export { formatFlags, parseFlags } from './flags.js';
export { type FormatOptions, formatOptions, formatPacket, formatSegment, formatTcp, type RelativeTo } from './format.js';
export {
  type DecodedIcmp,
  decodeIcmp,
  describeIcmp,
  encodeIcmp,
  encodeIcmpPacket,
  encodingLengthIcmp,
  ICMP_HEADER_LENGTH,
  ICMP4,
  ICMP6,
  type IcmpFamily,
  type IcmpMessage,
  invokingQuote,
  PROTOCOL_ICMP,
  PROTOCOL_ICMPV6,
  type QuotedTcp,
  quotedTcp,
  UNREACH4,
  UNREACH6,
} from './icmp.js';
export { decodeIPv4, encodeIPv4, encodingLengthIPv4, IP_FLAG_DF, IP_FLAG_MF, IPV4_HEADER_LENGTH } from './ipv4.js';
export { decodeIPv6, encodeIPv6, encodingLengthIPv6, IPV6_HEADER_LENGTH } from './ipv6.js';
export {
  decodeOptions,
  encodeOptions,
  encodingLengthOptions,
  KIND_EOL,
  KIND_MSS,
  KIND_NOP,
  KIND_SACK,
  KIND_SACK_OK,
  KIND_TS,
  KIND_WSCALE,
  MAX_OPTIONS_LENGTH,
  optionLength,
} from './options.js';
export { decodePacket, encodePacket, encodingLengthPacket, isIPv6Header } from './packet.js';
export {
  DEFAULT_SNAPLEN,
  type DecodedPcapHeader,
  decodePcap,
  decodePcapHeader,
  decodePcapRecord,
  encodePcap,
  encodePcapHeader,
  encodePcapRecord,
  encodingLengthPcapHeader,
  encodingLengthPcapRecord,
  LINKTYPE_RAW,
  PCAP_HEADER_LENGTH,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_RECORD_HEADER_LENGTH,
  type PcapFile,
  type PcapHeader,
  type PcapRecord,
} from './pcap.js';
export * as Seq from './seq.js';
export { decodeTcp, encodeTcp, encodingLengthTcp, encodingLengthTcpHeader, TCP_HEADER_LENGTH } from './tcp.js';
export * from './types.js';
