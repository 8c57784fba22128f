// Remote pacing, measured from the run's own pcap (reports/<ts>/trace.pcap): one lab target
// (its agent only listens), the packet-only suites run against it with --target --as-remote and
// the default --jobs, so every suite process aims at the same target. For every connection and
// for all of them together, over sliding 1 s windows, what was sent must stay within the bounds
// `run --help` and the README state, and half-open connections never exceed --max-conns.
import t from 'tap';
import { createLab } from '../../src/lab/index.js';
import { DEFAULT_MAX_CONNS, DEFAULT_RATE } from '../../src/peer/remote.js';
import { PACKET_SUITES, runTcpfsm, tablesLeftBy } from './helpers.js';
import { auditPacing, maxInWindow, sentTo } from './pacing-audit.js';

t.test('a remote run stays within its pacing bounds, per connection and in total (measured from trace.pcap)', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const { port } = await lab.agent.listen(0, { backlog: 128 });
  const run = await runTcpfsm(['--target', `${lab.target.ipv4}:${port}`, '--as-remote', ...PACKET_SUITES], { timeoutMs: 600_000 });
  t.ok(run.pcap, 'the run wrote trace.pcap', { stderr: run.stderr });
  const audit = auditPacing(run.pcap!, lab.target.ipv4);
  // The bounds as README and `run --help` state them (written out here, not imported: the spec).
  const rate = DEFAULT_RATE;
  const perConn = Math.max(1, Math.floor(rate));
  const burst = Math.min(2, perConn);
  const bounds = { perConnPerSecond: perConn, burst, burstWindowMs: (burst / rate) * 1000, totalPerSecond: Math.max(1, Math.floor(rate * DEFAULT_MAX_CONNS)) };
  t.comment(`measured: ${JSON.stringify(audit)}`);
  t.comment(`bounds: ${JSON.stringify(bounds)}`);
  t.ok(audit.sent >= 50 && audit.connections >= 10, `a real run to measure (${audit.sent} segments on ${audit.connections} connections)`);
  t.ok(
    audit.maxPerConnPerSecond <= bounds.perConnPerSecond,
    `per connection: at most ${audit.maxPerConnPerSecond} segments in any 1 s (bound ${bounds.perConnPerSecond}; busiest ${audit.busiestConn})`,
  );
  t.ok(audit.maxTotalPerSecond <= bounds.totalPerSecond, `in total: at most ${audit.maxTotalPerSecond} segments in any 1 s (bound ${bounds.totalPerSecond})`);
  t.ok(audit.maxHalfOpen <= DEFAULT_MAX_CONNS, `at most ${audit.maxHalfOpen} connections half-open at once (--max-conns ${DEFAULT_MAX_CONNS})`);
  // Back to back: at most `burst` segments of one connection in any burst/rate window.
  const ours = sentTo(run.pcap!, lab.target.ipv4);
  const perConnStamps = new Map<string, bigint[]>();
  for (const s of ours) (perConnStamps.get(s.conn) ?? perConnStamps.set(s.conn, []).get(s.conn)!).push(s.at);
  const maxBurst = Math.max(...[...perConnStamps.values()].map((st) => maxInWindow(st, BigInt(Math.round(bounds.burstWindowMs * 1e6)))));
  t.ok(maxBurst <= bounds.burst, `burst: at most ${maxBurst} segments of one connection in any ${bounds.burstWindowMs} ms (bound ${bounds.burst})`);
  t.not(run.code, 2, 'the run itself ran', { stderr: run.stderr });
  t.same(await tablesLeftBy(run), [], 'no remote-mode nft table of this run is left');
});
