// trace.pcap: every suite's capture in one file, records in timestamp order (what `mergecap`
// does), so one `tcpdump -r` or Wireshark session shows the whole run. Suites run in parallel
// labs, so their records interleave in time; a stable sort keeps each file's own order on ties.
import {
  decodePcapHeader,
  decodePcapRecord,
  encodePcap,
  LINKTYPE_RAW,
  PCAP_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  type PcapRecord,
} from '../packet/index.js';
import { DecodeError } from '../packet/types.js';

export interface PcapInput {
  /** shown in problems: the suite or file name */
  name: string;
  bytes: Buffer;
}

export interface MergedPcap {
  pcap: Buffer;
  records: number;
  /** inputs that were unreadable or cut short (a suite killed mid-write): what was kept */
  problems: string[];
}

/** Records of one capture, up to the first damaged one (a killed writer leaves a short tail). */
function readRecords(input: PcapInput, problems: string[]): { linktype: number; records: PcapRecord[] } | null {
  let header;
  try {
    header = decodePcapHeader(input.bytes);
  } catch (e) {
    problems.push(`${input.name}: ${(e as Error).message}; left out`);
    return null;
  }
  const records: PcapRecord[] = [];
  let at = PCAP_HEADER_LENGTH;
  while (at < input.bytes.length) {
    try {
      const r = decodePcapRecord(input.bytes, at, header);
      records.push(r);
      at += PCAP_RECORD_HEADER_LENGTH + r.data.length;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      problems.push(`${input.name}: ${e.message}; kept the first ${records.length} records`);
      break;
    }
  }
  return { linktype: header.linktype, records };
}

export function mergePcaps(inputs: readonly PcapInput[]): MergedPcap {
  const problems: string[] = [];
  const all: Array<{ record: PcapRecord; order: number }> = [];
  let linktype: number | undefined;
  for (const input of inputs) {
    const read = readRecords(input, problems);
    if (!read) continue;
    // One file has one link type; tcpfsm writes LINKTYPE_RAW everywhere.
    if (linktype !== undefined && read.linktype !== linktype) {
      problems.push(`${input.name}: link type ${read.linktype} differs from ${linktype}; left out`);
      continue;
    }
    linktype = read.linktype;
    for (const record of read.records) all.push({ record, order: all.length });
  }
  all.sort((a, b) => (a.record.timestamp < b.record.timestamp ? -1 : a.record.timestamp > b.record.timestamp ? 1 : a.order - b.order));
  return {
    pcap: encodePcap(
      all.map((r) => r.record),
      { nanoseconds: true, linktype: linktype ?? LINKTYPE_RAW },
    ),
    records: all.length,
    problems,
  };
}
