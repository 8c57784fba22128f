// The walkthroughs that wait on the target kernel's timers (about 8 and 11 s), with --auto; and
// lost-ack with --lab-sysctl tcp_synack_retries=3, whose texts must quote 3 and 15 s.
import t from 'tap';
import { labLinksOf, outputOf, statesIn, transcriptOf } from './helpers.js';

const IN = '< target.8080 > probe.40001: Flags';

t.test('lost-ack', async (t) => {
  const { code, text, ms } = await transcriptOf({ walkthrough: 'lost-ack', auto: true });
  t.comment(`lost-ack walkthrough: ${Math.round(ms)} ms`);
  t.equal(code, 0);
  t.match(outputOf(text, 'syn'), 'state: FSM SYN-RECEIVED | kernel SYN-RECEIVED');
  t.match(
    text,
    '(this lab: 2; Linux defaults to 5), then it drops the half-open connection:\nabout 7 s after the first SYN-ACK.',
    "the text quotes the lab's real value",
  );
  const gaveUp = outputOf(text, 'timeout rexmt');
  const copies = [...gaveUp.matchAll(/< target\.8080 > probe\.40001: Flags \[S\.\], seq 0, ack 1, .*\n\s+↻ a retransmission/g)];
  t.equal(copies.length, 2, 'the SYN-ACK retransmitted twice (tcp_synack_retries 2 in the lab)');
  t.match(gaveUp, 'FSM: SYN-RECEIVED → CLOSED on timeout-retransmission-exhausted');
  t.match(gaveUp, 'the target sent it at 0 s and again at +1, +3 s (the timeout doubling each time), then gave up: gone at about +7 s');
  t.match(gaveUp, 'state: FSM CLOSED | kernel CLOSED  ✓ agree', 'the kernel dropped the half-open connection');
  const late = outputOf(text, 'ack');
  t.match(late, /FSM: LISTEN → LISTEN: .*expects \[R\]/, 'the late ACK reaches the listener (the port still listens)');
  t.match(late, new RegExp(`${IN.replace(/[.]/g, '\\.')} \\[R\\], seq 1, .*\\n\\s+✓ as predicted`), 'the late ACK is answered with RST seq = its ack');
  t.match(text, /Answer:\n {2}A RST whose seq is our ACK's ack number/);
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('time-wait', async (t) => {
  const { code, text, ms } = await transcriptOf({ walkthrough: 'time-wait', auto: true });
  t.comment(`time-wait walkthrough: ${Math.round(ms)} ms`);
  t.equal(code, 0);
  t.same(
    statesIn(text).filter(([fsm, kernel]) => fsm !== kernel),
    [],
    'the kernel agrees at every step',
  );
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

t.test('lost-ack with tcp_synack_retries=3: the texts use the real value', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'lost-ack', auto: true, labSysctls: { tcp_synack_retries: 3 } });
  t.equal(code, 0);
  t.match(text, '(this lab: 3; Linux defaults to 5), then it drops the half-open connection:\nabout 15 s after the first SYN-ACK.');
  t.match(text, 'its SYN-ACK comes again after 1 s, 2 s, 4 s… (3 times)');
  t.notMatch(text, /lab sets 2|about 7 s/, 'nothing of the default values');
  const copies = [...outputOf(text, 'timeout rexmt').matchAll(/↻ a retransmission/g)];
  t.equal(copies.length, 3, 'three retransmissions, as the sysctl says');
  t.match(text, 'the target sent it at 0 s and again at +1, +3, +7 s (the timeout doubling each time), then gave up: gone at about +');
  // When the half-open connection is seen gone is a measured time: never before 1+2+4+8 = 15 s
  // (the kernel's schedule for 3 retries), later on a loaded machine.
  const gone = Number(/gave up: gone at about \+(\d+) s/.exec(text)?.[1]);
  t.ok(gone >= 15, `gone at +${gone} s, not before the schedule's 15 s`);
  t.notMatch(text, /✗/);
});
