// The wire against a real kernel: in a throwaway lab, a crafted SYN -> SYN-ACK -> ACK puts the
// target's listening socket's child in ESTABLISHED (ground truth from ss), and the kernel-RST
// suppression table exists exactly as long as the wire.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLab, waitForState } from '../../src/lab/index.js';
import { decodePcap, formatPacket, Seq } from '../../src/packet/index.js';
import { ACK, RST, SYN } from '../../src/packet/types.js';
import { listTcpfsmTables } from '../../src/wire/nft.js';
import { PcapFileWriter } from '../../src/wire/pcap-file.js';
import { RawWire } from '../../src/wire/raw.js';
import type { WireSegment } from '../../src/wire/transport.js';

const nextSegment = (queue: WireSegment[], waiters: Array<(s: WireSegment) => void>) => (ms: number) =>
  new Promise<WireSegment>((resolve, reject) => {
    const s = queue.shift();
    if (s) return resolve(s);
    const timer = setTimeout(() => reject(new Error(`no segment within ${ms} ms`)), ms);
    waiters.push((seg) => {
      clearTimeout(timer);
      resolve(seg);
    });
  });

t.test('crafted handshake reaches ESTABLISHED in the target kernel', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const port = (await lab.agent.listen(0)).port;
  const wire = await RawWire.open({
    iface: lab.probeInterface,
    localAddr: lab.probe.ipv4,
    suppress: { id: `${lab.id}`, oifname: lab.probeInterface },
  });
  t.teardown(() => wire.close());
  t.ok(
    (await listTcpfsmTables()).some(([, name]) => name === `tcpfsm-${lab.id}`),
    'RST-suppression table installed',
  );

  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-wire-'));
  const pcap = new PcapFileWriter(join(dir, 'trace.pcap')).attach(wire);

  const queue: WireSegment[] = [];
  const waiters: Array<(s: WireSegment) => void> = [];
  const sport = 40000 + Math.floor(Math.random() * 10000);
  wire.listen({ localPort: sport, remoteAddr: lab.target.ipv4, remotePort: port }, (s) => {
    const w = waiters.shift();
    if (w) w(s);
    else queue.push(s);
  });
  const next = nextSegment(queue, waiters);

  const iss = 1000;
  const syn = await wire.send(lab.target.ipv4, {
    srcPort: sport,
    dstPort: port,
    seq: iss,
    ack: 0,
    flags: SYN,
    window: 65535,
    options: [{ kind: 'mss', value: 1460 }],
  });
  t.ok(syn.at > 0n, 'send is timestamped');
  const synAck = await next(2000);
  t.equal(synAck.tcp.flags, SYN | ACK, `SYN-ACK: ${formatPacket({ ip: synAck.ip, tcp: synAck.tcp })}`);
  t.equal(synAck.tcp.ack, Seq.add(iss, 1), 'acks our ISN + 1');
  t.equal(synAck.tcp.checksumOk, true, 'its checksum holds');
  t.ok(synAck.at > syn.at, 'received after sent (hrtime stamps)');

  await wire.send(lab.target.ipv4, {
    srcPort: sport,
    dstPort: port,
    seq: Seq.add(iss, 1),
    ack: Seq.add(synAck.tcp.seq, 1),
    flags: ACK,
    window: 65535,
  });
  const tuple = { localAddress: lab.target.ipv4, localPort: port, peerAddress: lab.probe.ipv4, peerPort: sport };
  const sock = await waitForState(lab, tuple, 'ESTABLISHED', 2000);
  t.equal(sock.state, 'ESTABLISHED', 'ss shows ESTABLISHED in the target namespace');

  // Our own RST gets through (it carries the probe mark); the kernel's would have been dropped.
  await wire.send(lab.target.ipv4, {
    srcPort: sport,
    dstPort: port,
    seq: Seq.add(iss, 1),
    ack: 0,
    flags: RST,
    window: 0,
  });
  await waitForState(lab, tuple, 'CLOSED', 2000);
  t.pass('our marked RST closed the connection');

  pcap.close();
  const file = decodePcap(readFileSync(join(dir, 'trace.pcap')));
  t.equal(file.records.length, 4, 'pcap holds SYN, SYN-ACK, ACK, RST');

  // Other test files run labs in parallel: check that this wire's own table goes, not all tables.
  await wire.close();
  t.notOk(
    (await listTcpfsmTables()).some(([, name]) => name === `tcpfsm-${lab.id}`),
    'its RST-suppression table is gone once the wire closes',
  );
});

t.test('the wire refuses an interface that does not exist', async (t) => {
  await t.rejects(RawWire.open({ iface: 'tcpfsm-nosuch', localAddr: '198.18.255.253' }), /interface tcpfsm-nosuch does not exist/);
});
