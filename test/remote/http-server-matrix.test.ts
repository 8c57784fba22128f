// The remote matrix against a real third-party server: stock Linux behind python3's http.server in
// a lab namespace, --close-trigger http, --rate 50. No cell may fail (RFC 9293 3.10.7, RFC 5961,
// with the kernel's graded departures); an inconclusive cell must say why (a state the server
// does not reach, or a SYN cookie instead of a half-open connection).

import t from 'tap';
import { labWithHttpServer, runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('python3 http.server: the remote matrix has no failing cell', async (t) => {
  const { lab, port } = await labWithHttpServer(t);
  const run = await runTcpfsm(['--target', `${lab.target.ipv4}:${port}`, '--as-remote', '--close-trigger', 'http', '--rate', '50', 'matrix'], {
    timeoutMs: 170_000,
  });
  const cells = run.results.flatMap((r) => r.matrix ?? []);
  t.ok(cells.length >= 400, `the matrix ran (${cells.length} cells)`);
  const failed = cells.filter((c) => c.outcome === 'fail');
  t.same(
    failed.map((c) => `${c.state} <- ${c.kind} @${c.position}: ${c.error ?? c.observed}`),
    [],
    'no cell fails',
  );
  for (const c of cells.filter((x) => x.outcome === 'inconclusive'))
    t.match(c.observed, /precondition.* is not met/, `${c.state} <- ${c.kind} @${c.position} is inconclusive with its reason`);
  const count = (o: string) => cells.filter((c) => c.outcome === o).length;
  t.comment(`cells: ${count('pass')} pass, ${count('deviation')} deviation, ${count('inconclusive')} inconclusive, ${failed.length} fail`);
  t.same(await tablesLeftBy(run), [], 'no remote-mode nft table of this run is left');
});
