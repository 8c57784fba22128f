// The interactive session in a real pseudo-terminal (tmux): typed commands, Tab completion,
// history, the prompt, colours, and the screen showing ESTABLISHED from both the FSM and the
// kernel; `quit` ends it with exit code 0 and its lab gone. Needs the Debian package tmux.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { run } from '../../src/sys/exec.js';

const MAIN = fileURLToPath(new URL('../../src/exercise/main.js', import.meta.url));
/** A tmux server of our own (-L): nothing of a user's tmux is touched. */
const NAME = `tcpfsm-ex-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', NAME, ...args]);

const screen = async (escapes = false): Promise<string> => (await tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-S', '-', '-t', NAME)).stdout;
const prompts = (text: string): number => text.split('\n').filter((l) => l.startsWith('tcpfsm>')).length;
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

async function until(what: string, ok: (text: string) => boolean, ms = 15_000): Promise<string> {
  const end = performance.now() + ms;
  for (;;) {
    const text = await screen();
    if (ok(text)) return text;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Type keys, press Enter, and wait for the next prompt (the command finished). */
async function type(keys: string[], literal = true): Promise<string> {
  const before = prompts(await screen());
  for (const k of keys) await tmux('send-keys', '-t', NAME, ...(literal ? ['-l'] : []), k);
  await tmux('send-keys', '-t', NAME, 'Enter');
  return until(`the prompt after ${keys.join(' ')}`, (s) => prompts(s) > before && lastLine(s) === 'tcpfsm>');
}

t.test('an interactive session in a terminal', async (t) => {
  try {
    await run('tmux', ['-V']);
  } catch (e) {
    t.fail(`tmux is needed for this test: apt-get install -y tmux (${(e as Error).message})`);
    return;
  }
  // kill-server leaves the socket file behind: remove it too.
  let socketPath: string | undefined;
  t.teardown(async () => {
    await tmux('kill-server').catch(() => undefined);
    if (socketPath) rmSync(socketPath, { force: true });
  });
  const started = performance.now();
  // tap sets NO_COLOR for its children; a student's terminal has colours, so this one does too.
  // The shell records the exit code (tmux's pane_dead_status proved unreliable right at exit).
  const exitFile = join(mkdtempSync(join(tmpdir(), 'tcpfsm-ex-')), 'exit');
  t.teardown(() => rmSync(dirname(exitFile), { recursive: true, force: true }));
  await tmux('new-session', '-d', '-s', NAME, '-x', '200', '-y', '50', `env -u NO_COLOR ${process.execPath} ${MAIN}; echo $? > ${exitFile}; sleep 30`);
  socketPath = (await tmux('display-message', '-p', '-t', NAME, '#{socket_path}')).stdout.trim();
  const first = await until('the first prompt', (s) => lastLine(s) === 'tcpfsm>');
  const namespace = /\((tcpfsm-\d+): target 198\.18\./.exec(first)?.[1];
  t.ok(namespace, `the terminal shows the lab (${namespace})`);
  t.match(first, 'Try:  listen 8080   connect   syn   ack   state   trace');

  await type(['listen 8080']);
  await type(['connect']);
  const syn = await type(['syn']);
  t.match(syn, /> probe\.40001 > target\.8080: Flags \[S\], seq 0, win 65535/);
  t.match(syn, /< target\.8080 > probe\.40001: Flags \[S\.\], seq 0, ack 1, .*\n\s+✓ as predicted/);
  t.match(syn, 'state: FSM SYN-RECEIVED | kernel SYN-RECEIVED  ✓ agree');
  await type(['ack']);

  // `sta` + Tab completes to `state`; Up recalls it from history.
  await tmux('send-keys', '-t', NAME, '-l', 'sta');
  await tmux('send-keys', '-t', NAME, 'Tab');
  await until('Tab completing sta', (s) => lastLine(s) === 'tcpfsm> state');
  t.pass('Tab completed sta to state');
  await type([], false);
  let text = await screen();
  await tmux('send-keys', '-t', NAME, 'Up');
  await until('Up recalling state', (s) => lastLine(s) === 'tcpfsm> state');
  await type([], false);
  text = await screen();
  t.equal(text.split('\n').filter((l) => l.startsWith('tcpfsm> state')).length, 2, 'Up recalled state from the history');
  const states = [...text.matchAll(/state: FSM (\S+) \| kernel (\S+) {2}✓ agree/g)].map((m) => `${m[1]}/${m[2]}`);
  t.same(states.slice(-2), ['ESTABLISHED/ESTABLISHED', 'ESTABLISHED/ESTABLISHED'], 'the screen shows ESTABLISHED from the FSM and from the kernel');
  t.match(text, /kernel socket \(ss\): ESTAB, Recv-Q 0, Send-Q 0/);
  t.match(await screen(true), /\x1b\[32m {2}state: FSM ESTABLISHED/, 'agreement in green on a terminal');

  const ladder = await type(['trace']);
  t.match(ladder, /\|-- \[S\] seq 0 -+>\|/);
  t.match(ladder, /\|<-+ \[S\.\] seq 0 ack 1 --\|  SYN-RECEIVED \(kernel SYN-RECEIVED\)/);
  t.match(ladder, /\|-- \[\.\] seq 1 ack 1 -+>\|  ESTABLISHED \(kernel ESTABLISHED\)/);

  await tmux('send-keys', '-t', NAME, '-l', 'quit');
  await tmux('send-keys', '-t', NAME, 'Enter');
  const end = performance.now() + 10_000;
  let exit = '';
  while (performance.now() < end && !exit.endsWith('\n')) {
    exit = existsSync(exitFile) ? readFileSync(exitFile, 'utf8') : '';
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(exit.trim(), '0', 'quit ends the session with exit code 0', { screen: exit.trim() === '0' ? undefined : await screen() });
  t.comment(`interactive session: ${Math.round(performance.now() - started)} ms`);

  const netns = (await run('ip', ['netns', 'list'])).stdout;
  t.notMatch(netns, new RegExp(`^${namespace} `, 'm'), 'its namespace is gone');
  t.notMatch((await run('ip', ['-o', 'link', 'show'])).stdout, new RegExp(`\\b${namespace}@`), 'its veth is gone');
  t.notMatch((await run('nft', ['list', 'tables'])).stdout, new RegExp(`${namespace}\\b`), 'its nft table is gone');
});
