// What RFC 9293 requires of the header of every segment a TCP sends, judged on the target's own
// segments from their bytes (not from the decoder, which would already have refused or tidied them):
//   MUST-68  every option except EOL and NOP has a length field (>= 2, inside the option area)
//   MUST-69  the header beyond an EOL is zero padding
//   MUST-65  no MSS option on a segment without SYN
//   3.1      the reserved bits are zero in generated segments
// plus the lengths the options' own RFCs fix (MSS 4, window scale 3, SACK-permitted 2, SACK 2+8n,
// timestamps 10). Each problem comes back as a violation Finding.
import { IPV6_HEADER_LENGTH } from '../packet/ipv6.js';
import { KIND_EOL, KIND_MSS, KIND_NOP, KIND_SACK, KIND_SACK_OK, KIND_TS, KIND_WSCALE } from '../packet/options.js';
import { SYN } from '../packet/types.js';
import type { Finding } from './grade.js';

/** The TCP option area (bytes 20 .. data offset × 4 of the TCP header) of a whole IP packet. */
export function optionArea(packet: Buffer): Buffer {
  const tcpAt = packet[0]! >>> 4 === 6 ? IPV6_HEADER_LENGTH : (packet[0]! & 0x0f) * 4;
  const headerLength = (packet[tcpAt + 12]! >>> 4) * 4;
  return packet.subarray(tcpAt + 20, Math.min(tcpAt + headerLength, packet.length));
}

/** The lengths the options' RFCs fix, and where. */
const FIXED_LENGTH: Readonly<Record<number, { name: string; ok: (len: number) => boolean; want: string; rfc: string }>> = {
  [KIND_MSS]: { name: 'MSS', ok: (l) => l === 4, want: '4', rfc: 'RFC 9293 3.2' },
  [KIND_WSCALE]: { name: 'window scale', ok: (l) => l === 3, want: '3', rfc: 'RFC 7323 2.2' },
  [KIND_SACK_OK]: { name: 'SACK-permitted', ok: (l) => l === 2, want: '2', rfc: 'RFC 2018 2' },
  [KIND_SACK]: { name: 'SACK', ok: (l) => l >= 10 && (l - 2) % 8 === 0, want: '2 + 8n, n >= 1', rfc: 'RFC 2018 3' },
  [KIND_TS]: { name: 'timestamps', ok: (l) => l === 10, want: '10', rfc: 'RFC 7323 3.2' },
};

const violation = (requirement: string, check: string, expected: string, observed: string): Finding => ({
  level: 'violation',
  requirement,
  check,
  expected,
  observed,
});

/** Problems in one option area; `syn` says whether the segment carries SYN (MSS is allowed only there). */
export function judgeOptionBytes(area: Buffer, syn: boolean): Finding[] {
  const out: Finding[] = [];
  let at = 0;
  while (at < area.length) {
    const kind = area[at]!;
    if (kind === KIND_EOL) {
      const padding = area.subarray(at + 1);
      if (padding.some((b) => b !== 0)) out.push(violation('MUST-69', 'header padding after EOL', 'zeros', `0x${padding.toString('hex')}`));
      return out;
    }
    if (kind === KIND_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= area.length) {
      out.push(violation('MUST-68', `length field of option kind ${kind}`, 'a length byte', 'the option area ends first'));
      return out;
    }
    const length = area[at + 1]!;
    if (length < 2 || at + length > area.length) {
      out.push(violation('MUST-68', `length of option kind ${kind}`, `2..${area.length - at} (what is left of the option area)`, String(length)));
      return out;
    }
    const fixed = FIXED_LENGTH[kind];
    if (fixed && !fixed.ok(length)) out.push(violation(fixed.rfc, `length of the ${fixed.name} option`, fixed.want, String(length)));
    if (kind === KIND_MSS && !syn) out.push(violation('MUST-65', 'MSS option on a segment without SYN', 'no MSS option', `MSS option (length ${length})`));
    at += length;
  }
  return out;
}

/** Problems in one whole IP packet from the target: its option area and its reserved bits. */
export function judgeHeader(packet: Buffer, flags: number, reserved: number): Finding[] {
  const out = judgeOptionBytes(optionArea(packet), (flags & SYN) !== 0);
  // The fourth bit (next to CWR) is Accurate ECN's AE flag: only the three others are still reserved.
  if (reserved & 0x0e) out.push(violation('RFC 9293 3.1', 'reserved header bits', 'zero in generated segments', `0x${(reserved & 0x0e).toString(16)}`));
  return out;
}
