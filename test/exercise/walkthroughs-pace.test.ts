// Every walkthrough at reading pace, in a real terminal: a student who reads for PAUSE_MS before
// pressing Enter at each step must see no ✗ (the lab's short timers used to make the target give
// up while the student read: `close` ended with "✗ expected nothing, got [R]"). The walkthroughs
// run side by side, each in a tmux session of its own on its own lab.
import t from 'tap';
import { WALKTHROUGHS } from '../../src/exercise/index.js';
import { run } from '../../src/sys/exec.js';
import { haveTmux, MAIN, TmuxServer } from './tmux.js';

/** A few seconds of reading per step: the smallest pause that broke `close` and `time-wait`. */
const PAUSE_MS = 4000;
/** Labs at once: the machine has two cores shared with other work. */
const PARALLEL = 4;
const PRESS_ENTER = '(press Enter for the next step)';
const CHECK = /Type {2}(.+?) {2}to check your answer/;

interface Run {
  name: string;
  text: string;
  code: number | undefined;
  pauses: number;
}

async function drive(server: TmuxServer, name: string): Promise<Run> {
  const session = `w-${name}`;
  await server.start(session, `env -u NO_COLOR ${process.execPath} ${MAIN} --walkthrough ${name}`);
  let pauses = 0;
  let text = '';
  for (;;) {
    text = await server.until(session, `a pause or the question of ${name}`, (s) => s.split(PRESS_ENTER).length - 1 > pauses || CHECK.test(s), 120_000);
    if (CHECK.test(text)) break;
    pauses++;
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    await server.keys(session, '');
  }
  const command = CHECK.exec(text)![1]!;
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  await server.keys(session, command);
  await server.until(session, `the answer of ${name}`, (s) => /End of the walkthrough/.test(s), 120_000);
  await server.keys(session, 'quit');
  const end = performance.now() + 15_000;
  let code = server.exitCode(session);
  while (code === undefined && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    code = server.exitCode(session);
  }
  return { name, text: await server.screen(session), code, pauses };
}

t.test('every walkthrough at reading pace, in a terminal', { timeout: 600_000 }, async (t) => {
  const missing = await haveTmux();
  if (missing) return t.fail(missing);
  const server = new TmuxServer();
  t.teardown(() => server.close());
  const started = performance.now();
  const queue = WALKTHROUGHS.map((w) => w.name);
  const runs: Run[] = [];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) runs.push(await drive(server, name));
    }),
  );
  t.comment(`${runs.length} walkthroughs with a ${PAUSE_MS / 1000} s pause per step: ${Math.round((performance.now() - started) / 1000)} s`);
  for (const name of WALKTHROUGHS.map((w) => w.name)) {
    const r = runs.find((x) => x.name === name)!;
    t.test(name, async (t) => {
      t.ok(r.pauses > 0, `${r.pauses} pauses of ${PAUSE_MS / 1000} s`);
      const bad = r.text.split('\n').filter((l) => l.includes('✗'));
      t.same(bad, [], 'no ✗ anywhere', { transcript: bad.length ? r.text : undefined });
      t.match(r.text, 'End of the walkthrough: the FSM and the kernel agreed at every step.');
      t.equal(r.code, 0, 'exit code 0');
      // On a terminal the lab's name is shown; once the walkthrough has ended it must be gone.
      const namespace = /\((tcpfsm-\d+): target 198\.18\./.exec(r.text)?.[1];
      t.ok(namespace, `the terminal showed the lab (${namespace})`);
      t.notMatch((await run('ip', ['netns', 'list'])).stdout, new RegExp(`^${namespace} `, 'm'), 'its namespace is gone');
    });
  }
});
