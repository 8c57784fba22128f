// A plain correct server judged fairly: stock Linux behind python3's http.server, in a lab
// namespace, driven as a remote (--as-remote) with the RFC profile. Its FIN rides on its last data
// segment with PSH ([FP.]): legal (RFC 9293 3.9.1, 3.10.4), so every packet-only test passes with
// zero violations and zero deviations. The same server under the strict linux profile agrees.

import t from 'tap';
import { labWithHttpServer, PACKET_SUITES, runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('python3 http.server: zero violations and deviations under --profile rfc', async (t) => {
  const { lab, port } = await labWithHttpServer(t);
  for (const profile of ['rfc', 'linux']) {
    const run = await runTcpfsm(['--target', `${lab.target.ipv4}:${port}`, '--as-remote', '--close-trigger', 'http', '--profile', profile, ...PACKET_SUITES]);
    const ran = [...run.verdicts].filter(([, v]) => !v.startsWith('skip'));
    t.ok(ran.length >= 13, `${profile}: the packet-only tests ran (${ran.length})`);
    for (const [name, v] of ran) t.equal(v, 'pass', `${profile}: ${name}`);
    const findings = run.results.flatMap((r) => r.tests.flatMap((x) => x.findings ?? []));
    t.same(
      findings.filter((f) => f.level === 'violation' || f.level === 'deviation'),
      [],
      `${profile}: no violation or deviation`,
    );
    t.equal(run.code, 0, `${profile}: exit 0`, { stderr: run.stderr });
    const notes = run.results.flatMap((r) => r.tests.flatMap((x) => x.trace.map((l) => l.text)));
    t.ok(
      notes.some((n) => /its FIN rode on the last data segment/.test(n)),
      `${profile}: the server's FIN rode on its data`,
    );
    t.same(await tablesLeftBy(run), [], `${profile}: no remote-mode nft table of this run is left`);
  }
});
