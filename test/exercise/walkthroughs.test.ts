// Each quick walkthrough run with --auto on a real lab: the transcript must show the segments,
// the states (FSM and kernel agreeing) and the answer the lesson teaches — content that is wrong
// as soon as a lesson, the session or the kernel's behaviour changes. (The two that wait on the
// kernel's timers are in walkthroughs-timers.test.ts.)
import t, { type Test } from 'tap';
import { WALKTHROUGHS } from '../../src/exercise/index.js';
import { labLinksOf, outputOf, statesIn, transcriptOf } from './helpers.js';

const IN = '< target.8080 > probe.40001: Flags';
const OUT = '> probe.40001 > target.8080: Flags';

/** Stable text: nothing random (lab ids, addresses, absolute sequence numbers) and no timestamps. */
function assertStable(t: Test, text: string): void {
  t.notMatch(text, /tcpfsm-\d/, 'no lab name');
  t.notMatch(text, /198\.18\./, 'no lab address');
  t.notMatch(text, /\d\.\d{3,}/, 'no timestamps');
  t.notMatch(text, /\x1b\[/, 'no colours when not a terminal');
  for (const m of text.matchAll(/(?:seq|ack) (\d+)/g)) t.ok(Number(m[1]) < 2 ** 30 + 10, `relative number ${m[1]}`);
}

t.test('the walkthrough list names every lesson with a one-line description', async (t) => {
  t.same(
    WALKTHROUGHS.map((w) => w.name),
    ['handshake', 'close', 'lost-ack', 'time-wait', 'half-close', 'reset', 'isn', 'syn-queue', 'tw-reuse', 'both-sides', 'why-three'],
  );
  for (const w of WALKTHROUGHS) t.ok(w.description.length > 20 && !w.description.includes('\n'), `${w.name}: ${w.description}`);
});

t.test('handshake', async (t) => {
  const { code, text, ms } = await transcriptOf({ walkthrough: 'handshake', auto: true });
  t.comment(`handshake walkthrough: ${Math.round(ms)} ms`);
  t.equal(code, 0, 'exit code 0: the FSM and the kernel agreed');
  assertStable(t, text);
  t.same(
    statesIn(text),
    [
      ['LISTEN', 'LISTEN'],
      ['SYN-RECEIVED', 'SYN-RECEIVED'],
      ['ESTABLISHED', 'ESTABLISHED'],
      ['ESTABLISHED', 'ESTABLISHED'],
      ['ESTABLISHED', 'ESTABLISHED'],
    ],
    'states after each step and at the check, FSM = kernel',
  );
  const syn = outputOf(text, 'syn');
  t.match(syn, `${OUT} [S], seq 0, win 65535, options [mss 1460], length 0`, 'our SYN at relative seq 0');
  t.match(syn, /FSM: LISTEN → SYN-RECEIVED: .*expects \[S\.\]/, 'the FSM predicts the SYN-ACK');
  t.match(syn, new RegExp(`${esc(IN)} \\[S\\.\\], seq 0, ack 1, win \\d+, options \\[mss \\d+\\], length 0\\n\\s+✓ as predicted`), 'SYN-ACK acks ISN+1');
  t.match(outputOf(text, 'ack'), `${OUT} [.], ack 1, win 65535, length 0`);
  const data = outputOf(text, 'send hello');
  t.match(data, `${OUT} [P.], seq 1:6, ack 1,`);
  t.match(data, new RegExp(`${esc(IN)} \\[\\.\\], ack 6, win \\d+, length 0\\n\\s+✓ as predicted`), 'the 5 bytes acknowledged: ack 6');
  t.match(text, /── Question ──\n {2}What relative sequence number will our next byte carry/);
  const check = outputOf(text, 'state');
  t.match(check, /probe \(us\): {4}ESTABLISHED, SND\.NXT 6, RCV\.NXT 1/, 'our next byte is 6');
  t.match(check, /target \(FSM\): {2}SND\.NXT 1, SND\.UNA 1, RCV\.NXT 6/, 'the target expects 6');
  t.match(check, /kernel socket \(ss\): ESTAB,/);
  t.match(text, /Answer:\n {2}Both are 6/);
  t.match(text, /agreed at every step/);
  t.notMatch(text, /✗/, 'no disagreement anywhere');
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('close', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'close', auto: true });
  t.equal(code, 0);
  assertStable(t, text);
  const fin = outputOf(text, 'fin');
  t.match(fin, `${OUT} [F.], seq 1, ack 1,`);
  t.match(fin, new RegExp(`${esc(IN)} \\[\\.\\], ack 2, .*\\n\\s+✓ as predicted`), 'our FIN acknowledged: ack 2 (a FIN counts one)');
  t.match(fin, 'state: FSM CLOSE-WAIT | kernel CLOSE-WAIT  ✓ agree');
  const close = outputOf(text, 'agent close');
  t.match(close, /FSM: CLOSE-WAIT → LAST-ACK; expects the target to send \[F\.\]/);
  t.match(close, new RegExp(`${esc(IN)} \\[F\\.\\], seq 1, ack 2, .*\\n\\s+✓ as predicted`), 'its FIN, after the application closed');
  t.match(close, 'state: FSM LAST-ACK | kernel LAST-ACK');
  const last = outputOf(text, 'ack', 2);
  t.match(last, `${OUT} [.], ack 2,`);
  t.match(last, 'state: FSM CLOSED | kernel CLOSED');
  const ladder = outputOf(text, 'trace').split('\n');
  const arrows = ladder.filter((l) => /\[F\.\]|\[\.\] seq [12] ack 2/.test(l));
  t.equal(arrows.length, 4, 'the ladder shows the four segments of the close');
  t.match(arrows[0], /\|-- \[F\.\] seq 1 ack 1 -+>\|/);
  t.match(arrows[1], /\|<-+ \[\.\] seq 1 ack 2 --\|  CLOSE-WAIT \(kernel CLOSE-WAIT\)/);
  t.match(arrows[2], /\|<-+ \[F\.\] seq 1 ack 2 --\|/);
  t.match(arrows[3], /\|-- \[\.\] seq 2 ack 2 -+>\|  CLOSED \(kernel CLOSED\)/);
  t.ok(ladder.findIndex((l) => l.includes('(app close())')) < ladder.indexOf(arrows[2]!), 'the application closes before its FIN');
  t.match(text, /Answer:\n {2}TCP is full duplex/);
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('half-close', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'half-close', auto: true });
  t.equal(code, 0);
  assertStable(t, text);
  t.same(
    statesIn(text).map(([fsm]) => fsm),
    ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'FIN-WAIT-2', 'TIME-WAIT'],
  );
  t.same(
    statesIn(text).filter(([fsm, kernel]) => fsm !== kernel),
    [],
    'the kernel agrees at every step',
  );
  t.match(outputOf(text, 'agent shutdown'), new RegExp(`${esc(IN)} \\[F\\.\\], seq 1, ack 1,`));
  const data = outputOf(text, 'send hello');
  t.match(data, new RegExp(`${esc(IN)} \\[\\.\\], ack 6, .*\\n\\s+✓ as predicted`), 'data accepted in FIN-WAIT-2');
  t.match(outputOf(text, 'fin'), new RegExp(`${esc(IN)} \\[\\.\\], ack 7,`), 'our FIN after the data: ack 7');
  t.match(outputOf(text, 'agent read'), 'the application read 5 bytes: "hello" (5 in all); then end of stream: the FIN arrived');
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

t.test('reset', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'reset', auto: true });
  t.equal(code, 0);
  assertStable(t, text);
  const inWindow = outputOf(text, 'rst seq+100');
  t.match(inWindow, `${OUT} [R], seq 101, win 65535, length 0`);
  t.match(inWindow, new RegExp(`${esc(IN)} \\[\\.\\], ack 1, .*\\n\\s+✓ as predicted`), 'a challenge ACK with the true numbers');
  t.match(inWindow, 'state: FSM ESTABLISHED | kernel ESTABLISHED');
  const outside = outputOf(text, 'rst seq+1073741824');
  t.notMatch(outside, '< target', 'nothing answers a RST outside the window');
  t.match(outside, 'state: FSM ESTABLISHED | kernel ESTABLISHED');
  const exact = outputOf(text, 'rst');
  t.match(exact, `${OUT} [R], seq 1,`);
  t.notMatch(exact, '< target', 'the exact RST is not answered');
  t.match(exact, 'state: FSM CLOSED | kernel CLOSED');
  const dead = outputOf(text, 'send hello');
  t.match(dead, 'connection 1 is CLOSED, but port 8080 still listens: the segment reaches the listener, in LISTEN');
  t.match(dead, /FSM: LISTEN → LISTEN: .*expects \[R\]/, 'the listener resets an ACK it cannot place');
  t.match(dead, new RegExp(`${esc(IN)} \\[R\\], seq 1, .*\\n\\s+✓ as predicted`), 'data on the dead connection: RST seq = our ack');
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), [], 'the lab is gone');
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
