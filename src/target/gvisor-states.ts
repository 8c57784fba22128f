// Ground truth and settings of the gVisor target, both answered by its own program: `endpoints`
// lists netstack's TCP endpoints with their states, `settings` reads and writes netstack's TCP
// protocol options (names in stacks/gvisor/settings.go). One JSON round trip per check, no fork.
import type { AgentClient } from '../lab/agent/client.js';
import { AgentCommandError } from '../lab/agent/client.js';
import { matchesTuple, onlySocket, pollForState, type StateWait, type TcpTuple } from '../lab/ground-truth.js';
import type { SsSocket, TcpInfo, TcpState } from '../lab/ss.js';
import { sysctlMismatches } from '../lab/sysctls.js';
import { UsageError } from '../sys/errors.js';
import type { StackSettings, StateSource } from './stack.js';

/** One endpoint as the program reports it (stacks/gvisor/endpoints.go). */
export interface NetstackEndpoint {
  state: TcpState;
  /** netstack's own name: SYN-RCVD, FIN-WAIT1, CONNECTING, ERROR, … */
  netstackState: string;
  local: { address: string; port: number };
  /** null for a listener */
  remote: { address: string; port: number } | null;
  recvQ: number;
  sendQ: number;
  rtoMs: number;
  rttMs: number;
  rttVarMs: number;
  cwnd: number;
  ssthresh: number;
}

/** netstack gives RTT, RTO and the congestion window; the rest of tcp_info has no counterpart here. */
function tcpInfoOf(e: NetstackEndpoint): TcpInfo {
  return {
    flags: [],
    congestion: null,
    wscale: null,
    rtoMs: e.rtoMs,
    rttMs: e.rttMs,
    rttVarMs: e.rttVarMs,
    atoMs: null,
    mss: null,
    pmtu: null,
    rcvMss: null,
    advMss: null,
    cwnd: e.cwnd,
    ssthresh: e.ssthresh,
    bytesSent: null,
    bytesRetrans: null,
    bytesAcked: null,
    bytesReceived: null,
    segsOut: null,
    segsIn: null,
    dataSegsOut: null,
    dataSegsIn: null,
    lastSndMs: null,
    lastRcvMs: null,
    lastAckMs: null,
    retrans: null,
    backoff: null,
    lost: null,
    unacked: null,
    sacked: null,
    notsent: null,
    rcvSpace: null,
    rcvSsthresh: null,
    minRttMs: null,
    sndWnd: null,
    rcvWnd: null,
    fields: {},
  };
}

/** An endpoint in ss's shape; what netstack does not expose (timers, inode, cookie, shutdown) is null. */
export function ssSocketOf(e: NetstackEndpoint): SsSocket {
  return {
    state: e.state,
    ssState: e.netstackState,
    recvQ: e.recvQ,
    sendQ: e.sendQ,
    local: { address: e.local.address, port: e.local.port },
    peer: e.remote ? { address: e.remote.address, port: e.remote.port } : { address: '0.0.0.0', port: null },
    timer: null,
    inode: null,
    cookie: null,
    shutdown: null,
    info: e.remote ? tcpInfoOf(e) : null,
    raw: JSON.stringify(e),
  };
}

export class NetstackStates implements StateSource {
  readonly describe: string;

  constructor(
    private readonly agent: AgentClient,
    private readonly namespace: string,
  ) {
    this.describe = `netstack endpoints (gVisor in ${namespace})`;
  }

  async endpoints(): Promise<NetstackEndpoint[]> {
    return (await this.agent.callOwn<{ endpoints: NetstackEndpoint[] }>('endpoints', {})).endpoints;
  }

  async sockets(tuple: TcpTuple = {}): Promise<SsSocket[]> {
    return (await this.endpoints()).map(ssSocketOf).filter((s) => matchesTuple(s, tuple));
  }

  private async socketOf(tuple: TcpTuple): Promise<SsSocket | null> {
    return onlySocket(await this.sockets(tuple), tuple, `gVisor netstack (${this.namespace})`);
  }

  async stateOf(tuple: TcpTuple): Promise<TcpState | 'UNKNOWN'> {
    return (await this.socketOf(tuple))?.state ?? 'CLOSED';
  }

  waitForState(tuple: TcpTuple, want: TcpState | readonly TcpState[], deadlineMs: number): Promise<StateWait> {
    return pollForState((t) => this.socketOf(t), `gVisor netstack (${this.namespace})`, tuple, want, deadlineMs);
  }
}

/** netstack's TCP options as the stack's settings. */
export class NetstackSettings implements StackSettings {
  values: Readonly<Record<string, string>> = {};

  constructor(private readonly agent: AgentClient) {}

  /** Read every value (the set is fixed by the program). */
  async load(): Promise<this> {
    this.values = await this.call({});
    return this;
  }

  async set(values: Readonly<Record<string, string>>): Promise<Readonly<Record<string, string>>> {
    const written = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
    const readBack = await this.call(written);
    this.values = readBack;
    const mismatches = sysctlMismatches(written, readBack);
    if (mismatches.length) throw new UsageError(`gVisor settings did not take: ${mismatches.join('; ')}`);
    return readBack;
  }

  private async call(set: Record<string, string>): Promise<Record<string, string>> {
    try {
      return (await this.agent.callOwn<{ values: Record<string, string> }>('settings', { set })).values;
    } catch (e) {
      // Unknown name or refused value: the user's input, said in the program's own words.
      if (e instanceof AgentCommandError) throw new UsageError(e.message.replace(/^agent settings: /, 'gVisor: '));
      throw e;
    }
  }
}
