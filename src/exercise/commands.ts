// The exercise session's command language, parsed into data (no I/O here):
//   listen 8080 [backlog=4] | connect [port] [from 40001] | syn | ack | fin | rst | rstack | send hello
//   seg S. seq+5 ack=0 win=0 | replay | syns 6 | timestamps on|off
//   agent close|shutdown|abort|read|send 5|connect 45000 [from 33333] | wait 2s
//   timeout rexmt|2msl|fin-wait-2|user | sysctl tcp_syncookies=1
//   state | trace | isns | queue | help | quit
// Sequence numbers are relative, like tcpdump without -S: `seq+100` is SND.NXT+100, `seq=5` is
// our ISN+5; `ack+1` is RCV.NXT+1, `ack=0` is the target's ISN.
import type { TimeoutEvent } from '../fsm/index.js';
import { parseFlags } from '../packet/index.js';
import { UsageError } from '../sys/errors.js';

/** A relative sequence position: from the next number (`seq+N`) or from the ISN (`seq=N`). */
export interface Offset {
  from: 'next' | 'isn';
  delta: number;
}

export interface SegmentCommand {
  kind: 'segment';
  /** tcpdump flags ('S', '.', 'F.', 'R', 'P.') */
  flags: string;
  seq?: Offset;
  ack?: Offset;
  window?: number;
  payload?: string;
}

export type AgentAction = 'close' | 'shutdown' | 'abort' | 'read' | { send: number } | { connect: number; from?: number };

export type Command =
  | { kind: 'listen'; port: number; backlog?: number }
  | { kind: 'connect'; port?: number; from?: number }
  | SegmentCommand
  | { kind: 'agent'; action: AgentAction }
  | { kind: 'wait'; ms: number }
  | { kind: 'timeout'; event: TimeoutEvent }
  | { kind: 'timestamps'; on: boolean }
  | { kind: 'replay'; ack?: Offset }
  | { kind: 'syns'; n: number }
  | { kind: 'sysctl'; key: string; value: string }
  | { kind: 'state' }
  | { kind: 'trace' }
  | { kind: 'isns' }
  | { kind: 'queue' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'empty' };

/** The flags each segment shorthand sends (the usual ACK on everything after the SYN). */
const SHORTHANDS: Readonly<Record<string, string>> = {
  syn: 'S',
  ack: '.',
  fin: 'F.',
  rst: 'R',
  rstack: 'R.',
};

/** The names `timeout` accepts for the remote's timers (src/fsm TimeoutEvent). */
export const TIMEOUTS: Readonly<Record<string, TimeoutEvent>> = {
  rexmt: 'timeout-retransmission-exhausted',
  '2msl': 'timeout-2msl',
  'fin-wait-2': 'timeout-fin-wait-2',
  user: 'timeout-user',
};

/** At most this many SYNs per `syns`: enough to overflow a small queue, never a flood. */
export const MAX_SYNS = 20;

/** The longest `wait`: anything longer is surely a typo (TIME-WAIT is 60 s on Linux). */
export const MAX_WAIT_MS = 300_000;

export const HELP = [
  "Segments (the probe sends; numbers are relative to each side's ISN, like tcpdump):",
  '  syn | ack | fin | rst | rstack        SYN, ACK, FIN+ACK, RST, RST+ACK',
  '  send <text>                           data (PSH+ACK) carrying <text>',
  '  replay [ack+N]                        our last data segment of the previous connection on these ports, byte for byte',
  "                                        (ack+N: with this connection's ACK instead of the old one)",
  '  timestamps on|off                     our segments carry the timestamps option (RFC 7323) from now on',
  '  seg <flags> [modifiers]               any flags, tcpdump style: S  S.  .  F.  R  R.  P.',
  '  modifiers: seq+N seq-N (from SND.NXT)  seq=N (ISN+N)  ack+N ack-N (from RCV.NXT)  ack=N  win=N',
  '             e.g.  rst seq+100   fin seq-1   seg . ack+5',
  'Connections:',
  "  listen <port> [backlog=N]             the target's application listens (default 8080, backlog 511)",
  '  connect [port] [from P]               a new scripted connection to the port (default: the last listened)',
  '  syns <n>                              n SYNs from n new ports, paced, never completed (fills the SYN queue)',
  "The target's application (the lab agent) on the accepted connection:",
  '  agent close | shutdown | abort        close(), shutdown(SHUT_WR), abort with RST',
  '  agent send <n> | agent read           send n bytes; read what arrived',
  "  agent connect <port> [from P]         the target connects to the probe's port (its active open)",
  'Time:',
  '  wait <duration>                       e.g. wait 2s, wait 500ms: watch what the target sends',
  '  timeout rexmt|2msl|fin-wait-2|user    tell the FSM a timer of the target fired, then wait for the kernel',
  "  sysctl <name>=<value>                 change a sysctl of the lab's target (its namespace only)",
  'Looking:',
  "  state                                 the FSM's state of the target, the kernel's (ss), sequence numbers",
  '  trace                                 a ladder diagram of the exchange so far (our state on the left)',
  '  isns                                  the real (absolute) initial sequence numbers of every connection',
  "  queue                                 the listener's SYN queue and accept queue, their limits and counters",
  '  help | quit (q)',
];

/** Words the REPL completes (whole command prefixes). */
export const COMPLETIONS: readonly string[] = [
  'listen 8080',
  'connect',
  'syn',
  'ack',
  'fin',
  'rst',
  'rstack',
  'send ',
  'seg ',
  'replay',
  'syns ',
  'timestamps on',
  'timestamps off',
  'agent close',
  'agent shutdown',
  'agent abort',
  'agent read',
  'agent send ',
  'agent connect ',
  'wait ',
  ...Object.keys(TIMEOUTS).map((t) => `timeout ${t}`),
  'sysctl ',
  'state',
  'trace',
  'isns',
  'queue',
  'help',
  'quit',
];

export function complete(line: string): [string[], string] {
  const hits = COMPLETIONS.filter((c) => c.startsWith(line));
  return [hits, line];
}

export function parseCommand(line: string): Command {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const [head, ...rest] = words;
  if (!head || head.startsWith('#')) return { kind: 'empty' };
  const word = head.toLowerCase();
  if (word in SHORTHANDS) return segment(SHORTHANDS[word]!, rest);
  switch (word) {
    case 'listen': {
      noMore(rest, 2, 'listen <port> [backlog=N]');
      const backlog = rest.find((w) => w.startsWith('backlog='));
      const portWord = rest.find((w) => !w.startsWith('backlog='));
      const cmd: Command = { kind: 'listen', port: portWord ? port(portWord) : 8080 };
      if (backlog) cmd.backlog = count(backlog.slice('backlog='.length), 'backlog', 1, 65535);
      return cmd;
    }
    case 'connect': {
      const { first, from } = withFrom(rest, 'connect [port] [from <probe port>]');
      const cmd: Command = { kind: 'connect' };
      if (first) cmd.port = port(first);
      if (from !== undefined) cmd.from = from;
      return cmd;
    }
    case 'replay': {
      const mods = segment('.', rest);
      if (mods.seq || mods.window !== undefined) throw new UsageError('replay takes only an ack modifier (e.g. replay ack+0): the rest stays as it was');
      return mods.ack ? { kind: 'replay', ack: mods.ack } : { kind: 'replay' };
    }
    case 'isns':
    case 'queue':
      noMore(rest, 0, word);
      return { kind: word };
    case 'timestamps':
      noMore(rest, 1, 'timestamps on|off');
      if (rest[0] !== 'on' && rest[0] !== 'off') throw new UsageError('timestamps on | timestamps off');
      return { kind: 'timestamps', on: rest[0] === 'on' };
    case 'syns':
      noMore(rest, 1, 'syns <n>');
      if (!rest[0]) throw new UsageError(`syns how many? e.g. syns 6 (at most ${MAX_SYNS})`);
      return { kind: 'syns', n: count(rest[0], 'syns', 1, MAX_SYNS) };
    case 'sysctl': {
      noMore(rest, 1, 'sysctl <name>=<value>');
      const m = /^([a-z0-9_.]+)=(\S+)$/.exec(rest[0] ?? '');
      if (!m) throw new UsageError('sysctl <name>=<value>, e.g. sysctl tcp_syncookies=1');
      return { kind: 'sysctl', key: m[1]!, value: m[2]! };
    }
    case 'send': {
      const cmd = segment('P.', rest, true);
      if (!cmd.payload) throw new UsageError('send what? e.g. send hello');
      return cmd;
    }
    case 'seg': {
      const [flags, ...mods] = rest;
      if (!flags) throw new UsageError('seg <flags> [modifiers], e.g. seg S. or seg R seq+100');
      try {
        parseFlags(flags);
      } catch (e) {
        throw new UsageError(`seg: ${(e as Error).message}`);
      }
      return segment(flags, mods);
    }
    case 'agent':
      return { kind: 'agent', action: agentAction(rest) };
    case 'wait':
      noMore(rest, 1, 'wait <duration>');
      if (!rest[0]) throw new UsageError('wait how long? e.g. wait 2s');
      return { kind: 'wait', ms: duration(rest[0]) };
    case 'timeout': {
      noMore(rest, 1, 'timeout <timer>');
      const event = rest[0] ? TIMEOUTS[rest[0]] : undefined;
      if (!event) throw new UsageError(`timeout which timer? one of ${Object.keys(TIMEOUTS).join(', ')}`);
      return { kind: 'timeout', event };
    }
    case 'state':
    case 'trace':
    case 'help':
      return { kind: word };
    case 'quit':
    case 'q':
    case 'exit':
      return { kind: 'quit' };
    default:
      if (MODIFIER.test(head)) throw new UsageError(`'${head}' is a modifier: put it after a segment command, e.g. ack ${head} or seg . ${head}`);
      throw new UsageError(`unknown command '${head}' (type help)`);
  }
}

const MODIFIER = /^(seq|ack)([+=-])(\d+)$|^win=(\d+)$/;

/** Segment flags plus modifiers; for `send`, words that are not modifiers make up the payload. */
function segment(flags: string, words: string[], payload = false): SegmentCommand {
  const cmd: SegmentCommand = { kind: 'segment', flags };
  const text: string[] = [];
  for (const w of words) {
    const m = MODIFIER.exec(w);
    if (!m) {
      if (payload) {
        text.push(w);
        continue;
      }
      throw new UsageError(`'${w}' is not a modifier (seq+N, seq-N, seq=N, ack+N, ack-N, ack=N, win=N)`);
    }
    if (m[4] !== undefined) {
      const win = Number(m[4]);
      if (win > 0xffff) throw new UsageError(`win=${win}: the window field has 16 bits (at most 65535)`);
      cmd.window = win;
      continue;
    }
    const n = Number(m[3]);
    if (n > 0xffffffff) throw new UsageError(`${w}: sequence numbers have 32 bits`);
    const offset: Offset = m[2] === '=' ? { from: 'isn', delta: n } : { from: 'next', delta: m[2] === '-' ? -n : n };
    if (m[1] === 'seq') cmd.seq = offset;
    else cmd.ack = offset;
  }
  if (text.length) cmd.payload = text.join(' ');
  return cmd;
}

function agentAction(words: string[]): AgentAction {
  const [what, n] = words;
  switch (what) {
    case 'close':
    case 'shutdown':
    case 'abort':
    case 'read':
      noMore(words, 1, `agent ${what}`);
      return what;
    case 'send': {
      noMore(words, 2, 'agent send <n>');
      const bytes = Number(n);
      if (!n || !Number.isInteger(bytes) || bytes < 1 || bytes > 65536) throw new UsageError('agent send <n>: n bytes, 1..65536');
      return { send: bytes };
    }
    case 'connect': {
      const { first, from } = withFrom(words.slice(1), 'agent connect <probe port> [from <target port>]');
      if (!first) throw new UsageError('agent connect to which probe port? e.g. agent connect 45000');
      return from === undefined ? { connect: port(first) } : { connect: port(first), from };
    }
    default:
      throw new UsageError('agent close | shutdown | abort | read | send <n> | connect <port> [from <port>]');
  }
}

/** `[word] [from <port>]`: the first word and the port after `from`. */
function withFrom(words: string[], usage: string): { first?: string; from?: number } {
  const at = words.indexOf('from');
  const before = at < 0 ? words : words.slice(0, at);
  const after = at < 0 ? [] : words.slice(at + 1);
  if (before.length > 1 || (at >= 0 && after.length !== 1)) throw new UsageError(`usage: ${usage}`);
  return { first: before[0], ...(at >= 0 ? { from: port(after[0]!) } : {}) };
}

function count(word: string, what: string, min: number, max: number): number {
  const n = Number(word);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what}: '${word}' is not a whole number from ${min} to ${max}`);
  return n;
}

function port(word: string): number {
  const p = Number(word);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new UsageError(`'${word}' is not a port (1..65535)`);
  return p;
}

/** `2s`, `1.5s`, `500ms`, `1m`, or a bare number of seconds. */
export function duration(word: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(word);
  if (!m) throw new UsageError(`'${word}' is not a duration (e.g. 2s, 500ms)`);
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (ms > MAX_WAIT_MS) throw new UsageError(`wait at most ${MAX_WAIT_MS / 1000} s`);
  return Math.round(ms);
}

function noMore(words: string[], max: number, usage: string): void {
  if (words.length > max) throw new UsageError(`too many words: ${usage}`);
}
