// Probe round trip (SYN → RST from a closed port) for tcpfsm, Scapy sr1 and hping3, and the
// accuracy of tcpfsm's hrtime stamps against the kernel's own capture timestamps (tcpdump on the
// lab veth, nanosecond precision), plus the reaction time: SYN-ACK in → our ACK out, as the
// kernel capture saw it.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../src/lab/index.js';
import { decodePacket, decodePcap } from '../src/packet/index.js';
import { ACK, RST, SYN } from '../src/packet/types.js';
import { PeerConnection } from '../src/peer/connection.js';
import type { RawWire } from '../src/wire/raw.js';
import type { WireSegment } from '../src/wire/transport.js';
import { PYTHON, runChild, type Summary, summarize } from './lib.js';

export interface RoundTripResult {
  /** µs */
  tcpfsm: Summary;
  scapy: Summary;
  hping3: Summary;
  /** |hrtime stamp − kernel stamp| after removing the median offset, µs: all, sent, received */
  stampError: { all: Summary; out: Summary; in: Summary; matched: number; ours: number; captured: number; droppedByKernel: number };
  /** SYN-ACK in → ACK out, µs: by the kernel capture and by tcpfsm's own stamps */
  reaction: { kernel: Summary; hrtime: Summary };
}

const LINKTYPE_ETHERNET = 1;

/** tcpdump on the veth writing nanosecond kernel stamps; resolves once it listens. Immediate mode:
 * without it TPACKET_V3 hands packets over in blocks and SIGINT loses the last, partly filled one. */
async function startCapture(iface: string, filter: string, file: string) {
  const child = spawn('tcpdump', ['-i', iface, '-n', '-U', '--immediate-mode', '--time-stamp-precision=nano', '-B', '16384', '-w', file, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) resolve();
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
  });
  /** Stop it; returns how many packets the kernel dropped before tcpdump read them. */
  return async (): Promise<number> => {
    const done = new Promise((r) => child.once('close', r));
    child.kill('SIGINT');
    await done;
    return Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? NaN);
  };
}

interface Captured {
  ts: bigint;
  src: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
}

function readCapture(file: string): Captured[] {
  const pcap = decodePcap(readFileSync(file));
  const skip = pcap.header.linktype === LINKTYPE_ETHERNET ? 14 : 0;
  const out: Captured[] = [];
  for (const r of pcap.records) {
    if (skip && r.data.readUInt16BE(12) !== 0x0800) continue;
    try {
      const p = decodePacket(r.data, skip);
      out.push({ ts: r.timestamp, src: p.ip.src, srcPort: p.tcp.srcPort, dstPort: p.tcp.dstPort, seq: p.tcp.seq, ack: p.tcp.ack, flags: p.tcp.flags });
    } catch {
      /* not IPv4 TCP */
    }
  }
  return out;
}

const key = (srcPort: number, dstPort: number, seq: number, ack: number, flags: number) => `${srcPort}|${dstPort}|${seq >>> 0}|${ack >>> 0}|${flags}`;
const us = (ns: bigint) => Number(ns) / 1000;

export async function roundTrip(lab: Lab, wire: RawWire, closedPort: number, listenPort: number, probes: number, handshakes: number): Promise<RoundTripResult> {
  const target = lab.target.ipv4;
  const file = join(tmpdir(), `tcpfsm-bench-${process.pid}.pcap`);
  const stop = await startCapture(lab.probeInterface, `tcp and host ${target}`, file);
  const ours: WireSegment[] = [];
  const rtts: number[] = [];
  const reactionHr: number[] = [];
  const reactionPairs: Array<[WireSegment, WireSegment]> = [];
  let droppedByKernel = NaN;
  try {
    // tcpfsm: SYN → RST, one at a time, stamps from the wire.
    const localPort = 44000;
    let waiting: ((s: WireSegment) => void) | null = null;
    const unlisten = wire.listen({ localPort, remoteAddr: target, remotePort: closedPort }, (s) => waiting?.(s));
    try {
      for (let i = 0; i < probes; i++) {
        const seq = (0x10000000 + i * 7) >>> 0;
        const answer = new Promise<WireSegment>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`probe ${i}: no RST within 1 s`)), 1000);
          waiting = (s) => {
            if (s.tcp.ack !== (seq + 1) >>> 0) return;
            clearTimeout(timer);
            waiting = null;
            resolve(s);
          };
        });
        const sent = await wire.send(target, {
          srcPort: localPort,
          dstPort: closedPort,
          seq,
          ack: 0,
          flags: SYN,
          window: 65535,
          options: [{ kind: 'mss', value: 1460 }],
        });
        const got = await answer;
        if (!(got.tcp.flags & RST)) throw new Error('expected a RST from the closed port');
        ours.push(sent, got);
        rtts.push(us(got.at - sent.at));
      }
    } finally {
      unlisten();
    }

    // Reaction time: handshakes to a listener; the ACK goes out the moment the SYN-ACK is seen.
    for (let i = 0; i < handshakes; i++) {
      const peer = new PeerConnection(wire, target, listenPort);
      try {
        const s1 = await peer.send('S');
        const synAck = await peer.next(1000);
        if (!synAck || (synAck.tcp.flags & (SYN | ACK)) !== (SYN | ACK)) throw new Error('expected a SYN-ACK');
        const ack = await peer.send('.');
        ours.push(s1, synAck, ack);
        reactionHr.push(us(ack.at - synAck.at));
        reactionPairs.push([synAck, ack]);
        await peer.send('R');
      } finally {
        peer.close();
      }
    }
  } finally {
    droppedByKernel = await stop();
  }

  // Map our stamps onto the capture's by each segment's identity.
  const captured = readCapture(file);
  rmSync(file, { force: true });
  const kernelTs = new Map<string, bigint>();
  for (const c of captured) kernelTs.set(key(c.srcPort, c.dstPort, c.seq, c.ack, c.flags), c.ts);
  const diffs: Array<{ dir: 'in' | 'out'; d: bigint }> = [];
  for (const s of ours) {
    const k = kernelTs.get(key(s.tcp.srcPort, s.tcp.dstPort, s.tcp.seq, s.tcp.ack, s.tcp.flags));
    if (k !== undefined) diffs.push({ dir: s.dir, d: k - s.at });
  }
  const sorted = diffs.map((x) => x.d).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const offset = sorted[Math.floor(sorted.length / 2)] ?? 0n;
  const err = (dir?: 'in' | 'out') => summarize(diffs.filter((x) => !dir || x.dir === dir).map((x) => Math.abs(us(x.d - offset))));
  const reactionKernel: number[] = [];
  for (const [a, b] of reactionPairs) {
    const ka = kernelTs.get(key(a.tcp.srcPort, a.tcp.dstPort, a.tcp.seq, a.tcp.ack, a.tcp.flags));
    const kb = kernelTs.get(key(b.tcp.srcPort, b.tcp.dstPort, b.tcp.seq, b.tcp.ack, b.tcp.flags));
    if (ka !== undefined && kb !== undefined) reactionKernel.push(us(kb - ka));
  }

  return {
    tcpfsm: summarize(rtts),
    scapy: await scapyRtt(lab, closedPort, probes),
    hping3: await hpingRtt(lab, closedPort, probes),
    stampError: { all: err(), out: err('out'), in: err('in'), matched: diffs.length, ours: ours.length, captured: captured.length, droppedByKernel },
    reaction: { kernel: summarize(reactionKernel), hrtime: summarize(reactionHr) },
  };
}

async function scapyRtt(lab: Lab, closedPort: number, n: number): Promise<Summary> {
  // sr1 over one socket bound to the veth; Scapy's own stamps: answer.time − probe.sent_time.
  const script = `
import sys
from scapy.all import IP, TCP, conf
iface, dst, dport, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = conf.L3socket(iface=iface)
for i in range(n):
    p = IP(dst=dst)/TCP(sport=45000, dport=dport, flags='S', seq=i * 7 + 1)
    a = s.sr1(p, timeout=1, verbose=0)
    if a is not None:
        print((a.time - p.sent_time) * 1e6)
s.close()
`;
  const r = await runChild(PYTHON, ['-c', script, lab.probeInterface, lab.target.ipv4, String(closedPort), String(n)]);
  if (r.code !== 0) throw new Error(`scapy sr1 failed: ${r.stderr}`);
  return summarize(r.stdout.trim().split('\n').filter(Boolean).map(Number));
}

async function hpingRtt(lab: Lab, closedPort: number, n: number): Promise<Summary> {
  // hping3 prints rtt with 0.1 ms resolution: the figure's floor is that resolution.
  const r = await runChild('hping3', ['-S', '-p', String(closedPort), '-c', String(n), '-i', 'u1000', '-I', lab.probeInterface, lab.target.ipv4]);
  const rtts = [...r.stdout.matchAll(/rtt=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  return summarize(rtts);
}
