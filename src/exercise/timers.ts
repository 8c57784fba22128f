// When the target's kernel moves on by itself — a retransmission timer gives up, an orphaned
// FIN-WAIT-2 or a TIME-WAIT runs out — the FSM (which has no clock) still holds the old state.
// That is not a disagreement but a timer: this names the timer, the sysctl it follows and the
// FSM event that catches the model up. Pure, so it is tested without a lab.
import type { TcpState, TimeoutEvent } from '../fsm/index.js';

export interface TimerClue {
  /** the FSM's state of the target */
  fsm: TcpState;
  /** the kernel's state of the same connection (CLOSED: its socket is gone) */
  kernel: string;
  /** the target's application closed the socket (close(), not shutdown()) */
  orphaned: boolean;
  /** the target retransmitted this many times since its last new segment */
  retransmissions: number;
  /** the lab's sysctls, dotted names (as Lab.sysctls) */
  sysctls: Readonly<Record<string, string>>;
}

export interface TimerExplanation {
  event: TimeoutEvent;
  /** one line: which timer, after what, which sysctl */
  text: string;
}

const value = (s: Readonly<Record<string, string>>, name: string): string => s[`net.ipv4.${name}`] ?? '?';
const times = (n: number, what: string): string => `${n} ${what} retransmission${n === 1 ? '' : 's'}`;

/** The timer that explains the kernel being in `kernel` while the FSM is in `fsm`, or null. */
export function explainTimer(c: TimerClue): TimerExplanation | null {
  if (c.kernel !== 'CLOSED') return null;
  const n = c.retransmissions;
  switch (c.fsm) {
    case 'SYN-RECEIVED':
      return {
        event: 'timeout-retransmission-exhausted',
        text: `the target gave up after ${times(n, 'SYN-ACK')}: tcp_synack_retries = ${value(c.sysctls, 'tcp_synack_retries')}; the half-open connection is dropped (RFC 9293 3.8.3)`,
      };
    case 'FIN-WAIT-1':
    case 'CLOSING':
    case 'LAST-ACK':
      if (c.orphaned) {
        const v = value(c.sysctls, 'tcp_orphan_retries');
        return {
          event: 'timeout-retransmission-exhausted',
          text: `the target gave up after ${times(n, 'FIN')}: tcp_orphan_retries = ${v}${v === '0' ? ' (0 means 8)' : ''}; its application had closed the socket, so the kernel drops it without a RST`,
        };
      }
      return retries2(c);
    case 'ESTABLISHED':
    case 'CLOSE-WAIT':
      return retries2(c);
    case 'FIN-WAIT-2':
      if (!c.orphaned) return null;
      return {
        event: 'timeout-fin-wait-2',
        text: `an orphaned FIN-WAIT-2 lasts tcp_fin_timeout = ${value(c.sysctls, 'tcp_fin_timeout')} s: the target dropped it (RFC 9293 sets no limit; Linux does, for sockets nobody holds)`,
      };
    case 'TIME-WAIT':
      return { event: 'timeout-2msl', text: 'TIME-WAIT ended: Linux keeps it 60 s (TCP_TIMEWAIT_LEN, not a sysctl), then deletes the connection' };
    default:
      return null;
  }
}

/** A socket its application still holds gives up after tcp_retries2 (RFC 9293 3.8.3, R2). */
function retries2(c: TimerClue): TimerExplanation {
  const n = c.retransmissions;
  return {
    event: 'timeout-retransmission-exhausted',
    text: `the target gave up after ${n} retransmission${n === 1 ? '' : 's'}: tcp_retries2 = ${value(c.sysctls, 'tcp_retries2')} (RFC 9293 3.8.3, R2)`,
  };
}
