// TCP flags as text. tcpdump prints them in header-bit order with '.' for ACK and 'W' for CWR
// (print-tcp.c, tcp_flag_values): FIN SYN RST PSH ACK URG ECE CWR -> "FSRP.UEW", so a SYN-ACK is
// "S.", a FIN-ACK "F.", and no flag at all "none". Scapy writes ACK as 'A' and CWR as 'C'.
import { UsageError } from '../sys/errors.js';
import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from './types.js';

const TCPDUMP_ORDER: ReadonlyArray<readonly [bit: number, letter: string]> = [
  [FIN, 'F'],
  [SYN, 'S'],
  [RST, 'R'],
  [PSH, 'P'],
  [ACK, '.'],
  [URG, 'U'],
  [ECE, 'E'],
  [CWR, 'W'],
];

/** Both spellings: tcpdump ('.' ACK, 'W' CWR) and scapy ('A' ACK, 'C' CWR). */
const LETTER_BIT: Readonly<Record<string, number>> = {
  F: FIN,
  S: SYN,
  R: RST,
  P: PSH,
  A: ACK,
  '.': ACK,
  U: URG,
  E: ECE,
  C: CWR,
  W: CWR,
};

/** Cache of the 256 strings: formatting is on the hot path of every trace line. */
const FORMATTED: readonly string[] = Array.from({ length: 256 }, (_, flags) => {
  let text = '';
  for (const [bit, letter] of TCPDUMP_ORDER) if (flags & bit) text += letter;
  return text === '' ? 'none' : text;
});

/** tcpdump's spelling of a flag byte: 'S', 'S.', 'FP.', 'SEW', 'none'. */
export function formatFlags(flags: number): string {
  return FORMATTED[flags & 0xff]!;
}

/**
 * Flags from text in either spelling, letters in any order: 'SA' = 'S.' = 'AS', 'FA', 'R',
 * 'PA', 'SEC' = 'SEW'. '' and 'none' are no flags. Anything else is a UsageError naming the letter.
 */
export function parseFlags(text: string): number {
  if (text === 'none') return 0;
  let flags = 0;
  for (const letter of text) {
    const bit = LETTER_BIT[letter];
    if (bit === undefined) {
      throw new UsageError(`unknown TCP flag '${letter}' in "${text}" (use F S R P A/. U E C/W)`);
    }
    flags |= bit;
  }
  return flags;
}
