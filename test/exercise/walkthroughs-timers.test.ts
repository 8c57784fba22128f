// The two walkthroughs that wait on the target kernel's timers (about 8 and 11 s), with --auto.
import t from 'tap';
import { labLinksOf, outputOf, statesIn, transcriptOf } from './helpers.js';

const IN = '< target.8080 > probe.40001: Flags';

t.test('lost-ack', async (t) => {
  const { code, text, ms } = await transcriptOf({ walkthrough: 'lost-ack', auto: true });
  t.comment(`lost-ack walkthrough: ${Math.round(ms)} ms`);
  t.equal(code, 0);
  t.match(outputOf(text, 'syn'), 'state: FSM SYN-RECEIVED | kernel SYN-RECEIVED');
  const waited = outputOf(text, 'wait 4s');
  const copies = [...waited.matchAll(/< target\.8080 > probe\.40001: Flags \[S\.\], seq 0, ack 1, .*\n\s+↻ a retransmission/g)];
  t.equal(copies.length, 2, 'the SYN-ACK retransmitted twice (tcp_synack_retries 2 in the lab)');
  t.match(waited, 'state: FSM SYN-RECEIVED | kernel SYN-RECEIVED');
  const gaveUp = outputOf(text, 'timeout rexmt');
  t.match(gaveUp, 'FSM: SYN-RECEIVED → CLOSED on timeout-retransmission-exhausted');
  t.match(gaveUp, 'state: FSM CLOSED | kernel CLOSED  ✓ agree', 'the kernel dropped the half-open connection');
  const late = outputOf(text, 'ack');
  t.match(late, new RegExp(`${IN.replace(/[.]/g, '\\.')} \\[R\\], seq 1, .*\\n\\s+✓ as predicted`), 'the late ACK is answered with RST seq = its ack');
  t.match(text, /Answer:\n {2}A RST whose seq is our ACK's ack number/);
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('time-wait', async (t) => {
  const { code, text, ms } = await transcriptOf({ walkthrough: 'time-wait', auto: true });
  t.comment(`time-wait walkthrough: ${Math.round(ms)} ms`);
  t.equal(code, 0);
  t.same(statesIn(text).filter(([fsm, kernel]) => fsm !== kernel), [], 'the kernel agrees at every step');
  t.match(outputOf(text, 'agent close'), 'state: FSM FIN-WAIT-1 | kernel FIN-WAIT-1');
  t.match(outputOf(text, 'ack', 2), 'state: FSM FIN-WAIT-2 | kernel FIN-WAIT-2');
  t.match(outputOf(text, 'fin'), 'state: FSM TIME-WAIT | kernel TIME-WAIT');
  const timers = [...text.matchAll(/kernel socket \(ss\): TIME-WAIT, .*timer timewait about (\d+) s left/g)].map((m) => Number(m[1]));
  t.equal(timers.length, 4, 'ss shows the TIME-WAIT timer at each `state`');
  t.ok(timers[0]! <= 60, `at most Linux's 60 s when TIME-WAIT begins (${timers[0]} s)`);
  t.ok(timers[1]! < timers[0]!, `it runs down while we wait (${timers[0]} → ${timers[1]} s)`);
  const again = outputOf(text, 'fin seq-1');
  t.match(again, /> probe\.40001 > target\.8080: Flags \[F\.\], seq 1, ack 2,/, 'our FIN again, same seq');
  t.match(again, /< target\.8080 > probe\.40001: Flags \[\.\], ack 2, .*\n\s+✓ as predicted/, 'TIME-WAIT acknowledges it again');
  t.ok(timers[2]! > timers[1]!, `the repeated FIN restarted the timer (${timers[1]} → ${timers[2]} s)`);
  t.match(text, /RFC 793 chose 2 minutes/);
  t.match(text, /How long will the target's socket stay in TIME-WAIT from now\?/);
  t.match(text, /Answer:\n {2}About 60 s/);
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});
