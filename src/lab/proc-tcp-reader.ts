// Reading a network namespace's TCP table (/proc/net/tcp and tcp6) cheaply: each file is opened
// once and read from offset 0 each time (a seq_file restarts its walk there), so a check costs
// no open, fstat or close. /proc/net/* follow the reader's namespace; /proc/<pid>/net/* follow
// that process's: from the root namespace, /proc/<agent pid>/net/tcp is the lab's table, with no
// round trip to the agent at all.
import { closeSync, openSync, readSync } from 'node:fs';
import { parseProcTcp } from './proc-tcp.js';
import type { SsSocket } from './ss.js';

// One read takes the whole table when it fits (a seq_file fills the buffer in one walk); a table
// that does not is read in several walks, and a socket that moved between two of them, or between
// hash buckets during one (a simultaneous open: SYN-SENT becomes SYN-RECV), can be listed twice:
// such twins are dropped (sockets()). Twins may differ in what moves between walks (timer, queues),
// never in state, 4-tuple and inode: the kernel keeps one socket per 4-tuple and state.
const buf = Buffer.allocUnsafe(1024 * 1024);

export class ProcTcpReader {
  private readonly fds = new Map<string, number | null>();

  /** `dir`: '/proc/net' (this process's namespace) or '/proc/<pid>/net' (that process's). */
  constructor(private readonly dir: string) {}

  /** Sockets of both families, those with these ports only when given. */
  sockets(ports: { localPort?: number; peerPort?: number } = {}): SsSocket[] {
    const seen = new Set<string>();
    return [...parseProcTcp(this.read('tcp'), ports), ...parseProcTcp(this.read('tcp6'), ports)].filter((s) => {
      const key = `${s.ssState} ${s.local.address}:${s.local.port} ${s.peer.address}:${s.peer.port} ${s.inode}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  close(): void {
    for (const fd of this.fds.values()) if (fd !== null) closeSync(fd);
    this.fds.clear();
  }

  private read(name: 'tcp' | 'tcp6'): string {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      try {
        fd = openSync(`${this.dir}/${name}`, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        fd = null; // no IPv6 in this kernel
      }
      this.fds.set(name, fd);
    }
    if (fd === null) return '';
    let text = '';
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return text;
      text += buf.toString('latin1', 0, n);
      pos += n;
    }
  }
}
