// The interactive session: node:readline with history and Tab completion on a terminal; plain
// line reading (each command echoed, so the transcript reads like a terminal's) from a pipe.
import { createInterface, type Interface } from 'node:readline';
import { complete } from './commands.js';
import type { Printer } from './output.js';
import type { Session } from './session.js';

export const PROMPT = 'tcpfsm> ';

const isTty = (s: NodeJS.ReadableStream | NodeJS.WritableStream): boolean => !!(s as { isTTY?: boolean }).isTTY;

/** Lines typed by the student (or piped in), one at a time; null at end of input or Ctrl-C. */
export class Lines {
  readonly terminal: boolean;
  readonly rl: Interface;
  private readonly it: AsyncIterator<string>;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.terminal = isTty(input) && isTty(output);
    this.rl = createInterface({
      input,
      // A pipe gets no echo from readline: the session echoes each command itself.
      output: this.terminal ? output : undefined,
      terminal: this.terminal,
      completer: complete,
      historySize: 500,
      prompt: PROMPT,
    });
    // Ctrl-C ends the session the ordinary way (the lab is removed on the way out).
    this.rl.on('SIGINT', () => this.rl.close());
    this.it = this.rl[Symbol.asyncIterator]();
  }

  async next(): Promise<string | null> {
    const r = await this.it.next();
    return r.done ? null : r.value;
  }

  close(): void {
    this.rl.close();
  }
}

export interface ReplHooks {
  /** called after each command has run */
  after?: (line: string) => void;
}

export async function repl(session: Session, out: Printer, lines: Lines, hooks: ReplHooks = {}): Promise<void> {
  const showPrompt = () => {
    if (!lines.terminal) return;
    lines.rl.prompt();
    // A segment arriving while the student types is written above the prompt, which is redrawn.
    out.promptShowing = () => lines.rl.prompt(true);
  };
  showPrompt();
  for (;;) {
    const line = await lines.next();
    out.promptShowing = null;
    if (line === null) break;
    if (!lines.terminal) out.line(`${PROMPT}${line}`, 'prompt');
    if (!(await session.execute(line))) break;
    hooks.after?.(line);
    showPrompt();
  }
  out.promptShowing = null;
}
