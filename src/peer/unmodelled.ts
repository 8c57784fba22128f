// Probes whose answer the RFC leaves to the target (a segment with a bad checksum, an illegal
// option length, a SYN carrying data): the oracle is not told at send time; the test looks at what
// came back, grades it, and then lets the model follow the outcome the target chose — the segment
// was processed (adopt), dropped (forget: our sequence space goes back), or the connection reset.
import { encodeTcp } from '../packet/index.js';
import type { WireSegment } from '../wire/transport.js';
import type { SendSpec } from './connection.js';
import type { ScriptedConnection } from './scripted.js';

export interface UnmodelledSend {
  sent: WireSegment;
  /** The target dropped it: undo what sending did to our sequence space. */
  forget(): void;
  /** The target processed it as the segment it is: the oracle now predicts its answers. */
  adopt(): void;
}

export async function sendUnmodelled(c: ScriptedConnection, spec: SendSpec): Promise<UnmodelledSend> {
  const p = c.peer;
  const before = { sndNxt: p.sndNxt, ourFinSeq: p.ourFinSeq, highestAckSent: p.highestAckSent };
  const sent = await p.send(spec);
  return {
    sent,
    forget: () => Object.assign(p, before),
    adopt: () => {
      c.model.arrive(sent.tcp);
    },
  };
}

/**
 * Every segment of this connection that arrives within `ms` (consumed); with `quietMs`, stop
 * early once that long passes without one after the first.
 */
export async function collect(c: ScriptedConnection, ms: number, quietMs?: number): Promise<WireSegment[]> {
  const out: WireSegment[] = [];
  const end = performance.now() + ms;
  for (;;) {
    const left = end - performance.now();
    if (left <= 0) return out;
    const s = await c.peer.next(quietMs !== undefined && out.length ? Math.min(left, quietMs) : left);
    if (!s) return out;
    out.push(s);
  }
}

/** Hand segments taken with collect() back, in order, so c.expect() checks them against the oracle. */
export function giveBack(c: ScriptedConnection, segments: readonly WireSegment[]): void {
  for (let i = segments.length - 1; i >= 0; i--) c.peer.requeue(segments[i]!);
}

/** `spec` with a TCP checksum that is certainly wrong (the right one with bits flipped). */
export function withBadChecksum(c: ScriptedConnection, localAddr: string, spec: SendSpec): SendSpec {
  const good = encodeTcp(c.peer.segment(spec), { src: localAddr, dst: c.peer.remoteAddr }).readUInt16BE(16);
  return { ...spec, checksum: good ^ 0x0f0f };
}
