// The diagram: Figure 5 layout, "event / action" labels, and coverage colours from a run.
import t from 'tap';
import { edgeLabel, type Mark, toDot } from '../../src/fsm/dot.js';
import { states } from '../../src/fsm/states.js';
import { rfcTable } from '../../src/fsm/table.js';

const edges = (dot: string): string[] => dot.split('\n').filter((line) => line.includes(' -> '));

t.test('plain diagram', async (t) => {
  const dot = toDot();
  t.match(dot, /^digraph tcp \{/);
  t.ok(dot.trimEnd().endsWith('}'));
  for (const state of states) t.match(dot, new RegExp(`"${state}" \\[pos="[0-9.]+,[0-9.]+!"\\]`), `${state} is pinned`);
  t.match(dot, /"LISTEN" -> "SYN-RECEIVED" \[label="rcv SYN \/ snd SYN,ACK"/, 'passive open, as in Figure 5');
  t.match(dot, /"SYN-SENT" -> "SYN-RECEIVED" \[label="rcv SYN \/ snd SYN,ACK"/, 'simultaneous open');
  t.match(dot, /"FIN-WAIT-1" -> "CLOSING" \[label="rcv FIN \/ snd ACK"/, 'simultaneous close');
  t.match(dot, /"FIN-WAIT-1" -> "TIME-WAIT" \[label="rcv FIN \+ ACK of FIN \/ snd ACK"/, 'Figure 5 note 2');
  t.match(dot, /"TIME-WAIT" -> "CLOSED" \[label="Timeout=2MSL \/ x"/);
  t.notOk(
    edges(dot).some((line) => /color=/.test(line)),
    'no edge colours without a run',
  );
  t.notMatch(dot, /legend/);
  for (const line of edges(dot)) {
    const [, from, to] = /"([A-Z0-9-]+)" -> "([A-Z0-9-]+)"/.exec(line) ?? [];
    t.not(from, to, `no self-loop by default: ${line.trim()}`);
  }
  t.equal((dot.match(/"/g) ?? []).length % 2, 0, 'quotes are balanced');
});

t.test('self-loops on request', async (t) => {
  const dot = toDot(undefined, { selfLoops: true });
  t.match(dot, /"TIME-WAIT" -> "TIME-WAIT" \[label="rcv FIN \/ snd ACK"/);
  t.ok(edges(dot).length > edges(toDot()).length);
});

t.test('coverage marks colour the edges and add a legend', async (t) => {
  const marks = new Map<string, Mark>([
    ['listen-rcv-syn', 'passed'],
    ['established-rcv-fin', 'failed'],
    ['fin-wait-2-rcv-fin', 'covered'],
  ]);
  const dot = toDot(marks);
  const line = (id: string): string => edges(dot).find((l) => l.includes(`id="${id}:`)) ?? '';
  t.match(line('listen-rcv-syn'), /color="#2e7d32"/, 'passed is green');
  t.match(line('established-rcv-fin'), /color="#c62828", fontcolor="#c62828", style=bold/, 'failed is red and bold');
  t.match(line('fin-wait-2-rcv-fin'), /color="#1565c0"/, 'covered is blue');
  t.match(line('closed-active-open'), /color="#9e9e9e", fontcolor="#9e9e9e", style=dashed/, 'unmarked rows are untested');
  t.match(dot, /legend \[shape=plaintext/);
  for (const mark of ['passed', 'failed', 'covered', 'untested']) t.match(dot, new RegExp(`>${mark}<`), `legend lists ${mark}`);
});

t.test('every drawn edge is a table row from a listed state', async (t) => {
  const dot = toDot(undefined, { selfLoops: true, include: () => true });
  const ids = new Set(rfcTable.map((r) => r.id));
  for (const line of edges(dot)) {
    const id = /id="([a-z0-9-]+):/.exec(line)?.[1] ?? '';
    t.ok(ids.has(id), `edge ${id} is a row`);
  }
  t.equal(edgeLabel(rfcTable.find((r) => r.id === 'closed-rcv-without-ack')!), 'rcv segment w/o ACK / snd RST,ACK');
});
