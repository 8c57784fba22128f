// Writes every segment a transport sends or receives to a classic pcap file (LINKTYPE_RAW,
// nanosecond timestamps), so tcpdump and Wireshark read the run's trace.
// hrtime is monotonic, not wall-clock: stamps are shifted by one offset taken when the file
// opens, which keeps every interval exact and the absolute time right to within a few µs.
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodePcapHeader, encodePcapRecord } from '../packet/index.js';
import type { Transport, Unsubscribe, WireSegment } from './transport.js';

export class PcapFileWriter {
  private fd: number | undefined;
  private readonly epochOffsetNs: bigint;
  private readonly subscriptions: Unsubscribe[] = [];
  records = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, encodePcapHeader({ nanoseconds: true }));
    this.epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  }

  /** Record everything `transport` sends or receives from now on. */
  attach(transport: Transport): this {
    this.subscriptions.push(transport.onSegment((s) => this.write(s)));
    // ICMP errors we send (suites/icmp.ts) belong in the trace too.
    const ip = transport.onIpPacket?.((at, data) => this.write({ at, bytes: data }));
    if (ip) this.subscriptions.push(ip);
    return this;
  }

  write(s: Pick<WireSegment, 'at' | 'bytes'>): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, encodePcapRecord({ timestamp: s.at + this.epochOffsetNs, data: s.bytes }));
    this.records++;
  }

  close(): void {
    for (const u of this.subscriptions.splice(0)) u();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
