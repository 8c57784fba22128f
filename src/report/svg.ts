// DOT → SVG with Graphviz compiled to WebAssembly (@viz-js/viz): no system graphviz needed.
// The instance (~100 ms to start) is made once per process.
import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

export async function renderDot(dot: string): Promise<string> {
  viz ??= instance();
  const result = (await viz).render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    const errors = result.errors.filter((e) => e.level !== 'warning').map((e) => e.message.trim());
    throw new Error(`graphviz could not render the diagram: ${errors.join('; ') || 'unknown error'}`);
  }
  return result.output;
}

/** The <svg> element alone, for inlining in HTML (no XML declaration, doctype or comments). */
export const svgElement = (svg: string): string => svg.slice(svg.indexOf('<svg'));
