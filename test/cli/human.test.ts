// The human output: plain lines when piped; on a terminal colours and a status line that shows
// the running test's latest comment and is cleared before every printed line.

import { Writable } from 'node:stream';
import t from 'tap';
import { HumanReporter, wantColour } from '../../src/cli/human.js';
import type { SuiteRun } from '../../src/report/run.js';
import { suiteRunOf } from '../report/sample-run.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

const suite = { name: 'close', file: '/x/close.js' };
const ended = (over: Partial<SuiteRun>): SuiteRun => suiteRunOf({ suite: 'close', file: '/x/close.js', startedAt: '', durationMs: 1, ...over });

t.test('piped: plain lines, nothing extra for waits, no escapes', async (t) => {
  const out = sink();
  const h = new HumanReporter(out.stream, { tty: false, colour: false });
  h.suiteStart(suite);
  h.testStart('close', 'TIME-WAIT lasts 2MSL');
  h.comment('close', 'TIME-WAIT lasts 2MSL', 'waiting 58s for TIME-WAIT');
  h.comment('close', 'TIME-WAIT lasts 2MSL', 'fsm rows: a b');
  h.test('close', { name: 'TIME-WAIT lasts 2MSL', ok: true, durationMs: 60_250, failures: [] });
  h.test('close', { name: 'bad', ok: false, durationMs: 5, failures: [1, 2, 3, 4].map((n) => ({ name: `step ${n}\nsecond line` })) });
  h.suiteEnd(ended({ exitCode: null, signal: 'SIGKILL', stderr: 'x\nlast words\n' }));
  h.summary({ suites: 1, suitesFailed: 1, suitesNotRun: 0, suitesInterrupted: 0, tests: 2, passed: 1, failed: 1, skipped: 0, interrupted: 0 }, 61_000, [
    'reports: r/index.html',
  ]);
  t.equal(
    out.text(),
    [
      'ok        60.3 s  close › TIME-WAIT lasts 2MSL',
      'not ok      5 ms  close › bad',
      '                  ✗ step 1',
      '                  ✗ step 2',
      '                  ✗ step 3',
      '                    … 1 more',
      'not ok            suite close was killed by SIGKILL: last words',
      '',
      '2 tests: 1 passed, 1 failed, 0 skipped — 1 suite in 61.0 s',
      'reports: r/index.html',
      '',
    ].join('\n'),
  );
});

t.test('terminal: a status line with the latest comment, cleared before each line', async (t) => {
  const out = sink();
  const h = new HumanReporter(out.stream, { tty: true, colour: true, refreshMs: 5 });
  h.suiteStart(suite);
  h.testStart('close', 'TIME-WAIT lasts 2MSL');
  h.comment('close', 'TIME-WAIT lasts 2MSL', 'waiting 58s for TIME-WAIT');
  await new Promise((r) => setTimeout(r, 30));
  t.match(out.text(), /\r\x1b\[2K\x1b\[2m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] close › TIME-WAIT lasts 2MSL: waiting 58s for TIME-WAIT\x1b\[0m$/, 'the status line shows the wait');
  h.test('close', { name: 'TIME-WAIT lasts 2MSL', ok: true, durationMs: 3, failures: [] });
  t.match(out.text(), /\r\x1b\[2K\x1b\[32mok {4}\x1b\[0m {6}3 ms {2}close › TIME-WAIT lasts 2MSL\n/, 'status cleared, then a green line');
  h.suiteEnd(ended({}));
  const before = out.text().length;
  await new Promise((r) => setTimeout(r, 30));
  t.equal(out.text().length, before, 'no redraws once nothing runs');
  t.notMatch(out.text().slice(-20), /⠋|⠙/, 'the status line is gone at the end');
  h.close();
});

t.test('colour follows NO_COLOR, FORCE_COLOR and the terminal', async (t) => {
  t.equal(wantColour({ isTTY: true }, {}), true);
  t.equal(wantColour({ isTTY: false }, {}), false);
  t.equal(wantColour({ isTTY: true }, { NO_COLOR: '1' }), false);
  t.equal(wantColour({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  t.equal(wantColour({ isTTY: true }, { TERM: 'dumb' }), false);
});
