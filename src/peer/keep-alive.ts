// Keep-alives off by default (RFC 9293 3.8.4, MUST-25): an idle established connection whose
// application never asked for keep-alives gets no keep-alive probe. A probe is a segment with
// SEG.SEQ = SND.NXT−1 and no or one garbage octet (3.8.4). From outside, "off" can only be shown
// for the time we watch: a stack with keep-alives on by default and a longer idle interval
// (MUST-28: at least two hours) would look the same, and the finding says so. In the lab the
// kernel's own socket timer is read too (ss: a keep-alive timer is armed only when they are on).

import { formatTcp, Seq } from '../packet/index.js';
import { ACK } from '../packet/types.js';
import type { StateSource } from '../target/stack.js';
import type { Finding } from '../verdict/grade.js';
import type { ScriptedConnection } from './scripted.js';
import { collect } from './unmodelled.js';

export interface KeepAliveWatch {
  idleMs: number;
  /** the target's own states, where its application is ours and never asks for keep-alives (a lab stack) */
  states?: StateSource;
}

const isProbe = (c: ScriptedConnection, seq: number, len: number, flags: number): boolean => flags === ACK && len <= 1 && seq === Seq.sub(c.peer.rcvNxt, 1);

/** Watch the idle connection `c` (ESTABLISHED, nothing outstanding) for `idleMs`; one finding. */
export async function watchForKeepAlives(c: ScriptedConnection, w: KeepAliveWatch): Promise<Finding> {
  const base = {
    requirement: 'MUST-25',
    check: `keep-alive probes on a connection idle for ${w.idleMs / 1000} s`,
    expected: 'none: keep-alives are off unless the application asks',
  };
  const timer = w.states ? (await w.states.sockets({ localPort: c.peer.remotePort, peerPort: c.peer.localPort }))[0]?.timer?.name : undefined;
  const seen = await collect(c, w.idleMs);
  const rel = { relativeTo: { srcIsn: c.peer.irs ?? 0, dstIsn: c.iss } };
  const probes = seen.filter((s) => isProbe(c, s.tcp.seq, s.tcp.payload.length, s.tcp.flags));
  const text = seen.map((s) => `[${formatTcp(s.tcp, rel)}]`).join(' ');
  if (probes.length) {
    // Only where the application is known not to have asked is a probe a default that is on.
    return w.states
      ? {
          ...base,
          level: 'violation',
          observed: `${probes.length} keep-alive probes (${text}); the lab's application never asked for them${timer ? `; kernel timer: ${timer}` : ''}`,
        }
      : {
          ...base,
          requirement: 'MAY-5',
          level: 'choice',
          observed: `${probes.length} keep-alive probes (${text}): keep-alives are on for this connection — its application may have asked (MUST-25 is about the default)`,
        };
  }
  if (w.states && timer === 'keepalive')
    return { ...base, level: 'violation', observed: "no probe yet, but the kernel's socket has a keep-alive timer armed (ss)" };
  const extra = seen.length ? `; other segments: ${text}` : '';
  return {
    ...base,
    level: 'conforms',
    observed: `no keep-alive probe in ${w.idleMs / 1000} s${w.states ? `, and no keep-alive timer on the kernel's socket (ss timer: ${timer ?? 'none'})` : ' (a default interval longer than that, such as the 2 hours of MUST-28, cannot be seen)'}${extra}`,
  };
}
