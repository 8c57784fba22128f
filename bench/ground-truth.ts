// Cost of one ground-truth check (the state of one connection, as a checked step asks it), by
// source: `ss` forked inside the namespace, and the agent reading its namespace's /proc/net/tcp.
// The lab holds a listener and `connections` ESTABLISHED connections from the root namespace, so
// the table is not trivially small. Rounds alternate the sources so load hits both alike.
//   node dist/bench/ground-truth.js [--n=300] [--connections=50]
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { agentTable, createLab, type Lab, procTable, type SocketSource, ssTable, stateOf, type TcpTuple } from '../src/lab/index.js';
import { fmt, type Summary, summarize } from './lib.js';

export interface GroundTruthCost {
  ss: Summary;
  agent: Summary;
  /** the namespace's table read from here through the agent's /proc/<pid>/net (what a Linux lab's checks use) */
  proc: Summary;
  sockets: number;
}

export async function groundTruthCost(lab: Lab, n: number, connections: number): Promise<GroundTruthCost> {
  const { port } = await lab.agent.listen(0, { backlog: 1024 });
  const clients: net.Socket[] = [];
  try {
    for (let i = 0; i < connections; i++) {
      const c = net.connect({ host: lab.target.ipv4, port });
      c.on('error', () => undefined);
      await new Promise((r) => c.once('connect', r));
      clients.push(c);
    }
    const last = clients.at(-1);
    const tuple: TcpTuple = last
      ? { localAddress: lab.target.ipv4, localPort: port, peerAddress: lab.probe.ipv4, peerPort: last.localPort! }
      : { localAddress: lab.target.ipv4, localPort: port, peerAddress: lab.probe.ipv4, peerPort: 1 };
    const want = last ? 'ESTABLISHED' : 'CLOSED';
    const sources: Array<[keyof Omit<GroundTruthCost, 'sockets'>, SocketSource]> = [
      ['ss', ssTable(lab)],
      ['agent', agentTable(lab.agent, lab.namespace)],
      ['proc', procTable(lab.agent.pid, lab.namespace)],
    ];
    const times: Record<string, number[]> = { ss: [], agent: [], proc: [] };
    for (let i = 0; i < n + 10; i++) {
      for (const [name, source] of sources) {
        const t0 = performance.now();
        const state = await stateOf(source, tuple);
        const ms = performance.now() - t0;
        if (state !== want) throw new Error(`${name}: ${state}, expected ${want}`);
        if (i >= 10) times[name]!.push(ms); // the first rounds warm both paths up
      }
    }
    const sockets = (await lab.agent.tcp()).sockets.length;
    return { ss: summarize(times.ss!), agent: summarize(times.agent!), proc: summarize(times.proc!), sockets };
  } finally {
    for (const c of clients) c.destroy();
    await lab.agent.unlisten(port);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
  const lab = await createLab();
  try {
    const r = await groundTruthCost(lab, arg('n', 300), arg('connections', 50));
    const row = (name: string, s: Summary) => `| ${name} | ${fmt(s.p50, 3)} | ${fmt(s.p99, 3)} | ${fmt(s.max, 3)} | ${s.n} |`;
    process.stdout.write(
      [
        `one ground-truth check, ms (namespace with ${r.sockets} TCP sockets)`,
        '| source | p50 | p99 | max | n |',
        '| --- | ---: | ---: | ---: | ---: |',
        row('ss -N NS -Htanoie (fork)', r.ss),
        row('agent: /proc/net/tcp{,6}', r.agent),
        row('/proc/<agent pid>/net/tcp{,6} read here', r.proc),
        '',
      ].join('\n'),
    );
  } finally {
    await lab.destroy();
  }
}
