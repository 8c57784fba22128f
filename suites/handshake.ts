// Connection establishment, RFC 9293 3.5: the three-way handshake with its seq/ack arithmetic.
//   > S   seq x            (we: SYN-SENT; remote: LISTEN → SYN-RECEIVED)
//   < S.  seq y, ack x+1
//   > .   seq x+1, ack y+1 (remote: ESTABLISHED)
// ISN selection, RFC 9293 3.4.1 / RFC 6528: 20 SYNs from fresh ports, 20 distinct SYN-ACK seqs y1..y20
// whose successive differences are not a constant step.
//   > S   seq x_i            < S. seq y_i, ack x_i+1      > R seq x_i+1 (back to LISTEN)
// Option negotiation, RFC 9293 3.7.1 (MSS), RFC 7323 2.2 / 3.2 (WS, TS), RFC 2018 2 (SACK):
//   > S   <mss 1460,sackOK,TS val T ecr 0,nop,wscale 7>
//   < S.  <mss M,sackOK,TS val U ecr T,nop,wscale S>        (each only because we offered it)
//   > S   (no options)      < S.  without sackOK, TS, wscale
// Closed port, RFC 9293 3.10.7.1:
//   > S   seq x              < R. seq 0, ack x+1
import { suite } from '../src/peer/suite.js';
import { Seq } from '../src/packet/index.js';
import type { TcpOption } from '../src/packet/types.js';

const optionKinds = (opts: TcpOption[]): string[] => opts.map((o) => o.kind);

suite({ name: 'handshake', title: 'Three-way handshake', rfc: 'RFC 9293 3.5' }, (test) => {
  test('SYN to a listening port is answered by SYN-ACK acking ISN+1; the final ACK makes it ESTABLISHED', { rfc: 'RFC 9293 3.5, 3.10.7.2' }, async ({ listen, connect }) => {
    const c = connect(await listen());
    await c.send('S');
    await c.inState('SYN-RECEIVED');
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    await c.send({ flags: '.', seq: Seq.add(c.iss, 1), ack: Seq.add(synAck.seq, 1) });
    await c.inState('ESTABLISHED');
  });

  test('SYN to a closed port is answered by RST-ACK with ack = ISN+1 and seq 0', { rfc: 'RFC 9293 3.10.7.1', needs: ['agent'] }, async ({ target, connect }) => {
    // A port nobody listens on: the agent's listener was closed again.
    const { port } = await target.agent.listen(0);
    await target.agent.unlisten(port);
    const c = connect(port, { remote: 'CLOSED' });
    await c.send('S');
    await c.expect({ flags: 'R.', seq: 0, ack: Seq.add(c.iss, 1) });
    await c.inState('CLOSED');
  });
  test('the ISN differs across 20 connections and does not advance by a constant step', { rfc: 'RFC 9293 3.4.1, RFC 6528' }, async ({ listen, connect, t, note }) => {
    const port = await listen();
    const isns: number[] = [];
    for (let i = 0; i < 20; i++) {
      const c = connect(port);
      await c.send('S');
      const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
      isns.push(synAck.seq);
      // An exact RST ends the half-open connection: back to LISTEN (RFC 9293 3.10.7.4, passive open).
      await c.send({ flags: 'R', seq: Seq.add(c.iss, 1) });
      await c.inState('LISTEN');
    }
    note(`ISNs: ${isns.join(' ')}`);
    t.equal(new Set(isns).size, isns.length, 'all 20 ISNs are distinct', { isns });
    const steps = isns.slice(1).map((y, i) => Seq.sub(y, isns[i]!));
    const spread = Math.max(...steps) - Math.min(...steps);
    // RFC 6528 3: ISN = M + F(4-tuple, secret); a clock-only ISN (RFC 793's 4 us counter) advances
    // by a near-constant step between back-to-back connections. Differing source ports must show.
    t.ok(spread > 1 << 16, `successive ISN differences are not a constant step (spread ${spread})`, { steps });
  });

  test('MSS, SACK-permitted, timestamps and window scale offered in the SYN are answered in the SYN-ACK', { rfc: 'RFC 9293 3.7.1, RFC 7323 2.2 3.2, RFC 2018 2' }, async ({ listen, connect, t }) => {
    const c = connect(await listen());
    const tsVal = 0x1234_5678;
    await c.send({
      flags: 'S',
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: tsVal, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    });
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1), optionKinds: ['mss', 'sackOK', 'ts', 'wscale'] });
    const ts = synAck.options.find((o) => o.kind === 'ts');
    t.equal(ts?.kind === 'ts' ? ts.ecr : undefined, tsVal, 'the SYN-ACK echoes our TSval in TSecr (RFC 7323 3.2)');
    const mss = synAck.options.find((o) => o.kind === 'mss');
    t.ok(mss?.kind === 'mss' && mss.value > 0 && mss.value <= 1460, `the SYN-ACK's MSS (${mss?.kind === 'mss' ? mss.value : '-'}) fits the path (RFC 9293 3.7.1)`);
    const ws = synAck.options.find((o) => o.kind === 'wscale');
    t.ok(ws?.kind === 'wscale' && ws.shift <= 14, `the SYN-ACK's window shift (${ws?.kind === 'wscale' ? ws.shift : '-'}) is at most 14 (RFC 7323 2.3)`);
    t.equal(synAck.window <= 65535, true, 'the window of a SYN-ACK is never scaled (RFC 7323 2.2)');
    await c.send({ flags: '.', options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: tsVal + 1, ecr: ts?.kind === 'ts' ? ts.val : 0 }] });
    await c.inState('ESTABLISHED');
  });

  test('a SYN without options gets a SYN-ACK without SACK-permitted, timestamps or window scale', { rfc: 'RFC 7323 2.2 3.2, RFC 2018 2' }, async ({ listen, connect, t }) => {
    const c = connect(await listen());
    await c.send({ flags: 'S', options: [] });
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    const kinds = optionKinds(synAck.options);
    for (const kind of ['sackOK', 'ts', 'wscale'])
      t.notOk(kinds.includes(kind), `no ${kind} in the SYN-ACK: it was not offered (options: ${kinds.join(',') || 'none'})`);
    await c.send('.');
    await c.inState('ESTABLISHED');
  });
});
