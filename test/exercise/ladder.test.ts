// The terminal ladder diagram, from a hand-made trace: arrows point the right way, numbers are
// relative to each side's ISN, states sit beside the target, disagreements are marked.
import t from 'tap';
import { ladder } from '../../src/exercise/ladder.js';
import { decodePacket, encodePacket } from '../../src/packet/index.js';
import { ACK, SYN, type TcpSegment } from '../../src/packet/types.js';
import { Trace } from '../../src/peer/trace.js';
import type { WireSegment } from '../../src/wire/transport.js';

const PROBE = '198.18.0.1';
const TARGET = '198.18.0.2';
const ISS = 0xffffffff; // our ISN: the next number wraps to 0
const IRS = 1000;

function wire(dir: 'out' | 'in', seg: Partial<TcpSegment> & Pick<TcpSegment, 'flags' | 'seq'>): WireSegment {
  const full: TcpSegment = {
    srcPort: dir === 'out' ? 40001 : 8080,
    dstPort: dir === 'out' ? 8080 : 40001,
    ack: 0,
    window: 65535,
    options: [],
    payload: Buffer.alloc(0),
    ...seg,
  };
  const bytes = encodePacket({ ttl: 64, src: dir === 'out' ? PROBE : TARGET, dst: dir === 'out' ? TARGET : PROBE }, full);
  const pkt = decodePacket(bytes);
  return { dir, at: process.hrtime.bigint(), ip: pkt.ip, tcp: pkt.tcp, bytes };
}

t.test('a handshake with data: arrows, relative numbers, states beside the target', async (t) => {
  const trace = new Trace();
  const isn = () => ({ probe: ISS, remote: IRS });
  trace.note('app listen(8080)');
  trace.note('connection 1: probe port 40001 → target port 8080');
  trace.state('LISTEN', 'LISTEN');
  trace.segment(wire('out', { flags: SYN, seq: ISS }), isn);
  trace.note('fsm: SYN on LISTEN → SYN-RECEIVED'); // the oracle's reasoning: not drawn
  trace.segment(wire('in', { flags: SYN | ACK, seq: IRS, ack: (ISS + 1) >>> 0 }), isn);
  trace.state('SYN-RECEIVED', 'SYN-RECEIVED');
  trace.state('SYN-RECEIVED', 'SYN-RECEIVED'); // a repeated check: one label
  trace.segment(wire('out', { flags: ACK, seq: (ISS + 1) >>> 0, ack: IRS + 1, payload: Buffer.from('hello') }), isn);
  trace.state('ESTABLISHED', 'SYN-RECEIVED');
  const rows = ladder(trace.entries);
  const text = rows.map((r) => r.text);
  t.match(text[0], /probe\s+target$/, 'lifeline captions');
  t.match(text[1], /\(app listen\(8080\)\)/, 'the application note');
  t.match(text[2], /── connection 1: probe port 40001 → target port 8080 ──/);
  t.match(text[3], /\|\s+\|  LISTEN \(kernel LISTEN\)$/, 'a state with no arrow gets its own row');
  t.match(text[4], /^ {3}SYN-SENT {5}\|-- \[S\] seq 0 -+>\|$/, 'our SYN points right, seq relative to our ISN; our state (SYN-SENT) on the left');
  t.match(
    text[5],
    /^ {3}ESTABLISHED {2}\|<-+ \[S\.\] seq 0 ack 1 --\|  SYN-RECEIVED \(kernel SYN-RECEIVED\)$/,
    'their SYN-ACK points left; the state sits beside it; we are ESTABLISHED',
  );
  t.match(
    text[6],
    /^ {16}\|-- \[P?\.\] seq 1 ack 1 len 5 -+>\|  FSM ESTABLISHED ≠ kernel SYN-RECEIVED  ✗$/,
    'data length, seq relative across the 2^32 wrap, and a disagreement; our state unchanged: no label',
  );
  t.equal(rows[6]!.kind, 'bad');
  t.equal(rows.length, 7, 'the repeated state and the oracle note add no rows');
  const widths = new Set(text.slice(4, 7).map((l) => l.indexOf('|', l.indexOf('|') + 1)));
  t.equal(widths.size, 1, 'the target lifeline is one column in every arrow row');
});

t.test('an empty trace says how to start', async (t) => {
  const rows = ladder([]);
  t.equal(rows.length, 2);
  t.match(rows[1]!.text, /listen, connect/);
});
