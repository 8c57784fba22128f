// The Linux profile differs from the RFC exactly where a documented deviation says so.
import t from 'tap';
import { observable } from '../../src/fsm/matrix.js';
import { predict } from '../../src/fsm/oracle.js';
import { linuxDeviations, linuxOptionsForRelease, linuxProfile, rfcProfile } from '../../src/fsm/profiles.js';
import { add } from '../../src/packet/seq.js';
import { closeWait, closing, established, finWait1, finWait2, LOCAL_ISS, REMOTE_ISS, seg, synReceived, timeWait, WINDOW } from './fixtures.js';
import { grid } from './grid.js';

const linux = linuxProfile();

t.test('every deviation is documented', async (t) => {
  const all = [
    ...linuxDeviations({ rfc1337: true, legacyAckUnsent: true, oldAckAcceptedClosing: true }),
    ...linuxDeviations({ timeWaitFreshIsn: true }),
  ].filter((d, i, list) => list.findIndex((e) => e.id === d.id) === i);
  t.equal(new Set(all.map((d) => d.id)).size, all.length, 'ids are unique');
  for (const d of all) {
    t.match(d.id, /^linux-/, d.id);
    t.match(d.departsFrom, /RFC (9293|5961)/, `${d.id}: names the RFC rule it departs from`);
    t.match(d.cite, /net\/ipv4\/tcp_\w+\.c/, `${d.id}: cites the kernel source`);
    t.ok(d.behaviour.length > 20 && d.why.length > 10, `${d.id}: says what and why`);
  }
});

t.test('linux differs from rfc exactly where a deviation applies', async (t) => {
  const differing = new Map<string, number>();
  let cells = 0;
  let undocumented = 0;
  let spurious = 0;
  for (const point of grid()) {
    cells++;
    const r = predict(point.state, point.seg, point.tcb, rfcProfile);
    const l = predict(point.state, point.seg, point.tcb, linux);
    if (observable(r) !== observable(l)) {
      if (!l.deviation) {
        undocumented++;
        t.fail(`undocumented difference: ${point.name}`);
      } else {
        differing.set(l.deviation, (differing.get(l.deviation) ?? 0) + 1);
      }
    } else if (!l.deviation) {
      // No deviation applied: the Linux answer is the RFC answer, field for field.
      const { rateLimited: _ignored, ...plain } = l;
      if (JSON.stringify(plain) !== JSON.stringify(r)) spurious++;
    }
  }
  t.equal(undocumented, 0, `no undocumented differences in ${cells} grid cells`);
  t.equal(spurious, 0, 'without a deviation the prediction is the RFC one');
  for (const d of linux.deviations) {
    t.ok((differing.get(d.id) ?? 0) > 0, `${d.id} changes ${differing.get(d.id) ?? 0} cells`);
  }
});

t.test('TIME-WAIT on Linux', async (t) => {
  const { state, tcb } = timeWait();
  const RCV_NXT = LOCAL_ISS + 1 + 1;
  const SND_NXT = REMOTE_ISS + 1 + 1;
  t.test('test_time_wait_linux_new_syn_reopens_with_isn_snd_nxt_plus_65537', async (t) => {
    const p = predict(state, seg('S', RCV_NXT + 1000), tcb, linux);
    t.equal(p.deviation, 'linux-time-wait-syn-reuse');
    t.equal(p.next, 'SYN-RECEIVED');
    t.same(p.reply, { flags: 0x12, seq: SND_NXT + 65535 + 2, ack: RCV_NXT + 1000 + 1 });
    t.equal(predict(state, seg('S', RCV_NXT + 1000), tcb).verdict, 'challenge-ack', 'the RFC challenges it');
  });
  t.test('test_time_wait_linux_reuse_isn_wraps_and_skips_zero', async (t) => {
    const p = predict(state, seg('S', RCV_NXT + 1), { ...tcb, sndNxt: 2 ** 32 - 65537 }, linux);
    t.equal(p.reply?.seq, 1, 'ISN 0 is bumped to 1 (tcp_timewait_state_process)');
    const q = predict(state, seg('S', RCV_NXT + 1), { ...tcb, sndNxt: 2 ** 32 - 10 }, linux);
    t.equal(q.reply?.seq, 65537 - 10);
  });
  t.test('test_time_wait_linux_without_listener_acks_the_syn', async (t) => {
    const p = predict(state, seg('S', RCV_NXT + 1000), { ...tcb, listening: false }, linux);
    t.equal(p.verdict, 'ack');
    t.same(p.reply, { flags: 0x10, seq: SND_NXT, ack: RCV_NXT });
  });
  t.test('test_time_wait_linux_rst_kills_unless_rfc1337', async (t) => {
    t.equal(predict(state, seg('R', RCV_NXT), tcb, linux).next, 'CLOSED', 'tcp_rfc1337=0 (default): like RFC 9293');
    const guarded = predict(state, seg('R', RCV_NXT), tcb, linuxProfile({ rfc1337: true }));
    t.equal(guarded.next, 'TIME-WAIT', 'tcp_rfc1337=1: TIME-WAIT assassination refused');
    t.equal(guarded.deviation, 'linux-rfc1337-ignore-rst');
  });
  t.test('test_time_wait_linux_fin_at_rcv_nxt_acked_without_advancing', async (t) => {
    const p = predict(state, seg('F.', RCV_NXT, SND_NXT), tcb, linux);
    t.same(p.reply, { flags: 0x10, seq: SND_NXT, ack: RCV_NXT });
    t.equal(predict(state, seg('F.', RCV_NXT, SND_NXT), tcb).reply?.ack, RCV_NXT + 1, 'the RFC advances over the FIN');
  });
  t.test('test_time_wait_linux_bare_ack_silent', async (t) => {
    const p = predict(state, seg('.', RCV_NXT, SND_NXT), tcb, linux);
    t.equal(p.reply, null);
    t.same(p.timers, ['restart-2msl']);
  });
});

t.test('SYN-RECEIVED (request socket) on Linux', async (t) => {
  const { state, tcb } = synReceived();
  t.test('test_syn_received_linux_retransmitted_syn_gets_syn_ack', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS), tcb, linux);
    t.same(p.reply, { flags: 0x12, seq: REMOTE_ISS, ack: LOCAL_ISS + 1 });
    t.equal(p.rateLimited, true);
  });
  t.test('test_syn_received_linux_bad_ack_rst_even_out_of_window', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS + 1 + WINDOW + 10, REMOTE_ISS + 5), tcb, linux);
    t.same(p.reply, { flags: 0x04, seq: REMOTE_ISS + 5, ack: 0 });
    t.equal(predict(state, seg('.', LOCAL_ISS + 1 + WINDOW + 10, REMOTE_ISS + 5), tcb).verdict, 'ack', 'RFC: sequence check first');
  });
  t.test('test_syn_received_linux_rst_in_window_drops_request', async (t) => {
    t.equal(predict(state, seg('R', LOCAL_ISS + 1 + 10), tcb, linux).next, 'LISTEN');
    const fixed = linuxProfile({ synRecvRstExact: true });
    t.equal(predict(state, seg('R', LOCAL_ISS + 1 + 10), tcb, fixed).verdict, 'challenge-ack', 'kernels with the 2026 fix');
  });
  t.test('test_syn_received_linux_new_syn_gets_rst', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS + 1), tcb, linux);
    t.same(p.reply, { flags: 0x14, seq: 0, ack: LOCAL_ISS + 1 + 1 });
    t.equal(p.next, 'LISTEN');
  });
});

t.test('full sockets on Linux', async (t) => {
  t.test('test_established_linux_ack_at_right_edge_accepted', async (t) => {
    const { state, tcb } = established();
    const edge = LOCAL_ISS + 1 + WINDOW;
    t.equal(predict(state, seg('.', edge, REMOTE_ISS + 1), tcb).verdict, 'ack', 'RFC: outside the window');
    const p = predict(state, seg('.', edge, REMOTE_ISS + 1), tcb, linux);
    t.equal(p.verdict, 'accept');
    t.equal(p.reply, null);
    t.equal(p.tcb.rcvWnd, WINDOW, 'the window is reported unchanged');
    t.equal(predict(state, seg('R', edge), tcb, linux).verdict, 'challenge-ack');
  });
  t.test('test_fin_wait_1_linux_fin_ack_at_right_edge_completes_close', async (t) => {
    const { state, tcb } = finWait1();
    const p = predict(state, seg('F.', LOCAL_ISS + 1 + WINDOW, REMOTE_ISS + 1 + 1), tcb, linux);
    t.equal(p.next, 'FIN-WAIT-2', 'the ACK of our FIN is processed, the FIN is not');
  });
  t.test('test_close_wait_linux_rst_at_fin_sequence_resets', async (t) => {
    const { state, tcb } = closeWait();
    const p = predict(state, seg('R', LOCAL_ISS + 1), tcb, linux); // the FIN's sequence number
    t.equal(p.next, 'CLOSED');
    t.equal(predict(state, seg('R', LOCAL_ISS + 1), tcb).verdict, 'drop');
  });
  t.test('test_established_linux_bare_fin_without_ack_dropped', async (t) => {
    const { state, tcb } = established();
    const p = predict(state, seg('F', LOCAL_ISS + 1 + WINDOW + 5), tcb, linux);
    t.equal(p.verdict, 'drop');
    t.equal(predict(state, seg('F', LOCAL_ISS + 1 + WINDOW + 5), tcb).verdict, 'ack');
  });
  t.test('test_established_linux_old_ack_with_no_data_acked_is_challenged', async (t) => {
    const { state, tcb } = established();
    const p = predict(state, seg('.', LOCAL_ISS + 1, REMOTE_ISS), tcb, linux);
    t.equal(p.verdict, 'challenge-ack', 'bytes_acked is 0: MAX.SND.WND is effectively 0');
    t.equal(predict(state, seg('.', LOCAL_ISS + 1, REMOTE_ISS), tcb).verdict, 'accept');
  });
  t.test('test_established_linux_ack_unsent_option', async (t) => {
    const { state, tcb } = established();
    const ackUnsent = seg('.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1);
    t.equal(predict(state, ackUnsent, tcb, linux).verdict, 'ack', '6.18.38+: challenge ACK like the RFC');
    t.equal(predict(state, ackUnsent, tcb, linuxProfile({ legacyAckUnsent: true })).verdict, 'drop');
  });
  t.test('test_fin_wait_1_linux_old_ack_accepted_while_closing', async (t) => {
    // The remote sent 100 bytes, all ACKed, then its FIN: SEG.ACK = SND.UNA-1 is an old ACK within the bytes acked.
    const f = finWait1();
    const tcb = { ...f.tcb, sndUna: REMOTE_ISS + 101, sndNxt: REMOTE_ISS + 102 };
    const v68 = linuxProfile({ oldAckAcceptedClosing: true });
    const oldAck = seg('.', LOCAL_ISS + 1, REMOTE_ISS + 100);
    t.equal(predict(f.state, oldAck, tcb, linux).verdict, 'challenge-ack', 'before v6.8: challenge ACK, discard');
    t.equal(predict(f.state, oldAck, tcb, v68).reply, null, 'v6.8+: ignored as RFC 9293 3.10.7.4 (fifth) lets a duplicate ACK be');
    t.equal(predict(f.state, oldAck, tcb, v68).deviation, undefined, 'as the RFC');
    const fin = predict(f.state, seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 100), tcb, v68);
    t.equal(fin.next, 'CLOSING', 'v6.8+: the FIN behind the old ACK is processed');
    const data = predict(f.state, seg('P.', LOCAL_ISS + 1, REMOTE_ISS + 100, 1), { ...tcb, orphaned: true }, v68);
    t.equal(data.deviation, 'linux-orphan-data-rst', 'v6.8+: data behind the old ACK reaches the orphaned socket, which resets');
    const tooOld = seg('.', LOCAL_ISS + 1, REMOTE_ISS);
    t.equal(predict(f.state, tooOld, tcb, v68).verdict, 'challenge-ack', 'v6.8+: an ACK of bytes never sent still gets the challenge ACK');
  });
  t.test('test_fin_wait_2_linux_orphan_data_reset', async (t) => {
    const { state, tcb } = finWait2();
    const orphan = { ...tcb, orphaned: true };
    const p = predict(state, seg('P.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1, 10), orphan, linux);
    t.same(p.reply, { flags: 0x04, seq: REMOTE_ISS + 1 + 1, ack: 0 });
    t.equal(p.next, 'CLOSED');
    t.equal(predict(state, seg('P.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1, 10), tcb, linux).verdict, 'accept', 'not orphaned: half-close');
    t.equal(predict(state, seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1), orphan, linux).next, 'TIME-WAIT');
  });
});

t.test('the options follow the kernel release', async (t) => {
  // The host lab (6.18.44) and the UML lab (6.1.176) are the two releases seen by the matrix.
  t.same(linuxOptionsForRelease('6.18.44-fc-v669'), {
    synRecvRstExact: true,
    legacyAckUnsent: false,
    timeWaitFreshIsn: false,
    legacyEndBeyondWindow: false,
    oldAckAcceptedClosing: true,
  });
  t.same(linuxOptionsForRelease('6.1.176'), {
    synRecvRstExact: false,
    legacyAckUnsent: true,
    timeWaitFreshIsn: true,
    legacyEndBeyondWindow: true,
    oldAckAcceptedClosing: true, // backported in 6.1.167
  });
  t.equal(linuxOptionsForRelease('6.1.166').oldAckAcceptedClosing, false, 'before the 6.1 backport');
  t.equal(linuxOptionsForRelease('6.6.10').oldAckAcceptedClosing, false, 'another stable series below 6.8: assumed without it');
  t.same(linuxOptionsForRelease('6.18.37'), {
    synRecvRstExact: false,
    legacyAckUnsent: true,
    timeWaitFreshIsn: false,
    legacyEndBeyondWindow: false,
    oldAckAcceptedClosing: true,
  });
  t.same(linuxOptionsForRelease('6.10.0'), {
    synRecvRstExact: false,
    legacyAckUnsent: true,
    timeWaitFreshIsn: false,
    legacyEndBeyondWindow: true,
    oldAckAcceptedClosing: true,
  });
  t.equal(linuxOptionsForRelease('4.14.336').timeWaitFreshIsn, false, 'before tcp_v4_fill_cb() the TIME-WAIT ISN was kept');
  t.equal(linuxOptionsForRelease('6.7.12').oldAckAcceptedClosing, false, 'before "tcp: accept old ack during closing" (6.8)');
  t.same(linuxOptionsForRelease('7.0.1'), {
    synRecvRstExact: true,
    legacyAckUnsent: false,
    timeWaitFreshIsn: false,
    legacyEndBeyondWindow: false,
    oldAckAcceptedClosing: true,
  });
  t.same(linuxOptionsForRelease('not-a-release'), {});
});

t.test('TIME-WAIT reuse: 4.15 to 6.9 answer with a fresh ISN, learned from the answer', async (t) => {
  const { state, tcb } = timeWait();
  const syn = seg('S', LOCAL_ISS + 1 + 1 + 10);
  const kept = predict(state, syn, tcb, linux);
  t.equal(kept.reply?.unknown, undefined, '6.10+: ISN = tw_snd_nxt + 65537, compared');
  const fresh = predict(state, syn, tcb, linuxProfile({ timeWaitFreshIsn: true }));
  t.equal(fresh.deviation, 'linux-time-wait-syn-reuse-fresh-isn');
  t.same(fresh.reply?.unknown, ['seq'], 'the ISN cannot be predicted');
  t.equal(fresh.reply?.ack, kept.reply?.ack, 'the ACK is still checked');
  t.equal(fresh.next, 'SYN-RECEIVED');
  t.equal(
    predict(state, seg('SF', LOCAL_ISS + 1 + 1 + 10), tcb, linuxProfile({ timeWaitFreshIsn: true })).verdict,
    'drop',
    'a SYN+FIN is dropped by the listener',
  );
});

t.test('orphaned CLOSING <- data at the right edge: 6.17+ drop it, older kernels take its ACK', async (t) => {
  const { state, tcb } = closing();
  const orphan = { ...tcb, orphaned: true };
  const data = seg('P.', add(orphan.rcvNxt, orphan.rcvWnd), orphan.sndNxt, 1);
  t.equal(predict(state, data, orphan, linux).next, 'CLOSING', '6.18: the end passes the window, the segment is dropped');
  const old = predict(state, data, orphan, linuxProfile({ legacyEndBeyondWindow: true }));
  t.equal(old.deviation, 'linux-right-edge-in-window');
  t.equal(old.next, 'TIME-WAIT', '6.1: the ACK of our FIN is processed');
});

t.test('profiles by name', async (t) => {
  const { state, tcb } = timeWait();
  t.equal(predict(state, seg('S', LOCAL_ISS + 1 + 1 + 10), tcb, 'linux').deviation, 'linux-time-wait-syn-reuse');
  t.equal(predict(state, seg('S', LOCAL_ISS + 1 + 1 + 10), tcb, 'rfc').verdict, 'challenge-ack');
  t.throws(() => predict(state, seg('S', 1), tcb, 'bsd' as never), { name: 'UsageError' });
});

t.test('rate limiting is a profile property', async (t) => {
  const { state, tcb } = established();
  const rstInWindow = seg('R', LOCAL_ISS + 1 + 1);
  t.equal(predict(state, rstInWindow, tcb, linux).rateLimited, true, 'challenge ACKs are throttled');
  t.equal(predict(state, rstInWindow, tcb).rateLimited, undefined, 'the rfc profile does not say');
  const oldData = seg('P.', LOCAL_ISS, REMOTE_ISS + 1, 1);
  t.equal(predict(state, oldData, tcb, linux).rateLimited, undefined, 'data without SYN is never throttled');
  const oldAck = seg('.', LOCAL_ISS, REMOTE_ISS + 1);
  t.equal(predict(state, oldAck, tcb, linux).rateLimited, true, 'a pure out-of-window ACK is');
});
