// Judges every segment the target sends during a test, whatever the test itself checks:
//   MUST-65, MUST-68, MUST-69, RFC 9293 3.1 reserved bits   the header of each segment (../verdict/header-checks.ts)
//   MUST-45   answers come from the address our segments went to (and to the port they came from)
//   SHLD-14   the right window edge (SEG.ACK + SEG.WND, scaled as negotiated) never moves left
// Problems are reported one finding each; what held is summed up in one conforming finding per
// requirement, saying over how many segments.
import { Seq } from '../packet/index.js';
import { ACK, RST, SYN, type TcpOption } from '../packet/types.js';
import type { Finding } from '../verdict/grade.js';
import { judgeHeader } from '../verdict/header-checks.js';
import type { Transport, WireSegment } from '../wire/transport.js';
import type { TestContext, TestMeta } from './suite.js';

interface ConnView {
  /** where our segments for this probe port went */
  dst: string;
  dstPort: number;
  ourWscale: number | undefined;
  theirWscale: number | undefined;
  /** the furthest right edge the target advertised so far, and the segment that did */
  edge: number | undefined;
  edgeText: string;
}

const wscaleOf = (options: readonly TcpOption[]): number | undefined => {
  const w = options.find((o) => o.kind === 'wscale');
  return w?.kind === 'wscale' ? Math.min(w.shift, 14) : undefined;
};

export class SegmentWatch {
  private readonly conns = new Map<number, ConnView>();
  private readonly problems: Finding[] = [];
  private segments = 0;
  private nonSyn = 0;
  private withOptions = 0;
  private withEol = 0;
  private edges = 0;
  private readonly unsubscribe: () => void;

  constructor(wire: Transport) {
    this.unsubscribe = wire.onSegment((s) => (s.dir === 'out' ? this.outgoing(s) : this.incoming(s)));
  }

  private outgoing(s: WireSegment): void {
    const port = s.tcp.srcPort;
    let c = this.conns.get(port);
    // A SYN without ACK opens a new incarnation on this probe port: forget the old one's edge.
    if (!c || (s.tcp.flags & (SYN | ACK)) === SYN) {
      c = { dst: s.ip.dst, dstPort: s.tcp.dstPort, ourWscale: undefined, theirWscale: undefined, edge: undefined, edgeText: '' };
      this.conns.set(port, c);
    }
    if (s.tcp.flags & SYN) c.ourWscale = wscaleOf(s.tcp.options);
  }

  private incoming(s: WireSegment): void {
    const tcp = s.tcp;
    this.segments++;
    if (!(tcp.flags & SYN)) this.nonSyn++;
    if (tcp.dataOffset > 5) this.withOptions++;
    if (tcp.options.some((o) => o.kind === 'eol')) this.withEol++;
    this.problems.push(...judgeHeader(s.bytes, tcp.flags, tcp.reserved));
    const c = this.conns.get(tcp.dstPort);
    if (!c) return;
    if (s.ip.src !== c.dst || tcp.srcPort !== c.dstPort)
      this.problems.push({
        level: 'violation',
        requirement: 'MUST-45',
        check: 'source of an answer',
        expected: `${c.dst}.${c.dstPort} (where our segments went)`,
        observed: `${s.ip.src}.${tcp.srcPort}`,
      });
    if (tcp.flags & SYN) c.theirWscale = wscaleOf(tcp.options);
    if (!(tcp.flags & ACK) || tcp.flags & RST) return;
    // RFC 7323 2.2: the window of a SYN is never scaled; later ones are, when both sides offered it.
    const shift = tcp.flags & SYN || c.ourWscale === undefined || c.theirWscale === undefined ? 0 : c.theirWscale;
    const edge = Seq.add(tcp.ack, tcp.window * 2 ** shift);
    const text = `ack ${tcp.ack} + win ${tcp.window}${shift ? `<<${shift}` : ''} = ${edge}`;
    this.edges++;
    // Scaled windows are rounded to 2^shift: an edge within that of the last one has not moved.
    if (c.edge !== undefined && Seq.lt(edge, c.edge) && Seq.sub(c.edge, edge) >= 2 ** shift) {
      this.problems.push({
        level: 'deviation',
        requirement: 'SHLD-14',
        check: 'right window edge',
        expected: `at or right of ${c.edge} (${c.edgeText})`,
        observed: `${edge} (${text}): moved left by ${Seq.sub(c.edge, edge)} bytes`,
      });
      return;
    }
    if (c.edge === undefined || Seq.gt(edge, c.edge)) {
      c.edge = edge;
      c.edgeText = text;
    }
  }

  /** Stop watching; the problems seen and a conforming summary for each check that held. */
  stop(): Finding[] {
    this.unsubscribe();
    const failed = new Set(this.problems.map((p) => p.requirement));
    const held: Finding[] = [];
    const ok = (requirement: string, check: string, expected: string, observed: string) => {
      if (!failed.has(requirement)) held.push({ level: 'conforms', requirement, check, expected, observed });
    };
    if (this.segments) {
      ok(
        'MUST-45',
        'source of every answer',
        'the address and port our segments went to',
        `${this.segments} segments, all from there (a segment from elsewhere would not reach the connection and would show as a missing answer)`,
      );
      ok('RFC 9293 3.1', 'reserved header bits', 'zero', `zero in ${this.segments} segments`);
    }
    if (this.withOptions)
      ok(
        'MUST-68',
        'option length fields',
        'every option but EOL and NOP has a length inside the option area',
        `${this.withOptions} segments with options, all well-formed`,
      );
    if (this.withOptions)
      ok(
        'MUST-69',
        'header padding after EOL',
        'zeros',
        this.withEol
          ? `${this.withEol} option lists ended by EOL, zero-padded`
          : `no EOL in ${this.withOptions} option lists (NOP-aligned to the header's end): nothing to pad`,
      );
    if (this.nonSyn) ok('MUST-65', 'no MSS option without SYN', 'no MSS option', `none in ${this.nonSyn} segments without SYN`);
    if (this.edges > 1) ok('SHLD-14', 'right window edge', 'never moves left', `${this.edges} acknowledgments, the edge never moved left`);
    return [...this.problems, ...held];
  }
}

type TestFn = (ctx: TestContext) => Promise<void>;
type Declare = (name: string, meta: TestMeta, fn: TestFn) => void;

/**
 * A suite's `test` whose every test also has its target's segments watched: problems are always
 * reported; what held only where the test declares that requirement (the coverage table's claim).
 */
export function watchingSegments(test: Declare): Declare {
  return (name, meta, fn) =>
    test(name, meta, async (ctx) => {
      const watch = new SegmentWatch(ctx.wire);
      try {
        await fn(ctx);
      } finally {
        for (const f of watch.stop()) if (f.level !== 'conforms' || meta.requirements?.includes(f.requirement)) ctx.finding(f);
      }
    });
}
