// What one scripted step costs against the bare floor, and what a test costs before it sends
// anything.
//   floor    raw-socket directly, no codec: a prebuilt SYN to a closed port, wait for the RST by
//            reading two bytes of the answer — the least any Node harness on raw-socket can do
//   step     ScriptedConnection.send('S') + expect('R.') with no ground truth: encode, send,
//            stamp, demux, decode, trace, oracle prediction, pattern + oracle match
//   per test what suite.ts does per test: Trace, PeerConnection (port allocation), RemoteModel,
//            ScriptedConnection, close — with and without the agent's listen() round trip
import raw from 'raw-socket';
import type { Profile } from '../src/fsm/index.js';
import type { Lab } from '../src/lab/index.js';
import { encodePacket } from '../src/packet/index.js';
import { ACK, RST, SYN } from '../src/packet/types.js';
import { PeerConnection } from '../src/peer/connection.js';
import { RemoteModel } from '../src/peer/model.js';
import { ScriptedConnection, stateGroundTruth } from '../src/peer/scripted.js';
import { Trace } from '../src/peer/trace.js';
import { labStates, linuxHost } from '../src/target/linux.js';
import { profileFor } from '../src/target/target.js';
import type { Transport } from '../src/wire/transport.js';
import { type Summary, summarize } from './lib.js';

/**
 * Steps before measuring, for the floor and the step alike: V8 compiles the harness's hot path with
 * its optimizing tier only after a few thousand calls; a suite of any size runs at that speed.
 */
export const WARMUP_STEPS = 3000;

/** µs per SYN → RST over a bare raw socket bound to the veth. Run before a RawWire exists. */
export async function floor(lab: Lab, closedPort: number, iterations: number): Promise<Summary> {
  const socket = raw.createSocket({ protocol: raw.Protocol.TCP, addressFamily: raw.AddressFamily.IPv4, bufferSize: 65536 });
  socket.setOption(0, 3 /* IP_HDRINCL */, 1);
  const name = Buffer.from(lab.probeInterface + '\0');
  socket.setOption(1, 25 /* SO_BINDTODEVICE */, name, name.length);
  const srcPort = 46000;
  const bytes = encodePacket(
    { src: lab.probe.ipv4, dst: lab.target.ipv4, ttl: 64 },
    { srcPort, dstPort: closedPort, seq: 1, ack: 0, flags: SYN, window: 65535 },
  );
  let done: (() => void) | null = null;
  socket.on('message', (b) => {
    const ihl = (b[0]! & 15) * 4;
    // ours: destination port = srcPort and RST set
    if (b.readUInt16BE(ihl + 2) === srcPort && b[ihl + 13]! & 4) done?.();
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < iterations + WARMUP_STEPS; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('floor: no RST within 1 s')), 1000);
        done = () => {
          clearTimeout(timer);
          done = null;
          resolve();
        };
        socket.send(bytes, 0, bytes.length, lab.target.ipv4, (err) => err && reject(err));
      });
      if (i >= WARMUP_STEPS) times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  } finally {
    socket.close();
  }
  return summarize(times);
}

/** µs per scripted step (send SYN to a closed port, expect the oracle's RST-ACK), no ground truth. */
export async function harnessStep(lab: Lab, wire: Transport, closedPort: number, iterations: number): Promise<{ step: Summary; cpuPerStepUs: number }> {
  const profile = profileFor(linuxHost(lab));
  const model = RemoteModel.listening(profile);
  model.state = 'CLOSED';
  const c = new ScriptedConnection(new PeerConnection(wire, lab.target.ipv4, closedPort), model, null);
  const times: number[] = [];
  let cpu = process.cpuUsage();
  try {
    for (let i = 0; i < iterations + WARMUP_STEPS; i++) {
      if (i === WARMUP_STEPS) cpu = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await c.send('S');
      await c.expect('R.');
      if (i >= WARMUP_STEPS) times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  } finally {
    c.close();
  }
  const used = process.cpuUsage(cpu);
  return { step: summarize(times), cpuPerStepUs: (used.user + used.system) / iterations };
}

export interface PerTestCost {
  /** ms: objects a test gets (trace, peer + port, model, scripted connection), created and closed */
  objects: Summary;
  /** ms: the same plus the agent's listen() round trip (what listen(); connect() costs) */
  withListen: Summary;
  /** ms: one ground-truth check (the agent's TCP table) of a connection in CLOSED */
  groundTruth: Summary;
}

export async function perTestCost(lab: Lab, wire: Transport, iterations: number): Promise<PerTestCost> {
  const profile = profileFor(linuxHost(lab));
  const truth = stateGroundTruth(labStates(lab), lab.target.ipv4, wire.localAddr);
  const make = (port: number) => {
    const trace = new Trace();
    const peer = new PeerConnection(wire, lab.target.ipv4, port, { trace });
    const c = new ScriptedConnection(peer, RemoteModel.listening(profile), truth);
    c.close();
  };
  const objects: number[] = [];
  for (let i = 0; i < iterations * 10; i++) {
    const t0 = performance.now();
    make(50000);
    objects.push(performance.now() - t0);
  }
  const withListen: number[] = [];
  const groundTruth: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const { port } = await lab.agent.listen(0, {});
    make(port);
    withListen.push(performance.now() - t0);
    const t1 = performance.now();
    await truth.await('CLOSED', 47000, port);
    groundTruth.push(performance.now() - t1);
    await lab.agent.unlisten(port);
  }
  return { objects: summarize(objects), withListen: summarize(withListen), groundTruth: summarize(groundTruth) };
}

export interface StepBreakdown {
  /** µs wall per step over MemoryTransport: the whole harness path with no kernel and no socket */
  memoryStep: number;
  /** µs per RemoteModel.arrive (the oracle's predict + TCB update) */
  oracle: number;
  /** µs per encodePacket + decodePacket of a SYN (the wire does this once per send, once per receive) */
  codecPair: number;
}

/** Where a step's CPU goes, measured without the network (so the load of the lab does not blur it). */
export async function stepBreakdown(profile: Profile, iterations: number): Promise<StepBreakdown> {
  const { MemoryTransport } = await import('../src/wire/memory.js');
  const { decodePacket } = await import('../src/packet/index.js');
  const probe = '198.18.0.1';
  const target = '198.18.0.2';
  const mt = new MemoryTransport(probe, (s, t) =>
    t.inject(target, { srcPort: s.tcp.dstPort, dstPort: s.tcp.srcPort, seq: 0, ack: (s.tcp.seq + 1) >>> 0, flags: RST | ACK, window: 0 }),
  );
  const model = RemoteModel.listening(profile);
  model.state = 'CLOSED';
  const c = new ScriptedConnection(new PeerConnection(mt, target, 9), model, null);
  const perCall = async (n: number, fn: () => unknown): Promise<number> => {
    for (let i = 0; i < Math.min(n, 1000); i++) await fn();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / n / 1000;
  };
  const memoryStep = await perCall(iterations, async () => {
    await c.send('S');
    await c.expect('R.');
  });
  c.close();
  const m = RemoteModel.listening(profile);
  const seg = {
    srcPort: 40001,
    dstPort: 9,
    seq: 5,
    ack: 0,
    flags: SYN,
    window: 65535,
    options: [{ kind: 'mss' as const, value: 1460 }],
    payload: Buffer.alloc(0),
  };
  const oracle = await perCall(iterations * 5, () => {
    m.state = 'CLOSED';
    m.arrive(seg);
    m.expected.length = 0;
  });
  const ip = { src: probe, dst: target, ttl: 64 };
  const codecPair = await perCall(iterations * 5, () => decodePacket(encodePacket(ip, seg)).tcp.seq);
  return { memoryStep, oracle, codecPair };
}
