// IPv6 in remote mode and on the wire, the pure parts (no root, no packets): which IPv6 addresses
// a server can have, which are the labs' own, `[addr]:port`, the route parser on `ip -6` output,
// the MSS figures of each family, and the header the IPv6 wire rebuilds around a received segment.
import t from 'tap';
import { labAddresses } from '../../src/lab/addressing.js';
import { decodePacket, defaultSendMss, encodePacket, ethernetMss, familyOf, IPV6_HEADER_LENGTH, parseFamily } from '../../src/packet/index.js';
import { ACK, SYN } from '../../src/packet/types.js';
import { ipv6ClassProblem, isIPv6Loopback } from '../../src/peer/ipv6-class.js';
import { addressClassProblem, hostPort, isLabAddress, readRemoteOptions, resolveTarget } from '../../src/peer/remote.js';
import { rebuildIPv6Packet } from '../../src/wire/ipv6-receive.js';
import { parseRouteGet } from '../../src/wire/route.js';

t.test('IPv6 address class: what no TCP server can be is refused before any lookup or route', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['::', /unspecified address/],
    ['0:0:0:0:0:0:0:0', /unspecified address/],
    ['ff02::1', /multicast address \(ff00::\/8\)/],
    ['ff0e::101', /multicast/],
    ['fe80::1', /link-local address \(fe80::\/10\): it needs a zone/],
    ['febf:ffff::1', /link-local/],
    ['fe80::1%eth0', /carries a zone id/],
    ['::ffff:198.18.0.2', /IPv4-mapped address/],
  ];
  for (const [addr, why] of refused) {
    t.match(addressClassProblem(addr), why, addr);
    await t.rejects(
      resolveTarget(addr),
      { message: new RegExp(`^--target ${addr.replace(/[.%]/g, '\\$&')} .*${why.source}`) },
      `${addr}: refused by resolveTarget`,
    );
  }
  // Documentation (RFC 3849), ULA, global, loopback: unicast, so a server may have them (tests never send to 2001:db8::/32).
  for (const addr of ['2001:db8::1', 'fd00:7c9f:1::2', '2606:4700::1', '::1', 'fec0::1'])
    t.equal(addressClassProblem(addr), undefined, `${addr} may be a server`);
  t.equal(await resolveTarget('fd00:7c9f:1::2'), 'fd00:7c9f:1::2', 'a literal resolves to itself');
  await t.rejects(resolveTarget('198.18.0.2', 6), /--target 198\.18\.0\.2 is not an IPv6 address \(--family 6\)/);
  await t.rejects(resolveTarget('fd00:7c9f:1::2', 4), /is not an IPv4 address \(--family 4\)/);
  t.equal(ipv6ClassProblem('1.2.3.4'), 'is not an IPv6 address');
  t.ok(isIPv6Loopback('::1') && isIPv6Loopback('0::0:1') && !isIPv6Loopback('::2') && !isIPv6Loopback('127.0.0.1'), 'loopback is ::1 only');
});

t.test("lab addresses: 198.18.0.0/15 and the labs' own ULA /64s, nothing else of fd00::/8", async (t) => {
  for (const id of [0, 1, 0x1e25, 16383]) {
    const lab = labAddresses(id);
    t.ok(isLabAddress(lab.target.ipv6) && isLabAddress(lab.probe.ipv6), `lab ${id}: ${lab.target.ipv6}`);
  }
  for (const addr of ['fd00::2', 'fd00:7c9e:1::2', 'fd00:7c9f:4000::2', 'fd00:7c9f:1:1::2', 'fd01:7c9f:1::2', '2001:db8::1', '::1', 'fe80::1%lo'])
    t.notOk(isLabAddress(addr), `${addr} is not a lab's`);
  t.ok(isLabAddress('198.18.0.2') && !isLabAddress('198.20.0.2'), 'IPv4 unchanged');
  t.equal(readRemoteOptions(JSON.stringify({ addr: 'fd00:7c9f:1::2' })).addr, 'fd00:7c9f:1::2', 'suites take an IPv6 address from the CLI');
  t.throws(() => readRemoteOptions(JSON.stringify({ addr: 'ff02::1' })), /addr wants a unicast IP address/);
});

t.test('[addr]:port and the route parser on ip -6 output', async (t) => {
  t.equal(hostPort('fd00:7c9f:1::2', 80), '[fd00:7c9f:1::2]:80');
  t.equal(hostPort('198.18.0.2', 80), '198.18.0.2:80');
  const json = '[{"dst":"fd00:7c9f:1::2","from":"::","dev":"tcpfsm-1","protocol":"kernel","prefsrc":"fd00:7c9f:1::1","metric":256,"flags":[],"pref":"medium"}]';
  t.same(parseRouteGet(json, 'fd00:7c9f:1::2'), { dst: 'fd00:7c9f:1::2', iface: 'tcpfsm-1', src: 'fd00:7c9f:1::1', type: 'unicast' });
  t.same(
    parseRouteGet('[{"type":"local","dst":"::1","from":"::","dev":"lo","table":"local","protocol":"kernel","prefsrc":"::1","metric":0,"flags":[]}]', '::1'),
    { dst: '::1', iface: 'lo', src: '::1', type: 'local' },
  );
  t.match(parseRouteGet('[{"dst":"2001:db8::1","from":"::","gateway":"fd00::1","dev":"eth0","prefsrc":"fd00::2"}]', '2001:db8::1'), { gateway: 'fd00::1' });
});

t.test('MSS by family: RFC 9293 MUST-15 defaults and a 1500-byte link', async (t) => {
  t.same([defaultSendMss(4), defaultSendMss(6)], [536, 1220]);
  t.same([ethernetMss(4), ethernetMss(6)], [1460, 1440]);
  t.same([familyOf('198.18.0.1'), familyOf('fd00::1'), familyOf('::ffff:1.2.3.4')], [4, 6, 6]);
  t.same([parseFamily('4'), parseFamily('6'), parseFamily('both'), parseFamily('')], [4, 6, undefined, undefined]);
});

t.test('the IPv6 wire rebuilds a whole packet from the segment and the addresses the socket gives', async (t) => {
  const src = 'fd00:7c9f:1::2';
  const dst = 'fd00:7c9f:1::1';
  const sent = encodePacket(
    { src, dst, hopLimit: 64 },
    { srcPort: 8080, dstPort: 40000, seq: 7, ack: 1001, flags: SYN | ACK, window: 64800, options: [{ kind: 'mss', value: 1440 }], payload: Buffer.from('hi') },
  );
  const tcpOnly = sent.subarray(IPV6_HEADER_LENGTH); // what an AF_INET6 raw socket reads
  const rebuilt = rebuildIPv6Packet(tcpOnly, src, dst);
  t.same(rebuilt, sent, 'byte for byte the packet sent when hop limit, traffic class and flow label are the defaults');
  const p = decodePacket(rebuilt);
  t.same(p.ip, {
    version: 6,
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: tcpOnly.length,
    nextHeader: 6,
    hopLimit: 64,
    src,
    dst,
    extensionHeaders: Buffer.alloc(0),
  });
  t.equal(p.tcp.checksumOk, true, 'the checksum holds over the rebuilt pseudo-header');
  t.equal(decodePacket(rebuildIPv6Packet(tcpOnly, src, 'fd00:7c9f:1::3')).tcp.checksumOk, false, 'a wrong destination shows as a bad checksum');
});
