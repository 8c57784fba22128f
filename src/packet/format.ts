// One-line segment descriptions in tcpdump's style (print-tcp.c), so a trace reads like
// `tcpdump -nn` and can be checked against it:
//   198.18.0.1.40000 > 198.18.0.2.8080: Flags [S.], seq 1000, ack 2001, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0
// As in tcpdump: seq is printed only for SYN/FIN/RST or data ("seq 1:6" is the range the data
// covers), ack only with the ACK flag, urg only with URG, options only when there are some, and
// the window is the raw header field (never scaled).
import { formatFlags } from './flags.js';
import { KIND_MSS, KIND_SACK, KIND_SACK_OK, KIND_TS, KIND_WSCALE } from './options.js';
import { ACK, FIN, type Packet, RST, SYN, type TcpOption, type TcpSegment, URG } from './types.js';

/** tcpdump without -S: sequence numbers relative to each side's initial sequence number. */
export interface RelativeTo {
  /** ISN of the segment's sender: seq is printed as seq - srcIsn */
  srcIsn: number;
  /** ISN of the segment's receiver: ack and SACK edges are printed relative to it */
  dstIsn: number;
}

export interface FormatOptions {
  /** print seq/ack relative to these ISNs (absolute, like tcpdump -S, when omitted) */
  relativeTo?: RelativeTo;
}

const KNOWN_KIND_NAMES: Readonly<Record<number, string>> = {
  [KIND_MSS]: 'mss',
  [KIND_WSCALE]: 'wscale',
  [KIND_SACK_OK]: 'sackOK',
  [KIND_SACK]: 'sack',
  [KIND_TS]: 'TS',
};

/** 'Flags [S.], seq 1000, ack 2001, win 65535, options [...], length 0' */
export function formatTcp(tcp: TcpSegment, opts: FormatOptions = {}): string {
  const srcBase = opts.relativeTo?.srcIsn ?? 0;
  const dstBase = opts.relativeTo?.dstIsn ?? 0;
  const length = tcp.payload?.length ?? 0;
  let line = `Flags [${formatFlags(tcp.flags)}]`;
  if (length > 0 || tcp.flags & (SYN | FIN | RST)) {
    const seq = (tcp.seq - srcBase) >>> 0;
    line += length > 0 ? `, seq ${seq}:${(seq + length) >>> 0}` : `, seq ${seq}`;
  }
  if (tcp.flags & ACK) line += `, ack ${(tcp.ack - dstBase) >>> 0}`;
  line += `, win ${tcp.window}`;
  if (tcp.flags & URG) line += `, urg ${tcp.urgent ?? 0}`;
  if (tcp.options !== undefined && tcp.options.length > 0) line += `, options [${formatOptions(tcp.options, dstBase)}]`;
  return line + `, length ${length}`;
}

/**
 * 'mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7'. SACK edges are acknowledgment numbers, hence
 * relative to the receiver's ISN (ackBase) like tcpdump's. Options we keep as bytes print as
 * 'unknown-KIND 0xHEX' (tcpdump's spelling for kinds it does not know either); a known kind with
 * a length its RFC forbids prints as 'mss[len 3] 0x05dc'.
 */
export function formatOptions(options: readonly TcpOption[], ackBase = 0): string {
  return options.map((option) => formatOption(option, ackBase)).join(',');
}

function formatOption(option: TcpOption, ackBase: number): string {
  switch (option.kind) {
    case 'eol':
      // tcpdump prints 'eol' and stops; bytes that are not zero padding are shown (they carry something).
      return option.trailing?.some((b) => b !== 0) ? `eol 0x${option.trailing.toString('hex')}` : 'eol';
    case 'nop':
      return 'nop';
    case 'mss':
      return `mss ${option.value}`;
    case 'wscale':
      return `wscale ${option.shift}`;
    case 'sackOK':
      return 'sackOK';
    case 'sack': {
      const edges = option.blocks.map(([l, r]) => `{${(l - ackBase) >>> 0}:${(r - ackBase) >>> 0}}`).join('');
      return `sack ${option.blocks.length} ${edges}`;
    }
    case 'ts':
      return `TS val ${option.val} ecr ${option.ecr}`;
    case 'raw':
      return `bad opt 0x${option.bytes.toString('hex')}`;
    case 'unknown': {
      const known = KNOWN_KIND_NAMES[option.type];
      const name = known === undefined ? `unknown-${option.type}` : `${known}[len ${option.data.length + 2}]`;
      return option.data.length > 0 ? `${name} 0x${option.data.toString('hex')}` : name;
    }
  }
}

/** '198.18.0.1.40000 > 198.18.0.2.8080: ' + formatTcp(...) — addresses joined to ports by '.' as tcpdump -nn does. */
export function formatSegment(src: string, dst: string, tcp: TcpSegment, opts: FormatOptions = {}): string {
  return `${src}.${tcp.srcPort} > ${dst}.${tcp.dstPort}: ${formatTcp(tcp, opts)}`;
}

export function formatPacket(packet: Packet, opts: FormatOptions = {}): string {
  return formatSegment(packet.ip.src, packet.ip.dst, packet.tcp, opts);
}
