// The address family of a connection and the MSS figures that follow from it. IPv6's fixed header
// is 20 bytes longer than IPv4's, so every MSS derived from a link MTU is 20 bytes smaller.

export type Family = 4 | 6;

/** 6 for IPv6 text (it has a ':'), else 4. */
export const familyOf = (addr: string): Family => (addr.includes(':') ? 6 : 4);

/** RFC 9293 3.7.1 (MUST-15): the send MSS assumed when a SYN carries no MSS option. */
export const defaultSendMss = (family: Family): number => (family === 6 ? 1220 : 536);

/** The MSS of a 1500-byte Ethernet link: its MTU less the IP (20 / 40) and TCP (20) headers. */
export const ethernetMss = (family: Family): number => 1500 - (family === 6 ? 40 : 20) - 20;

/** '4' / '6' as the CLI and the suite environment carry it; anything else is not a family. */
export function parseFamily(text: string): Family | undefined {
  return text === '4' ? 4 : text === '6' ? 6 : undefined;
}
