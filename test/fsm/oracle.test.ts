// The oracle against RFC 9293 3.10.7 and RFC 5961, state by state. Sequence arithmetic is spelled
// out: REMOTE_ISS + 1 + 1 is "the remote's SYN, then its FIN".
import t, { type Test } from 'tap';
import type { Prediction, Reply } from '../../src/fsm/model.js';
import { predict } from '../../src/fsm/oracle.js';
import { formatFlags } from '../../src/packet/flags.js';
import {
  closed,
  closeWait,
  closing,
  established,
  finWait1,
  finWait2,
  LOCAL_ISS,
  lastAck,
  listen,
  REMOTE_ISS,
  seg,
  synReceived,
  synSent,
  timeWait,
  WINDOW,
} from './fixtures.js';

/** The reply as tcpdump would print it, so a failure reads like a trace line. */
const wire = (r: Reply | null): string => (r ? `${formatFlags(r.flags)} seq ${r.seq} ack ${r.ack}` : 'nothing');

function expectReply(t: Test, p: Prediction, flags: string, seq: number, ack: number): void {
  t.equal(wire(p.reply), `${flags} seq ${seq >>> 0} ack ${ack >>> 0}`, `reply (${p.ruleId})`);
}

function expectSilence(t: Test, p: Prediction): void {
  t.equal(wire(p.reply), 'nothing', `no reply (${p.ruleId})`);
}

t.test('CLOSED (RFC 9293 3.10.7.1)', async (t) => {
  const { state, tcb } = closed();
  t.test('test_closed_syn_gets_rst_ack_seq_zero', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS), tcb);
    t.equal(p.verdict, 'rst');
    expectReply(t, p, 'R.', 0, LOCAL_ISS + 1); // SEG.SEQ + SEG.LEN, the SYN counts one
    t.equal(p.next, 'CLOSED');
    t.equal(p.rfc, 'RFC 9293 3.10.7.1');
  });
  t.test('test_closed_syn_fin_with_data_counts_syn_fin_and_payload', async (t) => {
    const p = predict(state, seg('SF', LOCAL_ISS, 0, 10), tcb);
    expectReply(t, p, 'R.', 0, LOCAL_ISS + 1 + 10 + 1);
  });
  t.test('test_closed_ack_gets_rst_from_ack_field', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS, 777), tcb);
    expectReply(t, p, 'R', 777, 0);
    t.equal(p.ruleId, 'closed-rcv-with-ack');
  });
  t.test('test_closed_rst_is_ignored', async (t) => {
    for (const flags of ['R', 'R.']) {
      const p = predict(state, seg(flags, LOCAL_ISS, 1), tcb);
      t.equal(p.verdict, 'drop', flags);
      expectSilence(t, p);
    }
  });
});

t.test('LISTEN (RFC 9293 3.10.7.2)', async (t) => {
  const { state, tcb } = listen();
  t.test('test_listen_syn_gets_syn_ack', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS), tcb);
    t.equal(p.verdict, 'syn-ack');
    expectReply(t, p, 'S.', REMOTE_ISS, LOCAL_ISS + 1);
    t.same(p.reply?.unknown, ['seq'], 'the listener picks its ISS now: unknowable in advance');
    t.equal(p.next, 'SYN-RECEIVED');
    t.equal(p.tcb.irs, LOCAL_ISS);
    t.equal(p.tcb.rcvNxt, LOCAL_ISS + 1);
    t.equal(p.tcb.sndNxt, REMOTE_ISS + 1);
    t.equal(p.tcb.passiveOpen, true);
  });
  t.test('test_listen_rst_is_ignored_first', async (t) => {
    // RST+ACK: the RST check comes before the ACK check, so no reset is sent.
    const p = predict(state, seg('R.', LOCAL_ISS, 5), tcb);
    t.equal(p.verdict, 'drop');
    t.equal(p.ruleId, 'listen-rcv-rst');
  });
  t.test('test_listen_ack_gets_rst', async (t) => {
    const p = predict(state, seg('S.', LOCAL_ISS, 4242), tcb);
    t.equal(p.verdict, 'rst');
    expectReply(t, p, 'R', 4242, 0);
    t.equal(p.next, 'LISTEN');
  });
  t.test('test_listen_bare_fin_dropped', async (t) => {
    const p = predict(state, seg('F', LOCAL_ISS), tcb);
    t.equal(p.verdict, 'drop');
    t.equal(p.ruleId, 'listen-rcv-other');
  });
});

t.test('SYN-SENT (RFC 9293 3.10.7.3)', async (t) => {
  const { state, tcb } = synSent();
  t.equal(tcb.sndNxt, REMOTE_ISS + 1, 'active OPEN: SND.NXT = ISS + 1');
  t.test('test_syn_sent_syn_ack_establishes', async (t) => {
    const p = predict(state, seg('S.', LOCAL_ISS, REMOTE_ISS + 1), tcb);
    t.equal(p.next, 'ESTABLISHED');
    expectReply(t, p, '.', REMOTE_ISS + 1, LOCAL_ISS + 1);
    t.equal(p.tcb.sndUna, REMOTE_ISS + 1);
  });
  t.test('test_syn_sent_syn_ack_with_fin_goes_on_to_close_wait', async (t) => {
    const p = predict(state, seg('SF.', LOCAL_ISS, REMOTE_ISS + 1), tcb);
    t.equal(p.next, 'CLOSE-WAIT');
    expectReply(t, p, '.', REMOTE_ISS + 1, LOCAL_ISS + 1 + 1); // SYN, then FIN
    t.same(p.ruleIds, ['syn-sent-rcv-syn-ack', 'established-rcv-fin']);
  });
  t.test('test_syn_sent_syn_is_simultaneous_open', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS), tcb);
    t.equal(p.next, 'SYN-RECEIVED');
    expectReply(t, p, 'S.', REMOTE_ISS, LOCAL_ISS + 1);
    t.equal(p.tcb.passiveOpen, false, 'SYN-RECEIVED reached by an active OPEN (MUST-11)');
  });
  t.test('test_syn_sent_bad_ack_gets_rst', async (t) => {
    for (const ack of [REMOTE_ISS, REMOTE_ISS + 2]) {
      const p = predict(state, seg('S.', LOCAL_ISS, ack), tcb);
      expectReply(t, p, 'R', ack, 0);
      t.equal(p.next, 'SYN-SENT');
    }
  });
  t.test('test_syn_sent_rst_with_bad_ack_dropped', async (t) => {
    const p = predict(state, seg('R.', LOCAL_ISS, REMOTE_ISS + 7), tcb);
    t.equal(p.verdict, 'drop');
  });
  t.test('test_syn_sent_rst_acking_syn_refuses', async (t) => {
    const p = predict(state, seg('R.', 0, REMOTE_ISS + 1), tcb);
    t.equal(p.verdict, 'reset');
    t.equal(p.next, 'CLOSED');
  });
  t.test('test_syn_sent_rst_without_ack_dropped', async (t) => {
    const p = predict(state, seg('R', 0), tcb);
    t.equal(p.ruleId, 'syn-sent-rcv-rst-without-ack');
    t.equal(p.next, 'SYN-SENT');
  });
  t.test('test_syn_sent_ack_without_syn_dropped', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS, REMOTE_ISS + 1), tcb);
    t.equal(p.verdict, 'drop');
    t.equal(p.ruleId, 'syn-sent-rcv-other');
  });
});

t.test('SYN-RECEIVED (RFC 9293 3.10.7.4)', async (t) => {
  const { state, tcb } = synReceived();
  t.test('test_syn_received_ack_of_syn_establishes', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS + 1, REMOTE_ISS + 1), tcb);
    t.equal(p.next, 'ESTABLISHED');
    expectSilence(t, p);
    t.equal(p.tcb.sndUna, REMOTE_ISS + 1);
  });
  t.test('test_syn_received_unacceptable_ack_gets_rst', async (t) => {
    for (const ack of [REMOTE_ISS, REMOTE_ISS + 2]) {
      const p = predict(state, seg('.', LOCAL_ISS + 1, ack), tcb);
      t.equal(p.verdict, 'rst');
      expectReply(t, p, 'R', ack, 0);
      t.equal(p.next, 'SYN-RECEIVED', '3.5.2 group 2: the connection remains in the same state');
    }
  });
  t.test('test_syn_received_passive_rst_returns_to_listen', async (t) => {
    const p = predict(state, seg('R', LOCAL_ISS + 1), tcb);
    t.equal(p.next, 'LISTEN');
    t.equal(p.verdict, 'reset');
  });
  t.test('test_syn_received_active_rst_closes', async (t) => {
    const p = predict(state, seg('R', LOCAL_ISS + 1), { ...tcb, passiveOpen: false });
    t.equal(p.next, 'CLOSED');
  });
  t.test('test_syn_received_rst_in_window_challenged', async (t) => {
    const p = predict(state, seg('R', LOCAL_ISS + 1 + 100), tcb);
    t.equal(p.verdict, 'challenge-ack');
    expectReply(t, p, '.', REMOTE_ISS + 1, LOCAL_ISS + 1);
  });
  t.test('test_syn_received_retransmitted_syn_is_old', async (t) => {
    // The original SYN's sequence number (IRS) lies before RCV.NXT: unacceptable, ACK.
    const p = predict(state, seg('S', LOCAL_ISS), tcb);
    t.equal(p.verdict, 'ack');
    expectReply(t, p, '.', REMOTE_ISS + 1, LOCAL_ISS + 1);
  });
  t.test('test_syn_received_passive_new_syn_returns_to_listen', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS + 1), tcb);
    t.equal(p.next, 'LISTEN');
    expectSilence(t, p);
  });
  t.test('test_syn_received_active_syn_challenged', async (t) => {
    const p = predict(state, seg('S', LOCAL_ISS + 1), { ...tcb, passiveOpen: false });
    t.equal(p.verdict, 'challenge-ack');
  });
  t.test('test_syn_received_data_with_ack_establishes_and_acks', async (t) => {
    const p = predict(state, seg('P.', LOCAL_ISS + 1, REMOTE_ISS + 1, 10), tcb);
    t.equal(p.next, 'ESTABLISHED');
    expectReply(t, p, '.', REMOTE_ISS + 1, LOCAL_ISS + 1 + 10);
  });
});

t.test('ESTABLISHED (RFC 9293 3.10.7.4, RFC 5961)', async (t) => {
  const { state, tcb } = established();
  const RCV_NXT = LOCAL_ISS + 1;
  const SND_NXT = REMOTE_ISS + 1;
  t.equal(tcb.rcvNxt, RCV_NXT);
  t.test('test_established_in_order_data_advances_rcv_nxt', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT, SND_NXT, 100), tcb);
    t.equal(p.verdict, 'accept');
    expectReply(t, p, '.', SND_NXT, RCV_NXT + 100);
    t.equal(p.tcb.rcvNxt, RCV_NXT + 100);
  });
  t.test('test_established_out_of_order_data_gets_duplicate_ack', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT + 50, SND_NXT, 10), tcb);
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
    t.equal(p.tcb.rcvNxt, RCV_NXT, 'RCV.NXT unchanged');
    t.equal(p.ruleId, 'rcv-out-of-order');
  });
  t.test('test_established_old_data_gets_ack', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT - 10, SND_NXT, 10), tcb);
    t.equal(p.verdict, 'ack');
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
  });
  t.test('test_established_overlapping_data_keeps_only_new_octets', async (t) => {
    // 10 octets starting 4 before RCV.NXT: 6 are new.
    const p = predict(state, seg('P.', RCV_NXT - 4, SND_NXT, 10), tcb);
    expectReply(t, p, '.', SND_NXT, RCV_NXT + 6);
  });
  t.test('test_established_data_beyond_window_is_trimmed', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT, SND_NXT, WINDOW + 500), tcb);
    expectReply(t, p, '.', SND_NXT, RCV_NXT + WINDOW);
  });
  t.test('test_established_fin_enters_close_wait', async (t) => {
    const p = predict(state, seg('F.', RCV_NXT, SND_NXT), tcb);
    t.equal(p.next, 'CLOSE-WAIT');
    expectReply(t, p, '.', SND_NXT, RCV_NXT + 1);
  });
  t.test('test_established_data_and_fin', async (t) => {
    const p = predict(state, seg('FP.', RCV_NXT, SND_NXT, 5), tcb);
    t.equal(p.next, 'CLOSE-WAIT');
    expectReply(t, p, '.', SND_NXT, RCV_NXT + 5 + 1);
  });
  t.test('test_established_rst_exact_resets', async (t) => {
    const p = predict(state, seg('R', RCV_NXT), tcb);
    t.equal(p.verdict, 'reset');
    t.equal(p.next, 'CLOSED');
  });
  t.test('test_established_rst_in_window_challenge_ack', async (t) => {
    const p = predict(state, seg('R', RCV_NXT + 1), tcb);
    t.equal(p.verdict, 'challenge-ack');
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
    t.equal(p.next, 'ESTABLISHED');
    t.match(p.rfc, /RFC 5961 3\.2/);
  });
  t.test('test_established_rst_outside_window_dropped', async (t) => {
    for (const seq of [RCV_NXT - 1, RCV_NXT + WINDOW]) {
      const p = predict(state, seg('R', seq), tcb);
      t.equal(p.verdict, 'drop');
      expectSilence(t, p);
    }
  });
  t.test('test_established_syn_anywhere_challenge_ack', async (t) => {
    // RFC 5961 4.2: "irrespective of the sequence number" (in-window ones reach the SYN step).
    for (const seq of [RCV_NXT, RCV_NXT + WINDOW - 1]) {
      const p = predict(state, seg('S', seq), tcb);
      t.equal(p.verdict, 'challenge-ack');
      expectReply(t, p, '.', SND_NXT, RCV_NXT);
    }
  });
  t.test('test_established_ack_of_unsent_data', async (t) => {
    const p = predict(state, seg('.', RCV_NXT, SND_NXT + 1), tcb);
    t.equal(p.verdict, 'ack');
    t.equal(p.ruleId, 'rcv-ack-unsent');
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
  });
  t.test('test_established_ack_below_max_snd_wnd_is_blind_injection', async (t) => {
    const withData = { ...tcb, sndUna: SND_NXT + 5000, sndNxt: SND_NXT + 5000, maxSndWnd: 1000 };
    const tooOld = predict(state, seg('P.', RCV_NXT, SND_NXT + 5000 - 1001, 10), withData);
    t.equal(tooOld.ruleId, 'rcv-ack-too-old');
    t.equal(tooOld.tcb.rcvNxt, RCV_NXT, 'the data is discarded');
    const duplicate = predict(state, seg('P.', RCV_NXT, SND_NXT + 5000 - 1000, 10), withData);
    t.equal(duplicate.ruleId, 'rcv-data', 'SND.UNA - MAX.SND.WND itself is acceptable');
  });
  t.test('test_established_zero_window', async (t) => {
    const closedWindow = { ...tcb, rcvWnd: 0 };
    t.equal(predict(state, seg('.', RCV_NXT, SND_NXT), closedWindow).verdict, 'accept', 'an ACK at RCV.NXT is acceptable');
    t.equal(predict(state, seg('P.', RCV_NXT, SND_NXT, 1), closedWindow).verdict, 'ack', 'data is not');
    t.equal(predict(state, seg('R', RCV_NXT), closedWindow).verdict, 'reset', 'nor is a RST refused');
  });
});

t.test('FIN-WAIT-1 (RFC 9293 3.10.7.4, 3.6)', async (t) => {
  const { state, tcb } = finWait1();
  const RCV_NXT = LOCAL_ISS + 1;
  t.equal(tcb.sndNxt, REMOTE_ISS + 1 + 1, 'SYN, then FIN');
  t.test('test_fin_wait_1_ack_of_fin_enters_fin_wait_2', async (t) => {
    const p = predict(state, seg('.', RCV_NXT, REMOTE_ISS + 1 + 1), tcb);
    t.equal(p.next, 'FIN-WAIT-2');
    expectSilence(t, p);
  });
  t.test('test_fin_wait_1_ack_not_of_fin_stays', async (t) => {
    const p = predict(state, seg('.', RCV_NXT, REMOTE_ISS + 1), tcb);
    t.equal(p.next, 'FIN-WAIT-1');
  });
  t.test('test_fin_wait_1_fin_is_simultaneous_close', async (t) => {
    const p = predict(state, seg('F.', RCV_NXT, REMOTE_ISS + 1), tcb);
    t.equal(p.next, 'CLOSING');
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, RCV_NXT + 1);
  });
  t.test('test_fin_wait_1_fin_acking_our_fin_enters_time_wait', async (t) => {
    const p = predict(state, seg('F.', RCV_NXT, REMOTE_ISS + 1 + 1), tcb);
    t.equal(p.next, 'TIME-WAIT');
    t.equal(p.ruleId, 'fin-wait-1-rcv-fin-ack-of-fin');
    t.same(p.timers, ['start-2msl']);
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, RCV_NXT + 1);
  });
  t.test('test_fin_wait_1_receives_data', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT, REMOTE_ISS + 1, 3), tcb);
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, RCV_NXT + 3);
    t.equal(p.next, 'FIN-WAIT-1');
  });
});

t.test('FIN-WAIT-2', async (t) => {
  const { state, tcb } = finWait2();
  t.test('test_fin_wait_2_fin_enters_time_wait', async (t) => {
    const p = predict(state, seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1), tcb);
    t.equal(p.next, 'TIME-WAIT');
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, LOCAL_ISS + 1 + 1);
    t.same(p.timers, ['start-2msl']);
  });
  t.test('test_fin_wait_2_still_receives', async (t) => {
    const p = predict(state, seg('P.', LOCAL_ISS + 1, REMOTE_ISS + 1 + 1, 7), tcb);
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, LOCAL_ISS + 1 + 7);
  });
});

t.test('CLOSE-WAIT', async (t) => {
  const { state, tcb } = closeWait();
  const RCV_NXT = LOCAL_ISS + 1 + 1; // our SYN, then our FIN
  t.equal(tcb.rcvNxt, RCV_NXT);
  t.test('test_close_wait_retransmitted_fin_is_acked', async (t) => {
    const p = predict(state, seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1), tcb);
    t.equal(p.verdict, 'ack', 'the FIN at RCV.NXT - 1 is old: ACK it again');
    expectReply(t, p, '.', REMOTE_ISS + 1, RCV_NXT);
    t.equal(p.next, 'CLOSE-WAIT');
  });
  t.test('test_close_wait_text_is_ignored', async (t) => {
    const p = predict(state, seg('P.', RCV_NXT, REMOTE_ISS + 1, 5), tcb);
    expectSilence(t, p);
    t.equal(p.tcb.rcvNxt, RCV_NXT);
  });
});

t.test('CLOSING', async (t) => {
  const { state, tcb } = closing();
  t.equal(state, 'CLOSING');
  t.test('test_closing_ack_of_fin_enters_time_wait', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS + 1 + 1, REMOTE_ISS + 1 + 1), tcb);
    t.equal(p.next, 'TIME-WAIT');
  });
  t.test('test_closing_other_ack_ignored', async (t) => {
    const p = predict(state, seg('P.', LOCAL_ISS + 1 + 1, REMOTE_ISS + 1, 4), tcb);
    t.equal(p.next, 'CLOSING');
    t.equal(p.ruleId, 'closing-rcv-ack');
    expectSilence(t, p);
  });
});

t.test('LAST-ACK', async (t) => {
  const { state, tcb } = lastAck();
  t.equal(tcb.sndNxt, REMOTE_ISS + 1 + 1);
  t.test('test_last_ack_ack_of_fin_closes', async (t) => {
    const p = predict(state, seg('.', LOCAL_ISS + 1 + 1, REMOTE_ISS + 1 + 1), tcb);
    t.equal(p.next, 'CLOSED');
  });
  t.test('test_last_ack_retransmitted_fin_acked', async (t) => {
    const p = predict(state, seg('F.', LOCAL_ISS + 1, REMOTE_ISS + 1), tcb);
    expectReply(t, p, '.', REMOTE_ISS + 1 + 1, LOCAL_ISS + 1 + 1);
    t.equal(p.next, 'LAST-ACK');
  });
});

t.test('TIME-WAIT', async (t) => {
  const { state, tcb } = timeWait();
  const RCV_NXT = LOCAL_ISS + 1 + 1;
  const SND_NXT = REMOTE_ISS + 1 + 1;
  t.test('test_time_wait_retransmitted_fin_reacked', async (t) => {
    // The FIN at RCV.NXT - 1 is outside the window: ACK, unchanged state.
    const p = predict(state, seg('F.', LOCAL_ISS + 1, SND_NXT), tcb);
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
    t.equal(p.next, 'TIME-WAIT');
  });
  t.test('test_time_wait_acceptable_ack_acked_and_timer_restarted', async (t) => {
    const p = predict(state, seg('.', RCV_NXT, SND_NXT), tcb);
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
    t.same(p.timers, ['restart-2msl']);
  });
  t.test('test_time_wait_rst_closes_per_rfc_9293', async (t) => {
    const p = predict(state, seg('R', RCV_NXT), tcb);
    t.equal(p.next, 'CLOSED');
    t.equal(p.ruleId, 'time-wait-rcv-rst');
  });
  t.test('test_time_wait_syn_challenged', async (t) => {
    const p = predict(state, seg('S', RCV_NXT + 100), tcb);
    t.equal(p.verdict, 'challenge-ack');
    expectReply(t, p, '.', SND_NXT, RCV_NXT);
  });
});

t.test('sequence numbers wrap at 2^32', async (t) => {
  // Our ISS 2^32 - 2: our SYN takes 2^32 - 2, the first data octet is 2^32 - 1, the next 0.
  const { state, tcb } = established(0xfffffff0, 0xfffffffe);
  t.equal(tcb.rcvNxt, 0xffffffff);
  t.test('test_wrap_data_crossing_zero', async (t) => {
    const p = predict(state, seg('P.', 0xffffffff, 0xfffffff1, 3), tcb);
    expectReply(t, p, '.', 0xfffffff1, 2); // 0xffffffff + 3 = 2 mod 2^32
    t.equal(p.tcb.rcvNxt, 2);
  });
  t.test('test_wrap_rst_after_zero_in_window', async (t) => {
    const p = predict(state, seg('R', 5), tcb);
    t.equal(p.verdict, 'challenge-ack', '5 is 6 octets after RCV.NXT, inside the window');
  });
  t.test('test_wrap_rst_before_rcv_nxt_outside', async (t) => {
    const p = predict(state, seg('R', 0xfffffffe), tcb);
    t.equal(p.verdict, 'drop');
  });
  t.test('test_wrap_fin_at_max_uint32', async (t) => {
    const p = predict(state, seg('F.', 0xffffffff, 0xfffffff1), tcb);
    t.equal(p.next, 'CLOSE-WAIT');
    expectReply(t, p, '.', 0xfffffff1, 0);
  });
  t.test('test_wrap_ack_of_unsent_across_zero', async (t) => {
    const near = established(0xffffffff, 100);
    t.equal(near.tcb.sndNxt, 0, 'ISS 2^32 - 1 plus the SYN wraps SND.NXT to 0');
    const p = predict(near.state, seg('.', 101, 1), near.tcb);
    t.equal(p.ruleId, 'rcv-ack-unsent', 'ACK 1 is after SND.NXT 0');
    t.equal(predict(near.state, seg('.', 101, 0), near.tcb).ruleId, 'rcv-ack');
  });
});

t.test('bad input is a UsageError, not a verdict', async (t) => {
  const { state, tcb } = established();
  t.throws(() => predict(state, { flags: 0, seq: -1, ack: 0, len: 0 }, tcb), { name: 'UsageError' });
  t.throws(() => predict(state, { flags: 0x100, seq: 0, ack: 0, len: 0 }, tcb), { name: 'UsageError' });
  t.throws(() => predict(state, seg('.', 0), { ...tcb, rcvWnd: 2 ** 32 }), { name: 'UsageError' });
  t.throws(() => predict('OPEN' as never, seg('.', 0), tcb), { name: 'UsageError' });
});
