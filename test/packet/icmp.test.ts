// The ICMP codec: round trips in both families, checksums (tcpdump as the independent judge of
// the IPv4 ones), the quote of the invoking segment and what it says about the connection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  decodeIcmp,
  describeIcmp,
  encodeIcmp,
  encodeIcmpPacket,
  encodePacket,
  encodePcap,
  encodingLengthIcmp,
  ICMP4,
  ICMP6,
  type IcmpMessage,
  invokingQuote,
  quotedTcp,
  UNREACH4,
} from '../../src/packet/index.js';
import { ACK } from '../../src/packet/types.js';
import { EnvironmentError } from '../../src/sys/errors.js';
import { run } from '../../src/sys/exec.js';
import { testCodec } from './codec-helper.js';

const target = { src: '198.18.0.2', dst: '198.18.0.1' };
const segment = encodePacket({ ...target, id: 7 }, { srcPort: 8080, dstPort: 40001, seq: 0xdeadbeef, ack: 1001, flags: ACK, window: 502 });

t.test('IPv4 errors round-trip, and their checksum holds', async (t) => {
  const codec = { encode: encodeIcmp, decode: (b: Buffer, o = 0) => decodeIcmp(b, o), encodingLength: encodingLengthIcmp };
  for (const msg of [
    { family: 4, type: ICMP4.destUnreachable, code: UNREACH4.fragmentationNeeded, rest: 1000, body: invokingQuote(segment) },
    { family: 4, type: ICMP4.sourceQuench, code: 0, body: invokingQuote(segment, 20) },
    { family: 4, type: ICMP4.parameterProblem, code: 0, rest: 9 << 24, body: Buffer.from([1, 2, 3]) },
  ] satisfies IcmpMessage[]) {
    const { decoded } = testCodec(t, codec, msg);
    t.equal(decoded.checksumOk, true, `${describeIcmp(msg)}: checksum holds`);
  }
  const bytes = encodeIcmp({ family: 4, type: 3, code: 3, body: invokingQuote(segment) });
  bytes[9] = (bytes[9] ?? 0) ^ 0xff;
  t.equal(decodeIcmp(bytes).checksumOk, false, 'a changed byte breaks the checksum');
  const crafted = encodeIcmp({ family: 4, type: 3, code: 3, checksum: 0x1234, body: Buffer.alloc(0) });
  t.equal(crafted.readUInt16BE(2), 0x1234, 'an explicit checksum is sent as given');
  t.throws(() => decodeIcmp(Buffer.alloc(7)), { name: 'DecodeError', layer: 'icmp' }, 'a header shorter than 8 bytes does not decode');
});

t.test('ICMPv6 errors sum their pseudo-header', async (t) => {
  const pseudo = { src: 'fd00::1', dst: 'fd00::2' };
  const msg: IcmpMessage = { family: 6, type: ICMP6.packetTooBig, code: 0, rest: 1280, body: Buffer.alloc(48, 0x60) };
  const codec = {
    encode: (m: IcmpMessage, b?: Buffer, o?: number) => encodeIcmp(m, b, o, pseudo),
    decode: (b: Buffer, o = 0) => decodeIcmp(b, o, b.length - o, 6, pseudo),
    encodingLength: encodingLengthIcmp,
  };
  const { bytes, decoded } = testCodec(t, codec, msg);
  t.equal(decoded.checksumOk, true);
  t.equal(decodeIcmp(bytes, 0, bytes.length, 6, { src: 'fd00::1', dst: 'fd00::3' }).checksumOk, false, 'another destination: another sum');
  t.equal(decodeIcmp(bytes, 0, bytes.length, 6).checksumOk, null, 'no pseudo-header: not checked');
  t.throws(() => encodeIcmp(msg), /pseudo-header/, 'no computed ICMPv6 checksum without the addresses');
  const packet = encodeIcmpPacket({ src: 'fd00::1', dst: 'fd00::2' }, msg);
  t.equal(packet[6], 58, 'next header 58');
  t.equal(decodeIcmp(packet, 40, packet.length - 40, 6, pseudo).checksumOk, true);
  t.match(describeIcmp(msg), /packet too big \(MTU 1280\)/);
});

t.test('the quote: IP header plus the first 8 bytes of TCP name the connection and its sequence number', async (t) => {
  const quote = invokingQuote(segment);
  t.equal(quote.length, 28);
  t.same(quotedTcp(quote), { src: '198.18.0.2', dst: '198.18.0.1', srcPort: 8080, dstPort: 40001, seq: 0xdeadbeef });
  t.equal(invokingQuote(segment, 1000).length, segment.length, 'never more than the packet');
  t.throws(() => quotedTcp(quote.subarray(0, 24)), { name: 'DecodeError', layer: 'icmp' });
});

const tcpdump = await run('tcpdump', ['--version']).then(
  () => true,
  (e: unknown) => {
    if (e instanceof EnvironmentError) return false;
    throw e;
  },
);

t.test('tcpdump reads our ICMP errors as we meant them', { skip: tcpdump ? false : 'tcpdump is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-icmp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const from = { src: '198.18.0.1', dst: '198.18.0.2' };
  const packets = [
    encodeIcmpPacket(from, { family: 4, type: ICMP4.destUnreachable, code: UNREACH4.fragmentationNeeded, rest: 1000, body: invokingQuote(segment) }),
    encodeIcmpPacket(from, { family: 4, type: ICMP4.destUnreachable, code: UNREACH4.port, body: invokingQuote(segment) }),
    encodeIcmpPacket(from, { family: 4, type: ICMP4.sourceQuench, code: 0, body: invokingQuote(segment) }),
    encodeIcmpPacket(from, { family: 4, type: ICMP4.timeExceeded, code: 0, body: invokingQuote(segment) }),
  ];
  const bad = encodeIcmpPacket(from, { family: 4, type: ICMP4.destUnreachable, code: UNREACH4.host, checksum: 0xbeef, body: invokingQuote(segment) });
  const file = join(dir, 'icmp.pcap');
  writeFileSync(file, encodePcap([...packets, bad].map((data, i) => ({ timestamp: BigInt(i) * 1000n, data }))));
  const out = (await run('tcpdump', ['-nn', '-v', '-r', file])).stdout;
  t.match(out, /unreachable - need to frag \(mtu 1000\)/);
  t.match(out, /198\.18\.0\.1 tcp port 40001 unreachable/, "about the quoted segment's destination and port");
  t.match(out, /source quench/);
  t.match(out, /time exceeded in-transit/);
  t.equal((out.match(/wrong icmp cksum/g) ?? []).length, 1, 'only the crafted checksum is wrong for tcpdump');
});
