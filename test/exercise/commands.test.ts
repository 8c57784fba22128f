// The exercise command language: what each line the student types means, and which ones are refused.
import t from 'tap';
import { COMPLETIONS, complete, duration, parseCommand } from '../../src/exercise/commands.js';
import { UsageError } from '../../src/sys/errors.js';

t.test('segment shorthands send the usual flags', async (t) => {
  t.same(parseCommand('syn'), { kind: 'segment', flags: 'S' });
  t.same(parseCommand('ack'), { kind: 'segment', flags: '.' });
  t.same(parseCommand('fin'), { kind: 'segment', flags: 'F.' });
  t.same(parseCommand('rst'), { kind: 'segment', flags: 'R' });
  t.same(parseCommand('RSTACK'), { kind: 'segment', flags: 'R.' });
});

t.test('seq/ack modifiers are relative: +/- from the next number, = from the ISN', async (t) => {
  t.same(parseCommand('rst seq+100'), { kind: 'segment', flags: 'R', seq: { from: 'next', delta: 100 } });
  t.same(parseCommand('fin seq-1'), { kind: 'segment', flags: 'F.', seq: { from: 'next', delta: -1 } });
  t.same(parseCommand('seg S. seq=0 ack=5 win=0'), {
    kind: 'segment',
    flags: 'S.',
    seq: { from: 'isn', delta: 0 },
    ack: { from: 'isn', delta: 5 },
    window: 0,
  });
  t.same(parseCommand('ack ack+3'), { kind: 'segment', flags: '.', ack: { from: 'next', delta: 3 } });
});

t.test('send takes the words that are not modifiers as its payload', async (t) => {
  t.same(parseCommand('send hello world'), { kind: 'segment', flags: 'P.', payload: 'hello world' });
  t.same(parseCommand('send hi seq+10'), { kind: 'segment', flags: 'P.', payload: 'hi', seq: { from: 'next', delta: 10 } });
  t.throws(() => parseCommand('send'), UsageError);
  t.throws(() => parseCommand('send seq+1'), /send what/);
});

t.test('connections, agent actions, time and looking', async (t) => {
  t.same(parseCommand('listen'), { kind: 'listen', port: 8080 });
  t.same(parseCommand('listen 9000'), { kind: 'listen', port: 9000 });
  t.same(parseCommand('connect'), { kind: 'connect' });
  t.same(parseCommand('connect 9999'), { kind: 'connect', port: 9999 });
  t.same(parseCommand('agent close'), { kind: 'agent', action: 'close' });
  t.same(parseCommand('agent shutdown'), { kind: 'agent', action: 'shutdown' });
  t.same(parseCommand('agent abort'), { kind: 'agent', action: 'abort' });
  t.same(parseCommand('agent read'), { kind: 'agent', action: 'read' });
  t.same(parseCommand('agent send 5'), { kind: 'agent', action: { send: 5 } });
  t.same(parseCommand('wait 2s'), { kind: 'wait', ms: 2000 });
  t.same(parseCommand('timeout rexmt'), { kind: 'timeout', event: 'timeout-retransmission-exhausted' });
  t.same(parseCommand('timeout 2msl'), { kind: 'timeout', event: 'timeout-2msl' });
  for (const k of ['state', 'trace', 'help'] as const) t.same(parseCommand(k), { kind: k });
  t.same(parseCommand('quit'), { kind: 'quit' });
  t.same(parseCommand('exit'), { kind: 'quit' });
  t.same(parseCommand('q'), { kind: 'quit' });
  t.same(parseCommand('   '), { kind: 'empty' });
  t.same(parseCommand('listen 8080 backlog=4'), { kind: 'listen', port: 8080, backlog: 4 });
  t.same(parseCommand('connect 8080 from 40001'), { kind: 'connect', port: 8080, from: 40001 });
  t.same(parseCommand('connect from 40001'), { kind: 'connect', from: 40001 });
  t.same(parseCommand('agent connect 45000'), { kind: 'agent', action: { connect: 45000 } });
  t.same(parseCommand('agent connect 45000 from 33333'), { kind: 'agent', action: { connect: 45000, from: 33333 } });
  t.same(parseCommand('timestamps on'), { kind: 'timestamps', on: true });
  t.same(parseCommand('timestamps off'), { kind: 'timestamps', on: false });
  t.same(parseCommand('replay'), { kind: 'replay' });
  t.same(parseCommand('replay ack+0'), { kind: 'replay', ack: { from: 'next', delta: 0 } });
  t.same(parseCommand('syns 6'), { kind: 'syns', n: 6 });
  t.same(parseCommand('sysctl tcp_syncookies=1'), { kind: 'sysctl', key: 'tcp_syncookies', value: '1' });
  for (const k of ['isns', 'queue'] as const) t.same(parseCommand(k), { kind: k });
  t.same(parseCommand('# a comment'), { kind: 'empty' });
});

t.test('mistakes are UsageErrors that say what is wrong', async (t) => {
  t.throws(() => parseCommand('bogus'), /unknown command 'bogus'/);
  t.throws(() => parseCommand('ack=5'), /is a modifier: put it after a segment command/);
  t.throws(() => parseCommand('rst seq*5'), /not a modifier/);
  t.throws(() => parseCommand('seg Q'), /seg:/);
  t.throws(() => parseCommand('seg'), /seg <flags>/);
  t.throws(() => parseCommand('ack win=70000'), /16 bits/);
  t.throws(() => parseCommand('rst seq+4294967296'), /32 bits/);
  t.throws(() => parseCommand('listen 0'), /not a port/);
  t.throws(() => parseCommand('listen 70000'), /not a port/);
  t.throws(() => parseCommand('connect 1 2'), /usage: connect \[port\] \[from <probe port>\]/);
  t.throws(() => parseCommand('connect 8080 from'), /usage: connect/);
  t.throws(() => parseCommand('listen 8080 backlog=0'), /backlog: '0' is not a whole number from 1 to 65535/);
  t.throws(() => parseCommand('syns 21'), /syns: '21' is not a whole number from 1 to 20/);
  t.throws(() => parseCommand('syns'), /syns how many/);
  t.throws(() => parseCommand('timestamps maybe'), /timestamps on \| timestamps off/);
  t.throws(() => parseCommand('sysctl tcp_syncookies'), /sysctl <name>=<value>/);
  t.throws(() => parseCommand('replay seq+1'), /replay takes only an ack modifier/);
  t.throws(() => parseCommand('agent connect'), /agent connect to which probe port/);
  t.throws(() => parseCommand('isns now'), /too many words/);
  t.throws(() => parseCommand('agent send'), /agent send <n>/);
  t.throws(() => parseCommand('agent send 0'), /agent send <n>/);
  t.throws(() => parseCommand('agent dance'), /agent close \| shutdown/);
  t.throws(() => parseCommand('wait'), /how long/);
  t.throws(() => parseCommand('wait soon'), /not a duration/);
  t.throws(() => parseCommand('timeout keepalive'), /which timer/);
  for (const line of ['bogus', 'ack=5', 'listen 0', 'wait soon']) {
    try {
      parseCommand(line);
    } catch (e) {
      t.type(e, UsageError, `'${line}' is a UsageError`);
    }
  }
});

t.test('durations', async (t) => {
  t.equal(duration('500ms'), 500);
  t.equal(duration('1.5s'), 1500);
  t.equal(duration('3'), 3000);
  t.equal(duration('1m'), 60_000);
  t.throws(() => duration('10m'), /at most 300 s/);
});

t.test('completion offers the commands that start with what was typed', async (t) => {
  t.same(complete('tr'), [['trace'], 'tr']);
  t.same(complete('agent s'), [['agent shutdown', 'agent send '], 'agent s']);
  t.same(complete('timeout '), [['timeout rexmt', 'timeout 2msl', 'timeout fin-wait-2', 'timeout user'], 'timeout ']);
  t.same(complete('zz'), [[], 'zz']);
  // Every completion is a command the parser takes (with an argument where it ends in a space).
  const argument = (c: string) =>
    c.startsWith('wait')
      ? '1s'
      : c.startsWith('seg')
        ? 'S'
        : c.startsWith('send')
          ? 'x'
          : c.startsWith('sysctl')
            ? 'tcp_syncookies=1'
            : c.startsWith('agent connect')
              ? '45000'
              : '5';
  for (const c of COMPLETIONS) t.doesNotThrow(() => parseCommand(c.endsWith(' ') ? `${c}${argument(c)}` : c), c);
});
