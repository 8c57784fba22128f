// The classic libpcap file format (draft-ietf-opsawg-pcap): a 24-byte file header, then a
// 16-byte header before each packet. We write little-endian with the nanosecond magic
// 0xa1b23c4d, so hrtime stamps keep their precision (libpcap >= 1.5 and tcpdump read it), and
// link type LINKTYPE_RAW (101): each record is a bare IPv4 or IPv6 packet, no link header.
// The reader takes either byte order and either magic.
import { checkField } from './options.js';
import { DecodeError } from './types.js';

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** LINKTYPE_RAW: raw IPv4/IPv6, version from the first nibble (tcpdump.org linktypes list). */
export const LINKTYPE_RAW = 101;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** tcpdump's default snapshot length. */
export const DEFAULT_SNAPLEN = 262144;

export interface PcapHeader {
  /** nanosecond timestamps (magic 0xa1b23c4d) rather than microseconds; default true */
  nanoseconds?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  snaplen?: number;
  linktype?: number;
}

export interface DecodedPcapHeader extends Required<PcapHeader> {
  littleEndian: boolean;
}

export interface PcapRecord {
  /** capture time in nanoseconds since the Unix epoch */
  timestamp: bigint;
  data: Buffer;
  /** the packet's length on the wire; data.length when undefined */
  origLength?: number;
}

export interface PcapFile {
  header: DecodedPcapHeader;
  records: Array<Required<PcapRecord>>;
}

const NS_PER_S = 1_000_000_000n;

export function encodingLengthPcapHeader(_header?: PcapHeader): number {
  return PCAP_HEADER_LENGTH;
}

export function encodePcapHeader(header: PcapHeader = {}, buf?: Buffer, offset = 0): Buffer {
  if (buf === undefined) {
    buf = Buffer.alloc(PCAP_HEADER_LENGTH);
    offset = 0;
  } else if (!(offset >= 0 && offset + PCAP_HEADER_LENGTH <= buf.length)) {
    throw new RangeError(`encodePcapHeader: 24 bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  const versionMajor = header.versionMajor ?? 2;
  const versionMinor = header.versionMinor ?? 4;
  const snaplen = header.snaplen ?? DEFAULT_SNAPLEN;
  const linktype = header.linktype ?? LINKTYPE_RAW;
  checkField('pcap.versionMajor', versionMajor, 0xffff);
  checkField('pcap.versionMinor', versionMinor, 0xffff);
  checkField('pcap.snaplen', snaplen, 0xffffffff);
  checkField('pcap.linktype', linktype, 0xffffffff);
  buf.writeUInt32LE((header.nanoseconds ?? true) ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, offset);
  buf.writeUInt16LE(versionMajor, offset + 4);
  buf.writeUInt16LE(versionMinor, offset + 6);
  buf.writeUInt32LE(0, offset + 8); // thiszone: always 0
  buf.writeUInt32LE(0, offset + 12); // sigfigs: always 0
  buf.writeUInt32LE(snaplen, offset + 16);
  buf.writeUInt32LE(linktype, offset + 20);
  return buf.subarray(offset, offset + PCAP_HEADER_LENGTH);
}

export function decodePcapHeader(buf: Buffer, offset = 0): DecodedPcapHeader {
  if (!(offset >= 0 && buf.length - offset >= PCAP_HEADER_LENGTH)) {
    throw new DecodeError('pcap', `truncated file header: ${Math.max(0, buf.length - offset)} bytes, need 24`, offset);
  }
  const magicLE = buf.readUInt32LE(offset);
  const magicBE = buf.readUInt32BE(offset);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (magicLE === PCAP_MAGIC_NANOSECONDS || magicLE === PCAP_MAGIC_MICROSECONDS) {
    littleEndian = true;
    nanoseconds = magicLE === PCAP_MAGIC_NANOSECONDS;
  } else if (magicBE === PCAP_MAGIC_NANOSECONDS || magicBE === PCAP_MAGIC_MICROSECONDS) {
    littleEndian = false;
    nanoseconds = magicBE === PCAP_MAGIC_NANOSECONDS;
  } else {
    throw new DecodeError('pcap', `bad magic 0x${magicBE.toString(16).padStart(8, '0')}: not a pcap file`, offset);
  }
  const u16 = (at: number) => (littleEndian ? buf.readUInt16LE(offset + at) : buf.readUInt16BE(offset + at));
  const u32 = (at: number) => (littleEndian ? buf.readUInt32LE(offset + at) : buf.readUInt32BE(offset + at));
  return {
    nanoseconds,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    linktype: u32(20),
    littleEndian,
  };
}

export function encodingLengthPcapRecord(record: PcapRecord): number {
  return PCAP_RECORD_HEADER_LENGTH + record.data.length;
}

/** One record (header + packet bytes); microsecond files truncate the stamp to microseconds. */
export function encodePcapRecord(record: PcapRecord, buf?: Buffer, offset = 0, nanoseconds = true): Buffer {
  const length = encodingLengthPcapRecord(record);
  if (buf === undefined) {
    buf = Buffer.allocUnsafe(length);
    offset = 0;
  } else if (!(offset >= 0 && offset + length <= buf.length)) {
    throw new RangeError(`encodePcapRecord: ${length} bytes do not fit in a ${buf.length}-byte buffer at offset ${offset}`);
  }
  const { timestamp } = record;
  if (timestamp < 0n || timestamp / NS_PER_S > 0xffffffffn) {
    throw new RangeError(`pcap timestamp ${timestamp} ns is outside the 32-bit seconds field`);
  }
  const fraction = Number(timestamp % NS_PER_S);
  const origLength = record.origLength ?? record.data.length;
  checkField('pcap.origLength', origLength, 0xffffffff);
  buf.writeUInt32LE(Number(timestamp / NS_PER_S), offset);
  buf.writeUInt32LE(nanoseconds ? fraction : Math.floor(fraction / 1000), offset + 4);
  buf.writeUInt32LE(record.data.length, offset + 8);
  buf.writeUInt32LE(origLength, offset + 12);
  buf.set(record.data, offset + PCAP_RECORD_HEADER_LENGTH);
  return buf.subarray(offset, offset + length);
}

/** The record at buf[offset] of a file with the given header; data is a view of buf. */
export function decodePcapRecord(buf: Buffer, offset: number, header: Pick<DecodedPcapHeader, 'nanoseconds' | 'littleEndian'>): Required<PcapRecord> {
  if (!(offset >= 0 && buf.length - offset >= PCAP_RECORD_HEADER_LENGTH)) {
    throw new DecodeError('pcap', `truncated record header: ${Math.max(0, buf.length - offset)} bytes, need 16`, offset);
  }
  const u32 = (at: number) => (header.littleEndian ? buf.readUInt32LE(offset + at) : buf.readUInt32BE(offset + at));
  const seconds = u32(0);
  const fraction = u32(4);
  const capturedLength = u32(8);
  const origLength = u32(12);
  const start = offset + PCAP_RECORD_HEADER_LENGTH;
  if (capturedLength > buf.length - start) {
    throw new DecodeError('pcap', `truncated record: ${capturedLength} bytes captured but ${buf.length - start} remain`, offset + 8);
  }
  return {
    timestamp: BigInt(seconds) * NS_PER_S + BigInt(fraction) * (header.nanoseconds ? 1n : 1000n),
    data: buf.subarray(start, start + capturedLength),
    origLength,
  };
}

/** A whole file: the header, then every record in order. */
export function encodePcap(records: readonly PcapRecord[], header: PcapHeader = {}): Buffer {
  const nanoseconds = header.nanoseconds ?? true;
  let length = PCAP_HEADER_LENGTH;
  for (const record of records) length += encodingLengthPcapRecord(record);
  const buf = Buffer.alloc(length);
  encodePcapHeader(header, buf, 0);
  let at = PCAP_HEADER_LENGTH;
  for (const record of records) at += encodePcapRecord(record, buf, at, nanoseconds).length;
  return buf;
}

export function decodePcap(buf: Buffer): PcapFile {
  const header = decodePcapHeader(buf, 0);
  const records: Array<Required<PcapRecord>> = [];
  let at = PCAP_HEADER_LENGTH;
  while (at < buf.length) {
    const record = decodePcapRecord(buf, at, header);
    records.push(record);
    at += PCAP_RECORD_HEADER_LENGTH + record.data.length;
  }
  return { header, records };
}
