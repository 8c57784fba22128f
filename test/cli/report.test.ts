// tcpfsm report open|path: the report page in one step, from a report root (its latest run), a
// run's folder or the page itself; xdg-open when the machine has it, else the file:// URL.

import { chmodSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test as Tap } from 'tap';
import { tcpfsmInProcess } from './helpers.js';

/** A report root with one run and `latest`; `bin` and `nothing` beside it for PATH. */
function reports(t: Tap): { root: string; index: string; bin: string; nothing: string } {
  const dir = t.testdir({ reports: { '2025-01-01T00-00-00Z': { 'index.html': '<!DOCTYPE html><title>run</title>' } }, bin: {}, nothing: {} });
  const root = join(dir, 'reports');
  symlinkSync('2025-01-01T00-00-00Z', join(root, 'latest'));
  return { root, index: realpathSync(join(root, '2025-01-01T00-00-00Z', 'index.html')), bin: join(dir, 'bin'), nothing: join(dir, 'nothing') };
}

/** Run with PATH set to `path` only (in-process: the command reads PATH when it looks for xdg-open). */
async function withPath<T>(path: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await f();
  } finally {
    process.env.PATH = saved;
  }
}

t.test('report path: the real index.html of the latest run, a named run, or a page', async (t) => {
  const { root, index } = reports(t);
  for (const dir of [root, join(root, 'latest'), join(root, '2025-01-01T00-00-00Z'), join(root, 'latest', 'index.html')]) {
    const r = await tcpfsmInProcess(['report', 'path', dir]);
    t.same([r.code, r.stdout, r.stderr], [0, `${index}\n`, ''], dir);
  }
  const none = await tcpfsmInProcess(['report', 'path', join(root, '2025-01-01T00-00-00Z', 'missing')]);
  t.equal(none.code, 2, 'nothing there: exit 2');
  t.match(none.stderr, /^tcpfsm: no report in .*missing: looked for/);
});

t.test('report open: xdg-open gets the file:// URL; without it the URL is printed', async (t) => {
  const { root, index, bin, nothing } = reports(t);
  const url = pathToFileURL(index).href;
  const log = join(bin, 'args');
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > ${log}\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const opened = await withPath(bin, () => tcpfsmInProcess(['report', 'open', root]));
  t.same([opened.code, opened.stdout, opened.stderr], [0, `opened ${url}\n`, '']);
  t.equal(readFileSync(log, 'utf8'), `${url}\n`, "xdg-open was given the page's URL");

  const printed = await withPath(nothing, () => tcpfsmInProcess(['report', 'open', root]));
  t.equal(printed.code, 0);
  t.equal(printed.stdout, `${url}\n`, 'the URL alone on stdout');
  t.match(printed.stderr, /^tcpfsm: no xdg-open here: open the URL above in a browser\n$/);

  writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 3\n');
  const failed = await withPath(bin, () => tcpfsmInProcess(['report', 'open', root]));
  t.same([failed.code, failed.stdout], [0, `${url}\n`], 'xdg-open failing: the URL printed');
  t.match(failed.stderr, /xdg-open could not open it/);
});
