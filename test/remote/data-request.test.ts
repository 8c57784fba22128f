// The data-driven checks (segment size, zero-window probing, data retransmission) in the lab, where
// the agent makes the target send, and against a real third-party server in a lab namespace
// (python3's http.server, HTTP/1.1, a directory listing of ~6 kB), made to send by
// --data-request http and driven with --as-remote. Same kernel, same lab sysctls: the verdicts and
// the MUST findings must agree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { SuiteResult } from '../../src/peer/contract.js';
import { labWithHttpServer, runTcpfsm, tablesLeftBy } from './helpers.js';

const SUITES = ['mss', 'zero-window', 'timer-data-retransmit'];
const GRADED = ['MUST-15', 'MUST-16', 'MUST-19', 'MUST-20', 'MUST-35', 'MUST-36', 'MUST-37', 'SHLD-10', 'SHLD-11', 'SHLD-29', 'SHLD-30'];

/** requirement → the levels its findings had, over the tests that ran (black-box ones only: both runs have them). */
function levels(results: SuiteResult[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of results)
    for (const x of r.tests) {
      if (x.skip || /tcp_retries2's budget/.test(x.name)) continue;
      const conforming = x.trace
        .filter((l) => l.kind === 'note' && /^conforms: .*\((MUST|SHLD)-\d+\)/.test(l.text))
        .map((l) => /\(((?:MUST|SHLD)-\d+)\)/.exec(l.text)![1]!);
      for (const id of conforming) out.set(id, (out.get(id) ?? new Set()).add('conforms'));
      for (const f of x.findings ?? []) out.set(f.requirement, (out.get(f.requirement) ?? new Set()).add(f.level));
    }
  return out;
}

t.test('data-driven checks: the lab (agent) and http.server (--data-request http) agree', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-httpdir-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A listing larger than a few segments of 536 or 600 bytes: the segment sizes show.
  for (let i = 0; i < 60; i++) writeFileSync(join(dir, `a-file-with-a-long-name-${String(i).padStart(3, '0')}.txt`), 'x');
  const { lab, port } = await labWithHttpServer(t, ['--directory', dir, '--protocol', 'HTTP/1.1']);
  const [inLab, remote] = await Promise.all([
    runTcpfsm(SUITES),
    runTcpfsm(['--target', `${lab.target.ipv4}:${port}`, '--as-remote', '--data-request', 'http', ...SUITES]),
  ]);
  for (const [what, run] of [
    ['lab', inLab],
    ['http.server', remote],
  ] as const) {
    t.equal(run.code, 0, `${what}: exit 0`, { stderr: run.stderr });
    const ran = [...run.verdicts].filter(([n, v]) => !v.startsWith('skip') && !/tcp_retries2's budget/.test(n));
    t.equal(ran.length, 4, `${what}: both MSS tests, the zero-window test and the black-box retransmission test ran`, { verdicts: [...run.verdicts] });
    for (const [name, v] of ran) t.equal(v, 'pass', `${what}: ${name}`);
  }
  t.same(await tablesLeftBy(remote), [], 'no remote-mode nft table of this run is left');
  const a = levels(inLab.results);
  const b = levels(remote.results);
  for (const id of GRADED) {
    t.ok(a.has(id) && b.has(id), `${id} graded in both runs`, { lab: [...(a.get(id) ?? [])], remote: [...(b.get(id) ?? [])] });
    if (id.startsWith('MUST')) t.same([...(b.get(id) ?? [])], [...(a.get(id) ?? [])], `${id}: the same grade remotely as in the lab (conforms)`);
  }
  t.same([...(a.get('MUST-15') ?? [])], ['conforms'], 'MUST-15 conforms: 536-byte segments without an MSS option');
});
