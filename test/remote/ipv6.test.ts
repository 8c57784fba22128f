// Remote mode over IPv6: `--as-remote --target [ULA]:port` against a lab this test makes (the
// agent listens on '::'), so the literal is parsed, the route found through the lab's link, the
// nft table scoped with `ip6 daddr`, and the verdicts come from IPv6 packets alone. Nothing is
// sent anywhere but the lab's own ULA address.
import t from 'tap';
import { createLab } from '../../src/lab/index.js';
import { decodePacket, decodePcap } from '../../src/packet/index.js';
import { runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('--as-remote over IPv6 against a lab address: the handshake suite passes from packets alone', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const { port } = await lab.agent.listen(0, { host: '::', backlog: 128 });
  const target = `[${lab.target.ipv6}]:${port}`;
  const run = await runTcpfsm(['--as-remote', '--target', target, 'handshake'], { timeoutMs: 120_000 });
  t.equal(run.code, 0, `exit 0 against ${target}`, { stderr: run.stderr });
  const verdicts = [...run.verdicts];
  t.ok(verdicts.filter(([, v]) => v === 'pass').length >= 3, 'the packet-only handshake tests pass', { verdicts });
  t.ok(
    verdicts.every(([, v]) => v === 'pass' || /needs the lab agent/.test(v)),
    'the others skip for the agent they declare',
    { verdicts },
  );
  t.match(
    run.results[0]?.target,
    `remote ${target} (${lab.target.ipv6} via ${lab.probeInterface} from ${lab.probe.ipv6})`,
    'route: the lab link, our ULA source',
  );
  t.match(
    run.stdout,
    new RegExp(`# remote: installed nft table inet tcpfsm-remote-\\d+: oifname "${lab.probeInterface}" ip6 daddr ${lab.target.ipv6} tcp sport 40000-59999`),
    'the table is scoped to the lab link, the IPv6 target address and the probe ports',
  );
  t.match(run.stderr, /removed nft table inet tcpfsm-remote-\d+ \(checked: nft list tables\)/, 'the CLI says the table was removed');
  t.same(await tablesLeftBy(run), [], 'no remote-mode nft table of this run is left');
  const records = decodePcap(run.pcap!).records.map((r) => decodePacket(r.data).ip);
  t.ok(records.length >= 10, `the trace holds the run (${records.length} segments)`);
  t.ok(
    records.every((ip) => ip.version === 6 && [lab.target.ipv6, lab.probe.ipv6].includes(ip.src) && [lab.target.ipv6, lab.probe.ipv6].includes(ip.dst)),
    'every segment is IPv6 between the lab ends',
  );
});
