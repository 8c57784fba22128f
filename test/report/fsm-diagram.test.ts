// The FSM diagram's model and layout without a browser: one arrow per pair of states, each with
// a hand-made route; rows that keep the state counted per state; every label box (estimated from
// DejaVu Sans metrics) clear of the others and inside the drawing. render.test.ts checks the
// same in Chromium.
import t from 'tap';
import { diagramModel, fromStates, type Mark, profiles, rfcTable, states, target } from '../../src/fsm/index.js';
import { fsmDiagram, type PlacedLabel } from '../../src/report/fsm-diagram.js';
import { HEIGHT, knownRoutes, WIDTH } from '../../src/report/fsm-layout.js';
import { textWidth, wrapText } from '../../src/report/text-width.js';

const overlaps = (labels: PlacedLabel[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i]!.rect;
    if (a.x < 0 || a.y < 0 || a.x + a.w > WIDTH || a.y + a.h > HEIGHT) out.push(`${labels[i]!.owner} outside`);
    for (let j = i + 1; j < labels.length; j++) {
      const b = labels[j]!.rect;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`${labels[i]!.owner} × ${labels[j]!.owner}`);
    }
  }
  return out;
};

t.test('one arrow per pair of states, rows that keep the state per state, nothing lost', async (t) => {
  const model = diagramModel();
  const pairs = new Set(
    rfcTable
      .filter((r) => r.on !== 'timeout-user')
      .flatMap((r) => fromStates(r).map((f) => `${f}>${target(r, f)}`))
      .filter((p) => p.split('>')[0] !== p.split('>')[1]),
  );
  t.same(new Set(model.arrows.map((a) => `${a.from}>${a.to}`)), pairs, 'an arrow for each pair the table connects');
  t.equal(model.arrows.length, 27);
  const drawn = model.arrows.reduce((n, a) => n + a.rows.length, 0) + model.loops.reduce((n, l) => n + l.rows.length, 0) + model.hidden.length;
  t.equal(
    drawn,
    rfcTable.reduce((n, r) => n + fromStates(r).length, 0),
    'every (row, state) once: on an arrow, in a badge, or named in the legend',
  );
  t.same(
    model.loops.map((l) => l.state),
    [...states],
    'a badge slot per state',
  );
  t.equal(model.loops.find((l) => l.state === 'ESTABLISHED')!.rows.length, 11);
  const estab = model.arrows.find((a) => a.from === 'ESTABLISHED' && a.to === 'CLOSED')!;
  t.same(
    estab.rows.map((r) => r.label),
    ['rcv RST', 'R2 exceeded', 'ABORT / snd RST'],
    "the arrow's own event first, ABORT last",
  );
});

t.test('every arrow of the RFC and Linux tables has its own route', async (t) => {
  const known = new Set(knownRoutes());
  for (const name of ['rfc', 'linux'] as const) {
    for (const a of diagramModel(undefined, { table: profiles[name].table }).arrows) t.ok(known.has(`${a.from}>${a.to}`), `${name}: ${a.from} → ${a.to}`);
  }
});

t.test('label boxes clear of each other and inside the drawing, in every version', async (t) => {
  const worst = new Map<string, Mark>(rfcTable.map((r) => [r.id, 'untested']));
  t.same(overlaps(fsmDiagram().labels), [], 'plain');
  t.same(overlaps(fsmDiagram({ marks: worst }).labels), [], 'after a run');
  t.same(
    overlaps(fsmDiagram({ table: profiles.linux.table, title: 'RFC 9293 TCP connection states (profile linux: 20 deviations not drawn)' }).labels),
    [],
    'linux profile, long title',
  );
});

t.test('text widths: DejaVu Sans metrics, wrapping by width', async (t) => {
  t.equal(textWidth('mmm', { size: 10 }).toFixed(2), '29.22');
  t.ok(textWidth('W', { size: 10, bold: true }) > textWidth('W', { size: 10 }), 'bold is wider');
  t.equal(textWidth('abcd', { size: 10, mono: true }).toFixed(2), '24.08');
  t.same(wrapText('rcv FIN + ACK of FIN / snd ACK', 130, { size: 11 }), ['rcv FIN + ACK of FIN /', 'snd ACK']);
  t.same(
    wrapText('x'.repeat(30), 60, { size: 10 }).map((l) => l.length),
    [10, 10, 10],
    'a word longer than the line is cut',
  );
  t.same(wrapText('a\nb', 100, { size: 10 }), ['a', 'b'], 'newlines kept');
});
