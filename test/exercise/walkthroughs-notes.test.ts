// The lessons for the teaching note's points no lesson showed before, each run with --auto on a
// real lab: the key lines each must show (real ISNs and their steps, the SYN queue filling and SYN
// cookies, TIME-WAIT reuse and an old duplicate, our own states beside the target's, the old
// duplicate SYN refused by the third segment) with the FSM and the kernel agreeing throughout.
import t from 'tap';
import { labLinksOf, outputOf, statesIn, transcriptOf } from './helpers.js';

t.test('isn: real ISNs side by side, the same 4-tuple moving with the clock', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'isn', auto: true });
  t.equal(code, 0);
  const table = outputOf(text, 'isns');
  const rows = [...table.matchAll(/^ +(\d) +(4000\d) +(\d+) +(\d+) *([+-][\d,]+)?$/gm)];
  t.equal(rows.length, 4, 'four connections, one row each');
  const theirs = rows.map((r) => Number(r[4]));
  t.equal(new Set(theirs).size, 4, `four different ISNs from the target: ${theirs.join(' ')}`);
  t.ok(
    theirs.every((n) => n >= 0 && n < 2 ** 32),
    'absolute 32-bit numbers, not relative ones',
  );
  t.match(table, /steps between different 4-tuples: spread (\d+\.\d+)/);
  t.ok(Number(/spread (\d+\.\d+)/.exec(table)![1]) > 0.05, 'not a constant step');
  const again = outputOf(text, 'isns', 2);
  const clock = /same 4-tuple \(probe port 40001\), connections 1 and 5: the ISN moved ([\d,]+) in ([\d.]+) s, ([\d.]+) million per second: the clock/.exec(
    again,
  );
  t.ok(clock, 'the reused 4-tuple shows the clock part');
  // Linux: ktime_get_real_ns() >> 6, one every 64 ns: 15.6 million a second.
  t.ok(Number(clock![3]) > 10 && Number(clock![3]) < 20, `about 15.6 million per second (${clock![3]})`);
  t.match(text, /Mitnick, 1994; RFC 1948/);
  t.notMatch(text, /✗/);
  t.same(await labLinksOf(process.pid), []);
});

t.test('syn-queue: the queue fills, SYNs are dropped, then SYN cookies answer with no state', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'syn-queue', auto: true });
  t.equal(code, 0);
  t.match(outputOf(text, 'queue'), 'listener on port 8080: backlog 4 (listen() asked 4, capped at net.core.somaxconn = 4096)');
  t.match(outputOf(text, 'queue', 2), 'SYN queue: 1 half-open connection (SYN-RECV)');
  const flood = outputOf(text, 'syns 6');
  t.match(flood, '4 of 6 answered with a SYN-ACK, 2 dropped without an answer', 'Linux: full once it holds more than the backlog (5 with backlog 4)');
  t.match(flood, /probe port 40006: no answer within 300 ms: the SYN was dropped/);
  const full = outputOf(text, 'queue', 3);
  t.match(full, 'SYN queue: 5 half-open connections (SYN-RECV)');
  t.match(full, /TCPReqQFullDrop 2,/);
  const cookie = outputOf(text, 'syn', 2);
  t.match(cookie, /< target\.8080 > probe\.40008: Flags \[S\.\], seq 0, ack 1,.*\n\s+✓ as predicted/, 'a SYN-ACK despite the full queue');
  t.match(cookie, 'the SYN-ACK carried a SYN cookie');
  t.match(cookie, 'state: FSM SYN-RECEIVED | kernel (no socket: a SYN cookie)  ✓ explained');
  t.match(outputOf(text, 'queue', 4), /SYN queue: 5 half-open connections[\s\S]*SyncookiesSent 1,/, 'the queue did not grow');
  t.match(outputOf(text, 'ack'), 'state: FSM ESTABLISHED | kernel ESTABLISHED  ✓ agree', 'the cookie came back: a connection');
  t.match(outputOf(text, 'queue', 5), /SyncookiesRecv 1,/);
  t.notMatch(text, /✗/);
});

t.test('tw-reuse: TIME-WAIT kept without timestamps, reused with them; an old duplicate; a SYN reopening TIME-WAIT', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'tw-reuse', auto: true });
  t.equal(code, 0);
  t.match(text, "This lesson's lab: tcp_tw_reuse = 1, tcp_orphan_retries = 8, ip_local_port_range = 33333-33333");
  t.match(outputOf(text, 'agent connect 45000', 2), /connect\(\) failed: EADDRNOTAVAIL\. .*tcp_tw_reuse = 1, and the old connection ran without timestamps/);
  t.match(outputOf(text, 'agent connect 45000', 2), 'state: FSM TIME-WAIT | kernel TIME-WAIT', 'the old TIME-WAIT stays');
  const reused = outputOf(text, 'agent connect 45001', 2);
  t.match(reused, /< target\.33333 > probe\.45001: Flags \[S\], .*TS val \d+ ecr \d+/);
  t.match(reused, 'the kernel reused it: its new ISN is the old SND.NXT + 65537');
  t.match(reused, 'state: FSM SYN-SENT | kernel SYN-SENT');
  const paws = outputOf(text, 'replay ack+0');
  t.match(paws, /FSM: ESTABLISHED → ESTABLISHED: PAWS: its TSval \d+ is older than the \d+ the target last took/);
  t.match(paws, /< target\.33333 > probe\.45001: Flags \[\.\], ack 1, .*\n\s+✓ as predicted/, 'a duplicate ACK, nothing taken');
  t.match(outputOf(text, 'agent read', 2), 'the application read 0 bytes (0 in all)', 'PAWS kept the old bytes out');
  const exact = outputOf(text, 'replay');
  t.match(exact, /linux-old-ack-bytes-acked/, 'the old ACK is too old (RFC 5961 5.2, Linux bounds it by bytes acked)');
  t.match(exact, /< target\.33333 > probe\.45001: Flags \[\.\], ack 1, .*\n\s+✓ as predicted/);
  t.match(outputOf(text, 'agent read', 4), 'the application read 0 bytes (0 in all)');
  const unprotected = outputOf(text, 'replay ack+0', 2);
  t.match(unprotected, /< target\.33333 > probe\.45001: Flags \[\.\], ack 6, .*\n\s+✓ as predicted/, 'the old bytes accepted');
  t.match(outputOf(text, 'agent read', 5), 'the application read 5 bytes: "hello" (5 in all)', "the application read the previous connection's bytes");
  const reopen = outputOf(text, 'syn seq+100000');
  t.match(reopen, 'the target still holds connection 5 in TIME-WAIT: the SYN reaches that TIME-WAIT');
  t.match(reopen, /FSM: TIME-WAIT → SYN-RECEIVED: TIME-WAIT accepts a SYN with SEG.SEQ > RCV.NXT as a new connection/);
  t.match(reopen, /< target\.8080 > probe\.40001: Flags \[S\.\], seq 0, ack 1, .*\n\s+✓ as predicted/, 'a SYN-ACK: the TIME-WAIT reopened');
  t.match(outputOf(text, 'ack', 2), 'state: FSM ESTABLISHED | kernel ESTABLISHED');
  t.notMatch(text, /✗/);
});

t.test("both-sides: our states beside the target's, and on the ladder", async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'both-sides', auto: true });
  t.equal(code, 0);
  t.match(outputOf(text, 'syn'), /probe \(us\): CLOSED → SYN-SENT[\s\S]*probe \(us\): SYN-SENT → ESTABLISHED/);
  t.match(
    outputOf(text, 'fin'),
    /probe \(us\): ESTABLISHED → FIN-WAIT-1[\s\S]*probe \(us\): FIN-WAIT-1 → FIN-WAIT-2[\s\S]*state: FSM CLOSE-WAIT \| kernel CLOSE-WAIT {2}✓ agree {3}· probe \(us\): FIN-WAIT-2/,
  );
  t.match(
    outputOf(text, 'agent close'),
    /probe \(us\): FIN-WAIT-2 → TIME-WAIT[\s\S]*state: FSM LAST-ACK \| kernel LAST-ACK {2}✓ agree {3}· probe \(us\): TIME-WAIT/,
  );
  const ladder = outputOf(text, 'trace');
  for (const [ours, arrow] of [
    ['SYN-SENT', /\|-- \[S\] seq 0/],
    ['FIN-WAIT-1', /\|-- \[F\.\] seq 1 ack 1/],
    ['FIN-WAIT-2', /\|<-+ \[\.\] seq 1 ack 2 --\|  CLOSE-WAIT/],
    ['TIME-WAIT', /\|<-+ \[F\.\] seq 1 ack 2 --\|  LAST-ACK/],
  ] as const) {
    t.match(ladder, new RegExp(`^ {3}${ours} +${arrow.source}`, 'm'), `${ours} on the left of its arrow`);
  }
  t.same(
    statesIn(text).filter(([fsm, kernel]) => fsm !== kernel),
    [],
  );
  t.notMatch(text, /✗/);
});

t.test('why-three: the old duplicate SYN refused by our RST; what two segments would have let in', async (t) => {
  const { code, text } = await transcriptOf({ walkthrough: 'why-three', auto: true });
  t.equal(code, 0);
  const refused = outputOf(text, 'rst');
  t.match(refused, /> probe\.40001 > target\.8080: Flags \[R\], seq 1,/, 'our RST at its ack');
  t.match(refused, 'state: FSM LISTEN | kernel LISTEN', 'the target is back to LISTEN');
  t.match(outputOf(text, 'state'), 'connections its application has accepted: none');
  t.match(outputOf(text, 'state', 2), 'connections its application has accepted: 1', 'the "two-way" world let the old SYN in');
  const close = outputOf(text, 'agent send 5');
  t.match(
    close,
    /< target\.8080 > probe\.40002: Flags \[P\.\], seq 1:6, ack 2, .*length 5\n\s+✓ as predicted/,
    'data after our FIN: the other direction is open',
  );
  t.match(outputOf(text, 'ack', 3), 'state: FSM CLOSED | kernel CLOSED');
  t.notMatch(text, /✗/);
});
