// Cross-check with a real decoder: our packets go into a pcap file, tcpdump reads it back, and
// its lines must match our formatter field for field (flags, seq, ack, win, urg, options, length),
// its checksum verdicts must match ours, and its timestamps must be ours to the nanosecond.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatPacket, type RelativeTo } from '../../src/packet/format.js';
import { decodePacket, encodePacket } from '../../src/packet/packet.js';
import { encodePcap, type PcapRecord } from '../../src/packet/pcap.js';
import { ACK, FIN, type IPv4Header, type IPv6Header, PSH, RST, SYN, type TcpOption, type TcpSegment, URG } from '../../src/packet/types.js';
import { EnvironmentError } from '../../src/sys/errors.js';
import { run } from '../../src/sys/exec.js';

const tcpdumpVersion = await run('tcpdump', ['--version']).then(
  (r) => r.stdout.split('\n')[0],
  (e: unknown) => {
    if (e instanceof EnvironmentError) return undefined;
    throw e;
  },
);
const skip = tcpdumpVersion === undefined ? 'tcpdump is not installed (Debian package tcpdump): the cross-check needs a real decoder' : false;
if (tcpdumpVersion !== undefined) t.comment(`checking against ${tcpdumpVersion}`);

const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-pcap-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const C4: IPv4Header = { src: '198.18.0.1', dst: '198.18.0.2' };
const S4: IPv4Header = { src: '198.18.0.2', dst: '198.18.0.1' };
const C6: IPv6Header = { src: '2001:db8::1', dst: '2001:db8::2' };
// Ports tcpdump has no payload decoder for, so it prints only the TCP line.
const base = { srcPort: 40000, dstPort: 5555, seq: 1000, ack: 2001, window: 64240 };
const START = 1_700_000_000_000_000_000n;

/** Write the packets to a pcap (one per millisecond plus a nanosecond tail) and run tcpdump on it. */
async function tcpdump(name: string, packets: Buffer[], args: string[]): Promise<{ records: PcapRecord[]; lines: string[] }> {
  const records = packets.map((data, i) => ({ timestamp: START + BigInt(i) * 1_000_123n + 7n, data }));
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, encodePcap(records));
  const { stdout } = await run('tcpdump', ['-nn', '-tt', '--nano', ...args, '-r', file]);
  // With -v an IPv4 packet takes two lines; continuation lines start with white space.
  const lines = stdout
    .replace(/\n\s+/g, ' ')
    .split('\n')
    .filter((l) => l !== '');
  return { records, lines };
}

const TCP_PART = /(\S+\.\d+ > \S+\.\d+: Flags \[.*)$/;
const CKSUM = /, cksum 0x([0-9a-f]{4}) \((correct|incorrect -> 0x[0-9a-f]{4})\)/;

t.test('absolute numbers (-S -v): flags, seq, ack, win, urg, options, length, checksums, IP fields', { skip }, async (t) => {
  const packets: Buffer[] = [];
  // Every flag byte, alternating IPv4 and IPv6.
  for (let flags = 0; flags < 256; flags++) {
    packets.push(encodePacket(flags % 2 ? C6 : C4, { ...base, seq: 1000 + flags, flags, urgent: flags & URG ? 7 : 0 }));
  }
  const optionLists: TcpOption[][] = [
    [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    [
      { kind: 'mss', value: 536 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 14 },
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'ts', val: 0xffffffff, ecr: 123456 },
      { kind: 'sackOK' },
      { kind: 'eol' },
    ],
    [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [[2100, 2200]] }],
    [
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          [1, 2],
          [0xfffffff0, 0x10],
          [300, 400],
          [500, 600],
        ],
      },
    ],
    [
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'ts', val: 99, ecr: 98 },
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          [7, 8],
          [9, 10],
          [11, 12],
        ],
      },
    ],
    [{ kind: 'unknown', type: 99, data: Buffer.from([1, 2, 3]) }, { kind: 'eol' }],
    [
      { kind: 'unknown', type: 200, data: Buffer.alloc(0) },
      { kind: 'unknown', type: 253, data: Buffer.from('cafe', 'hex') },
      { kind: 'nop' },
      { kind: 'wscale', shift: 0 },
    ],
    [{ kind: 'mss', value: 65535 }, { kind: 'eol' }],
    [{ kind: 'nop' }],
    [{ kind: 'eol' }],
  ];
  for (const [i, options] of optionLists.entries()) {
    const flags = i === 0 ? SYN : i === 1 ? SYN | ACK : ACK;
    packets.push(encodePacket(C4, { ...base, flags, options }));
    packets.push(encodePacket(C6, { ...base, flags, options }));
  }
  for (const size of [1, 5, 100, 1400]) {
    const payload = Buffer.alloc(size, 0x78);
    packets.push(encodePacket({ ...S4, id: size, ttl: 63, tos: 0x10 }, { ...base, srcPort: 5555, dstPort: 40000, flags: PSH | ACK, payload }));
    packets.push(
      encodePacket(
        { ...C6, flowLabel: size, hopLimit: 255 },
        { ...base, flags: PSH | ACK, payload, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: size, ecr: 1 }] },
      ),
    );
  }
  packets.push(encodePacket(C4, { ...base, seq: 0xfffffffe, flags: PSH | ACK, payload: Buffer.from('wraps') })); // data across the wrap
  packets.push(encodePacket(C4, { ...base, flags: FIN | PSH | ACK, payload: Buffer.from('last') }));
  packets.push(encodePacket(C4, { ...base, flags: URG | ACK, urgent: 65535, window: 0 }));
  packets.push(encodePacket(C4, { ...base, flags: ACK, checksum: 0x1234 })); // a wrong checksum on purpose
  packets.push(encodePacket(C6, { ...base, flags: RST, checksum: 0 }));
  packets.push(encodePacket({ ...C4, ipFlags: 0 }, { ...base, flags: SYN, reserved: 0xf }));

  const wire = packets;
  const { records, lines } = await tcpdump('absolute', wire, ['-S', '-v']);
  t.equal(lines.length, wire.length, `tcpdump printed one record per packet (${wire.length})`);
  let checksumsWrong = 0;
  for (const [i, line] of lines.entries()) {
    const packet = decodePacket(wire[i]!);
    const ours = formatPacket(packet);
    const theirs = TCP_PART.exec(line)?.[1] ?? line;
    const cksum = CKSUM.exec(theirs);
    t.equal(theirs.replace(CKSUM, ''), ours, `#${i}: ${ours.slice(ours.indexOf('Flags'))}`);
    t.equal(cksum?.[1], packet.tcp.checksum.toString(16).padStart(4, '0'), `#${i}: checksum field`);
    if ((cksum?.[2] === 'correct') !== packet.tcp.checksumOk) t.fail(`#${i}: tcpdump says the checksum is ${cksum?.[2]}, we say ${packet.tcp.checksumOk}`);
    if (packet.tcp.checksumOk === false) checksumsWrong++;

    const ts = records[i]!.timestamp;
    t.equal(line.split(' ')[0], `${ts / 1_000_000_000n}.${(ts % 1_000_000_000n).toString().padStart(9, '0')}`, `#${i}: timestamp to the nanosecond`);
    const ip = packet.ip;
    if (ip.version === 4) {
      const flagsText = ip.ipFlags & 2 ? 'DF' : 'none';
      t.match(
        line,
        `IP (tos 0x${ip.tos.toString(16)}, ttl ${ip.ttl}, id ${ip.id}, offset 0, flags [${flagsText}], proto TCP (6), length ${ip.totalLength})`,
        `#${i}: IPv4 fields`,
      );
    } else {
      const flow = ip.flowLabel ? `flowlabel 0x${ip.flowLabel.toString(16).padStart(5, '0')}, ` : '';
      t.match(line, `IP6 (${flow}hlim ${ip.hopLimit}, next-header TCP (6) payload length: ${ip.payloadLength})`, `#${i}: IPv6 fields`);
    }
  }
  t.equal(checksumsWrong, 2, 'exactly the two segments crafted with a wrong checksum fail it, in both decoders');
});

t.test('bytes after EOL: tcpdump prints eol and stops; we agree, and show non-zero bytes after it', { skip }, async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'mss 1460,eol'], // the zero padding encoding adds
    ['00000000000000', 'mss 1460,eol'], // a zero word more than needed (data offset 8)
    ['01020304050607', 'mss 1460,eol 0x01020304050607'],
    ['0101fe02000000', 'mss 1460,eol 0x0101fe02000000'], // NOPs and kinds after EOL are not options
  ];
  const wire = cases.map(([after]) =>
    encodePacket(C4, {
      ...base,
      flags: SYN | ACK,
      options: [{ kind: 'mss', value: 1460 }, after ? { kind: 'eol', trailing: Buffer.from(after, 'hex') } : { kind: 'eol' }],
    }),
  );
  const { lines } = await tcpdump('eol', wire, ['-S']);
  t.equal(lines.length, wire.length);
  for (const [i, [after, options]] of cases.entries()) {
    const ours = formatPacket(decodePacket(wire[i]!));
    t.match(ours, `options [${options}]`, `after EOL ${after || '(padding)'}: ${options}`);
    t.equal(TCP_PART.exec(lines[i]!)?.[1], ours.replace(/(,eol) 0x[0-9a-f]+/, '$1'), `#${i}: tcpdump's line, but for the bytes we show after eol`);
    t.equal(decodePacket(wire[i]!).tcp.dataOffset, after.length ? 8 : 7, 'the data offset counts the bytes after EOL');
  }
});

t.test('relative numbers (no -S), as in a trace of one connection', { skip }, async (t) => {
  const clientIsn = 0xfffffffd; // the client's data crosses the 2^32 wrap
  const serverIsn = 5000;
  const fromClient: RelativeTo = { srcIsn: clientIsn, dstIsn: serverIsn };
  const fromServer: RelativeTo = { srcIsn: serverIsn, dstIsn: clientIsn };
  const c = { srcPort: 40000, dstPort: 5555, window: 64240 };
  const s = { srcPort: 5555, dstPort: 40000, window: 65160 };
  const cSeq = (n: number) => (clientIsn + n) >>> 0;
  const sSeq = (n: number) => (serverIsn + n) >>> 0;
  const script: Array<[IPv4Header, TcpSegment, RelativeTo]> = [
    [C4, { ...c, seq: clientIsn, ack: 0, flags: SYN, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }] }, fromClient],
    [S4, { ...s, seq: serverIsn, ack: cSeq(1), flags: SYN | ACK, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }] }, fromServer],
    [C4, { ...c, seq: cSeq(1), ack: sSeq(1), flags: ACK }, fromClient],
    [C4, { ...c, seq: cSeq(1), ack: sSeq(1), flags: PSH | ACK, payload: Buffer.from('hello') }, fromClient],
    [
      S4,
      { ...s, seq: sSeq(1), ack: cSeq(6), flags: ACK, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [[cSeq(11), cSeq(21)]] }] },
      fromServer,
    ],
    [S4, { ...s, seq: sSeq(1), ack: cSeq(6), flags: PSH | ACK, payload: Buffer.alloc(100, 0x79) }, fromServer],
    [
      C4,
      {
        ...c,
        seq: cSeq(6),
        ack: sSeq(101),
        flags: ACK,
        options: [
          { kind: 'nop' },
          { kind: 'nop' },
          {
            kind: 'sack',
            blocks: [
              [sSeq(201), sSeq(301)],
              [sSeq(401), sSeq(501)],
            ],
          },
        ],
      },
      fromClient,
    ],
    [C4, { ...c, seq: cSeq(6), ack: sSeq(101), flags: FIN | ACK }, fromClient],
    [S4, { ...s, seq: sSeq(101), ack: cSeq(7), flags: FIN | ACK }, fromServer],
    [C4, { ...c, seq: cSeq(7), ack: sSeq(102), flags: ACK }, fromClient],
    [C4, { ...c, seq: cSeq(7), ack: sSeq(102), flags: RST | ACK }, fromClient],
  ];
  const wire = script.map(([ip, seg]) => encodePacket(ip, seg));
  const { lines } = await tcpdump('relative', wire, []);
  t.equal(lines.length, wire.length);
  // tcpdump starts numbering at the first segment with ACK (the SYN-ACK), which it prints absolute.
  for (let i = 2; i < lines.length; i++) {
    const ours = formatPacket(decodePacket(wire[i]!), { relativeTo: script[i]![2]! });
    t.equal(TCP_PART.exec(lines[i]!)?.[1], ours, `#${i}: ${ours.slice(ours.indexOf('Flags'))}`);
  }
  t.match(lines[3], 'seq 1:6, ack 1,', 'the data segment across the wrap reads seq 1:6, ack 1');
});
