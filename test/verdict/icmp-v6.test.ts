// The icmp suite over IPv6 on the lab's Linux: ICMPv6 errors from the probe's address, each
// requirement graded as this kernel earns it (tcp_v6_err: icmpv6_err_convert's "fatal" goes to
// tcp_req_err, so a SYN-RECEIVED request survives soft errors and is dropped on hard ones, the
// opposite of IPv4; ESTABLISHED keeps going on a hard error without IPV6_RECVERR; packet too
// big shrinks the segments to 1280 bytes), the IPv4-only tests skipped; and --as-remote grades
// the packet-only checks as lab mode does, its ICMPv6 errors paced as the segments.
import t from 'tap';
import { decodeIPv6, decodePcap, IPV6_HEADER_LENGTH, PROTOCOL_ICMPV6 } from '../../src/packet/index.js';
import { DEFAULT_MAX_CONNS, DEFAULT_RATE } from '../../src/peer/remote.js';
import type { Finding } from '../../src/verdict/grade.js';
import { type RunOutcome, runTcpfsm } from '../remote/helpers.js';
import { auditPacing } from '../remote/pacing-audit.js';

t.setTimeout(120_000);

type Graded = Pick<Finding, 'level' | 'requirement' | 'check'>;

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

const SOFT6 = [/code 0 \(no route\)/, /code 3 \(address unreachable\)/, /time exceeded, code 0/, /time exceeded, code 1/];

let labRun: Promise<RunOutcome> | undefined;
const lab = () => (labRun ??= runTcpfsm(['--family', '6', 'icmp'], { timeoutMs: 60_000 }));

t.test('lab Linux over IPv6: the grade of each ICMPv6 requirement', async (t) => {
  const run = await lab();
  t.equal(run.code, 0, 'no violation', { stderr: run.stderr });
  const g = graded(run);
  for (const code of SOFT6) {
    t.same(levelOf(g, 'MUST-56', new RegExp(`${code.source}.* in ESTABLISHED`)), ['conforms'], `MUST-56 ESTABLISHED ${code.source}`);
    t.same(levelOf(g, 'MUST-56', new RegExp(`${code.source}.* in SYN-RECEIVED`)), ['conforms'], `MUST-56 SYN-RECEIVED ${code.source}: kept (unlike IPv4)`);
  }
  const hard = (where: string) => [...levelOf(g, 'SHLD-26', new RegExp(`code [14] .* in ${where}`))];
  t.same(hard('SYN-RECEIVED'), ['conforms', 'conforms'], 'SHLD-26: a hard error drops the half-open connection');
  t.same(hard('ESTABLISHED'), ['deviation', 'deviation'], 'SHLD-26: ESTABLISHED goes on (no IPV6_RECVERR)');
  t.same(levelOf(g, 'MUST-54', /./), ['conforms', 'conforms'], 'MUST-54: shown by hard errors and by packet too big');
  t.same(levelOf(g, 'SHLD-6', /packet too big, next-hop MTU 1280/), ['conforms'], 'SHLD-6: smaller segments after packet too big');
  t.match(run.stdout, /observed before: IP lengths 1500[^\n]*after: retransmitted 1280/, 'full-sized before, 1280 after');
  const skipped = [...run.verdicts].filter(([, v]) => v.startsWith('skip: IPv4 only'));
  t.equal(skipped.length, 5, 'the five IPv4 tests are skipped over IPv6');
  // Each ICMPv6 error in the trace comes from the probe and quotes the target's whole segment (< 1280 bytes).
  const icmp = decodePcap(run.pcap!).records.filter((r) => r.data[0]! >>> 4 === 6 && r.data[6] === PROTOCOL_ICMPV6);
  t.ok(icmp.length >= 13, `${icmp.length} ICMPv6 errors in the pcap`);
  for (const r of icmp) {
    const ip = decodeIPv6(r.data);
    const quoted = r.data.subarray(IPV6_HEADER_LENGTH + 8);
    if (!(quoted[0]! >>> 4 === 6 && decodeIPv6(quoted).src === ip.dst && decodeIPv6(quoted).dst === ip.src && r.data.length <= 1280))
      t.fail('an ICMPv6 error that does not quote the target’s packet to it', { ip });
  }
});

t.test('--as-remote over IPv6 grades the packet-only checks as lab mode does, the ICMPv6 paced', async (t) => {
  const remote = await runTcpfsm(['--as-remote', '--family', '6', 'icmp'], { timeoutMs: 60_000 });
  const key = (f: Graded) => `${f.level} ${f.requirement} ${f.check}`;
  const packetOnly = (f: Graded) =>
    !/SHLD-6|packet too big/.test(`${f.requirement} ${f.check}`) && !(f.requirement === 'MUST-54' && /packet too big/.test(f.check));
  const labGrades = graded(await lab()).filter((f) => !/SHLD-6/.test(f.requirement));
  // MUST-54's conformance from packet too big is lab-only; the one from hard errors is in both.
  const must54 = labGrades.filter((f) => f.requirement === 'MUST-54');
  t.same(
    graded(remote).map(key).sort(),
    [...labGrades.filter((f) => f.requirement !== 'MUST-54'), ...must54.slice(0, 1)].filter(packetOnly).map(key).sort(),
    'the same grades, check by check',
  );
  const target = /^remote \[?([0-9a-f:]+)\]?:/.exec(remote.results.find((r) => r.suite === 'icmp')?.target ?? '')?.[1];
  t.ok(target && remote.pcap, 'the icmp suite ran against the lab as remote and wrote its pcap', { target: remote.results[0]?.target });
  const icmp = decodePcap(remote.pcap!).records.filter((r) => r.data[0]! >>> 4 === 6 && r.data[6] === PROTOCOL_ICMPV6 && decodeIPv6(r.data).dst === target);
  t.ok(icmp.length >= 12, `${icmp.length} ICMPv6 errors in the pcap, all to the target`);
  const audit = auditPacing(remote.pcap!, target!);
  t.ok(audit.maxPerConnPerSecond <= DEFAULT_RATE, `at most ${audit.maxPerConnPerSecond} packets of one connection in any 1 s (bound ${DEFAULT_RATE})`);
  t.ok(audit.maxTotalPerSecond <= DEFAULT_RATE * DEFAULT_MAX_CONNS, `at most ${audit.maxTotalPerSecond} in total in any 1 s`);
});
