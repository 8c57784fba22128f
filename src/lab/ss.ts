// Parser for `ss -Htanoie` (iproute2 6.x): one record per socket, a first line with state,
// queues, addresses, timer and -e details, then (with -i) a tab-indented line of tcp_info fields.
// States are mapped to the RFC 9293 §3.3.2 names; ss's own spelling is kept in `ssState`.
// Pure: no I/O, so it is tested on captured output (test/lab/fixtures/).

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN-SENT'
  | 'SYN-RECEIVED'
  | 'ESTABLISHED'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'CLOSING'
  | 'LAST-ACK'
  | 'TIME-WAIT';

/** ss's state column → RFC 9293 name. UNCONN is ss's word for TCP_CLOSE. */
const STATE_OF: Record<string, TcpState> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN-SENT',
  'SYN-RECV': 'SYN-RECEIVED',
  'FIN-WAIT-1': 'FIN-WAIT-1',
  'FIN-WAIT-2': 'FIN-WAIT-2',
  'TIME-WAIT': 'TIME-WAIT',
  'CLOSE-WAIT': 'CLOSE-WAIT',
  'LAST-ACK': 'LAST-ACK',
  CLOSING: 'CLOSING',
  LISTEN: 'LISTEN',
  CLOSE: 'CLOSED',
  UNCONN: 'CLOSED',
};

export class SsParseError extends Error {
  override name = 'SsParseError';
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message} in ss line: ${JSON.stringify(line)}`);
  }
}

export interface SsEndpoint {
  address: string;
  /** null for `*` (a listener's peer). */
  port: number | null;
  /** Interface after `%` (link-local or bound to a device). */
  scope?: string;
}

export type TimerName = 'off' | 'on' | 'keepalive' | 'timewait' | 'persist' | 'unknown';

export interface SsTimer {
  /** on = retransmission (or SYN-ACK / zero-window probe…) timer, per ss. */
  name: TimerName;
  remainingMs: number;
  /** Retransmissions (or keepalive probes) so far. */
  retransmits: number;
}

export interface TcpInfo {
  /** ts, sack, ecn, ecnseen, fastopen, app_limited… as printed. */
  flags: string[];
  congestion: string | null;
  wscale: { snd: number; rcv: number } | null;
  rtoMs: number | null;
  rttMs: number | null;
  rttVarMs: number | null;
  atoMs: number | null;
  mss: number | null;
  pmtu: number | null;
  rcvMss: number | null;
  advMss: number | null;
  cwnd: number | null;
  ssthresh: number | null;
  bytesSent: number | null;
  bytesRetrans: number | null;
  bytesAcked: number | null;
  bytesReceived: number | null;
  segsOut: number | null;
  segsIn: number | null;
  dataSegsOut: number | null;
  dataSegsIn: number | null;
  lastSndMs: number | null;
  lastRcvMs: number | null;
  lastAckMs: number | null;
  /** `retrans:current/total` */
  retrans: { current: number; total: number } | null;
  backoff: number | null;
  lost: number | null;
  unacked: number | null;
  sacked: number | null;
  notsent: number | null;
  rcvSpace: number | null;
  rcvSsthresh: number | null;
  minRttMs: number | null;
  /** The peer's advertised window, scaled (tcpi_snd_wnd). */
  sndWnd: number | null;
  /** Our advertised window (tcpi_rcv_wnd; printed by newer ss only). */
  rcvWnd: number | null;
  /** Every `key:value` and `key value` pair as printed. */
  fields: Record<string, string>;
}

export interface SsSocket {
  state: TcpState | 'UNKNOWN';
  ssState: string;
  /** Bytes not yet read by the application; for LISTEN the accept queue length. */
  recvQ: number;
  /** Bytes not yet acknowledged; for LISTEN the backlog. */
  sendQ: number;
  local: SsEndpoint;
  peer: SsEndpoint;
  timer: SsTimer | null;
  inode: number | null;
  /** Socket cookie (`sk:`), stable for a socket's life: tells a reused tuple apart. */
  cookie: string | null;
  /** `<->` open both ways, `-->` receive side shut (FIN received), `<--` send side shut, `---` both. */
  shutdown: { rcv: boolean; snd: boolean } | null;
  info: TcpInfo | null;
  raw: string;
}

/** `200ms`, `1.004ms` (1 s 4 ms), `59sec`, `1min59sec`, `12min`, `` (0) → milliseconds. */
export function parseSsDuration(text: string): number {
  const m = /^(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?$/.exec(text);
  if (!m) throw new SsParseError(`unreadable duration '${text}'`, text);
  const [, min, sec, sep, ms] = m;
  if (sep === '.' && ms === undefined) throw new SsParseError(`unreadable duration '${text}'`, text);
  return Number(min ?? 0) * 60_000 + Number(sec ?? 0) * 1000 + Number(ms ?? 0);
}

const TIMER_NAMES: readonly string[] = ['off', 'on', 'keepalive', 'timewait', 'persist', 'unknown'];

/** `timer:(timewait,59sec,0)` → {name, remainingMs, retransmits} */
export function parseSsTimer(token: string): SsTimer {
  const m = /^timer:\(([a-z]+),([^,]*),(\d+)\)$/.exec(token);
  if (!m || !TIMER_NAMES.includes(m[1]!)) throw new SsParseError(`unreadable timer '${token}'`, token);
  return { name: m[1] as TimerName, remainingMs: parseSsDuration(m[2]!), retransmits: Number(m[3]) };
}

/** `198.18.0.2:80`, `[fd00::2]:80`, `[::ffff:1.2.3.4]:80`, `0.0.0.0:*`, `[fe80::1]%eth0:22` */
export function parseSsEndpoint(text: string): SsEndpoint {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new SsParseError(`unreadable address '${text}'`, text);
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  let scope: string | undefined;
  const pct = host.lastIndexOf('%');
  if (pct >= 0 && !host.endsWith(']')) {
    scope = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (portText !== '*' && !/^\d+$/.test(portText)) throw new SsParseError(`unreadable port in '${text}'`, text);
  return { address: host, port: portText === '*' ? null : Number(portText), ...(scope !== undefined ? { scope } : {}) };
}

const RATE_KEYS = new Set(['send', 'pacing_rate', 'delivery_rate']);
const KNOWN_FLAGS = new Set(['ts', 'sack', 'ecn', 'ecnseen', 'fastopen', 'app_limited', 'noqueue']);

export function parseTcpInfo(line: string): TcpInfo {
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  const fields: Record<string, string> = {};
  const flags: string[] = [];
  let congestion: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const kv = /^([a-z_]+):(.+)$/.exec(tok);
    if (kv) fields[kv[1]!] = kv[2]!;
    else if (RATE_KEYS.has(tok) && i + 1 < tokens.length) fields[tok] = tokens[++i]!;
    else if (KNOWN_FLAGS.has(tok)) flags.push(tok);
    else if (congestion === null && /^[a-z][a-z0-9_]*$/.test(tok)) congestion = tok;
    else flags.push(tok);
  }
  const num = (k: string): number | null => {
    const v = fields[k];
    return v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null;
  };
  const pair = (k: string, sep: string): [number, number] | null => {
    const v = fields[k]?.split(sep);
    return v && v.length === 2 && v.every((x) => /^\d+(\.\d+)?$/.test(x)) ? [Number(v[0]), Number(v[1])] : null;
  };
  const wscale = pair('wscale', ',');
  const rtt = pair('rtt', '/');
  const retrans = pair('retrans', '/');
  return {
    flags,
    congestion,
    wscale: wscale && { snd: wscale[0], rcv: wscale[1] },
    rtoMs: num('rto'),
    rttMs: rtt?.[0] ?? null,
    rttVarMs: rtt?.[1] ?? null,
    atoMs: num('ato'),
    mss: num('mss'),
    pmtu: num('pmtu'),
    rcvMss: num('rcvmss'),
    advMss: num('advmss'),
    cwnd: num('cwnd'),
    ssthresh: num('ssthresh'),
    bytesSent: num('bytes_sent'),
    bytesRetrans: num('bytes_retrans'),
    bytesAcked: num('bytes_acked'),
    bytesReceived: num('bytes_received'),
    segsOut: num('segs_out'),
    segsIn: num('segs_in'),
    dataSegsOut: num('data_segs_out'),
    dataSegsIn: num('data_segs_in'),
    lastSndMs: num('lastsnd'),
    lastRcvMs: num('lastrcv'),
    lastAckMs: num('lastack'),
    retrans: retrans && { current: retrans[0], total: retrans[1] },
    backoff: num('backoff'),
    lost: num('lost'),
    unacked: num('unacked'),
    sacked: num('sacked'),
    notsent: num('notsent'),
    rcvSpace: num('rcv_space'),
    rcvSsthresh: num('rcv_ssthresh'),
    minRttMs: num('minrtt'),
    sndWnd: num('snd_wnd'),
    rcvWnd: num('rcv_wnd'),
    fields,
  };
}

function parseFirstLine(line: string): Omit<SsSocket, 'info' | 'raw'> {
  const tokens = line.trim().split(/\s+/);
  if (tokens.length < 5) throw new SsParseError('expected state, Recv-Q, Send-Q, local and peer', line);
  const [ssState, recvQ, sendQ, local, peer, ...rest] = tokens as [string, string, string, string, string, ...string[]];
  if (!/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ)) {
    throw new SsParseError(`Recv-Q/Send-Q are not numbers (was ss run with a 'state' filter, which drops the State column?)`, line);
  }
  const sock: Omit<SsSocket, 'info' | 'raw'> = {
    state: STATE_OF[ssState] ?? 'UNKNOWN',
    ssState,
    recvQ: Number(recvQ),
    sendQ: Number(sendQ),
    local: parseSsEndpoint(local),
    peer: parseSsEndpoint(peer),
    timer: null,
    inode: null,
    cookie: null,
    shutdown: null,
  };
  for (const tok of rest) {
    if (tok.startsWith('timer:')) sock.timer = parseSsTimer(tok);
    else if (tok.startsWith('ino:')) sock.inode = Number(tok.slice(4));
    else if (tok.startsWith('sk:')) sock.cookie = tok.slice(3);
    else if (/^[<-]-[>-]$/.test(tok)) sock.shutdown = { rcv: tok[0] === '-', snd: tok[2] === '-' };
  }
  return sock;
}

/**
 * Parse `ss -tanoie` output (with or without the header line). A record starts at a line with no
 * leading whitespace; lines starting with whitespace continue it (the -i line).
 */
export function parseSs(output: string): SsSocket[] {
  const records: string[][] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) {
      const current = records.at(-1);
      if (!current) throw new SsParseError('continuation line before any socket', line);
      current.push(line);
    } else if (/^State\s+Recv-Q/.test(line) || /^Recv-Q\s+Send-Q/.test(line)) {
    } else {
      records.push([line]);
    }
  }
  return records.map(([first, ...more]) => {
    const info = more
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    return { ...parseFirstLine(first!), info: info ? parseTcpInfo(info) : null, raw: [first, ...more].join('\n') };
  });
}
