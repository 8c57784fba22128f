// `npm run bench`: every benchmark in one run, on one lab, written to bench/RESULTS.md.
// All traffic goes to the lab target (198.18.0.0/15) through the lab's veth; the lab, the raw
// socket and the nft table are removed on every exit path (src/sys/cleanup).
//   node dist/bench/run.js [--skip=suites,scale,...] [--out=path]
// Sections: floor, step, pertest, truth, rtt, send, scale, codec, suites.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, FAST_SUITE_SYSCTLS, type Lab } from '../src/lab/index.js';
import { linuxHost } from '../src/target/linux.js';
import { profileFor } from '../src/target/target.js';
import { RawWire } from '../src/wire/raw.js';
import { codecBenchmark } from './codec.js';
import { type GroundTruthCost, groundTruthCost } from './ground-truth.js';
import { ensureComparisonTools, fmt, machine, type Summary } from './lib.js';
import { type RoundTripResult, roundTrip } from './round-trip.js';
import { type ScaleRow, scale } from './scale.js';
import { type RateRow, sendRate } from './send-rate.js';
import { floor, harnessStep, type PerTestCost, perTestCost, type StepBreakdown, stepBreakdown } from './step-cost.js';
import { type SuiteRow, suiteWallTime } from './suites.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const skip = new Set((arg('skip') ?? '').split(',').filter(Boolean));
const outPath = arg('out') ?? join(repo, 'bench', 'RESULTS.md');
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** A port nothing listens on in the lab's fresh namespace: SYNs get RST-ACKs. */
const CLOSED_PORT = 9;
const SIZES = { sendTcpfsm: 100_000, sendScapy: 3000, hpingMs: 2000, probes: 1000, handshakes: 200, steps: 5000, perTest: 30, scale: [100, 1000, 10_000] };

interface Results {
  tools?: { scapy: string; hping3: string };
  floor?: Summary;
  step?: { step: Summary; cpuPerStepUs: number };
  breakdown?: StepBreakdown;
  perTest?: PerTestCost;
  truth?: GroundTruthCost;
  rtt?: RoundTripResult;
  send?: RateRow[];
  scale?: ScaleRow[];
  codec?: Array<[string, number]>;
  suites?: SuiteRow[];
  labSetupMs?: number;
}

async function measureOnLab(r: Results): Promise<void> {
  const lab: Lab = await createLab({
    sysctls: { ...FAST_SUITE_SYSCTLS, somaxconn: 16384, tcp_max_syn_backlog: 16384, tcp_syncookies: 0 },
  });
  r.labSetupMs = lab.setupMs;
  log(`lab ${lab.namespace}: probe ${lab.probe.ipv4} on ${lab.probeInterface}, target ${lab.target.ipv4}`);
  let wire: RawWire | undefined;
  try {
    // The floor first: no RawWire yet, so nothing else in this process reads the answers.
    if (!skip.has('floor')) {
      log('floor: bare raw-socket ping-pong');
      r.floor = await floor(lab, CLOSED_PORT, SIZES.steps);
    }
    wire = await RawWire.open({ iface: lab.probeInterface, localAddr: lab.probe.ipv4, suppress: { id: `${lab.id}-bench`, oifname: lab.probeInterface } });
    if (!skip.has('step')) {
      log('step: scripted send + expect');
      r.step = await harnessStep(lab, wire, CLOSED_PORT, SIZES.steps);
      r.breakdown = await stepBreakdown(profileFor(linuxHost(lab)), 20_000);
    }
    if (!skip.has('pertest')) {
      log('per test: fixed cost');
      r.perTest = await perTestCost(lab, wire, SIZES.perTest);
    }
    if (!skip.has('truth')) {
      log('ground truth: one state check by ss and by the agent');
      r.truth = await groundTruthCost(lab, 300, 50);
    }
    if (!skip.has('rtt')) {
      log('round trip, stamp error, reaction time (tcpfsm, scapy, hping3)');
      const { port } = await lab.agent.listen(0, { backlog: 4096 });
      r.rtt = await roundTrip(lab, wire, CLOSED_PORT, port, SIZES.probes, SIZES.handshakes);
      await lab.agent.unlisten(port);
    }
    if (!skip.has('send')) {
      log('send rate (tcpfsm, scapy, hping3)');
      r.send = await sendRate(lab, wire, CLOSED_PORT, { tcpfsm: SIZES.sendTcpfsm, scapy: SIZES.sendScapy, hpingMs: SIZES.hpingMs });
    }
    if (!skip.has('scale')) {
      log(`scale: ${SIZES.scale.join(', ')} concurrent connections`);
      r.scale = await scale(lab, wire, SIZES.scale);
    }
  } finally {
    await wire?.close();
    await lab.destroy();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const m = machine();
  const r: Results = {};
  if (!skip.has('rtt') || !skip.has('send')) r.tools = ensureComparisonTools(log);
  await measureOnLab(r);
  if (!skip.has('codec')) {
    log('codec');
    r.codec = codecBenchmark(0.5);
  }
  if (!skip.has('suites')) {
    log('suites: the default run, one after another');
    r.suites = await suiteWallTime(join(repo, 'dist'));
  }
  const md = render(m, r, (performance.now() - started) / 1000, loadavg());
  writeFileSync(outPath, md);
  process.stdout.write(md);
  log(`wrote ${outPath}`);
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const sumRow = (name: string, s: Summary | undefined, extra = '') =>
  s ? `| ${name} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${s.n} |${extra}` : `| ${name} | — | — | — | 0 |${extra}`;

function render(m: ReturnType<typeof machine>, r: Results, seconds: number, loadAfter: number[]): string {
  const L: string[] = [];
  L.push('# tcpfsm benchmarks', '');
  L.push(`Measured ${m.date} in one run of \`npm run bench\` (${seconds.toFixed(0)} s).`, '');
  L.push('| machine | |', '| --- | --- |');
  L.push(`| nproc | ${m.nproc} |`, `| CPU | ${m.cpu} |`, `| kernel | ${m.kernel} |`, `| node | ${m.node} |`);
  L.push(`| load average (1/5/15 min) before / after | ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')} / ${loadAfter.map((x) => x.toFixed(2)).join(' ')} |`);
  if (r.tools) L.push(`| python3-scapy / hping3 (Debian) | ${r.tools.scapy} / ${r.tools.hping3} |`);
  if (r.labSetupMs !== undefined) L.push(`| lab set-up (createLab) | ${fmt(r.labSetupMs)} ms |`);
  L.push('');
  L.push(
    'Reproduce: as root on Debian 12 with Node 20, `npm ci && npm run bench` (installs python3-scapy and hping3 with',
    'apt-get when missing). Every figure below comes from one lab (src/lab createLab, sysctls: fast suite defaults +',
    'somaxconn 16384, tcp_max_syn_backlog 16384, tcp_syncookies 0); every tool sends through the lab veth to the lab',
    `target only; the closed port is ${CLOSED_PORT}. A loaded machine moves every figure: compare the load averages above.`,
    '',
  );

  if (r.send) {
    const best = r.send.find((x) => x.tool === 'tcpfsm')!;
    const scapy = r.send.find((x) => x.tool === 'scapy')!;
    const hping = r.send.find((x) => x.tool === 'hping3')!;
    L.push("## Send rate (SYNs to a closed port, counted by the target namespace's TCP InSegs)", '');
    L.push('| tool | how | attempted | reached the target | seconds | segments/s |', '| --- | --- | ---: | ---: | ---: | ---: |');
    for (const x of r.send) L.push(`| ${x.tool} | ${x.how} | ${x.attempted ?? '?'} | ${x.received} | ${x.seconds.toFixed(2)} | ${fmt(x.rate, 0)} |`);
    L.push(
      '',
      `- tcpfsm (${best.how}) / Scapy: **${ratio(best.rate, scapy.rate)}** (goal ≥ 5x)`,
      `- hping3 / tcpfsm (${best.how}): **${ratio(hping.rate, best.rate)}** (goal ≤ 2x)`,
      '',
    );
  }

  if (r.rtt) {
    const x = r.rtt;
    L.push('## Probe round trip (SYN → RST from a closed port), µs', '');
    L.push('| tool | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(
      sumRow('tcpfsm (hrtime stamps from the wire)', x.tcpfsm),
      sumRow('Scapy sr1 (answer.time − sent_time)', x.scapy),
      sumRow('hping3 (its rtt=, 0.1 ms resolution)', x.hping3),
    );
    L.push(
      '',
      `- p50 ratios: Scapy / tcpfsm ${ratio(x.scapy.p50, x.tcpfsm.p50)}, hping3 / tcpfsm ${ratio(x.hping3.p50, x.tcpfsm.p50)}; p99: Scapy / tcpfsm ${ratio(x.scapy.p99, x.tcpfsm.p99)}, hping3 / tcpfsm ${ratio(x.hping3.p99, x.tcpfsm.p99)}`,
      '',
    );
    L.push('## Timestamp error: tcpfsm hrtime vs the kernel capture (tcpdump -i veth, nanosecond stamps)', '');
    L.push(
      `${x.stampError.matched} of our ${x.stampError.ours} segments matched in a capture of ${x.stampError.captured} (tcpdump: ${x.stampError.droppedByKernel} dropped by kernel); one offset (the median of kernel − hrtime) maps hrtime to wall clock. |error| after removing it, µs:`,
      '',
    );
    L.push('| segments | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(
      sumRow('all', x.stampError.all),
      sumRow('sent (stamped right before sendto)', x.stampError.out),
      sumRow('received (stamped when Node reads the socket)', x.stampError.in),
    );
    L.push('', `- goal p99 < 100 µs: **${fmt(x.stampError.all.p99)} µs**; goal max < 1 ms: **${fmt(x.stampError.all.max)} µs**`, '');
    L.push('Reaction time (SYN-ACK in → our ACK out through PeerConnection.next + send), µs:', '');
    L.push('| measured by | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(sumRow('kernel capture', x.reaction.kernel), sumRow('tcpfsm hrtime stamps', x.reaction.hrtime), '');
  }

  if (r.step || r.floor) {
    L.push('## Harness step cost vs the bare floor, µs', '');
    L.push('| | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(sumRow('floor: raw-socket SYN → RST, no codec', r.floor));
    L.push(sumRow('tcpfsm step: ScriptedConnection send(S) + expect(R.), oracle, no ground truth', r.step?.step));
    if (r.step && r.floor)
      L.push(
        '',
        `- step / floor: p50 **${ratio(r.step.step.p50, r.floor.p50)}**, p99 **${ratio(r.step.step.p99, r.floor.p99)}** (goal ≤ 2x); process CPU (all threads, GC included) per step ${fmt(r.step.cpuPerStepUs)} µs`,
      );
    if (r.breakdown) {
      const b = r.breakdown;
      L.push(
        '',
        "Where a step's CPU goes, measured with no network (same code over src/wire MemoryTransport), µs:",
        '',
        '| part | µs |',
        '| --- | ---: |',
        `| whole step over MemoryTransport (send + expect, oracle, trace, codec ×2, one setImmediate) | ${fmt(b.memoryStep, 2)} |`,
        `| RemoteModel.arrive (oracle predict + TCB update), once per send | ${fmt(b.oracle, 2)} |`,
        `| encodePacket + decodePacket of a SYN (×2 per step: our send, the answer) | ${fmt(b.codecPair, 2)} |`,
      );
    }
    L.push('');
  }

  if (r.perTest) {
    const p = r.perTest;
    L.push('## Fixed cost per test on a shared lab, ms', '');
    L.push('| | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(sumRow('trace + peer (port allocation) + model + scripted connection, created and closed', p.objects));
    L.push(sumRow('the same + agent listen() round trip', p.withListen));
    L.push(sumRow("one ground-truth check (the agent's /proc/net/tcp), per checked step", p.groundTruth));
    L.push('', `- goal ≤ 10 ms per test: **${fmt(p.withListen.p50, 2)} ms** p50 (packetdrill: ~155 ms per script)`, '');
  }

  if (r.truth) {
    const x = r.truth;
    L.push(`## One ground-truth check by source, ms (a lab namespace with its own TCP table, ${x.sockets} sockets)`, '');
    L.push('| source | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    L.push(
      sumRow('ss -N NS -Htanoie (one fork a check)', x.ss),
      sumRow("the agent reading /proc/net/tcp{,6} (one round trip; a guest kernel's checks, UML)", x.agent),
      sumRow("/proc/<agent pid>/net/tcp{,6} read from here (what a Linux lab's checks use)", x.proc),
    );
    L.push(
      '',
      `- goal ≤ 0.5 ms p50: **${fmt(x.proc.p50, 3)} ms**; ss / proc p50: ${ratio(x.ss.p50, x.proc.p50)}; agent / proc p50: ${ratio(x.agent.p50, x.proc.p50)}`,
      '',
    );
  }

  if (r.scale) {
    L.push('## Scale: N concurrent scripted connections, SYN → SYN-ACK checked by the oracle, left in SYN-RECEIVED', '');
    L.push(
      '| N | wall ms | µs / connection | SYN-ACK only after retransmission | failed | kernel SYN-RECV sockets | RSS MB | heap KB / connection |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const x of r.scale)
      L.push(
        `| ${x.n} | ${fmt(x.wallMs)} | ${fmt(x.usPerConnection)} | ${x.late} | ${x.failed} | ${x.kernelSynRecv} | ${fmt(x.rssMb)} | ${fmt(x.heapKbPerConnection, 2)} |`,
      );
    const a = r.scale[0]!;
    const b = r.scale[r.scale.length - 1]!;
    L.push(
      '',
      `- growth: ${b.n / a.n}x the connections took ${ratio(b.wallMs, a.wallMs)} the wall time (linear would be ${b.n / a.n}x; the Demux is a Map)`,
      '',
    );
  }

  if (r.codec) {
    L.push('## Codec (one core, median of 5 rounds, 0.5 s per case)', '');
    L.push('| case | M segments/s | ns each |', '| --- | ---: | ---: |');
    for (const [name, rate] of r.codec) L.push(`| ${name.replace(/\s+/g, ' ')} | ${(rate / 1e6).toFixed(2)} | ${(1e9 / rate).toFixed(0)} |`);
    L.push('');
  }

  if (r.suites) {
    const tot = r.suites.reduce((a, x) => ({ wall: a.wall + x.wallMs, cpu: a.cpu + x.cpuMs, tests: a.tests + x.testsMs }), { wall: 0, cpu: 0, tests: 0 });
    L.push('## Suite wall time (every dist/suites/*.js, no slow tests, one after another)', '');
    L.push('CPU is the whole process tree (suite, lab agent, ss/ip runs) from bash `times`; waiting = wall − CPU.', '');
    L.push('| suite | exit | tests passed | wall ms | CPU ms | waiting ms | inside tests ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const x of r.suites)
      L.push(
        `| ${x.suite} | ${x.exit} | ${x.passed}/${x.tests} | ${fmt(x.wallMs, 0)} | ${fmt(x.cpuMs, 0)} | ${fmt(x.wallMs - x.cpuMs, 0)} | ${fmt(x.testsMs, 0)} |`,
      );
    L.push(
      `| **total** | | | ${fmt(tot.wall, 0)} | ${fmt(tot.cpu, 0)} (${((tot.cpu / tot.wall) * 100).toFixed(0)} %) | ${fmt(tot.wall - tot.cpu, 0)} | ${fmt(tot.tests, 0)} |`,
      '',
    );
  }
  return L.join('\n') + '\n';
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
