// A kernel timer that moved the target on is named with the sysctl it follows and the FSM event
// that catches the model up; a difference no timer explains stays a disagreement (null).
import t from 'tap';
import { explainTimer, type TimerClue } from '../../src/exercise/timers.js';

const sysctls = {
  'net.ipv4.tcp_synack_retries': '2',
  'net.ipv4.tcp_orphan_retries': '0',
  'net.ipv4.tcp_retries2': '8',
  'net.ipv4.tcp_fin_timeout': '60',
};
const clue = (c: Partial<TimerClue>): TimerClue => ({ fsm: 'ESTABLISHED', kernel: 'CLOSED', orphaned: false, retransmissions: 2, sysctls, ...c });

t.test('each timer, with its sysctl and its real value', async (t) => {
  t.same(explainTimer(clue({ fsm: 'SYN-RECEIVED' })), {
    event: 'timeout-retransmission-exhausted',
    text: 'the target gave up after 2 SYN-ACK retransmissions: tcp_synack_retries = 2; the half-open connection is dropped (RFC 9293 3.8.3)',
  });
  const orphan = explainTimer(clue({ fsm: 'LAST-ACK', orphaned: true, retransmissions: 1 }))!;
  t.equal(orphan.event, 'timeout-retransmission-exhausted');
  t.match(orphan.text, /^the target gave up after 1 FIN retransmission: tcp_orphan_retries = 0 \(0 means 8\)/);
  t.match(explainTimer(clue({ fsm: 'FIN-WAIT-1', orphaned: false }))!.text, /after 2 retransmissions: tcp_retries2 = 8/, 'shutdown() keeps the socket: R2');
  t.match(explainTimer(clue({ fsm: 'CLOSE-WAIT' }))!.text, /tcp_retries2 = 8/);
  t.same(explainTimer(clue({ fsm: 'FIN-WAIT-2', orphaned: true }))!.event, 'timeout-fin-wait-2');
  t.match(explainTimer(clue({ fsm: 'FIN-WAIT-2', orphaned: true }))!.text, /tcp_fin_timeout = 60 s/);
  t.same(explainTimer(clue({ fsm: 'TIME-WAIT' }))!.event, 'timeout-2msl');
});

t.test('differences no timer explains stay disagreements', async (t) => {
  t.equal(explainTimer(clue({ fsm: 'FIN-WAIT-2', orphaned: false })), null, 'FIN-WAIT-2 held by its application has no timer');
  t.equal(explainTimer(clue({ fsm: 'ESTABLISHED', kernel: 'CLOSE-WAIT' })), null, 'the kernel elsewhere than CLOSED');
  t.equal(explainTimer(clue({ fsm: 'LISTEN' })), null);
  t.equal(explainTimer(clue({ fsm: 'CLOSED' })), null);
});
