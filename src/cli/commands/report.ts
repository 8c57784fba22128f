// tcpfsm report open|path [dir]: from the shell to the report page in one step. `open` hands the
// page's file:// URL to xdg-open when the machine has it (a desktop), and prints the URL otherwise
// (a server over ssh: copy it, or the folder, to a machine with a browser); `path` prints the
// index.html path for scripts.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Argv } from 'yargs';
import { UsageError } from '../../sys/errors.js';
import { io } from '../io.js';

export interface ReportArgs {
  dir: string;
}

/**
 * The index.html a user means by `dir`: the file itself, a run's folder, or a report root (its
 * `latest` run); the real path, so the URL names the run and survives the next run.
 */
export function reportIndex(dir: string): string {
  const abs = resolve(dir);
  const candidates = [abs, join(abs, 'index.html'), join(abs, 'latest', 'index.html')];
  const found = candidates.find((c) => c.endsWith('.html') && existsSync(c) && statSync(c).isFile());
  if (!found)
    throw new UsageError(`no report in ${dir}: looked for ${dir}/index.html and ${dir}/latest/index.html (run 'tcpfsm run' first, or name a report folder)`);
  return realpathSync(found);
}

/** The file:// URL of a report page. */
export const reportUrl = (index: string): string => pathToFileURL(index).href;

function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Run xdg-open; resolves true when it exited 0 or is still busy after `waitMs` (a browser it started). */
function xdgOpen(program: string, url: string, waitMs = 3000): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(program, [url], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      child.unref();
      done(true);
    }, waitMs);
    child.on('error', () => {
      clearTimeout(timer);
      done(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done(code === 0);
    });
  });
}

export function reportBuilder(y: Argv, handle: (run: Promise<number>) => Promise<void>): Argv {
  const dir = (yy: Argv) =>
    yy
      .positional('dir', { describe: "a report folder (its latest run), one run's folder, or an index.html", type: 'string', default: 'reports' })
      .example('$0 report open', 'reports/latest/index.html in a browser (xdg-open), or its file:// URL')
      .example('$0 report open /tmp/r/2025-01-01T00-00-00Z', 'one particular run')
      .example('$0 report path ~/tcpfsm-reports', 'the page of the latest run under another report folder') as unknown as Argv<ReportArgs>;
  return y
    .command<ReportArgs>('open [dir]', 'open the latest report in a browser (xdg-open), or print its file:// URL', dir, (a) => handle(reportOpen(a)))
    .command<ReportArgs>('path [dir]', "print the latest report's index.html path", dir, (a) => handle(reportPath(a)))
    .demandCommand(1, 'name a subcommand: report open or report path')
    .example('$0 report open', 'the latest run of reports/ in your browser')
    .example('$0 report open /tmp/r/2025-01-01T00-00-00Z', 'one particular run')
    .example('$0 report path', 'the index.html path, for scripts')
    .example('firefox "$($0 report path)"', 'any browser you like');
}

export async function reportOpen(a: ReportArgs): Promise<number> {
  const url = reportUrl(reportIndex(a.dir));
  const opener = onPath('xdg-open');
  if (opener && (await xdgOpen(opener, url))) {
    io.out(`opened ${url}\n`);
    return 0;
  }
  io.out(`${url}\n`);
  io.err(`tcpfsm: ${opener ? 'xdg-open could not open it' : 'no xdg-open here'}: open the URL above in a browser\n`);
  return 0;
}

export async function reportPath(a: ReportArgs): Promise<number> {
  io.out(`${reportIndex(a.dir)}\n`);
  return 0;
}
