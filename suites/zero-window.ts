// Zero-window probing, RFC 9293 3.8.6.1, black-box: we advertise a zero window from our SYN on,
// the target is made to send (the agent, or a --data-request), and we answer every probe with an
// ACK that keeps the window at zero. Then the window opens.
//   > S win 0   < S.   > . win 0           (the request too, win 0)
//   target has data queued
//   < probe  t1 ≈ one RTO                  SHLD-29   (Linux: seq SND.UNA−1, no data; others: one octet)
//   > . ack RCV.NXT win 0                  (each probe answered: RCV.NXT does not move)
//   < probe  gaps double                   MUST-36, SHLD-30 (a gap runs from our answer: Linux re-arms on it)
//   … PROBE_WATCH_MS, no RST               MUST-37: the window may stay closed while probes are answered
//   > . win 65535   < . data from RCV.NXT  MUST-35: the data follows once the window opens
import { RST } from '../src/packet/types.js';
import { gradeDoubling } from '../src/peer/server-data.js';
import { dataShortfall, suite } from '../src/peer/suite.js';
import { handshakeRoundTrip, hrnow, msBetween, round, type StampBound, StampError } from '../src/peer/timing.js';
import { readRole } from '../src/target/roles.js';

/** Long enough for several backed-off probes from a 200 ms to 1 s RTO, short enough for a fast suite. */
const PROBE_WATCH_MS = 12_000;
const OPEN_WINDOW = 65535;
/** After the window opens, the queued data comes at once (no timer involved). */
const DATA_AFTER_OPEN_MS = 3000;

suite({ name: 'zero-window', title: 'Zero-window probing: probes, their backoff, and a connection kept open', rfc: 'RFC 9293 3.8.6.1' }, (test) => {
  test('a zero window is probed from one RTO on with doubling gaps, and the connection stays open while the probes are answered', {
    rfc: 'RFC 9293 3.8.6.1',
    requirements: ['MUST-35', 'MUST-36', 'SHLD-29', 'SHLD-30', 'MUST-37'],
    needs: ['app-send'],
    timeoutMs: 40_000,
  }, async (ctx) => {
    const { note, figure, finding } = ctx;
    // Zero from our SYN on: the window is never shrunk (SHLD-14; Linux before 5.x ignores a pure
    // ACK that only closes the window), and it is in effect before the target has anything to send.
    const c = ctx.connect(await ctx.listen(), { window: 0 });
    c.peer.dropOldDuplicates = false;
    const rtt = await handshakeRoundTrip(c);
    figure({ name: 'SYN → SYN-ACK round trip (probe timestamp error bound)', value: rtt, unit: 'ms' });
    const stamp = new StampError(rtt);
    const rcvNxt = c.peer.rcvNxt;
    const made = await ctx.makeSend(c, 2000);
    const zeroAt = made.at;
    const stamps: bigint[] = [zeroAt];
    const answered: bigint[] = [zeroAt];
    const errors: StampBound[] = [stamp.window()];
    const kinds: string[] = [];
    let reset: bigint | undefined;
    const end = performance.now() + PROBE_WATCH_MS;
    for (;;) {
      const left = end - performance.now();
      const s = left > 0 ? await c.peer.next(left) : null;
      if (!s) break;
      if (s.tcp.flags & RST) {
        reset = s.at;
        break;
      }
      const len = s.tcp.payload.length;
      const behind = ((s.tcp.seq - rcvNxt) | 0) < 0;
      // A probe: a segment below RCV.NXT (Linux's SND.UNA−1) or data into the closed window. A pure
      // ACK at RCV.NXT is the ACK of our request, not a probe.
      if (!behind && !len) continue;
      stamps.push(s.at);
      errors.push(stamp.window());
      kinds.push(len ? `${len} byte${len > 1 ? 's' : ''} at RCV.NXT` : 'no data, seq RCV.NXT−1');
      c.peer.rcvNxt = rcvNxt; // nothing is taken in: the window is zero
      answered.push((await c.peer.send({ flags: '.', ack: rcvNxt, window: 0 })).at);
    }
    const probes = stamps.length - 1;
    const watched = round(msBetween(zeroAt, hrnow()));
    note(`zero-window probes: ${probes} in ${watched} ms (${[...new Set(kinds)].join('; ') || 'none'})`);
    figure({ name: 'zero-window probes', value: probes, unit: 'count' });
    if (reset !== undefined) {
      finding({
        requirement: 'MUST-37',
        check: 'a zero window kept closed while every probe is answered',
        expected: 'the connection stays open',
        level: 'violation',
        observed: `a RST ${round(msBetween(zeroAt, reset))} ms after the window closed, ${probes} probes answered`,
      });
      c.model.state = 'CLOSED';
      return;
    }
    // The window opens: the queued data must come (the connection was kept, the probing was right).
    c.peer.window = OPEN_WINDOW;
    await c.peer.send({ flags: '.', ack: rcvNxt });
    let got = 0;
    const dataEnd = performance.now() + DATA_AFTER_OPEN_MS;
    for (;;) {
      const left = dataEnd - performance.now();
      const s = left > 0 ? await c.peer.next(got ? Math.min(left, 500) : left) : null;
      if (!s) break;
      if (s.tcp.payload.length && s.tcp.seq === (rcvNxt + got) >>> 0) got += s.tcp.payload.length;
    }
    note(`after the window opened: ${got} bytes of data`);
    if (!got && !probes) throw dataShortfall(made, 0, 1, PROBE_WATCH_MS + DATA_AFTER_OPEN_MS);
    finding({
      requirement: 'MUST-36',
      check: 'a zero window with data queued',
      expected: 'probed',
      level: probes ? 'conforms' : 'violation',
      observed: `${probes} probes in ${watched} ms`,
    });
    finding({
      requirement: 'MUST-37',
      check: 'a zero window kept closed while every probe is answered',
      expected: 'the connection stays open: its data comes once the window opens',
      level: got ? 'conforms' : 'violation',
      observed: `${probes} probes answered over ${watched} ms, then ${got} bytes after the window opened`,
    });
    finding({
      requirement: 'MUST-35',
      check: 'zero-window probing and recovery',
      expected: 'probes while the window is zero, the data once it opens',
      level: probes && got ? 'conforms' : 'violation',
      observed: `${probes} probes, ${got} bytes after opening`,
    });
    // Probe 1 is expected one RTO after the window closed; the RTO is unknown from outside, but the
    // backoff makes gap 2 twice it: gap 1 is graded as half of gap 2 (gradeDoubling's first pair).
    const backoff = gradeDoubling(ctx, 'zero-window probe', stamps, errors, stamp, false, answered);
    stamp.stop();
    const first = stamps[1] ? round(msBetween(zeroAt, stamps[1])) : undefined;
    if (first !== undefined) figure({ name: 'window closed → first probe', value: first, unit: 'ms' });
    // A SHOULD missed is a deviation (src/verdict/grade.ts gradeOfUnmet), never a failure.
    const asShould = (g: 'conforms' | 'violation' | 'inconclusive' | undefined) => (g === 'violation' ? 'deviation' : (g ?? 'inconclusive'));
    finding({
      requirement: 'SHLD-29',
      check: 'the first zero-window probe',
      expected: 'after one RTO (half the second gap, the backoff doubling it)',
      level: asShould(backoff.grades[0]),
      observed: `first probe ${first ?? '-'} ms after the window closed, the second ${backoff.grades.length ? 'after' : 'not seen'} ${stamps[2] ? round(msBetween(stamps[1]!, stamps[2])) : '-'} ms more`,
    });
    const r2 = ctx.target.has('settings') ? readRole(ctx.target.settings, 'retries2') : undefined;
    finding({
      requirement: 'SHLD-30',
      check: 'zero-window probe backoff',
      expected: 'each gap twice the one before',
      level: backoff.grades.length < 2 ? 'inconclusive' : asShould(backoff.grade),
      observed: `${backoff.observed}${r2?.binding.linux ? ` (Linux caps the probe backoff at tcp_retries2 = ${r2.raw} doublings)` : ''}`,
    });
    await c.peer.send({ flags: 'R', seq: c.peer.sndNxt });
    c.model.state = 'CLOSED';
  });
});
