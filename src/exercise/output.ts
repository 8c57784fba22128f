// Where the session writes: one line at a time, coloured only on a terminal (a pipe gets plain,
// stable text). While the REPL's prompt is showing, a line that arrives on its own (a segment
// from the target) is written above the prompt and the prompt redrawn.

export type Tone = 'plain' | 'out' | 'in' | 'good' | 'bad' | 'note' | 'title' | 'dim' | 'prompt';

const ANSI: Readonly<Record<Tone, string>> = {
  plain: '',
  out: '\x1b[34m',
  in: '\x1b[35m',
  good: '\x1b[32m',
  bad: '\x1b[1;31m',
  note: '\x1b[33m',
  title: '\x1b[1m',
  dim: '\x1b[2m',
  prompt: '\x1b[36m',
};

export class Printer {
  readonly colour: boolean;
  /** Set by the REPL while its prompt is on the screen: redraws it after a line. */
  promptShowing: (() => void) | null = null;

  constructor(readonly stream: NodeJS.WritableStream) {
    this.colour = !!(stream as NodeJS.WriteStream).isTTY && !process.env.NO_COLOR;
  }

  line(text = '', tone: Tone = 'plain'): void {
    const body = this.paint(text, tone);
    if (this.promptShowing) {
      // Clear the prompt line, write ours, redraw the prompt with what was typed so far.
      this.stream.write(`\r\x1b[K${body}\n`);
      this.promptShowing();
    } else {
      this.stream.write(body + '\n');
    }
  }

  lines(texts: readonly string[], tone: Tone = 'plain'): void {
    for (const t of texts) this.line(t, tone);
  }

  paint(text: string, tone: Tone): string {
    if (!this.colour || tone === 'plain' || !text) return text;
    return `${ANSI[tone]}${text}\x1b[0m`;
  }
}
