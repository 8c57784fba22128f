// Remote mode is honest: the same suites against a lab, once in lab mode (agent + ground truth)
// and once --as-remote (verdicts from packets alone, the agent only listens), must give the same
// verdict for every test that runs in both. Nothing may be left behind.
import t from 'tap';
import { PACKET_SUITES, runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('lab mode and --as-remote agree test by test', async (t) => {
  const lab = await runTcpfsm(PACKET_SUITES);
  const remote = await runTcpfsm(['--as-remote', ...PACKET_SUITES]);
  t.equal(remote.code, lab.code, `same exit code (lab ${lab.code}, as-remote ${remote.code})`, { stderr: remote.stderr });
  let compared = 0;
  for (const [name, verdict] of lab.verdicts) {
    const other = remote.verdicts.get(name);
    t.ok(other !== undefined, `${name}: reported in both modes`);
    if (verdict.startsWith('skip') || other?.startsWith('skip')) continue;
    compared++;
    t.equal(other, verdict, `${name}: ${verdict} in both modes`);
  }
  t.ok(compared >= 8, `${compared} tests ran in both modes`);
  const skipped = [...remote.verdicts].filter(([, v]) => v.startsWith('skip'));
  t.ok(
    skipped.every(([, v]) => /needs the lab agent|needs the server to close first/.test(v)),
    'as-remote skips only for declared needs',
    { skipped },
  );
  t.match(
    remote.stdout,
    /# remote: installed nft table inet tcpfsm-remote-\d+: oifname "tcpfsm-\d+" ip daddr 198\.1[89]\.\d+\.\d+ tcp sport 40000-59999/,
    'the table is scoped to the lab link, the target address and the probe ports',
  );
  t.match(remote.stderr, /removed nft table inet tcpfsm-remote-\d+ \(checked: nft list tables\)/, 'the CLI says the table was removed');
  t.same(await tablesLeftBy(remote), [], 'no remote-mode nft table of this run is left');
});
