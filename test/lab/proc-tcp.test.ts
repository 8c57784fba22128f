// The /proc/net/tcp{,6} parser on lines captured from a lab namespace (x86_64, little-endian: the
// kernel prints addresses as native 32-bit words), next to what ss said of the same sockets:
//   LISTEN     0.0.0.0:34265                      ino:462097
//   FIN-WAIT-2 198.18.180.42:34265 198.18.180.41:47128 timer:(timewait,2.792ms,0)   (an orphan: a timewait sock)
//   ESTAB      198.18.180.42:34265 198.18.180.41:47120 ino:462100
//   LISTEN     *:32999 (v6, v6only:0)
//   ESTAB      [fd00:7c9f:2d0a::2]:32999 [fd00:7c9f:2d0a::1]:53746

import { endianness } from 'node:os';
import t from 'tap';
import { canonicalAddress, onlySocket } from '../../src/lab/ground-truth.js';
import { ProcTcpParseError, parseProcTcp, parseProcTcpLine, procAddress } from '../../src/lab/proc-tcp.js';
import { ProcTcpReader } from '../../src/lab/proc-tcp-reader.js';

const LE = endianness() === 'LE';

const TCP4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:85D9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 462097 1 000000009f17450a 100 0 0 10 0
   1: 2AB412C6:85D9 29B412C6:B818 05 00000000:00000000 03:0000011C 00000000     0        0 0 3 00000000c547a675
   2: 2AB412C6:85D9 29B412C6:B810 01 00000000:00000000 00:00000000 00000000     0        0 462100 1 000000000a52f042 20 0 0 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:80E7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 462102 1 00000000651be798 100 0 0 10 0
   1: 9F7C00FD00000A2D0000000002000000:80E7 9F7C00FD00000A2D0000000001000000:D1F2 01 00000000:00000000 00:00000000 00000000     0        0 462112 1 00000000dd08da11 20 0 0 10 -1
`;

t.test(
  'captured lines: states, addresses, ports, timers, inodes as ss showed them',
  { skip: endianness() !== 'LE' && 'fixture captured on a little-endian machine' },
  async (t) => {
    const [listen, fw2, est] = parseProcTcp(TCP4);
    t.match(listen, {
      state: 'LISTEN',
      ssState: 'LISTEN',
      local: { address: '0.0.0.0', port: 34265 },
      peer: { address: '0.0.0.0', port: null },
      timer: null,
      inode: 462097,
    });
    t.match(fw2, { state: 'FIN-WAIT-2', local: { address: '198.18.180.42', port: 34265 }, peer: { address: '198.18.180.41', port: 47128 }, inode: null });
    t.same(fw2!.timer, { name: 'timewait', remainingMs: 2840, retransmits: 0 }, 'tm->when in clock_t (10 ms)');
    t.match(est, { state: 'ESTABLISHED', ssState: 'ESTAB', recvQ: 0, sendQ: 0, peer: { port: 47120 }, timer: null, inode: 462100, info: null, cookie: null });
    const [l6, e6] = parseProcTcp(TCP6);
    t.match(l6, { state: 'LISTEN', local: { address: '0:0:0:0:0:0:0:0', port: 32999 } });
    t.equal(canonicalAddress(e6!.local.address), canonicalAddress('fd00:7c9f:2d0a::2'));
    t.equal(canonicalAddress(e6!.peer.address), canonicalAddress('fd00:7c9f:2d0a::1'));
    t.equal(e6!.peer.port, 53746);
  },
);

t.test('port filter, v4-mapped addresses, unknown states, bad lines', async (t) => {
  t.same(
    parseProcTcp(TCP4, { localPort: 34265, peerPort: 47120 }).map((s) => s.inode),
    [462100],
  );
  t.same(parseProcTcp(TCP4, { localPort: 1 }), []);
  t.same(parseProcTcp(''), []);
  const mapped = LE ? '0000000000000000FFFF0000020012C6' : '00000000000000000000FFFFC6120002';
  t.equal(procAddress(mapped), '::ffff:198.18.0.2', 'v4-mapped IPv6 reads as ::ffff:a.b.c.d');
  t.equal(parseProcTcpLine('   0: 00000000:0050 00000000:0000 0D 00000000:00000000 00:00000000 00000000     0        0 1 1 0').state, 'UNKNOWN');
  t.throws(() => parseProcTcpLine('garbage'), ProcTcpParseError);
  t.throws(() => procAddress('123'), ProcTcpParseError);
  t.throws(() => parseProcTcp('   0: zz', { localPort: 1 }), { message: /unreadable ports/ });
});

t.test(
  'the reader: both files, a port filter, and a socket listed twice (a table read in two walks) kept once',
  { skip: endianness() !== 'LE' && 'fixture captured on a little-endian machine' },
  async (t) => {
    const lines = TCP4.split('\n');
    // The same ESTABLISHED socket again under the next running number, as a second walk lists it.
    const twice = [...lines.slice(0, -1), lines[3]!.replace(/^\s+2:/, '   3:'), ''].join('\n');
    const dir = t.testdir({ tcp: twice, tcp6: TCP6 });
    const reader = new ProcTcpReader(dir);
    t.teardown(() => reader.close());
    t.equal(reader.sockets().length, 5, 'three IPv4 sockets (the twin dropped) and two IPv6');
    t.same(
      reader.sockets({ localPort: 0x85d9, peerPort: 0xb810 }).map((s) => s.state),
      ['ESTABLISHED'],
      'the twin is not a second match for its tuple',
    );
    const v4only = new ProcTcpReader(t.testdir({ tcp: TCP4 }));
    t.equal(v4only.sockets().length, 3, 'no tcp6 file: IPv4 only');
    v4only.close();
  },
);

t.test(
  'the reader: a twin that moved between buckets (its timer changed meanwhile) is one socket; two states of one tuple stay two',
  { skip: !LE && 'fixture captured on a little-endian machine' },
  async (t) => {
    const lines = TCP4.split('\n');
    // The ESTABLISHED socket again, listed later in the walk with its retransmission timer now armed.
    const moved = lines[3]!.replace(/^\s+2:/, '   3:').replace(' 00:00000000 ', ' 01:00000014 ');
    t.not(moved.slice(6), lines[3]!.slice(6), 'the twin is not the same line');
    const reader = new ProcTcpReader(t.testdir({ tcp: [...lines.slice(0, -1), moved, ''].join('\n') }));
    t.teardown(() => reader.close());
    const tuple = { localPort: 0x85d9, peerPort: 0xb810 };
    t.same(
      reader.sockets(tuple).map((s) => s.state),
      ['ESTABLISHED'],
      'one socket for the tuple',
    );
    t.equal(onlySocket(reader.sockets(tuple), tuple, 'a namespace')?.state, 'ESTABLISHED', 'and it is the one');
    const [, , est] = parseProcTcp(TCP4);
    t.throws(
      () => onlySocket([est!, { ...est!, ssState: 'SYN-RECV', state: 'SYN-RECEIVED' }], tuple, 'a namespace'),
      /matches 2 sockets/,
      'two states of one tuple are a mistake in the tuple',
    );
  },
);
