// Source ports for the probe's connections. A port is never reused within a process, and against
// a remote target a port used in the last few minutes (by this run or an earlier one) is avoided:
// the server may still hold that very 4-tuple in TIME-WAIT (2 MSL: 60 s on Linux, up to 240 s
// with RFC 9293's 2-minute MSL), and a fresh SYN would meet the old incarnation.
// The memory is a small JSON file per user, outside the project: {target → {port → last used ms}}.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** 2 MSL with RFC 9293's 2-minute MSL: a 4-tuple older than this cannot be in TIME-WAIT. */
export const PORT_QUIET_MS = 240_000;

export const PORT_MEMORY_FILE = (): string =>
  process.env.TCPFSM_PORT_MEMORY ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'tcpfsm', 'ports.json');

type Memory = Record<string, Record<string, number>>;

export class PortMemory {
  private readonly fresh = new Map<string, Map<number, number>>();

  constructor(
    private readonly file: string = PORT_MEMORY_FILE(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Ports used against `target` within PORT_QUIET_MS, from the file and this process. */
  recent(target: string): Set<number> {
    const out = new Set<number>();
    const cutoff = this.now() - PORT_QUIET_MS;
    for (const [port, at] of Object.entries(this.read()[target] ?? {})) if (at > cutoff) out.add(Number(port));
    for (const [port, at] of this.fresh.get(target) ?? []) if (at > cutoff) out.add(port);
    return out;
  }

  use(target: string, port: number): void {
    let m = this.fresh.get(target);
    if (!m) this.fresh.set(target, (m = new Map()));
    m.set(port, this.now());
  }

  /** Merge this process's ports into the file, dropping entries older than PORT_QUIET_MS. */
  save(): void {
    if (!this.fresh.size) return;
    const cutoff = this.now() - PORT_QUIET_MS;
    const merged = this.read();
    for (const [target, ports] of this.fresh) {
      const m = (merged[target] ??= {});
      for (const [port, at] of ports) m[port] = Math.max(at, m[port] ?? 0);
    }
    for (const [target, ports] of Object.entries(merged)) {
      for (const [port, at] of Object.entries(ports)) if (at <= cutoff) delete ports[port];
      if (!Object.keys(ports).length) delete merged[target];
    }
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(merged));
    renameSync(tmp, this.file); // atomic: parallel suite processes never read half a file
  }

  private read(): Memory {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Memory) : {};
    } catch {
      return {}; // no file yet, or a damaged one: start afresh
    }
  }
}
