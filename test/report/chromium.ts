// Headless Chromium for the report tests: render a page to a PNG, dump the DOM after scripts ran,
// or check XML with the browser's own parser. Debian package `chromium` (scripts/setup.sh).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

function chromium(args: string[], timeoutMs = 60_000): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'tcpfsm-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${profile}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, [...flags, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        return reject(new Error(missing ? `${CHROMIUM} not found: apt-get install chromium (scripts/setup.sh)` : `chromium failed: ${err.message}\n${stderr}`));
      }
      resolve(stdout);
    });
  });
}

export const screenshot = (file: string, png: string, size = '1280,2000'): Promise<string> =>
  chromium([`--screenshot=${png}`, `--window-size=${size}`, pathToFileURL(file).href]);

export const dumpDom = (file: string): Promise<string> => chromium(['--dump-dom', pathToFileURL(file).href]);

/**
 * Parse each document with the browser's XML parser (DOMParser, application/xml) and report
 * the parse error per document, '' where it is well-formed.
 */
export async function xmlErrors(docs: readonly string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-xml-'));
  try {
    const page = join(dir, 'check.html');
    const script = `
      const docs = ${JSON.stringify(docs).replace(/</g, '\\u003c')};
      const out = docs.map((d) => {
        const doc = new DOMParser().parseFromString(d, 'application/xml');
        const err = doc.getElementsByTagName('parsererror')[0];
        return err ? (err.textContent || 'parse error') : '';
      });
      document.getElementById('out').textContent = JSON.stringify(out);`;
    writeFileSync(page, `<!DOCTYPE html><html><body><pre id="out">pending</pre><script>${script}</script></body></html>`);
    const dom = await dumpDom(page);
    const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(dom);
    if (!m) throw new Error(`no result in the dumped DOM: ${dom.slice(0, 300)}`);
    const json = m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return JSON.parse(json) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
