// A real third-party server: nginx in a lab namespace, driven with --target <lab address> and
// --as-remote, its close triggered by an HTTP/1.0 request (--close-trigger http). Every test that
// does not need the agent must pass, the app-close ones included.
import t from 'tap';
import { createLab } from '../../src/lab/index.js';
import { PACKET_SUITES, runTcpfsm, tablesLeftBy } from './helpers.js';
import { startNginx } from './nginx.js';

t.test('packet-only suites pass against nginx in a lab', async (t) => {
  const lab = await createLab();
  t.teardown(() => lab.destroy());
  const nginx = await startNginx(lab);
  t.teardown(() => nginx.stop());
  const run = await runTcpfsm(['--target', `${lab.target.ipv4}:${nginx.port}`, '--as-remote', '--close-trigger', 'http', ...PACKET_SUITES]);
  const ran = [...run.verdicts].filter(([, v]) => !v.startsWith('skip'));
  for (const [name, v] of ran) t.equal(v, 'pass', `${name} against nginx`);
  t.ok(
    ran.some(([n]) => n.startsWith('active-close >')) && ran.some(([n]) => n.startsWith('simultaneous-close >')),
    'the app-close tests ran (close trigger http)',
  );
  for (const [name, v] of run.verdicts) if (v.startsWith('skip')) t.match(v, /needs the lab agent/, `${name}: skipped only for the agent`);
  t.equal(run.code, 0, 'exit 0', { stderr: run.stderr });
  t.match(run.stdout, /its ACK of our request|bytes of the server's data/, 'the server answered the request with data before its FIN');
  t.same(await tablesLeftBy(run), [], 'no remote-mode nft table of this run is left');
});
