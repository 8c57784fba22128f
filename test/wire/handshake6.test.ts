// The IPv6 wire against a real kernel: in a throwaway lab, over the lab's ULA addresses, a crafted
// SYN -> SYN-ACK -> ACK reaches ESTABLISHED in the target (ground truth from /proc/net/tcp6 via
// the agent), the kernel's own RSTs are dropped by the inet nft table (else the SYN-ACK would be
// answered by one and the connection killed), ours get through, and tcpdump reads the trace.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { agentTable } from '../../src/lab/ground-truth.js';
import { createLab, waitForState } from '../../src/lab/index.js';
import { decodePacket, decodePcap, Seq } from '../../src/packet/index.js';
import { ACK, RST, SYN } from '../../src/packet/types.js';
import { PcapFileWriter } from '../../src/wire/pcap-file.js';
import { RawWire } from '../../src/wire/raw.js';
import type { WireSegment } from '../../src/wire/transport.js';

t.test('crafted IPv6 handshake reaches ESTABLISHED in the target kernel; tcpdump reads the trace', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const port = (await lab.agent.listen(0, { host: '::' })).port;
  const wire = await RawWire.open({ iface: lab.probeInterface, localAddr: lab.probe.ipv6, suppress: { id: `${lab.id}`, oifname: lab.probeInterface } });
  t.teardown(() => wire.close());
  t.equal(wire.family, 6, 'the wire is IPv6 (from its local address)');
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-wire6-'));
  const pcapPath = join(dir, 'trace.pcap');
  const pcap = new PcapFileWriter(pcapPath).attach(wire);

  const got: WireSegment[] = [];
  let wake: (() => void) | undefined;
  const sport = 40000 + Math.floor(Math.random() * 10000);
  wire.listen({ localPort: sport, remoteAddr: lab.target.ipv6, remotePort: port }, (s) => {
    got.push(s);
    wake?.();
  });
  const next = (ms: number) =>
    new Promise<WireSegment>((resolve, reject) => {
      if (got.length) return resolve(got.shift()!);
      const timer = setTimeout(() => reject(new Error(`no segment within ${ms} ms`)), ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(got.shift()!);
      };
    });

  const iss = 1000;
  const syn = await wire.send(
    lab.target.ipv6,
    { srcPort: sport, dstPort: port, seq: iss, ack: 0, flags: SYN, window: 65535, options: [{ kind: 'mss', value: 1220 }] },
    { flowLabel: 0x12345 },
  );
  t.same(
    decodePacket(syn.bytes).ip,
    { ...syn.ip, flowLabel: 0x12345, hopLimit: 64 },
    'the SYN left with our own IPv6 header (IPV6_HDRINCL: flow label as crafted)',
  );
  const synAck = await next(2000);
  t.equal(synAck.tcp.flags, SYN | ACK, 'SYN-ACK');
  t.equal(synAck.tcp.ack, Seq.add(iss, 1), 'acks our ISN + 1');
  t.equal(synAck.tcp.checksumOk, true, 'its checksum holds with the IPv6 pseudo-header');
  t.equal(synAck.ip.src, lab.target.ipv6, 'source from the socket');
  t.equal(synAck.ip.dst, lab.probe.ipv6, 'destination: our address (rebuilt header)');
  t.equal(synAck.bytes[0]! >>> 4, 6, 'the received packet is a whole IPv6 packet');
  t.ok(synAck.at > syn.at, 'received after sent (hrtime stamps)');
  const mss = synAck.tcp.options.find((o) => o.kind === 'mss');
  t.same(mss, { kind: 'mss', value: 1500 - 40 - 20 }, "the target's MSS is its link MTU less the IPv6 and TCP headers (IPv4: 1460)");

  await wire.send(lab.target.ipv6, { srcPort: sport, dstPort: port, seq: Seq.add(iss, 1), ack: Seq.add(synAck.tcp.seq, 1), flags: ACK, window: 65535 });
  const tuple = { localAddress: lab.target.ipv6, localPort: port, peerAddress: lab.probe.ipv6, peerPort: sport };
  t.equal((await waitForState(agentTable(lab.agent, lab.namespace), tuple, 'ESTABLISHED', 2000)).state, 'ESTABLISHED', '/proc/net/tcp6 shows ESTABLISHED');

  await wire.send(lab.target.ipv6, { srcPort: sport, dstPort: port, seq: Seq.add(iss, 1), ack: 0, flags: RST, window: 0 });
  await waitForState(agentTable(lab.agent, lab.namespace), tuple, 'CLOSED', 2000);
  t.pass('our marked RST closed the connection');

  pcap.close();
  t.equal(decodePcap(readFileSync(pcapPath)).records.length, 4, 'pcap holds SYN, SYN-ACK, ACK, RST');
  const lines = execFileSync('tcpdump', ['-nn', '-r', pcapPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trim()
    .split('\n');
  const p = `${lab.probe.ipv6}.${sport}`;
  const q = `${lab.target.ipv6}.${port}`;
  t.match(lines[0], `IP6 ${p} > ${q}: Flags [S], seq 1000, win 65535, options [mss 1220], length 0`, 'tcpdump: our SYN');
  t.match(lines[1], `IP6 ${q} > ${p}: Flags [S.]`, "tcpdump: the target's SYN-ACK");
  t.match(lines[2], `IP6 ${p} > ${q}: Flags [.], ack 1, win 65535, length 0`, 'tcpdump: our ACK');
  t.match(lines[3], `IP6 ${p} > ${q}: Flags [R], seq 1001, win 0, length 0`, 'tcpdump: our RST');
});

t.test('the wire refuses a destination of the other family', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const wire = await RawWire.open({ iface: lab.probeInterface, localAddr: lab.probe.ipv6 });
  t.teardown(() => wire.close());
  await t.rejects(wire.send(lab.target.ipv4, { srcPort: 40000, dstPort: 1, seq: 0, ack: 0, flags: SYN, window: 0 }), /is not an IPv6 address/);
});
