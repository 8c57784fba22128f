// How wide a line of SVG text will be, without a browser: SVG 1.1 text neither wraps nor reports
// its size, so the hand-drawn diagrams measure it themselves to wrap lines and keep labels apart.
// The advance widths are DejaVu Sans's (measured in Chromium, per 1000 em units), the first font
// of the diagrams' font stack and the widest of it: Helvetica and Arial set the same text
// narrower, so a layout that fits DejaVu fits them too.

export const SANS = `'DejaVu Sans', Verdana, Helvetica, Arial, sans-serif`;
export const MONO = `'DejaVu Sans Mono', Menlo, Consolas, monospace`;

const CHARS = ` !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_\`abcdefghijklmnopqrstuvwxyz{|}~·↻±→✓≠…—–×µ`;
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838,
  531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390,
  838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337,
  636, 838, 318, 838, 838, 838, 838, 838, 1000, 1000, 500, 838, 636,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838,
  580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457,
  838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365,
  712, 838, 380, 838, 838, 838, 838, 838, 1000, 1000, 500, 838, 736,
];
const table = (widths: number[]): Map<string, number> => new Map([...CHARS].map((c, i) => [c, widths[i]!]));
const REGULAR_W = table(REGULAR);
const BOLD_W = table(BOLD);
/** DejaVu Sans Mono: every character is 0.602 em. */
const MONO_EM = 0.602;

export interface FontSpec {
  size: number;
  bold?: boolean;
  mono?: boolean;
}

/** Width in px of `text` set on one line; characters outside the table count as 1 em. */
export function textWidth(text: string, font: FontSpec): number {
  if (font.mono) return [...text].length * MONO_EM * font.size;
  const widths = font.bold ? BOLD_W : REGULAR_W;
  let units = 0;
  for (const c of text) units += widths.get(c === '\u00a0' ? ' ' : c) ?? 1000;
  return (units / 1000) * font.size;
}

/**
 * Greedy word wrap to `maxWidth` px; a word longer than a line is cut where it must be. Explicit
 * newlines start new lines.
 */
export function wrapText(text: string, maxWidth: number, font: FontSpec): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (!line || textWidth(candidate, font) <= maxWidth) {
        line = candidate;
      } else {
        out.push(line);
        line = word;
      }
      while (textWidth(line, font) > maxWidth && [...line].length > 1) {
        const chars = [...line];
        let n = chars.length - 1;
        while (n > 1 && textWidth(chars.slice(0, n).join(''), font) > maxWidth) n--;
        out.push(chars.slice(0, n).join(''));
        line = chars.slice(n).join('');
      }
    }
    out.push(line);
  }
  return out;
}
