// Codec throughput on one core, in segments per second: a SYN with the usual options and a
// 100-byte data segment, encoded and decoded. The wire decodes every packet it receives, so
// decodePacket (IP header + TCP + options + checksum check) is the figure that matters.
// Run after building: node dist/bench/codec.js [seconds per case, default 1]; bench/run.ts calls
// codecBenchmark() for RESULTS.md.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { decodePacket, encodePacket } from '../src/packet/packet.js';
import { decodeTcp, encodeTcp } from '../src/packet/tcp.js';
import { ACK, type IPv4Header, type IPv6Header, PSH, SYN, type TcpSegment } from '../src/packet/types.js';

const ip: IPv4Header = { src: '198.18.0.1', dst: '198.18.0.2' };
const pseudo = { src: ip.src, dst: ip.dst };
const ip6: IPv6Header = { src: 'fd00:7c9f:1::1', dst: 'fd00:7c9f:1::2' };

const syn: TcpSegment = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 1000,
  ack: 0,
  flags: SYN,
  window: 65535,
  options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
};
const data: TcpSegment = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 1001,
  ack: 2001,
  flags: PSH | ACK,
  window: 502,
  options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: 12345, ecr: 67890 }],
  payload: Buffer.alloc(100, 0x61),
};

/**
 * Calls per second of fn: the median of 5 rounds (seconds / 5 each) after a warm-up, so a burst of
 * load from other processes moves one round, not the figure. sink keeps the results alive.
 */
function measure(fn: () => number, seconds: number): number {
  let sink = 0;
  for (let i = 0; i < 50_000; i++) sink += fn();
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round((seconds / 5) * 1e9));
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 10_000; i++) sink += fn();
      calls += 10_000;
      now = process.hrtime.bigint();
    }
    rates.push(calls / (Number(now - start) / 1e9));
  }
  if (sink === -1) console.log('unreachable');
  return rates.sort((a, b) => a - b)[2]!;
}

/** [case, segments per second] for every codec case, `seconds` per case. */
export function codecBenchmark(seconds = 1): Array<[string, number]> {
  const rows: Array<[string, number]> = [];
  for (const [name, seg] of [
    ['SYN + options', syn],
    ['data, 100 bytes', data],
  ] as const) {
    const tcpBytes = encodeTcp(seg, pseudo);
    const packetBytes = encodePacket(ip, seg);
    const out = Buffer.alloc(packetBytes.length);
    const check = decodePacket(packetBytes);
    if (check.tcp.checksumOk !== true) throw new Error(`${name}: the benchmark packet does not checksum`);

    rows.push([`decodePacket   ${name} (IPv4 + TCP, checksum checked)`, measure(() => decodePacket(packetBytes).tcp.seq, seconds)]);
    // IPv6: 16-byte addresses to format and sum, the rest as IPv4.
    const packet6 = encodePacket(ip6, seg);
    if (decodePacket(packet6).tcp.checksumOk !== true) throw new Error(`${name}: the IPv6 benchmark packet does not checksum`);
    rows.push([`decodePacket   ${name} (IPv6 + TCP, checksum checked)`, measure(() => decodePacket(packet6).tcp.seq, seconds)]);
    rows.push([`decodeTcp      ${name} (no pseudo-header, no checksum)`, measure(() => decodeTcp(tcpBytes).seq, seconds)]);
    rows.push([`decodeTcp      ${name} (pseudo-header as text)`, measure(() => decodeTcp(tcpBytes, 0, pseudo).window, seconds)]);
    rows.push([`encodePacket   ${name} (into a reused buffer)`, measure(() => encodePacket(ip, seg, out).length, seconds)]);
    rows.push([`encodePacket   ${name} (new buffer)`, measure(() => encodePacket(ip, seg).length, seconds)]);
    rows.push([`encodeTcp      ${name} (pseudo-header as text)`, measure(() => encodeTcp(seg, pseudo).length, seconds)]);
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 1);
  const rows = codecBenchmark(seconds);
  console.log(`tcpfsm packet codec: node ${process.version}, one core, median of 5 rounds over ${seconds} s per case`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}, load average ${loadavg()[0]!.toFixed(2)} at the end`);
  for (const [name, perSecond] of rows) {
    console.log(`${name.padEnd(62)} ${(perSecond / 1e6).toFixed(2).padStart(6)} M segments/s  (${(1e9 / perSecond).toFixed(0)} ns each)`);
  }
}
