import fc from 'fast-check';
import t from 'tap';
import { formatIPv4, formatIPv6, parseAddress, parseIPv4, parseIPv6 } from '../../src/packet/address.js';
import { fold, internetChecksum, pseudoHeaderSum, sum16, tcpChecksum } from '../../src/packet/checksum.js';

t.test('internet checksum (RFC 1071)', async (t) => {
  // RFC 1071 4.1 example: the words sum to 0x2ddf0, fold to 0xddf2, complement 0x220d.
  const bytes = Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  t.equal(sum16(bytes, 0, bytes.length), 0x2ddf0);
  t.equal(fold(0x2ddf0), 0xddf2);
  t.equal(internetChecksum(bytes), 0x220d);
  t.equal(internetChecksum(Buffer.from([0x12, 0x34, 0x56])), ~(0x1234 + 0x5600) & 0xffff, 'an odd byte is padded with zero');
  t.equal(internetChecksum(Buffer.alloc(0)), 0xffff);
  t.equal(internetChecksum(Buffer.from([0xff, 0xff, 0xab, 0xcd]), 2, 4), ~0xabcd & 0xffff, 'start/end select the range');
  // A header with its checksum in place sums to 0xffff: that is how receivers verify.
  const ip = Buffer.from('4500003c000040004006ae94c6120001c6120002', 'hex');
  t.equal(internetChecksum(ip), 0, 'a correct IPv4 header checksums to 0');
  ip[10] = 0;
  ip[11] = 0;
  t.equal(internetChecksum(ip), 0xae94, 'the IPv4 header checksum, computed by hand in python');
  t.equal(fold(0xffff * 100000), 0xffff, 'folding a large sum keeps every carry');
});

t.test('TCP checksum with the IPv4 and IPv6 pseudo-headers', async (t) => {
  // SYN 40000 -> 8080 with options; checksums computed independently (python struct + RFC 1071).
  const syn4 = Buffer.from('9c401f90000003e800000000a002fffffc1e0000020405b40402080a000000010000000001030307', 'hex');
  const syn6 = Buffer.from('9c401f90000003e800000000a002ffff2cd20000020405b40402080a000000010000000001030307', 'hex');
  const v4 = { src: '198.18.0.1', dst: '198.18.0.2' };
  const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };
  t.equal(tcpChecksum(v4, syn4), 0, 'a correct segment checksums to 0 (IPv4)');
  t.equal(tcpChecksum(v6, syn6), 0, 'a correct segment checksums to 0 (IPv6)');
  t.not(tcpChecksum(v6, syn4), 0, 'the IPv4 segment fails against the IPv6 pseudo-header');
  t.not(tcpChecksum({ src: v4.dst, dst: '198.18.0.3' }, syn4), 0, 'a different address breaks it');
  const zeroed = Buffer.from(syn4);
  zeroed.writeUInt16BE(0, 16);
  t.equal(tcpChecksum(v4, zeroed), 0xfc1e);
  t.equal(pseudoHeaderSum(v4), 0xc612 + 0x0001 + 0xc612 + 0x0002 + 6, 'IPv4 pseudo-header: addresses and protocol (the length is added per segment)');
  t.throws(() => pseudoHeaderSum({ src: '198.18.0.1', dst: '::1' }), RangeError, 'mixed families are refused');
});

t.test('IPv4 address text', async (t) => {
  t.strictSame([...parseIPv4('198.18.0.1')], [198, 18, 0, 1]);
  t.strictSame([...parseIPv4('255.255.255.255')], [255, 255, 255, 255]);
  t.strictSame([...parseIPv4('0.0.0.0')], [0, 0, 0, 0]);
  for (const bad of ['198.18.0', '198.18.0.256', '198.18.0.01', '1.2.3.4.5', '', 'a.b.c.d', '1.2.3.-1', ' 1.2.3.4']) {
    t.throws(() => parseIPv4(bad), { name: 'UsageError', message: /not an IPv4 address/ }, `"${bad}" is refused`);
  }
  const out = Buffer.alloc(6, 0xee);
  parseIPv4('10.0.0.7', out, 1);
  t.strictSame([...out], [0xee, 10, 0, 0, 7, 0xee], 'writes at an offset');
  t.equal(formatIPv4(Buffer.from([9, 198, 18, 0, 2]), 1), '198.18.0.2');
});

t.test('IPv6 address text', async (t) => {
  const cases: Array<[text: string, hex: string, canonical: string]> = [
    ['2001:db8::1', '20010db8000000000000000000000001', '2001:db8::1'],
    ['::', '00000000000000000000000000000000', '::'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['1::', '00010000000000000000000000000000', '1::'],
    ['fe80::1:2', 'fe800000000000000000000000010002', 'fe80::1:2'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:198.18.0.1', '00000000000000000000ffffc6120001', '::ffff:198.18.0.1'],
    ['::198.18.0.1', '000000000000000000000000c6120001', '::198.18.0.1'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000', '1:2:3:4:5:6:7:0'],
    ['0:0:1:0:0:0:1:0', '00000000000100000000000000010000', '0:0:1::1:0'],
  ];
  for (const [text, hex, canonical] of cases) {
    t.equal(Buffer.from(parseIPv6(text)).toString('hex'), hex, `parses ${text}`);
    t.equal(formatIPv6(Buffer.from(hex, 'hex')), canonical, `formats ${canonical}`);
  }
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', ':1:2:3:4:5:6:7', '12345::', 'g::1', '1:2:3:4:5:6:7:8::', '::1.2.3', 'fe80::1%eth0', '1:2:3:4:5:6:7']) {
    t.throws(() => parseIPv6(bad), { name: 'UsageError', message: /not an IPv6 address/ }, `"${bad}" is refused`);
  }
  t.equal(parseAddress('::1').length, 16);
  t.equal(parseAddress('127.0.0.1').length, 4);
});

t.test('IPv6 text round trip on random addresses', async (t) => {
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(fc.ipV6(), (text) => {
          const bytes = parseIPv6(text);
          const canonical = formatIPv6(bytes);
          return Buffer.from(parseIPv6(canonical)).equals(Buffer.from(bytes)) && formatIPv6(parseIPv6(canonical)) === canonical;
        }),
        { numRuns: 5000 },
      ),
    'every fast-check IPv6 text parses, and its canonical form parses to the same bytes',
  );
});
