// The heat map renderer: one row per state, kind x position columns, outcome colours, escaped text.
import t from 'tap';
import { type HeatmapCell, renderHeatmap } from '../../src/report/heatmap.js';

const cell = (state: string, kind: string, position: string, outcome: HeatmapCell['outcome'], observed = '[.] -> X'): HeatmapCell => ({
  state,
  kind,
  position,
  outcome,
  observed,
  expected: '[.] -> X',
});

t.test('rows are states, columns kind x position, in the given order', async (t) => {
  const html = renderHeatmap([
    cell('LISTEN', 'SYN', 'RCV.NXT', 'pass'),
    cell('LISTEN', 'RST', 'RCV.NXT', 'deviation'),
    cell('TIME-WAIT', 'SYN', 'RCV.NXT', 'fail'),
  ]);
  t.equal((html.match(/<tr><th [^>]*text-align:left/g) ?? []).length, 2, 'one row per state');
  t.ok(html.indexOf('>LISTEN<') < html.indexOf('>TIME-WAIT<'), 'states keep their order');
  t.ok(html.indexOf('>SYN<') < html.indexOf('>RST<'), 'kinds keep their order');
  t.match(html, /1 match the RFC, 1 follow a documented deviation, 1 fail/);
  t.equal((html.match(/<td class="pass"/g) ?? []).length, 1);
  t.equal((html.match(/<td class="deviation"/g) ?? []).length, 1);
  t.equal((html.match(/<td class="fail"/g) ?? []).length, 1);
  t.match(html, /title="not run"/, 'a missing cell (TIME-WAIT x RST) is shown empty, not invented');
});

t.test('the tooltip carries observed and expected, escaped', async (t) => {
  const html = renderHeatmap([cell('ESTABLISHED', 'data', 'RCV.NXT', 'fail', '<script>"x" & \'y\'</script> -> CLOSED')]);
  t.notMatch(html, /<script>/, 'no markup from the observed text');
  t.match(html, /title="ESTABLISHED &lt;- data @RCV\.NXT&#10;fail&#10;observed: &lt;script&gt;&quot;x&quot; &amp; &apos;y&apos;/);
  t.match(html, /expected: \[\.\] -&gt; X"/);
});

t.test('an empty matrix renders an empty table', async (t) => {
  const html = renderHeatmap([]);
  t.match(html, /0 cells/);
  t.notMatch(html, /<td/);
});
