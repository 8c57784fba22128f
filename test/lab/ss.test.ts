// The `ss` parser on output captured from real labs on this machine (kernel 6.18, iproute2 6.1):
// one fixture per TCP state, re-captured with `node dist/test/lab/capture-fixtures.js`.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { canonicalAddress, matchesTuple, ssPortFilter } from '../../src/lab/ground-truth.js';
import { parseSs, parseSsDuration, parseSsEndpoint, parseSsTimer, parseTcpInfo, SsParseError, type SsSocket } from '../../src/lab/ss.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../../test/lab/fixtures/${name}.txt`, import.meta.url)), 'utf8');
const only = (name: string): SsSocket => {
  const all = parseSs(fixture(name));
  if (all.length !== 1) throw new Error(`${name}: expected one socket, parsed ${all.length}`);
  return all[0]!;
};

t.test('durations as ss prints them (print_ms_timer)', async (t) => {
  t.equal(parseSsDuration('200ms'), 200);
  t.equal(parseSsDuration('080ms'), 80);
  t.equal(parseSsDuration('1.004ms'), 1004, 'seconds, a dot, then three digits of ms');
  t.equal(parseSsDuration('6.992ms'), 6992);
  t.equal(parseSsDuration('59sec'), 59_000);
  t.equal(parseSsDuration('1min59sec'), 119_000);
  t.equal(parseSsDuration('12min'), 720_000);
  t.equal(parseSsDuration(''), 0, 'an overdue timer prints nothing');
  t.throws(() => parseSsDuration('1.ms'), SsParseError);
  t.throws(() => parseSsDuration('5s'), SsParseError);
});

t.test('timers from the brief and from captures', async (t) => {
  t.same(parseSsTimer('timer:(timewait,59sec,0)'), { name: 'timewait', remainingMs: 59_000, retransmits: 0 });
  t.same(parseSsTimer('timer:(on,1.004ms,2)'), { name: 'on', remainingMs: 1004, retransmits: 2 });
  t.same(parseSsTimer('timer:(on,200ms,0)'), { name: 'on', remainingMs: 200, retransmits: 0 });
  t.same(parseSsTimer('timer:(keepalive,1min59sec,0)'), { name: 'keepalive', remainingMs: 119_000, retransmits: 0 });
  t.same(parseSsTimer('timer:(persist,1.640ms,0)'), { name: 'persist', remainingMs: 1640, retransmits: 0 });
  t.same(parseSsTimer('timer:(on,,2)'), { name: 'on', remainingMs: 0, retransmits: 2 });
  t.throws(() => parseSsTimer('timer:(bogus,1sec,0)'), SsParseError);
  t.throws(() => parseSsTimer('timer:(on,1sec)'), SsParseError);
});

t.test('endpoints: v4, bracketed v6, v4-mapped, wildcard port, scope', async (t) => {
  t.same(parseSsEndpoint('198.18.0.2:80'), { address: '198.18.0.2', port: 80 });
  t.same(parseSsEndpoint('[fd00:7c9f:1::2]:443'), { address: 'fd00:7c9f:1::2', port: 443 });
  t.same(parseSsEndpoint('[::ffff:198.18.0.2]:80'), { address: '::ffff:198.18.0.2', port: 80 });
  t.same(parseSsEndpoint('0.0.0.0:*'), { address: '0.0.0.0', port: null });
  t.same(parseSsEndpoint('*:*'), { address: '*', port: null });
  t.same(parseSsEndpoint('[fe80::1]%eth0:22'), { address: 'fe80::1', port: 22, scope: 'eth0' });
  t.same(parseSsEndpoint('127.0.0.53%lo:53'), { address: '127.0.0.53', port: 53, scope: 'lo' });
  t.throws(() => parseSsEndpoint('198.18.0.2'), SsParseError);
  t.throws(() => parseSsEndpoint('198.18.0.2:http'), SsParseError);
});

t.test('LISTEN (v4 and dual-stack)', async (t) => {
  const s = only('listen');
  t.equal(s.state, 'LISTEN');
  t.equal(s.sendQ, 511, 'Send-Q of a listener is its backlog');
  t.same(s.local, { address: '0.0.0.0', port: 42543 });
  t.same(s.peer, { address: '0.0.0.0', port: null });
  t.equal(s.timer, null);
  t.equal(s.inode, 9372);
  t.equal(s.cookie, '1009');
  t.same(s.shutdown, { rcv: false, snd: false });
  t.equal(s.info?.congestion, 'bbr');
  t.equal(s.info?.cwnd, 10);
  const v6 = only('listen-v6');
  t.same(v6.local, { address: '*', port: 37079 });
  t.equal(v6.state, 'LISTEN');
});

t.test('ESTABLISHED: tcp_info fields', async (t) => {
  const s = only('established');
  t.equal(s.state, 'ESTABLISHED');
  t.equal(s.ssState, 'ESTAB');
  t.same([s.recvQ, s.sendQ], [0, 0]);
  t.same(s.local, { address: '198.18.226.186', port: 42543 });
  t.same(s.peer, { address: '198.18.226.185', port: 57136 });
  const i = s.info!;
  t.same(i.flags.slice(0, 2), ['ts', 'sack']);
  t.ok(i.flags.includes('app_limited'));
  t.equal(i.congestion, 'bbr');
  t.same(i.wscale, { snd: 10, rcv: 10 });
  t.equal(i.rtoMs, 204);
  t.equal(i.rttMs, 0.015);
  t.equal(i.rttVarMs, 0.007);
  t.equal(i.mss, 1448);
  t.equal(i.advMss, 1448);
  t.equal(i.rcvMss, 536);
  t.equal(i.pmtu, 1500);
  t.equal(i.cwnd, 10);
  t.equal(i.segsIn, 2);
  t.equal(i.rcvSpace, 14480);
  t.equal(i.rcvSsthresh, 64088);
  t.equal(i.sndWnd, 64512);
  t.equal(i.rcvWnd, null, 'iproute2 6.1 does not print rcv_wnd');
  t.equal(i.retrans, null);
  t.equal(i.fields.send, '7722666667bps', '`send RATE` is a key and a value');
  t.equal(i.fields.bbr, '(bw:0bps,mrtt:0.015)');
});

t.test('ESTABLISHED over IPv6 and v4-mapped on a dual-stack listener', async (t) => {
  const v6 = only('established-v6');
  t.same(v6.local, { address: 'fd00:7c9f:38ae::2', port: 37079 });
  t.same(v6.peer, { address: 'fd00:7c9f:38ae::1', port: 39068 });
  t.equal(v6.info?.mss, 1428, 'IPv6 header is 20 bytes longer');
  const mapped = only('established-v4-mapped');
  t.same(mapped.local, { address: '::ffff:198.18.226.186', port: 37079 });
  t.ok(matchesTuple(mapped, { localAddress: '198.18.226.186', localPort: 37079, peerAddress: '198.18.226.185', peerPort: 39932 }));
  t.notOk(matchesTuple(mapped, { localAddress: '198.18.226.186', localPort: 37079, peerPort: 39933 }));
});

t.test('unread data shows in Recv-Q', async (t) => {
  const s = only('established-unread');
  t.equal(s.recvQ, 3000);
  t.equal(s.info?.bytesReceived, 3000);
  t.equal(s.info?.dataSegsIn, 3);
  t.equal(s.info?.atoMs, 40);
});

t.test('keepalive and persist timers', async (t) => {
  t.same(only('established-keepalive').timer, { name: 'keepalive', remainingMs: 6992, retransmits: 0 });
  const p = only('established-persist');
  t.same(p.timer, { name: 'persist', remainingMs: 1640, retransmits: 0 });
  t.equal(p.sendQ, 571960);
  t.equal(p.info?.backoff, 3);
  t.equal(p.info?.notsent, 571960);
  t.same(p.info?.retrans, { current: 0, total: 1 });
  t.equal(p.info?.bytesAcked, 133600);
  t.equal(p.info?.fields.rwnd_limited, '1572ms(100.0%)');
});

t.test('retransmission timer with backoff on unacknowledged data', async (t) => {
  const s = only('established-retransmitting');
  t.same(s.timer, { name: 'on', remainingMs: 100, retransmits: 1 });
  t.equal(s.sendQ, 5);
  t.equal(s.info?.rtoMs, 400);
  t.equal(s.info?.backoff, 1);
  t.same(s.info?.retrans, { current: 1, total: 2 });
  t.equal(s.info?.unacked, 1);
  t.equal(s.info?.lost, 1);
  t.equal(s.info?.bytesRetrans, 10);
});

t.test('closing states', async (t) => {
  const cw = only('close-wait');
  t.equal(cw.state, 'CLOSE-WAIT');
  t.same(cw.shutdown, { rcv: true, snd: false }, '`-->`: the FIN arrived');
  const la = only('last-ack');
  t.equal(la.state, 'LAST-ACK');
  t.same(la.timer, { name: 'on', remainingMs: 200, retransmits: 0 });
  t.same(la.shutdown, { rcv: true, snd: true });
  t.equal(la.inode, 0, 'an orphan has no file');
  const fw1 = only('fin-wait-1');
  t.equal(fw1.state, 'FIN-WAIT-1');
  t.same(fw1.timer, { name: 'on', remainingMs: 320, retransmits: 1 });
  t.equal(fw1.sendQ, 1, 'the FIN occupies one sequence number');
  const fw2 = only('fin-wait-2');
  t.equal(fw2.state, 'FIN-WAIT-2');
  t.same(fw2.timer, { name: 'timewait', remainingMs: 29_000, retransmits: 0 }, 'orphaned FIN-WAIT-2 runs on tcp_fin_timeout');
  t.equal(fw2.info, null, 'a timewait sock has no tcp_info');
  const fw2s = only('fin-wait-2-shutdown');
  t.equal(fw2s.timer, null, 'after shutdown(SHUT_WR) the socket is not orphaned: no timer');
  t.same(fw2s.shutdown, { rcv: false, snd: true });
  const tw = only('time-wait');
  t.equal(tw.state, 'TIME-WAIT');
  t.same(tw.timer, { name: 'timewait', remainingMs: 59_000, retransmits: 0 });
  const cl = only('closing');
  t.equal(cl.state, 'CLOSING');
  t.same([cl.recvQ, cl.sendQ], [1, 1]);
});

t.test('handshake states', async (t) => {
  const sr = only('syn-recv');
  t.equal(sr.state, 'SYN-RECEIVED');
  t.equal(sr.ssState, 'SYN-RECV');
  t.same(sr.timer, { name: 'on', remainingMs: 996, retransmits: 0 });
  t.equal(sr.info, null, 'request sockets carry no tcp_info');
  const ss = only('syn-sent');
  t.equal(ss.state, 'SYN-SENT');
  t.same(ss.local, { address: '198.18.226.186', port: 49524 });
  t.same(ss.peer, { address: '198.18.226.185', port: 32909 });
  t.equal(ss.info?.rtoMs, 1000, 'initial RTO 1 s (RFC 6298 §2.1)');
  t.equal(ss.info?.unacked, 1);
});

t.test('a whole namespace at once', async (t) => {
  const all = parseSs(fixture('all'));
  t.equal(all.length, 17, 'every record of the capture (grep -c ^[A-Z] minus the header)');
  const states = all.map((s) => s.state);
  for (const st of ['LISTEN', 'ESTABLISHED', 'TIME-WAIT', 'SYN-SENT', 'FIN-WAIT-1', 'CLOSING', 'FIN-WAIT-2', 'LAST-ACK', 'SYN-RECEIVED'] as const) {
    t.ok(states.includes(st), st);
  }
  t.same(all.find((s) => s.state === 'FIN-WAIT-1')?.timer, { name: 'on', remainingMs: 0, retransmits: 2 });
  t.equal(all.filter((s) => s.local.port === 42543 && s.state !== 'LISTEN').length, 10);
});

t.test('malformed input is refused with the line', async (t) => {
  t.throws(() => parseSs('\t ts sack\n'), { name: 'SsParseError', message: /continuation line before any socket/ });
  t.throws(() => parseSs('Recv-Q Send-Q Local Address:Port Peer Address:Port\n0 0 1.2.3.4:5 6.7.8.9:10 x\n'), {
    message: /'state' filter/,
  });
  t.throws(() => parseSs('ESTAB 0 0 1.2.3.4:5\n'), { message: /expected state, Recv-Q, Send-Q, local and peer/ });
  t.same(parseSs(''), []);
  t.same(parseSs('State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n'), []);
});

t.test('unknown ss state keeps its spelling', async (t) => {
  const [s] = parseSs('BOUND-INACTIVE 0 0 0.0.0.0:5000 0.0.0.0:*\n');
  t.equal(s!.state, 'UNKNOWN');
  t.equal(s!.ssState, 'BOUND-INACTIVE');
  t.same(parseSs('UNCONN 0 0 0.0.0.0:5000 0.0.0.0:*\n')[0]!.state, 'CLOSED');
});

t.test('tcp_info tokens of other shapes', async (t) => {
  const i = parseTcpInfo('cubic ecn ecnseen fastopen wscale:7,7 ssthresh:20 retrans:0/3 delivery_rate 1.5Mbps reordering:3');
  t.equal(i.congestion, 'cubic');
  t.same(i.flags, ['ecn', 'ecnseen', 'fastopen']);
  t.equal(i.ssthresh, 20);
  t.same(i.retrans, { current: 0, total: 3 });
  t.equal(i.fields.delivery_rate, '1.5Mbps');
  t.equal(i.fields.reordering, '3');
});

t.test('address canonical forms and the ss port filter', async (t) => {
  t.equal(canonicalAddress('::ffff:198.18.0.2'), '198.18.0.2');
  t.equal(canonicalAddress('fd00:7c9f:1::2'), 'fd00:7c9f:1:0:0:0:0:2');
  t.equal(canonicalAddress('FD00:7C9F:0001:0:0:0:0:0002'), 'fd00:7c9f:1:0:0:0:0:2');
  t.equal(canonicalAddress('::'), '0:0:0:0:0:0:0:0');
  t.equal(canonicalAddress('64:ff9b::198.18.0.2'), '64:ff9b:0:0:0:0:c612:2');
  t.equal(canonicalAddress('198.18.0.2'), '198.18.0.2');
  t.same(ssPortFilter({ localPort: 80, peerPort: 4000 }), ['sport = :80 and dport = :4000']);
  t.same(ssPortFilter({ localPort: 80 }), ['sport = :80']);
  t.same(ssPortFilter({}), []);
});
