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
    const json = m[1]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    return JSON.parse(json) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A box in page pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextBox extends Box {
  text: string;
  /** the enclosing group: its class and data-* attributes, e.g. 'arrow passed LISTEN>SYN-RECEIVED' */
  owner: string;
  /** the group's data-state: a state's badge may sit on the corner of its own box */
  state?: string;
  /** the text element's own class */
  cls?: string;
}

export interface SvgBoxes {
  /** the svg element's class */
  svg: string;
  frame: Box;
  texts: TextBox[];
  /** boxes (state, badge, note) that text of other groups must keep off */
  shapes: TextBox[];
}

/**
 * Lay the page out in Chromium and read back, for every `selector` SVG, the box of each <text>
 * element and of the boxes text must keep off (getBoundingClientRect: what the browser really
 * drew, after fonts and transforms). The page's own markup is kept; a script is appended.
 */
export async function svgTextBoxes(html: string, selector = 'svg', windowSize = '1400,1000'): Promise<SvgBoxes[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpfsm-boxes-'));
  try {
    const script = `
      const r = (el) => { const b = el.getBoundingClientRect(); return { x: b.x + scrollX, y: b.y + scrollY, w: b.width, h: b.height }; };
      const ownerOf = (el) => { const g = el.closest('g[class]'); if (!g) return ''; const d = g.dataset; return [g.getAttribute('class'), d.from && d.from + '>' + d.to, d.state].filter(Boolean).join(' '); };
      const out = [...document.querySelectorAll(${JSON.stringify(selector)})].map((svg) => ({
        svg: svg.getAttribute('class') || '',
        frame: r(svg),
        texts: [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent, owner: ownerOf(t), state: t.closest('g[class]')?.dataset.state, cls: t.getAttribute('class') || undefined, ...r(t) })),
        shapes: [...svg.querySelectorAll('g.state > rect, g.closed-again > rect, g.loops > rect, g.note > rect')].map((s) => ({ text: '', owner: ownerOf(s), state: s.closest('g[class]')?.dataset.state, ...r(s) })),
      }));
      const pre = document.createElement('pre');
      pre.id = 'tcpfsm-boxes';
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);`;
    const page = join(dir, 'boxes.html');
    const body = html.includes('</body>')
      ? html.replace('</body>', `<script>${script}</script></body>`)
      : `<!DOCTYPE html><html><body>${html}<script>${script}</script></body></html>`;
    writeFileSync(page, body);
    const dom = await chromium(['--dump-dom', `--window-size=${windowSize}`, pathToFileURL(page).href]);
    const m = /<pre id="tcpfsm-boxes">([\s\S]*?)<\/pre>/.exec(dom);
    if (!m) throw new Error(`no boxes in the dumped DOM: ${dom.slice(0, 300)}`);
    const json = m[1]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    return JSON.parse(json) as SvgBoxes[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EPS = 0.5;
const meets = (a: Box, b: Box): boolean =>
  Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > EPS && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > EPS;
const inside = (a: Box, f: Box): boolean => a.x >= f.x - EPS && a.y >= f.y - EPS && a.x + a.w <= f.x + f.w + EPS && a.y + a.h <= f.y + f.h + EPS;

/** Every problem of one SVG's text: pairs of text boxes that intersect, text outside the frame, text on a box of another group. */
export function textProblems(s: SvgBoxes): string[] {
  const out: string[] = [];
  const texts = s.texts.filter((t) => t.w > 0 && t.h > 0);
  const name = (t: TextBox) => `"${t.text}" (${t.owner || 'svg'})`;
  for (let i = 0; i < texts.length; i++) {
    const a = texts[i]!;
    if (!inside(a, s.frame)) out.push(`${name(a)} lies outside the drawing`);
    for (let j = i + 1; j < texts.length; j++) if (meets(a, texts[j]!)) out.push(`${name(a)} overlaps ${name(texts[j]!)}`);
    for (const shape of s.shapes) {
      const own = shape.owner === a.owner || (a.state !== undefined && a.state === shape.state);
      if (!own && meets(a, shape)) out.push(`${name(a)} lies on the box of ${shape.owner}`);
    }
  }
  return out;
}
