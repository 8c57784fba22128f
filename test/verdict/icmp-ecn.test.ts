// The icmp and ecn suites on the lab's Linux: each requirement gets the grade this kernel earns
// (tcp_v4_err / tcp_req_err: soft errors drop a SYN-RECEIVED request, a deviation; hard errors are only
// remembered; fragmentation needed shrinks the segments; tcp_ecn=2 answers ECN on request),
// a lab configured otherwise gets the other grade, and --as-remote (packets only, ICMP paced
// like the segments) grades the packet-only checks as lab mode does.
import t from 'tap';
import { decodeIPv4, decodePcap, PROTOCOL_ICMP } from '../../src/packet/index.js';
import { DEFAULT_MAX_CONNS, DEFAULT_RATE } from '../../src/peer/remote.js';
import type { Finding } from '../../src/verdict/grade.js';
import { type RunOutcome, runTcpfsm } from '../remote/helpers.js';
import { auditPacing } from '../remote/pacing-audit.js';

t.setTimeout(180_000);

type Graded = Pick<Finding, 'level' | 'requirement' | 'check'>;

/** Every graded finding of a run: conformances and violations from the TAP lines, the rest from results. */
function graded(run: RunOutcome): Graded[] {
  const out: Graded[] = [];
  for (const m of run.stdout.matchAll(/ok \d+ - (conforms: |violation of )(.+?) \(([^()]+)\): expected /g))
    out.push({ level: m[1] === 'conforms: ' ? 'conforms' : 'violation', check: m[2]!, requirement: m[3]! });
  for (const r of run.results)
    for (const x of r.tests)
      for (const f of x.findings ?? []) if (f.level !== 'violation') out.push({ level: f.level, requirement: f.requirement, check: f.check });
  return out;
}

const levelOf = (g: readonly Graded[], requirement: string, check: RegExp): string[] =>
  g.filter((f) => f.requirement === requirement && check.test(f.check)).map((f) => f.level);

const SOFT = [/code 0 \(net\)/, /code 1 \(host\)/, /code 5/, /time exceeded, code 0/, /time exceeded, code 1/, /parameter problem/];

/** One lab-mode run, shared by the tests that read it. */
let labRun: Promise<RunOutcome> | undefined;
const lab = () => (labRun ??= runTcpfsm(['icmp', 'ecn'], { timeoutMs: 120_000 }));

t.test('lab Linux: the grade of each ICMP and ECN requirement', async (t) => {
  const run = await lab();
  t.equal(run.code, 0, 'no violation', { stderr: run.stderr });
  const g = graded(run);
  t.same(levelOf(g, 'MUST-55', /source quench/), ['conforms'], 'MUST-55: source quench discarded');
  for (const code of SOFT) t.same(levelOf(g, 'MUST-56', new RegExp(`${code.source}.* in ESTABLISHED`)), ['conforms'], `MUST-56 ESTABLISHED ${code.source}`);
  // tcp_req_err: a request is dropped on net/host unreachable, time exceeded and parameter problem.
  for (const code of SOFT) {
    // Kept: source route failed, and a time exceeded in reassembly (icmp_unreach ignores ICMP_EXC_FRAGTIME).
    const kept = /code 5|time exceeded, code 1/.test(code.source);
    const where = new RegExp(`${code.source}.* in SYN-RECEIVED`);
    t.same(
      [...levelOf(g, 'MUST-56', where), ...levelOf(g, 'RFC 9293 3.9.2.2', where)],
      [kept ? 'conforms' : 'deviation'],
      `SYN-RECEIVED ${code.source}: ${kept ? 'kept' : 'back to LISTEN, a deviation'}`,
    );
  }
  t.same(levelOf(g, 'SHLD-26', /./), ['deviation', 'deviation', 'deviation', 'deviation'], 'SHLD-26: no hard error aborts (without IP_RECVERR)');
  t.same(levelOf(g, 'MUST-54', /./).sort(), ['conforms', 'inconclusive'], 'MUST-54: shown by fragmentation needed, not by hard errors');
  t.same(levelOf(g, 'SHLD-6', /fragmentation needed/), ['conforms'], 'SHLD-6: smaller segments after fragmentation needed');
  t.match(run.stdout, /observed before: IP lengths 1500[^\n]*after: retransmitted 1000/, 'full-sized before, the next-hop MTU after');
  t.same(levelOf(g, 'SHLD-8', /ECN-setup SYN/), ['conforms'], 'SHLD-8: tcp_ecn=2 answers an ECN-setup SYN');
  t.same(levelOf(g, 'RFC 3168 6.1.1', /plain SYN/), ['conforms']);
});

t.test('a lab without ECN and without path MTU discovery gets the other grades', async (t) => {
  const run = await runTcpfsm(['icmp', 'ecn', '--grep', 'fragmentation|ECN-setup', '--lab-sysctl', 'tcp_ecn=0', '--lab-sysctl', 'net.ipv4.ip_no_pmtu_disc=1'], {
    timeoutMs: 60_000,
  });
  t.equal(run.code, 0, 'deviations and inconclusives do not fail the run', { stderr: run.stderr });
  const g = graded(run);
  t.same(levelOf(g, 'SHLD-8', /ECN-setup SYN/), ['deviation'], 'SHLD-8: ECN declined is a deviation');
  t.same(levelOf(g, 'SHLD-6', /fragmentation needed/), ['inconclusive'], 'SHLD-6: segments without DF: no path MTU discovery to judge');
});

t.test('--as-remote grades the packet-only checks as lab mode does, the ICMP paced as segments', async (t) => {
  const remote = await runTcpfsm(['--as-remote', 'icmp', 'ecn'], { timeoutMs: 120_000 });
  const key = (f: Graded) => `${f.level} ${f.requirement} ${f.check}`;
  const packetOnly = (f: Graded) => !/SHLD-6|fragmentation/.test(`${f.requirement} ${f.check}`) && !(f.requirement === 'MUST-54' && f.level === 'conforms');
  t.same(
    graded(remote).map(key).sort(),
    graded(await lab())
      .filter(packetOnly)
      .map(key)
      .sort(),
    'the same grades, check by check',
  );
  t.equal(
    remote.verdicts.get('icmp > fragmentation needed (unreachable 4) makes the sender use smaller segments (path MTU discovery)'),
    'skip: needs the lab agent',
  );
  // The ICMP errors are in the run's pcap, counted with their connection's segments, within the bounds.
  const target = /^remote ([\d.]+):/.exec(remote.results.find((r) => r.suite === 'icmp')?.target ?? '')?.[1];
  t.ok(target && remote.pcap, 'the icmp suite ran against the lab as remote and wrote its pcap');
  const icmp = decodePcap(remote.pcap!).records.filter((r) => r.data[9] === PROTOCOL_ICMP && decodeIPv4(r.data).dst === target);
  t.ok(icmp.length >= 12, `${icmp.length} ICMP errors in the pcap, all to the target`);
  const audit = auditPacing(remote.pcap!, target!);
  t.ok(audit.maxPerConnPerSecond <= DEFAULT_RATE, `at most ${audit.maxPerConnPerSecond} packets of one connection in any 1 s (bound ${DEFAULT_RATE})`);
  t.ok(audit.maxTotalPerSecond <= DEFAULT_RATE * DEFAULT_MAX_CONNS, `at most ${audit.maxTotalPerSecond} in total in any 1 s`);
});
