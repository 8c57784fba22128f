// Send rate: N SYNs to a closed port of the lab target, as fast as each tool can, counted by the
// target namespace's TCP InSegs (what arrived, not what the tool claims).
//   tcpfsm  RawWire.send in a loop with a window of outstanding sends (encode + send + stamp each)
//   scapy   send(prebuilt list, iface=<veth>) — L3PacketSocket bound to the lab's veth
//   hping3  --flood -S -I <veth> for a fixed time
import type { Lab } from '../src/lab/index.js';
import { SYN, type TcpSegment } from '../src/packet/types.js';
import type { RawWire } from '../src/wire/raw.js';
import { PYTHON, runChild, sleep, targetCounters } from './lib.js';

export interface RateRow {
  tool: string;
  how: string;
  attempted: number | null;
  received: number;
  seconds: number;
  /** received per second */
  rate: number;
  note?: string;
}

const syn = (srcPort: number, dstPort: number, seq: number): TcpSegment => ({
  srcPort,
  dstPort,
  seq,
  ack: 0,
  flags: SYN,
  window: 65535,
  options: [{ kind: 'mss', value: 1460 }],
});

/** Counters around `body`, after the target drained its queue. */
async function counted(lab: Lab, body: () => Promise<{ attempted: number | null; seconds: number; note?: string }>) {
  const before = await targetCounters(lab);
  const r = await body();
  await sleep(200);
  const after = await targetCounters(lab);
  return { ...r, received: after.inSegs - before.inSegs };
}

export async function sendRate(lab: Lab, wire: RawWire, closedPort: number, n: { tcpfsm: number; scapy: number; hpingMs: number }): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  const target = lab.target.ipv4;
  const row = (tool: string, how: string, r: { attempted: number | null; seconds: number; received: number; note?: string }) =>
    rows.push({ tool, how, ...r, rate: r.received / r.seconds });

  // tcpfsm: the public send path, a window of 256 sends in flight (each resolves when it left).
  row(
    'tcpfsm',
    'RawWire.send loop (window 256)',
    await counted(lab, async () => {
      const start = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < n.tcpfsm) {
          const i = next++;
          await wire.send(target, syn(41000 + (i % 1000), closedPort, i));
        }
      };
      await Promise.all(Array.from({ length: 256 }, worker));
      return { attempted: n.tcpfsm, seconds: (performance.now() - start) / 1000 };
    }),
  );

  // Scapy: build the list first (not timed), then one send() over a socket bound to the veth.
  const script = `
import sys, time
from scapy.all import IP, TCP, send, conf
iface, dst, dport, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pkts = [IP(dst=dst)/TCP(sport=43000 + (i % 1000), dport=dport, flags='S', seq=i, options=[('MSS', 1460)]) for i in range(n)]
s = conf.L3socket(iface=iface)
t0 = time.perf_counter()
send(pkts, socket=s, verbose=0)
t1 = time.perf_counter()
s.close()
print(t1 - t0)
`;
  row(
    'scapy',
    'send(prebuilt list) on conf.L3socket(iface=veth)',
    await counted(lab, async () => {
      const r = await runChild(PYTHON, ['-c', script, lab.probeInterface, target, String(closedPort), String(n.scapy)]);
      if (r.code !== 0) throw new Error(`scapy send failed: ${r.stderr}`);
      return { attempted: n.scapy, seconds: Number(r.stdout.trim().split('\n').pop()) };
    }),
  );

  // hping3: flood for a fixed time; its own summary says how many it sent.
  row(
    'hping3',
    `--flood -S -I veth for ${n.hpingMs / 1000} s`,
    await counted(lab, async () => {
      const r = await runChild('hping3', ['--flood', '-q', '-S', '-p', String(closedPort), '-I', lab.probeInterface, target], { stopAfterMs: n.hpingMs });
      const sent = /(\d+) packets transmitted/.exec(r.stdout + r.stderr);
      // hping3 runs until SIGINT: its wall time less the ~start-up is the flood time; use the timer.
      return { attempted: sent ? Number(sent[1]) : null, seconds: n.hpingMs / 1000 };
    }),
  );
  return rows;
}
