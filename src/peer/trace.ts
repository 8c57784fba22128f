// Everything that happened in one test, in order: segments both ways, the FSM's expected state of
// the remote, the kernel's real state, notes. Printed in tcpdump style with relative seq/ack,
// and kept as data for the reports (ladder diagrams, YAML diagnostics).
import { formatTcp } from '../packet/index.js';
import type { WireSegment } from '../wire/transport.js';

export type TraceEntry =
  | { kind: 'segment'; at: bigint; segment: WireSegment /** the ISNs of the segment's connection, read when printed */; isn?: () => IsnPair }
  | { kind: 'note'; at: bigint; text: string }
  | { kind: 'state'; at: bigint; model: string; truth?: string; agree: boolean /** where truth came from (default 'kernel') */; source?: string };

/** ISNs of both sides, so a line can print seq/ack relative like tcpdump without -S. */
export interface IsnPair {
  probe?: number;
  remote?: number;
}

export class Trace {
  readonly entries: TraceEntry[] = [];
  readonly startedAt = process.hrtime.bigint();
  /**
   * Evidence of loss on the path in this test: answers that came only after we retransmitted.
   * A verdict resting on a missing segment is inconclusive once the path has lost others.
   */
  lossEvents = 0;

  segment(segment: WireSegment, isn?: () => IsnPair): void {
    this.entries.push({ kind: 'segment', at: segment.at, segment, isn });
  }

  /** A note; pass a function to build the text only when the trace is printed (hot paths). */
  note(text: string | (() => string)): void {
    if (typeof text === 'string') {
      this.entries.push({ kind: 'note', at: process.hrtime.bigint(), text });
      return;
    }
    let cached: string | undefined;
    this.entries.push({
      kind: 'note',
      at: process.hrtime.bigint(),
      get text() {
        return (cached ??= text());
      },
    });
  }

  state(model: string, truth: string | undefined, source?: string): void {
    this.entries.push({
      kind: 'state',
      at: process.hrtime.bigint(),
      model,
      truth,
      agree: truth === undefined || truth === model,
      ...(source ? { source } : {}),
    });
  }

  segments(): WireSegment[] {
    return this.entries.flatMap((e) => (e.kind === 'segment' ? [e.segment] : []));
  }

  /** One line per entry: `+0.001234 > S 0:0(0) ...` style with tcpdump flags and relative numbers. */
  lines(): string[] {
    return this.entries.map((e) => {
      const t = `+${(Number(e.at - this.startedAt) / 1e9).toFixed(6)}`;
      if (e.kind === 'note') return `${t} # ${e.text}`;
      if (e.kind === 'state') return `${t} # state: fsm ${e.model}${e.truth ? `, ${e.source ?? 'kernel'} ${e.truth}` : ''}${e.agree ? '' : '  <-- DISAGREE'}`;
      return `${t} ${formatSegmentLine(e.segment, e.isn?.())}`;
    });
  }
}

export function formatSegmentLine(s: WireSegment, isn: IsnPair = {}): string {
  const out = s.dir === 'out';
  const srcIsn = out ? isn.probe : isn.remote;
  const dstIsn = out ? isn.remote : isn.probe;
  const relative = srcIsn !== undefined || dstIsn !== undefined ? { srcIsn: srcIsn ?? 0, dstIsn: dstIsn ?? 0 } : undefined;
  return `${out ? '>' : '<'} ${formatTcp(s.tcp, { relativeTo: relative })}`;
}
