// Scale: N scripted connections at once, each SYN → SYN-ACK checked by the oracle, left
// half-open in SYN-RECEIVED on the target (the lab raises somaxconn / tcp_max_syn_backlog and
// turns syncookies off, so every one is a real request socket). Wall time per connection and the
// process's memory growth; the kernel's count of SYN-RECV sockets confirms they all exist.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Lab } from '../src/lab/index.js';
import { Seq } from '../src/packet/index.js';
import { PeerConnection } from '../src/peer/connection.js';
import { RemoteModel } from '../src/peer/model.js';
import { ScriptedConnection } from '../src/peer/scripted.js';
import { linuxHost } from '../src/target/linux.js';
import { profileFor } from '../src/target/target.js';
import type { RawWire } from '../src/wire/raw.js';

export interface ScaleRow {
  n: number;
  wallMs: number;
  usPerConnection: number;
  /** connections whose SYN-ACK came only after a retransmission (ours was dropped somewhere) */
  late: number;
  failed: number;
  /** SYN-RECV sockets the target's ss listed for the listener */
  kernelSynRecv: number;
  rssMb: number;
  heapKbPerConnection: number;
}

/** A full GC on demand without --expose-gc on the command line (npm run bench runs plain node). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export async function scale(lab: Lab, wire: RawWire, sizes: number[]): Promise<ScaleRow[]> {
  const profile = profileFor(linuxHost(lab));
  const rows: ScaleRow[] = [];
  for (const n of sizes) {
    const { port } = await lab.agent.listen(0, { backlog: n });
    collectGarbage();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const conns = Array.from(
      { length: n },
      () => new ScriptedConnection(new PeerConnection(wire, lab.target.ipv4, port), RemoteModel.listening(profile), null),
    );
    let late = 0;
    const results = await Promise.allSettled(
      conns.map(async (c) => {
        const sent = await c.send('S');
        const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) }, 3500);
        // a SYN-ACK more than 900 ms after our SYN is the kernel's 1 s retransmission
        if (Number(synAck.at - sent.at) > 900e6) late++;
      }),
    );
    const wallMs = performance.now() - t0;
    collectGarbage();
    const heap1 = process.memoryUsage().heapUsed; // the connections are still referenced here
    const rss = process.memoryUsage().rss;
    const kernelSynRecv = (await lab.sockets({ localPort: port })).filter((s) => s.state === 'SYN-RECEIVED').length;
    for (const c of conns) c.close();
    await lab.agent.unlisten(port);
    rows.push({
      n,
      wallMs,
      usPerConnection: (wallMs * 1000) / n,
      late,
      failed: results.filter((r) => r.status === 'rejected').length,
      kernelSynRecv,
      rssMb: rss / 2 ** 20,
      heapKbPerConnection: (heap1 - heap0) / 1024 / n,
    });
  }
  return rows;
}
