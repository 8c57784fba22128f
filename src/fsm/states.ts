// The eleven connection states of RFC 9293 3.3.2, spelled as the RFC spells them.
// CLOSED is "fictional": it stands for "no TCB", i.e. no connection at all.

export const states = [
  'CLOSED',
  'LISTEN',
  'SYN-SENT',
  'SYN-RECEIVED',
  'ESTABLISHED',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'CLOSE-WAIT',
  'CLOSING',
  'LAST-ACK',
  'TIME-WAIT',
] as const;

export type TcpState = (typeof states)[number];

/**
 * The synchronized states (RFC 9293 3.5.2, group 3): both sides know each other's ISN, so an
 * unacceptable segment is answered with an ACK, never a RST.
 */
export const synchronizedStates: readonly TcpState[] = ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT'];

/** States whose segment arrivals are governed by RFC 9293 3.10.7.4 ("Other States"). */
export const otherStates: readonly TcpState[] = ['SYN-RECEIVED', ...synchronizedStates];

export function isSynchronized(state: TcpState): boolean {
  return synchronizedStates.includes(state);
}

export function isTcpState(value: string): value is TcpState {
  return (states as readonly string[]).includes(value);
}
