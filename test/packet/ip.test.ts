import t from 'tap';
import { internetChecksum } from '../../src/packet/checksum.js';
import { decodeIPv4, encodeIPv4, encodingLengthIPv4 } from '../../src/packet/ipv4.js';
import { decodeIPv6, encodeIPv6, encodingLengthIPv6 } from '../../src/packet/ipv6.js';
import { decodePacket, encodePacket, encodingLengthPacket } from '../../src/packet/packet.js';
import { ACK, type IPv4Header, type IPv6Header, type Packet, PSH, SYN, type TcpSegment } from '../../src/packet/types.js';
import { type Codec, testCodec } from './codec-helper.js';

const ipv4Codec: Codec<IPv4Header, Required<IPv4Header>> = {
  encode: (h, buf, offset) => encodeIPv4(h, buf, offset),
  decode: decodeIPv4,
  encodingLength: encodingLengthIPv4,
};
const ipv6Codec: Codec<IPv6Header, Required<IPv6Header>> = {
  encode: (h, buf, offset) => encodeIPv6(h, buf, offset),
  decode: decodeIPv6,
  encodingLength: encodingLengthIPv6,
};
// A whole packet as one value, so testCodec covers encodePacket/decodePacket too.
interface PacketValue {
  ip: IPv4Header | IPv6Header;
  tcp: TcpSegment;
}
const packetCodec: Codec<PacketValue, Packet> = {
  encode: (p, buf, offset) => encodePacket(p.ip, p.tcp, buf, offset),
  decode: decodePacket,
  encodingLength: (p) => encodingLengthPacket(p.ip, p.tcp),
};

const SYN_TCP = '9c401f90000003e800000000a002fffffc1e0000020405b40402080a000000010000000001030307';
const SYN_IP = '4500003c000040004006ae94c6120001c6120002';
const SYN_SEGMENT: TcpSegment = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 1000,
  ack: 0,
  flags: SYN,
  window: 65535,
  options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
};

t.test('IPv4 header', async (t) => {
  t.test('golden bytes (checksum by hand in python)', async (t) => {
    const bytes = encodeIPv4({ src: '198.18.0.1', dst: '198.18.0.2' }, undefined, 0, 40);
    t.equal(bytes.toString('hex'), SYN_IP);
    t.strictSame(decodeIPv4(bytes), {
      version: 4,
      ihl: 5,
      tos: 0,
      totalLength: 60,
      id: 0,
      ipFlags: 2,
      fragOffset: 0,
      ttl: 64,
      protocol: 6,
      checksum: 0xae94,
      src: '198.18.0.1',
      dst: '198.18.0.2',
      options: Buffer.alloc(0),
    });
  });
  t.test('round trip, every field set', async (t) => {
    testCodec(t, ipv4Codec, {
      tos: 0xb8,
      totalLength: 1500,
      id: 0xbeef,
      ipFlags: 5,
      fragOffset: 0x1fff,
      ttl: 1,
      protocol: 17,
      src: '10.1.2.3',
      dst: '255.255.255.255',
      options: Buffer.from('94040000', 'hex'), // router alert (RFC 2113)
    });
  });
  t.test('round trip, defaults computed', async (t) => {
    const { decoded } = testCodec(t, ipv4Codec, { src: '198.18.0.5', dst: '198.18.0.6' });
    t.equal(internetChecksum(encodeIPv4(decoded)), 0, 'the computed header checksum holds');
  });
  t.test('options are zero-padded to 4 bytes and counted in ihl', async (t) => {
    const bytes = encodeIPv4({ src: '1.2.3.4', dst: '5.6.7.8', options: Buffer.from([1, 1, 7]) });
    t.equal(bytes.length, 24);
    t.equal(bytes[0], 0x46);
    t.equal(bytes.subarray(20).toString('hex'), '01010700');
    t.throws(() => encodeIPv4({ src: '1.2.3.4', dst: '5.6.7.8', options: Buffer.alloc(41) }), { name: 'RangeError', message: /IPv4 options take 44 bytes/ });
  });
  t.test('explicit checksum and lengths are sent as given', async (t) => {
    const bytes = encodeIPv4({ src: '1.2.3.4', dst: '5.6.7.8', checksum: 0x1234, ihl: 6, totalLength: 19 });
    t.equal(bytes.readUInt16BE(10), 0x1234);
    t.equal(bytes[0]! & 15, 6);
    t.equal(bytes.readUInt16BE(2), 19);
    t.throws(() => encodeIPv4({ src: '1.2.3.4', dst: '5.6.7.8', ttl: 256 }), { name: 'RangeError', message: /ipv4.ttl/ });
    t.throws(() => encodeIPv4({ src: '1.2.3.4', dst: '5.6.7.8', fragOffset: 0x2000 }), { message: /ipv4.fragOffset/ });
  });
  t.test('malformed headers', async (t) => {
    const good = Buffer.from(SYN_IP, 'hex');
    t.throws(() => decodeIPv4(good.subarray(0, 19)), { name: 'DecodeError', layer: 'ipv4', problem: /truncated header: 19 bytes/ });
    t.throws(() => decodeIPv4(Buffer.from('65' + SYN_IP.slice(2), 'hex')), { name: 'DecodeError', layer: 'ipv4', problem: 'version 6 is not 4', offset: 0 });
    t.throws(() => decodeIPv4(Buffer.from('44' + SYN_IP.slice(2), 'hex')), {
      name: 'DecodeError',
      layer: 'ipv4',
      problem: /header length 4 is below the minimum/,
    });
    t.throws(() => decodeIPv4(Buffer.from('46' + SYN_IP.slice(2), 'hex')), {
      name: 'DecodeError',
      layer: 'ipv4',
      problem: /header length 6 \(24 bytes\) runs past the end of the 20 bytes/,
    });
  });
});

t.test('IPv6 header', async (t) => {
  t.test('golden bytes', async (t) => {
    const bytes = encodeIPv6({ src: '2001:db8::1', dst: '2001:db8::2' }, undefined, 0, 40);
    t.equal(bytes.toString('hex'), '60000000' + '0028' + '06' + '40' + '20010db8000000000000000000000001' + '20010db8000000000000000000000002');
  });
  t.test('round trip, every field set', async (t) => {
    testCodec(t, ipv6Codec, {
      trafficClass: 0xb8,
      flowLabel: 0xfedcb,
      payloadLength: 9000,
      nextHeader: 59,
      hopLimit: 255,
      src: 'fe80::1',
      dst: '::ffff:198.18.0.1',
    });
  });
  t.test('round trip, defaults computed', async (t) => {
    testCodec(t, ipv6Codec, { src: '::1', dst: '2001:db8:0:1:1:1:1:1' });
  });
  t.test('malformed headers', async (t) => {
    t.throws(() => decodeIPv6(Buffer.alloc(39, 0x60)), { name: 'DecodeError', layer: 'ipv6', problem: /truncated header: 39 bytes/ });
    t.throws(() => decodeIPv6(Buffer.alloc(40, 0x45)), { name: 'DecodeError', layer: 'ipv6', problem: 'version 4 is not 6' });
    t.throws(() => encodeIPv6({ src: '::1', dst: '::2', flowLabel: 0x100000 }), { name: 'RangeError', message: /ipv6.flowLabel/ });
    t.throws(() => encodeIPv6({ src: '::1', dst: '1.2.3.4' }), { name: 'UsageError', message: /not an IPv6 address/ });
  });
});

t.test('packets: IP header + TCP segment', async (t) => {
  t.test('golden IPv4 SYN', async (t) => {
    const bytes = encodePacket({ src: '198.18.0.1', dst: '198.18.0.2' }, SYN_SEGMENT);
    t.equal(bytes.toString('hex'), SYN_IP + SYN_TCP);
    const packet = decodePacket(bytes);
    t.equal(packet.ip.version, 4);
    t.match(packet.tcp, { ...SYN_SEGMENT, checksumOk: true, checksum: 0xfc1e });
  });
  t.test('round trips, v4 and v6', async (t) => {
    const data: TcpSegment = { srcPort: 8080, dstPort: 40000, seq: 7, ack: 9, flags: PSH | ACK, window: 100, payload: Buffer.alloc(100, 0x61) };
    testCodec(t, packetCodec, { ip: { src: '198.18.0.2', dst: '198.18.0.1', id: 77, ttl: 63 }, tcp: data });
    testCodec(t, packetCodec, { ip: { src: '2001:db8::2', dst: '2001:db8::1', flowLabel: 12345 }, tcp: SYN_SEGMENT });
    const v6 = decodePacket(encodePacket({ src: '2001:db8::2', dst: '2001:db8::1' }, data));
    t.match(v6, { ip: { version: 6, payloadLength: 120 }, tcp: { checksumOk: true } });
  });
  t.test('a broken TCP checksum decodes, with checksumOk false', async (t) => {
    const p = decodePacket(encodePacket({ src: '198.18.0.1', dst: '198.18.0.2' }, { ...SYN_SEGMENT, checksum: 0xfc1f }));
    t.equal(p.tcp.checksumOk, false);
    const q = decodePacket(encodePacket({ src: '::1', dst: '::2' }, { ...SYN_SEGMENT, checksum: 0 }));
    t.equal(q.tcp.checksumOk, false);
  });
  t.test('bytes past the IP length (link padding) are ignored', async (t) => {
    const bytes = Buffer.concat([encodePacket({ src: '198.18.0.1', dst: '198.18.0.2' }, { ...SYN_SEGMENT, options: [] }), Buffer.alloc(6)]);
    const p = decodePacket(bytes);
    t.equal(p.tcp.payload.length, 0);
    t.equal(p.tcp.checksumOk, true);
  });
  t.test('decodes at an offset', async (t) => {
    const bytes = Buffer.concat([Buffer.from('ffff', 'hex'), Buffer.from(SYN_IP + SYN_TCP, 'hex')]);
    t.match(decodePacket(bytes, 2), { ip: { src: '198.18.0.1' }, tcp: { seq: 1000, checksumOk: true } });
  });
  t.test('what decodePacket refuses', async (t) => {
    const good = Buffer.from(SYN_IP + SYN_TCP, 'hex');
    const patch = (at: number, value: number) => {
      const b = Buffer.from(good);
      b[at] = value;
      return b;
    };
    t.throws(() => decodePacket(Buffer.alloc(0)), { name: 'DecodeError', layer: 'ipv4', problem: /empty packet/ });
    t.throws(() => decodePacket(patch(0, 0x55)), { name: 'DecodeError', layer: 'ipv4', problem: 'IP version 5 is neither 4 nor 6' });
    t.throws(() => decodePacket(good.subarray(0, 59)), {
      name: 'DecodeError',
      layer: 'ipv4',
      problem: 'truncated packet: total length 60 but 59 bytes',
      offset: 2,
    });
    t.throws(() => decodePacket(patch(3, 19)), { name: 'DecodeError', layer: 'ipv4', problem: /total length 19 is shorter than the 20-byte header/ });
    t.throws(() => decodePacket(patch(9, 17)), { name: 'DecodeError', layer: 'ipv4', problem: 'protocol 17 is not TCP (6)', offset: 9 });
    t.throws(() => decodePacket(patch(6, 0x20)), { name: 'DecodeError', layer: 'ipv4', problem: /fragment/ }, 'MF set');
    t.throws(() => decodePacket(patch(7, 0x01)), { name: 'DecodeError', layer: 'ipv4', problem: /fragment/ }, 'non-zero fragment offset');
    t.throws(
      () => decodePacket(patch(3, 39)),
      { name: 'DecodeError', layer: 'tcp', problem: /truncated header: 19 bytes/, offset: 20 },
      'total length cuts the TCP header',
    );
    const v6 = encodePacket({ src: '::1', dst: '::2' }, SYN_SEGMENT);
    t.throws(() => decodePacket(v6.subarray(0, v6.length - 1)), {
      name: 'DecodeError',
      layer: 'ipv6',
      problem: 'truncated packet: payload length 40 but 39 bytes follow the header',
      offset: 4,
    });
    const hopByHop = Buffer.from(v6);
    hopByHop[6] = 0;
    t.throws(() => decodePacket(hopByHop), { name: 'DecodeError', layer: 'ipv6', problem: /next header 0 is not TCP/ });
  });

  t.test('a Destination Options header (RFC 8200 4.6) is carried as bytes and stepped over', async (t) => {
    // Next Header TCP, Hdr Ext Len 0 (8 bytes), option type 0x1e (RFC 4727 experiment, action 00: skip) with 4 data bytes.
    const dstopts = Buffer.from([6, 0, 0x1e, 4, 1, 2, 3, 4]);
    const value = { ip: { src: 'fd00:7c9f:1::1', dst: 'fd00:7c9f:1::2', nextHeader: 60, extensionHeaders: dstopts }, tcp: SYN_SEGMENT };
    const { bytes, decoded } = testCodec(t, packetCodec, value);
    t.equal(bytes.readUInt16BE(4), 8 + 40, 'payload length counts the extension header');
    t.same(bytes.subarray(40, 48), dstopts, 'the header sits between the fixed header and TCP');
    t.equal(decoded.tcp.checksumOk, true, 'the pseudo-header length is the TCP length alone');
    t.equal(decoded.tcp.seq, SYN_SEGMENT.seq);
    const chained = Buffer.concat([Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), dstopts]);
    t.same((decodePacket(encodePacket({ ...value.ip, extensionHeaders: chained }, SYN_SEGMENT)).ip as IPv6Header).extensionHeaders, chained, 'two in a row');
    const toUdp = Buffer.from(bytes);
    toUdp[40] = 17;
    t.throws(() => decodePacket(toUdp), { name: 'DecodeError', layer: 'ipv6', problem: /next header 17 is not TCP/, offset: 40 });
    const long = Buffer.from(bytes);
    long[41] = 200;
    t.throws(() => decodePacket(long), { name: 'DecodeError', layer: 'ipv6', problem: /destination options header of 1608 bytes runs past the payload/ });
  });
});
