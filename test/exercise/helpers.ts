// Shared by the exercise tests: run an exercise in this process with its output collected, and
// find what a process left behind.
import { PassThrough, Readable } from 'node:stream';
import { type ExerciseOptions, runExercise } from '../../src/exercise/index.js';
import { run } from '../../src/sys/exec.js';

/** Run an exercise; the transcript is everything it printed (not a terminal: plain, stable text). */
export async function transcriptOf(opts: ExerciseOptions & { lines?: string[] }): Promise<{ code: number; text: string; ms: number }> {
  const output = new PassThrough();
  let text = '';
  output.setEncoding('utf8');
  output.on('data', (d: string) => (text += d));
  const input = opts.lines ? Readable.from(opts.lines.map((l) => `${l}\n`)) : undefined;
  const started = performance.now();
  const code = await runExercise({ ...opts, input, output });
  return { code, text, ms: performance.now() - started };
}

/** Lab links whose owner (the alias createLab sets) is process `pid`: empty when it cleaned up. */
export async function labLinksOf(pid: number): Promise<string[]> {
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n');
  return links.filter((l) => l.includes(`alias tcpfsm:pid=${pid}`)).map((l) => l.split(':')[1]!.trim());
}

/** Lines after the echoed command `command` up to the next prompt (the first time it was run). */
export function outputOf(text: string, command: string, occurrence = 1): string {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(`tcpfsm> ${command}\n`, at + 1);
    if (at < 0) throw new Error(`'${command}' (${occurrence}) not in the transcript`);
  }
  const start = at + `tcpfsm> ${command}\n`.length;
  const next = text.slice(start).search(/^(tcpfsm> |── |Answer:)/m);
  return next < 0 ? text.slice(start) : text.slice(start, start + next);
}

/** The `state:` lines' FSM and kernel states, in order. */
export function statesIn(text: string): Array<[string, string]> {
  return [...text.matchAll(/^ {2}state: FSM (\S+) \| kernel (\S+)/gm)].map((m) => [m[1]!, m[2]!]);
}
