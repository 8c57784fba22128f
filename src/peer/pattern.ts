// What a test expects of a segment: only the fields that matter, tcpdump flag strings.
// A mismatch names each field, expected vs actual in decimal and hex (after packetdrill).
import { formatFlags, parseFlags } from '../packet/index.js';
import { type DecodedTcp, PSH, type TcpOption } from '../packet/types.js';

export interface SegmentPattern {
  /** exact flag set, tcpdump style ('S.', 'R.', 'F.', '.', 'R') or scapy letters ('SA', 'RA') */
  flags?: string;
  seq?: number;
  ack?: number;
  window?: number;
  /** payload length */
  len?: number;
  payload?: Buffer | string;
  /** option kinds that must be present (e.g. ['mss', 'sackOK']) */
  optionKinds?: Array<TcpOption['kind']>;
}

export interface FieldMismatch {
  field: string;
  expected: string;
  actual: string;
}

const num = (n: number): string => `${n >>> 0} (0x${(n >>> 0).toString(16)})`;

export function compareSegment(p: SegmentPattern, tcp: DecodedTcp): FieldMismatch[] {
  const out: FieldMismatch[] = [];
  if (p.flags !== undefined) {
    // PSH is the sender's to set on any segment (RFC 9293 3.9.1): a suite's pattern never fixes it.
    const want = parseFlags(p.flags);
    if ((want | PSH) !== (tcp.flags | PSH)) out.push({ field: 'tcp_flags', expected: `[${formatFlags(want)}]`, actual: `[${formatFlags(tcp.flags)}]` });
  }
  if (p.seq !== undefined && p.seq >>> 0 !== tcp.seq) out.push({ field: 'tcp_seq', expected: num(p.seq), actual: num(tcp.seq) });
  if (p.ack !== undefined && p.ack >>> 0 !== tcp.ack) out.push({ field: 'tcp_ack_seq', expected: num(p.ack), actual: num(tcp.ack) });
  if (p.window !== undefined && p.window !== tcp.window) out.push({ field: 'tcp_window', expected: num(p.window), actual: num(tcp.window) });
  if (p.len !== undefined && p.len !== tcp.payload.length) out.push({ field: 'payload_len', expected: String(p.len), actual: String(tcp.payload.length) });
  if (p.payload !== undefined) {
    const want = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
    if (!want.equals(tcp.payload))
      out.push({ field: 'payload', expected: JSON.stringify(want.toString('latin1')), actual: JSON.stringify(tcp.payload.toString('latin1')) });
  }
  for (const kind of p.optionKinds ?? []) {
    if (!tcp.options.some((o) => o.kind === kind)) out.push({ field: `tcp_option ${kind}`, expected: 'present', actual: 'absent' });
  }
  return out;
}

export const describeMismatches = (ms: FieldMismatch[]): string => ms.map((m) => `${m.field}: expected: ${m.expected} vs actual: ${m.actual}`).join('; ');
