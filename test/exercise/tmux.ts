// Driving the exercise in a real pseudo-terminal: a tmux server of our own (-L, nothing of a
// user's tmux is touched), one session per run, the screen read back with capture-pane.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/sys/exec.js';

export const MAIN = fileURLToPath(new URL('../../src/exercise/main.js', import.meta.url));

export class TmuxServer {
  readonly name = `tcpfsm-ex-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'tcpfsm-ex-'));
  private socketPath: string | undefined;

  tmux(...args: string[]) {
    return run('tmux', ['-L', this.name, '-f', join(this.dir, 'tmux.conf'), ...args]);
  }

  /** Start `command` in a new 200×50 session named `session`; its exit code lands in exitFile(session). */
  async start(session: string, command: string): Promise<void> {
    // A long scrollback: capture-pane -S - then sees the whole transcript.
    writeFileSync(join(this.dir, 'tmux.conf'), 'set -g history-limit 100000\n');
    await this.tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', `${command}; echo $? > ${this.exitFile(session)}; sleep 60`);
    this.socketPath ??= (await this.tmux('display-message', '-p', '-t', session, '#{socket_path}')).stdout.trim();
  }

  exitFile(session: string): string {
    return join(this.dir, `${session}.exit`);
  }

  /** The session's exit code, once its command has ended (undefined before). */
  exitCode(session: string): number | undefined {
    const f = this.exitFile(session);
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    return text.endsWith('\n') ? Number(text.trim()) : undefined;
  }

  /** The whole transcript so far, wrapped lines joined. */
  async screen(session: string, escapes = false): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-S', '-', '-t', session)).stdout;
  }

  async keys(session: string, text: string, enter = true): Promise<void> {
    if (text) await this.tmux('send-keys', '-t', session, '-l', text);
    if (enter) await this.tmux('send-keys', '-t', session, 'Enter');
  }

  async until(session: string, what: string, ok: (text: string) => boolean, ms = 30_000): Promise<string> {
    const end = performance.now() + ms;
    for (;;) {
      const text = await this.screen(session);
      if (ok(text)) return text;
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async close(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    if (this.socketPath) rmSync(this.socketPath, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function haveTmux(): Promise<string | undefined> {
  try {
    await run('tmux', ['-V']);
    return undefined;
  } catch (e) {
    return `tmux is needed for this test: apt-get install -y tmux (${(e as Error).message})`;
  }
}
