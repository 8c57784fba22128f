// The interactive session fed from a pipe: every command kind, mistakes answered in place, a
// disagreement between the FSM and the kernel flagged without ending the session, and the end of
// input ending it cleanly (exit code 0, lab removed).
import t from 'tap';
import { runExercise } from '../../src/exercise/index.js';
import { UsageError } from '../../src/sys/errors.js';
import { labLinksOf, outputOf, transcriptOf } from './helpers.js';

t.test('a piped session', async (t) => {
  const { code, text, ms } = await transcriptOf({
    lines: [
      'help',
      'connect',
      'ack=5',
      'bogus',
      'agent close',
      'connect 9999',
      'syn',
      'listen 8080',
      'connect',
      'agent close',
      'syn',
      'ack',
      'agent send 5',
      'ack',
      'send abc',
      'agent read',
      'timeout 2msl',
      'timeout user',
      'state',
      'trace',
      // no quit: the end of input ends the session
    ],
  });
  t.comment(`piped session: ${Math.round(ms)} ms`);
  t.equal(code, 0, 'an interactive session ends with 0');
  t.match(outputOf(text, 'help'), /rst seq\+100/);
  t.match(outputOf(text, 'connect'), /\? connect to which port\? nothing listens yet/);
  t.match(outputOf(text, 'ack=5'), /\? 'ack=5' is a modifier: put it after a segment command/);
  t.match(outputOf(text, 'bogus'), /\? unknown command 'bogus'/);
  t.match(outputOf(text, 'agent close'), /\? no connection yet/);

  const closed = outputOf(text, 'syn');
  t.match(closed, 'state: FSM CLOSED | kernel CLOSED');
  t.match(closed, /< target\.9999 > probe\.40001: Flags \[R\.\], seq 0, ack 1, .*\n\s+✓ as predicted/, 'a closed port answers RST,ACK acking the SYN');

  t.match(outputOf(text, 'connect', 2), 'connection 2: probe port 40002 → target port 8080 (nothing sent yet; the FSM starts the target in LISTEN)');
  t.match(outputOf(text, 'agent close', 2), /\? the target's application has not accepted connection 2 .*complete the handshake first/);

  const data = outputOf(text, 'agent send 5');
  t.match(data, 'FSM: ESTABLISHED → ESTABLISHED; expects the target to send [P.] 5 bytes');
  t.match(data, /< target\.8080 > probe\.40002: Flags \[P\.\], seq 1:6, ack 1, .*length 5\n\s+✓ as predicted/);
  t.match(outputOf(text, 'ack', 2), /> probe\.40002 > target\.8080: Flags \[\.\], ack 6,/, 'our ACK defaults to RCV.NXT past their data');
  t.match(outputOf(text, 'send abc'), /Flags \[\.\], ack 4, .*\n\s+✓ as predicted/);
  t.match(outputOf(text, 'agent read'), 'the application read 3 bytes: "abc" (3 in all)');

  t.match(outputOf(text, 'timeout 2msl'), /\? the FSM has no transition for timeout-2msl in ESTABLISHED/);
  const lie = outputOf(text, 'timeout user');
  t.match(lie, 'FSM: ESTABLISHED → CLOSED on timeout-user');
  t.match(lie, 'state: FSM CLOSED | kernel ESTABLISHED  ✗ DISAGREE', 'Linux has no user timeout here: flagged');
  const after = outputOf(text, 'state');
  t.match(after, 'kernel socket (ss): ESTAB, Recv-Q 0, Send-Q 0', 'the session goes on after a disagreement');
  t.match(after, 'probe (us):    ESTABLISHED, SND.NXT 4, RCV.NXT 6');

  const ladder = outputOf(text, 'trace');
  t.match(ladder, '── connection 1: probe port 40001 → target port 9999 ──');
  t.match(ladder, '── connection 2: probe port 40002 → target port 8080 ──');
  t.match(ladder, /\(app send\(5 bytes\)\)/);
  t.match(ladder, /\|<-+ \[P\.\] seq 1 ack 1 len 5 --\|/);
  t.match(ladder, /FSM CLOSED ≠ kernel ESTABLISHED {2}✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('usage errors come before any lab is made', async (t) => {
  await t.rejects(runExercise({ walkthrough: 'nope' }), UsageError);
  await t.rejects(
    runExercise({ walkthrough: 'nope' }),
    /unknown walkthrough 'nope' \(known: handshake, close, lost-ack, time-wait, half-close, reset, isn, syn-queue, tw-reuse, both-sides, why-three\)/,
  );
  await t.rejects(runExercise({ walkthrough: 'handshake', lang: 'fr' as 'en' }), /unknown language 'fr' \(known: en, zh\)/);
  await t.rejects(runExercise({ auto: true }), /--auto runs a walkthrough without pauses/);
  t.same(await labLinksOf(process.pid), []);
});

t.test('a walkthrough without --auto waits for Enter, then hands over to the prompt', async (t) => {
  // Three Enters for the handshake's four steps, then the student types the check and leaves.
  const { code, text } = await transcriptOf({ walkthrough: 'handshake', lines: ['', '', '', 'state', 'quit'] });
  t.equal(code, 0);
  t.equal(text.split('(press Enter for the next step)').length - 1, 3, 'a pause after every step but the last');
  t.match(text, /Type {2}state {2}to check your answer/);
  t.notMatch(text.slice(0, text.indexOf('tcpfsm> state')), /Answer:/, 'no answer before the student checks');
  t.match(outputOf(text, 'state'), 'probe (us):    ESTABLISHED, SND.NXT 6, RCV.NXT 1');
  t.match(text, /tcpfsm> state\n[\s\S]*Answer:\n {2}Both are 6/, 'the answer follows the check');
});

t.test('input ending in the middle of a walkthrough ends it', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'close', lines: [''] });
  t.equal(code, 0);
  t.match(text, '── Step 2/4: Our FIN ──');
  t.notMatch(text, '── Step 3/4', 'stopped at the second pause');
  t.same(await labLinksOf(process.pid), []);
});

t.test("a SYN for a closed connection reaches the port's listener: a new connection, relative numbers", async (t) => {
  const { code, text } = await transcriptOf({ lines: ['listen 8080', 'connect', 'syn', 'ack', 'fin', 'agent close', 'ack', 'syn', 'ack', 'trace'] });
  t.equal(code, 0);
  const again = outputOf(text, 'syn', 2);
  t.match(
    again,
    'connection 2: a new connection on the same ports (probe port 40001 → target port 8080); connection 1 is CLOSED but port 8080 still listens: the SYN reaches the listener (LISTEN)',
  );
  t.match(again, /FSM: LISTEN → SYN-RECEIVED: SYN on LISTEN/);
  t.match(
    again,
    /> probe\.40001 > target\.8080: Flags \[S\], seq 0, .*\n[\s\S]*< target\.8080 > probe\.40001: Flags \[S\.\], seq 0, ack 1, .*\n\s+✓ as predicted/,
    'relative to the new ISNs on both sides',
  );
  t.match(again, 'state: FSM SYN-RECEIVED | kernel SYN-RECEIVED  ✓ agree');
  t.match(outputOf(text, 'ack', 3), 'state: FSM ESTABLISHED | kernel ESTABLISHED  ✓ agree');
  t.match(
    outputOf(text, 'trace'),
    /── connection 2: probe port 40001 → target port 8080 ──\n.*\|-- \[S\] seq 0 -+>\|/,
    'the ladder starts the new connection before its SYN',
  );
  t.notMatch(text, /✗/);
});

t.test('a kernel timer that fires while the student reads is explained, not flagged', async (t) => {
  // The lab's fast tcp_orphan_retries 2: the orphaned FIN-WAIT-1 gives up within a few seconds.
  const { code, text } = await transcriptOf({ lines: ['listen 8080', 'connect', 'syn', 'ack', 'agent close', 'wait 8s', 'ack'] });
  t.equal(code, 0);
  const waited = outputOf(text, 'wait 8s');
  t.match(waited, /↻ a retransmission/, 'the FIN came again while we waited');
  t.match(waited, /⏱ the target gave up after \d FIN retransmissions?: tcp_orphan_retries = 2; its application had closed the socket/);
  t.match(waited, 'FSM: FIN-WAIT-1 → CLOSED on timeout-retransmission-exhausted: a timer of the target fired while you read (not a disagreement)');
  t.match(waited, 'state: FSM CLOSED | kernel CLOSED  ✓ agree');
  t.match(
    outputOf(text, 'ack', 2),
    /FSM: LISTEN → LISTEN: .*expects \[R\][\s\S]*< target\.8080 > probe\.40001: Flags \[R\], .*\n\s+✓ as predicted/,
    'our late ACK: a RST, as predicted',
  );
  t.notMatch(text, /✗/);
});

t.test('at a pause: quit leaves, looking commands run, anything else is answered', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'close', lines: ['syn', 'state', '', 'q'] });
  t.equal(code, 0);
  t.match(text, "  'syn' is not run between steps: press Enter for the next step, or quit (q) to leave; state, trace, isns and queue only look and are run.");
  t.match(text, /tcpfsm> state\n {2}the target's application listens on: 8080/, 'state ran at the pause');
  t.equal(text.split('> probe.40001 > target.8080: Flags [S]').length - 1, 1, 'the typed syn was not sent');
  t.match(text, '── Step 2/4: Our FIN ──');
  t.notMatch(text, '── Step 3/4', 'q at the second pause left the walkthrough');
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});
