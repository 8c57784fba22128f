import t from 'tap';
import { formatOptions, formatPacket, formatSegment, formatTcp } from '../../src/packet/format.js';
import { decodePacket, encodePacket } from '../../src/packet/packet.js';
import { ACK, FIN, PSH, RST, SYN, type TcpSegment, URG } from '../../src/packet/types.js';

const SYN_ACK: TcpSegment = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 1000,
  ack: 2001,
  flags: SYN | ACK,
  window: 65535,
  options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
};

t.test('one line in tcpdump -nn -S style', async (t) => {
  t.equal(
    formatSegment('198.18.0.1', '198.18.0.2', SYN_ACK),
    '198.18.0.1.40000 > 198.18.0.2.8080: Flags [S.], seq 1000, ack 2001, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
  );
  const packet = decodePacket(encodePacket({ src: '2001:db8::1', dst: '2001:db8::2' }, SYN_ACK));
  t.equal(formatPacket(packet), '2001:db8::1.40000 > 2001:db8::2.8080: ' + formatTcp(SYN_ACK), 'a decoded packet, IPv6');
});

t.test('which fields are printed follows tcpdump', async (t) => {
  const base = { srcPort: 1, dstPort: 2, seq: 5, ack: 9, window: 100 };
  t.equal(formatTcp({ ...base, flags: ACK }), 'Flags [.], ack 9, win 100, length 0', 'no seq on a bare ACK');
  t.equal(formatTcp({ ...base, flags: 0 }), 'Flags [none], win 100, length 0', 'no seq, no ack without flags');
  t.equal(formatTcp({ ...base, flags: RST }), 'Flags [R], seq 5, win 100, length 0', 'seq on RST, no ack without ACK');
  t.equal(formatTcp({ ...base, flags: FIN | ACK }), 'Flags [F.], seq 5, ack 9, win 100, length 0');
  t.equal(
    formatTcp({ ...base, flags: PSH | ACK, payload: Buffer.from('hello') }),
    'Flags [P.], seq 5:10, ack 9, win 100, length 5',
    'data prints the range it covers',
  );
  t.equal(formatTcp({ ...base, flags: URG | ACK, urgent: 3 }), 'Flags [.U], ack 9, win 100, urg 3, length 0');
  t.equal(formatTcp({ ...base, seq: 0xfffffffe, flags: PSH, payload: Buffer.alloc(4) }), 'Flags [P], seq 4294967294:2, win 100, length 4', 'the range wraps');
  t.equal(formatTcp({ ...base, flags: ACK, options: [] }), 'Flags [.], ack 9, win 100, length 0', 'an empty option list prints nothing');
});

t.test('relative sequence numbers, like tcpdump without -S', async (t) => {
  const relativeTo = { srcIsn: 0xfffffff0, dstIsn: 5000 };
  const data: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0xfffffff1, ack: 5001, flags: PSH | ACK, window: 100, payload: Buffer.from('hello') };
  t.equal(
    formatTcp(data, { relativeTo }),
    'Flags [P.], seq 1:6, ack 1, win 100, length 5',
    'seq from the sender ISN, ack from the receiver ISN, across the wrap',
  );
  t.equal(formatTcp({ ...data, seq: 0x10, payload: undefined, flags: FIN | ACK }, { relativeTo }), 'Flags [F.], seq 32, ack 1, win 100, length 0');
  t.equal(
    formatTcp(
      {
        ...data,
        flags: ACK,
        payload: undefined,
        options: [
          {
            kind: 'sack',
            blocks: [
              [5101, 5201],
              [5301, 5401],
            ],
          },
        ],
      },
      { relativeTo },
    ),
    'Flags [.], ack 1, win 100, options [sack 2 {101:201}{301:401}], length 0',
    'SACK edges are acknowledgment numbers: relative to the receiver ISN',
  );
  t.equal(formatTcp({ ...data, flags: SYN, seq: 0xfffffff0, payload: undefined }, { relativeTo }), 'Flags [S], seq 0, win 100, length 0');
});

t.test('options', async (t) => {
  t.equal(formatOptions([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [[1, 2]] }, { kind: 'eol' }]), 'nop,nop,sack 1 {1:2},eol');
  // After EOL: zeros are padding (tcpdump shows none of it), other bytes are shown.
  t.equal(
    formatOptions([
      { kind: 'mss', value: 1460 },
      { kind: 'eol', trailing: Buffer.alloc(7) },
    ]),
    'mss 1460,eol',
  );
  t.equal(
    formatOptions([
      { kind: 'mss', value: 1460 },
      { kind: 'eol', trailing: Buffer.from('01000002', 'hex') },
    ]),
    'mss 1460,eol 0x01000002',
  );
  t.equal(formatOptions([{ kind: 'unknown', type: 99, data: Buffer.from([1, 2, 3]) }]), 'unknown-99 0x010203', "tcpdump's spelling");
  t.equal(formatOptions([{ kind: 'unknown', type: 200, data: Buffer.alloc(0) }]), 'unknown-200');
  t.equal(formatOptions([{ kind: 'unknown', type: 2, data: Buffer.from([5]) }]), 'mss[len 3] 0x05', 'a known kind with a bad length says so');
  t.equal(formatOptions([{ kind: 'unknown', type: 8, data: Buffer.alloc(2) }]), 'TS[len 4] 0x0000');
});
