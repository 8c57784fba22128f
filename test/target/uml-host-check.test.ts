// Whether this machine runs User-Mode Linux, for real: the one-boot check leaves nothing behind,
// and the run follows it — a machine that cannot run UML refuses `--stack uml` with the reason
// (exit 2, one line, nothing created); one that can runs a suite on it.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { run } from '../../src/sys/exec.js';
import { umlCheckUmid, umlHostProblem } from '../../src/target/uml/host-check.js';
import { runTcpfsm } from '../remote/helpers.js';

// Scoped to this process's check: other test files boot guests and run checks of their own.
const checkDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`${umlCheckUmid()}-`));
const checkProcesses = () =>
  run('pgrep', ['-f', `umid=${umlCheckUmid()}`]).then(
    (r) => r.stdout.split(/\s+/).filter(Boolean),
    () => [], // pgrep exits 1 when nothing matches
  );

const started = performance.now();
const problem = await umlHostProblem();
const tookMs = performance.now() - started;

t.test('the check boots once and leaves nothing', async (t) => {
  t.comment(`UML check: ${problem ?? 'runs here'} (${Math.round(tookMs)} ms)`);
  t.ok(tookMs < 20_000, 'it ended by itself, before its timeout');
  t.same(checkDirs(), [], 'no uml_dir of the check is left in the temporary directory');
  t.same(await checkProcesses(), [], 'no linux.uml process of the check is left');
  t.equal(await umlHostProblem(), problem, 'the answer is remembered: one boot per process');
});

t.test('a machine that cannot run UML refuses --stack uml with the reason', { skip: problem === null && 'UML runs on this machine' }, async (t) => {
  const r = await runTcpfsm(['--stack', 'uml', 'handshake'], { timeoutMs: 30_000 });
  t.equal(r.code, 2, 'exit 2');
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  t.ok(r.stderr.includes(`--stack uml: this machine cannot run it: ${problem}`), 'says why', { stderr: r.stderr });
  t.equal(r.results.length, 0, 'nothing ran');
});

t.test(
  'named beside another stack, the other still runs; the run then ends with exit 2 and the reason',
  { skip: problem === null && 'UML runs on this machine' },
  async (t) => {
    const r = await runTcpfsm(['--stack', 'linux,uml', 'handshake'], { timeoutMs: 60_000 });
    t.equal(r.code, 2, 'exit 2');
    t.ok(r.stdout.includes(`--stack uml: this machine cannot run it: ${problem} (the other stacks run)`), 'the header says so first', {
      stdout: r.stdout.slice(0, 2000),
    });
    t.ok(r.stderr.includes(`--stack uml: this machine cannot run it: ${problem}`), 'and the last word', { stderr: r.stderr });
    const linux = r.results.filter((x) => x.stack === 'linux' || x.stack === undefined);
    t.ok(linux.length === 1 && linux[0]!.tests.length > 0 && linux[0]!.tests.every((x) => x.ok), 'handshake ran on linux and passed');
    t.notOk(
      r.results.some((x) => x.stack === 'uml'),
      'nothing ran on uml',
    );
  },
);

t.test('a machine that runs UML runs a suite on it', { skip: problem !== null && `UML cannot run here: ${problem}` }, async (t) => {
  const r = await runTcpfsm(['--stack', 'uml', 'handshake'], { timeoutMs: 60_000 });
  t.equal(r.code, 0, 'exit 0', { stderr: r.stderr.slice(-2000) });
  t.ok(
    r.results.some((x) => x.stack === 'uml' || x.suite === 'handshake'),
    'the suite ran',
  );
});
