// SIGINT in the middle of a remote run: the suite removes its nft table (and its lab) and the CLI
// exits 130. Also: bad targets are one clear error, exit 2, with nothing installed.
import t from 'tap';
import { listLabs } from '../../src/lab/index.js';
import { runTcpfsm, tablesLeftBy } from './helpers.js';

t.test('SIGINT during a remote run leaves no nft table behind', async (t) => {
  const labsBefore = new Set((await listLabs()).map((l) => l.name));
  let sent = false;
  const run = await runTcpfsm(['--as-remote', 'handshake'], {
    onStdout: (_s, child) => {
      // Once the table exists and the first test is under way.
      if (!sent && /# remote: installed nft table/.test(run_stdout(_s))) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 5);
      }
    },
  });
  t.ok(sent, 'SIGINT was sent while the table existed');
  t.equal(run.code, 130, 'exit 130 (SIGINT)', { stderr: run.stderr });
  t.match(run.stderr, /removed nft table inet tcpfsm-remote-\d+ \(checked: nft list tables\)/, 'the removal is reported on stderr');
  t.same(await tablesLeftBy(run), [], 'no remote-mode nft table of this run is left');
  // The CLI can return while its suite is still removing the lab (src/cli/runner.ts): wait for
  // that suite to finish (up to 10 s), then nothing of the run may be left.
  const ours = async () => (await listLabs()).filter((l) => !labsBefore.has(l.name));
  for (let i = 0; i < 100 && (await ours()).some((l) => l.ownerAlive); i++) await new Promise((r) => setTimeout(r, 100));
  const leftover = await ours();
  t.same(
    leftover.map((l) => l.name),
    [],
    'no lab of the run is left',
  );
});

let buffered = '';
function run_stdout(chunk: string): string {
  buffered += chunk;
  return buffered;
}

for (const [args, pattern] of [
  [['--target', 'no-such-host.invalid:80'], /cannot resolve 'no-such-host\.invalid'/],
  // IPv6 targets are accepted; the ones no server can have are refused before anything is installed.
  [['--target', '[ff02::1]:80'], /--target ff02::1 is a multicast address \(ff00::\/8\)/],
  [['--target', '[fd00::2]:80', '--as-remote'], /--as-remote: fd00::2 is not a lab address/],
  [['--target', '198.18.0.1:http'], /--target wants host:port/],
  [['--target', '192.0.2.7:80', '--as-remote'], /not a lab address/],
  [['--target', '127.0.0.2:45000'], /outside the probe's source ports/],
  [['--as-remote', '--close-trigger', 'sometimes'], /--close-trigger wants 'http' or 'idle:SECONDS'/],
  [['--as-remote', '--rate', '0'], /--rate wants segments per second/],
  [['--rate', '3'], /only apply to remote mode/],
] as const) {
  t.test(`tcpfsm run ${args.join(' ')}: one clear error, exit 2, nothing installed`, async (t) => {
    const run = await runTcpfsm([...args, 'handshake'], { timeoutMs: 60_000 });
    t.equal(run.code, 2, 'exit 2', { stderr: run.stderr });
    t.match(run.stderr, pattern, 'says what is wrong');
    t.notMatch(run.stdout + run.stderr, /installed nft table/, 'no nft table was installed');
    t.same(await tablesLeftBy(run), [], 'no nft table');
  });
}
