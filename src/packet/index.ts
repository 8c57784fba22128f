// The pure TCP/IP codec: plain objects <-> bytes, checksums, tcpdump-style text, pcap files.
// No I/O. Every wire format is a codec trio: encodeX(value, ..., buf?, offset?) returns the bytes
// written, decodeX(buf, offset?) throws only DecodeError on bad bytes, encodingLengthX(value).
export * from './types.js';
export * as Seq from './seq.js';
export { parseAddress, parseIPv4, parseIPv6, formatIPv4, formatIPv6 } from './address.js';
export {
  PROTOCOL_TCP,
  addressSum,
  fold,
  internetChecksum,
  pseudoHeaderSum,
  sum16,
  tcpChecksum,
  tcpLengthSum,
  type PseudoHeader,
} from './checksum.js';
export {
  KIND_EOL,
  KIND_NOP,
  KIND_MSS,
  KIND_WSCALE,
  KIND_SACK_OK,
  KIND_SACK,
  KIND_TS,
  MAX_OPTIONS_LENGTH,
  decodeOptions,
  encodeOptions,
  encodingLengthOptions,
  optionLength,
} from './options.js';
export { TCP_HEADER_LENGTH, decodeTcp, encodeTcp, encodingLengthTcp, encodingLengthTcpHeader } from './tcp.js';
export { IPV4_HEADER_LENGTH, IP_FLAG_DF, IP_FLAG_MF, decodeIPv4, encodeIPv4, encodingLengthIPv4 } from './ipv4.js';
export { IPV6_HEADER_LENGTH, decodeIPv6, encodeIPv6, encodingLengthIPv6 } from './ipv6.js';
export { decodePacket, encodePacket, encodingLengthPacket, isIPv6Header } from './packet.js';
export { formatFlags, parseFlags } from './flags.js';
export { formatOptions, formatPacket, formatSegment, formatTcp, type FormatOptions, type RelativeTo } from './format.js';
export {
  DEFAULT_SNAPLEN,
  LINKTYPE_RAW,
  PCAP_HEADER_LENGTH,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_MAGIC_NANOSECONDS,
  PCAP_RECORD_HEADER_LENGTH,
  decodePcap,
  decodePcapHeader,
  decodePcapRecord,
  encodePcap,
  encodePcapHeader,
  encodePcapRecord,
  encodingLengthPcapHeader,
  encodingLengthPcapRecord,
  type DecodedPcapHeader,
  type PcapFile,
  type PcapHeader,
  type PcapRecord,
} from './pcap.js';
