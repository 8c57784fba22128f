// ICMP errors about our own connection, as a router on the path would send them back to the
// target (RFC 9293 3.9.2.2): from the probe's address, only to the connection's remote (the
// target the user named), quoting a segment the target itself sent on that connection — its IP
// header and the first bytes of TCP, whose sequence number a careful stack checks against
// SND.UNA..SND.NXT (RFC 5927 4.1; Linux does). Then what became of the connection, read from the
// target's own state where it has ground truth, from a state probe where it has only packets.
import { describeIcmp, encodeIcmpPacket, familyOf, type IcmpMessage, invokingQuote } from '../packet/index.js';
import { SYN } from '../packet/types.js';
import type { StateSource } from '../target/stack.js';
import type { Unsubscribe, WireSegment } from '../wire/transport.js';
import type { ScriptedConnection } from './scripted.js';
import { REPLY_DEADLINE_MS } from './scripted.js';
import { inferStates, type ProbeKnowledge, probeSegment } from './state-probe.js';
import type { TestContext } from './suite.js';

/** The last segment the target sent on each watched connection: what an ICMP error quotes. */
export class TargetSegments {
  private readonly last = new Map<number, WireSegment>();
  private readonly off: Unsubscribe;

  constructor(ctx: Pick<TestContext, 'wire' | 't'>) {
    this.off = ctx.wire.onSegment((s) => {
      if (s.dir === 'in') this.last.set(s.tcp.dstPort, s);
    });
    ctx.t.teardown(() => this.off());
  }

  /** The target's latest segment on `c` (throws when it sent none yet). */
  of(c: ScriptedConnection): WireSegment {
    const s = this.last.get(c.peer.localPort);
    if (!s || s.ip.src !== c.peer.remoteAddr || s.tcp.srcPort !== c.peer.remotePort) throw new Error('no segment from the target on this connection to quote');
    return s;
  }
}

export type IcmpError = Pick<IcmpMessage, 'type' | 'code' | 'rest'>;

/** RFC 4443 2.4 (c): an ICMPv6 error holds as much of the invoking packet as fits in the minimum MTU. */
export const ICMPV6_MAX_QUOTE = 1280 - 40 - 8;

/**
 * Send `error` about the target's segment `about` of connection `c`: ICMP quoting its IP header and
 * `quoteBytes` of TCP (8: RFC 792's minimum, holding ports and sequence number), or over IPv6
 * ICMPv6 quoting as much of the packet as fits in 1280 bytes (`quoteBytes` ignored).
 */
export async function sendIcmpError(
  ctx: Pick<TestContext, 'wire' | 'trace'>,
  c: ScriptedConnection,
  about: WireSegment,
  error: IcmpError,
  quoteBytes = 8,
): Promise<void> {
  const { wire } = ctx;
  const dst = c.peer.remoteAddr;
  // Only about our own connection, only to its remote: never anything else.
  if (about.dir !== 'in' || about.ip.src !== dst || about.tcp.dstPort !== c.peer.localPort || about.tcp.srcPort !== c.peer.remotePort)
    throw new Error('an ICMP error quotes a segment the target sent on this very connection');
  if (!wire.sendIp) throw new Error('this wire cannot send ICMP (no raw IP socket)');
  const family = familyOf(dst);
  const body = family === 6 ? about.bytes.subarray(0, ICMPV6_MAX_QUOTE) : invokingQuote(about.bytes, quoteBytes);
  const msg: IcmpMessage = { family, ...error, body: Buffer.from(body) };
  const packet =
    family === 6 ? encodeIcmpPacket({ src: wire.localAddr, dst, hopLimit: 64 }, msg) : encodeIcmpPacket({ src: wire.localAddr, dst, ttl: 64, ipFlags: 0 }, msg);
  const quoted = family === 6 ? (body.length < about.bytes.length ? `its first ${body.length} bytes` : 'all of it') : `IP header + ${quoteBytes} of TCP`;
  ctx.trace.note(`> ${describeIcmp(msg)}, quoting the target's segment seq ${about.tcp.seq} (${msg.body.length} bytes: ${quoted})`);
  await wire.sendIp(dst, packet, { localPort: c.peer.localPort, remoteAddr: dst, remotePort: c.peer.remotePort });
}

/** What the connection is after an ICMP error: still there (synchronized or half-open), or gone. */
export interface Aftermath {
  alive: boolean | undefined;
  /** the evidence, in words */
  evidence: string;
  /** segments the target sent meanwhile (besides the answer to the state probe) */
  meanwhile: WireSegment[];
}

/** How long a stack gets to act on the error before we look. */
const SETTLE_MS = 300;

/**
 * After `SETTLE_MS`: the target's own state of `c` where it has ground truth, else one state
 * probe (an old byte left of the window: a synchronized connection ACKs it, none RSTs it).
 * Retransmitted SYN-ACKs of a half-open connection are set aside, not taken as the answer.
 */
export async function aftermath(ctx: Pick<TestContext, 'target' | 'tuple' | 'trace'>, c: ScriptedConnection): Promise<Aftermath> {
  const p = c.peer;
  const meanwhile: WireSegment[] = [];
  for (let s = await p.next(SETTLE_MS); s; s = await p.next(50)) meanwhile.push(s);
  if (ctx.target.has('states')) {
    const states: StateSource = ctx.target.states;
    const state = await states.stateOf(ctx.tuple(c));
    const alive = state !== 'CLOSED' && state !== 'UNKNOWN';
    ctx.trace.note(`after the ICMP error the target's own state: ${state === 'CLOSED' ? 'no socket for this connection' : state}`);
    return { alive: state === 'UNKNOWN' ? undefined : alive, evidence: `the target's own state: ${state}`, meanwhile };
  }
  const k: ProbeKnowledge = {
    sndNxt: p.sndNxt,
    rcvNxt: p.rcvNxt,
    irs: p.irs,
    ourFinSeq: p.ourFinSeq,
    remoteFinSeq: p.remoteFinSeq,
    highestAckSent: p.highestAckSent,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    const acked = p.highestAckSent;
    await p.send(probeSegment(k));
    p.highestAckSent = acked; // the probe's ACK field is never processed
    const end = performance.now() + REPLY_DEADLINE_MS;
    for (let s = await p.next(REPLY_DEADLINE_MS); s; s = await p.next(Math.max(1, end - performance.now()))) {
      if (s.tcp.flags & SYN) {
        meanwhile.push(s); // a retransmitted SYN-ACK: the connection is still half-open
        continue;
      }
      const inferred = inferStates(s.tcp, k);
      ctx.trace.note(`state probe answer: ${inferred.evidence} → ${inferred.states.join(' or ') || 'no state'}`);
      const gone = inferred.states.includes('CLOSED');
      return { alive: inferred.states.length ? !gone : undefined, evidence: `state probe: ${inferred.evidence}`, meanwhile };
    }
  }
  return { alive: undefined, evidence: 'no answer to the state probe, twice', meanwhile };
}
