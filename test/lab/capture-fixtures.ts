// Re-captures the `ss -tanoie` fixtures the parser tests read (test/lab/fixtures/*.txt), by
// driving a real lab into each TCP state. Run as root after a build:
//   node dist/test/lab/capture-fixtures.js
// Drops are nft rules *inside* the lab namespace (they vanish with it). The client side is a
// plain socket in the root namespace talking to the lab's own veth address.

import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { type TcpTuple, waitForState } from '../../src/lab/ground-truth.js';
import { createLab, type Lab } from '../../src/lab/lab.js';
import type { TcpState } from '../../src/lab/ss.js';
import { run } from '../../src/sys/exec.js';

const FIXTURES = fileURLToPath(new URL('../../../test/lab/fixtures/', import.meta.url));

async function ss(lab: Lab, tuple: TcpTuple): Promise<string> {
  const filter = [tuple.localPort !== undefined ? `sport = :${tuple.localPort}` : '', tuple.peerPort !== undefined ? `dport = :${tuple.peerPort}` : '']
    .filter(Boolean)
    .join(' and ');
  return (await run('ss', ['-N', lab.namespace, '-tanoie', ...(filter ? [filter] : [])])).stdout;
}

async function save(lab: Lab, name: string, tuple: TcpTuple, state: TcpState): Promise<void> {
  if (Object.values(tuple).some((v) => v === undefined)) throw new Error(`${name}: incomplete tuple ${JSON.stringify(tuple)}`);
  await waitForState(lab, tuple, state, 5000);
  const out = await ss(lab, tuple);
  writeFileSync(FIXTURES + name + '.txt', out);
  console.log(`--- ${name}\n${out}`);
}

/** Drop TCP in the namespace: 'in' (all incoming), 'out', or 'ack-in' (pure ACKs only). */
async function drop(lab: Lab, what: 'in' | 'out' | 'ack-in'): Promise<void> {
  const rule = { in: 'meta l4proto tcp drop', out: 'meta l4proto tcp drop', 'ack-in': 'tcp flags & (syn|ack|fin|rst) == ack drop' }[what];
  const hook = what === 'out' ? 'output' : 'input';
  await lab.exec('nft', ['-f', '-'], {
    input: `table inet tcpfsm-drop {\n chain c {\n type filter hook ${hook} priority 0;\n ${rule}\n }\n}\n`,
  });
}
const undrop = (lab: Lab) => lab.exec('nft', ['delete', 'table', 'inet', 'tcpfsm-drop']);

async function connectFromRoot(host: string, port: number): Promise<net.Socket> {
  const s = net.connect({ host, port, allowHalfOpen: true });
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  ports.set(s, { local: s.localPort!, remote: s.remotePort! }); // gone from the socket once it closes
  return s;
}
const ports = new WeakMap<net.Socket, { local: number; remote: number }>();

const tupleOf = (lab: Lab, c: net.Socket, v6 = false): TcpTuple => ({
  localAddress: v6 ? lab.target.ipv6 : lab.target.ipv4,
  localPort: ports.get(c)!.remote,
  peerAddress: v6 ? lab.probe.ipv6 : lab.probe.ipv4,
  peerPort: ports.get(c)!.local,
});

async function main(): Promise<void> {
  const lab = await createLab({ sysctls: { tcp_fin_timeout: 30 } });
  const { agent } = lab;
  const clients: net.Socket[] = [];
  try {
    const { port } = await agent.listen(0);
    const { port: port6 } = await agent.listen(0, { host: '::' });
    await save(lab, 'listen', { localPort: port }, 'LISTEN');
    await save(lab, 'listen-v6', { localPort: port6 }, 'LISTEN');

    let c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    await save(lab, 'established', tupleOf(lab, c), 'ESTABLISHED');

    c = await connectFromRoot(lab.target.ipv6, port6);
    clients.push(c);
    await save(lab, 'established-v6', tupleOf(lab, c, true), 'ESTABLISHED');

    c = await connectFromRoot(lab.target.ipv4, port6); // dual-stack listener: v4-mapped local address
    clients.push(c);
    await save(lab, 'established-v4-mapped', tupleOf(lab, c), 'ESTABLISHED');

    // Data the agent has not read (paused): Recv-Q > 0.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    let acc = await agent.accepted(port, c.localPort);
    await agent.pause(acc.conn);
    c.write(Buffer.alloc(3000, 0x61));
    await new Promise((r) => setTimeout(r, 50));
    await save(lab, 'established-unread', tupleOf(lab, c), 'ESTABLISHED');

    // Keepalive timer.
    const { port: kaPort } = await agent.listen(0, { keepAliveMs: 7000 });
    c = await connectFromRoot(lab.target.ipv4, kaPort);
    clients.push(c);
    await agent.accepted(kaPort, c.localPort);
    await save(lab, 'established-keepalive', tupleOf(lab, c), 'ESTABLISHED');

    // Persist timer: the root-ns client stops reading, its window closes, the target keeps data queued.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    c.pause();
    acc = await agent.accepted(port, c.localPort);
    for (let i = 0; i < 64; i++) await agent.send(acc.conn, { n: 256 * 1024 });
    await new Promise((r) => setTimeout(r, 1500));
    await save(lab, 'established-persist', tupleOf(lab, c), 'ESTABLISHED');

    // CLOSE-WAIT: the client's FIN arrives, the agent does not close.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    c.end();
    await save(lab, 'close-wait', tupleOf(lab, c), 'CLOSE-WAIT');
    // LAST-ACK: the agent closes, the client's ACK of that FIN is dropped.
    await drop(lab, 'in');
    await agent.close(acc.conn);
    await save(lab, 'last-ack', tupleOf(lab, c), 'LAST-ACK');
    await undrop(lab);

    // FIN-WAIT-1: the agent closes while nothing comes in; retransmitted FIN.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    await drop(lab, 'in');
    await agent.close(acc.conn);
    await new Promise((r) => setTimeout(r, 500));
    await save(lab, 'fin-wait-1', tupleOf(lab, c), 'FIN-WAIT-1');
    await undrop(lab);

    // FIN-WAIT-2 (orphan, fin_timeout timer) then TIME-WAIT.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    await agent.close(acc.conn);
    await save(lab, 'fin-wait-2', tupleOf(lab, c), 'FIN-WAIT-2');
    c.end();
    await save(lab, 'time-wait', tupleOf(lab, c), 'TIME-WAIT');

    // FIN-WAIT-2 after shutdown(SHUT_WR): not an orphan, so no timer.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    await agent.shutdown(acc.conn);
    await save(lab, 'fin-wait-2-shutdown', tupleOf(lab, c), 'FIN-WAIT-2');

    // CLOSING: the target's FIN (and its ACKs) are dropped on the way out; the client's FIN arrives.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    await drop(lab, 'out');
    await agent.close(acc.conn);
    c.end();
    await save(lab, 'closing', tupleOf(lab, c), 'CLOSING');
    await undrop(lab);

    // SYN-RECEIVED: the handshake's final ACK is dropped.
    await drop(lab, 'ack-in');
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    await save(lab, 'syn-recv', tupleOf(lab, c), 'SYN-RECEIVED');
    await undrop(lab);

    // SYN-SENT: the agent opens towards the probe while everything incoming is dropped.
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, lab.probe.ipv4, r));
    const rootPort = (server.address() as net.AddressInfo).port;
    await drop(lab, 'in');
    const { localPort } = await agent.connect(lab.probe.ipv4, rootPort);
    await new Promise((r) => setTimeout(r, 300));
    await save(lab, 'syn-sent', { localPort: localPort!, peerPort: rootPort }, 'SYN-SENT');
    await undrop(lab);
    server.close();

    // Retransmission timer on data: established, then incoming dropped while the agent sends.
    c = await connectFromRoot(lab.target.ipv4, port);
    clients.push(c);
    acc = await agent.accepted(port, c.localPort);
    await drop(lab, 'in');
    await agent.send(acc.conn, 'hello');
    await new Promise((r) => setTimeout(r, 700));
    await save(lab, 'established-retransmitting', tupleOf(lab, c), 'ESTABLISHED');
    await undrop(lab);

    const all = (await run('ss', ['-N', lab.namespace, '-tanoie'])).stdout;
    writeFileSync(FIXTURES + 'all.txt', all);
  } finally {
    for (const c of clients) c.destroy();
    await lab.destroy();
  }
}

await main();
