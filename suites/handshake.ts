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

import { ethernetMss, familyOf, Seq } from '../src/packet/index.js';
import type { TcpOption } from '../src/packet/types.js';
import { allocatePort } from '../src/peer/connection.js';
import { suite } from '../src/peer/suite.js';
import { gradeIsns, type IsnSample } from '../src/verdict/isn.js';

const optionKinds = (opts: TcpOption[]): string[] => opts.map((o) => o.kind);

suite({ name: 'handshake', title: 'Three-way handshake', rfc: 'RFC 9293 3.5' }, (test) => {
  test('SYN to a listening port is answered by SYN-ACK acking ISN+1; the final ACK makes it ESTABLISHED', { rfc: 'RFC 9293 3.5, 3.10.7.2' }, async ({
    listen,
    connect,
  }) => {
    const c = connect(await listen());
    await c.send('S');
    await c.inState('SYN-RECEIVED');
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    await c.send({ flags: '.', seq: Seq.add(c.iss, 1), ack: Seq.add(synAck.seq, 1) });
    await c.inState('ESTABLISHED');
  });

  test('SYN to a closed port is answered by RST-ACK with ack = ISN+1 and seq 0', { rfc: 'RFC 9293 3.10.7.1', needs: ['agent'] }, async ({
    target,
    connect,
  }) => {
    // A port nobody listens on: the agent's listener was closed again.
    const { port } = await target.agent.listen(0);
    await target.agent.unlisten(port);
    const c = connect(port, { remote: 'CLOSED' });
    await c.send('S');
    await c.expect({ flags: 'R.', seq: 0, ack: Seq.add(c.iss, 1) });
    await c.inState('CLOSED');
  });
  test("ISNs: a reused 4-tuple's ISN advances with time, and ISNs of different 4-tuples are not a constant step", {
    rfc: 'RFC 9293 3.4.1, RFC 6528',
    requirements: ['MUST-8', 'SHLD-1'],
  }, async ({ listen, connect, note, finding, figure }) => {
    const port = await listen();
    // Each SYN's half-open connection is ended by an exact RST (RFC 9293 3.10.7.4, passive open:
    // back to LISTEN), so the same 4-tuple can open again at once.
    const sample = async (localPort?: number): Promise<IsnSample> => {
      const c = connect(port, localPort === undefined ? {} : { localPort });
      await c.send('S');
      const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
      await c.send({ flags: 'R', seq: Seq.add(c.iss, 1) });
      c.close();
      return { isn: synAck.seq, atNs: synAck.at };
    };
    const reused = allocatePort();
    const same: IsnSample[] = [];
    for (let i = 0; i < 6; i++) same.push(await sample(reused));
    const different: IsnSample[] = [];
    for (let i = 0; i < 20; i++) different.push(await sample());
    const graded = gradeIsns(same, different);
    note(`ISNs from one 4-tuple: ${same.map((s) => s.isn).join(' ')}; from 20: ${different.map((s) => s.isn).join(' ')}`);
    figure({
      name: 'ISN rate of a reused 4-tuple (increments per second)',
      value: Math.round(graded.same.rates.reduce((a, b) => a + b, 0) / graded.same.rates.length),
      unit: '/s',
    });
    figure({ name: 'ISN sequence predictability (nmap SP) over 20 4-tuples', value: graded.different.sp, unit: 'index' });
    for (const f of graded.findings) finding(f);
  });

  test('MSS, SACK-permitted, timestamps and window scale offered in the SYN: each answer follows its RFC, each option stays optional', {
    rfc: 'RFC 9293 3.7.1, RFC 7323 2.2 2.3 3.2, RFC 2018 2',
    requirements: ['MUST-14', 'SHLD-5', 'MAY-3'],
  }, async ({ listen, connect, finding, target }) => {
    const c = connect(await listen());
    const tsVal = 0x1234_5678;
    const linkMss = ethernetMss(familyOf(target.address)); // 1460 over IPv4, 1440 over IPv6
    await c.send({
      flags: 'S',
      options: [{ kind: 'mss', value: linkMss }, { kind: 'sackOK' }, { kind: 'ts', val: tsVal, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    });
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    const find = <K extends TcpOption['kind']>(kind: K) => synAck.options.find((o): o is Extract<TcpOption, { kind: K }> => o.kind === kind);
    const mss = find('mss');
    // SHLD-5: send MSS unless it is the default (536, IPv6 1220); a 1500-byte link is not.
    finding({
      level: mss ? 'conforms' : 'deviation',
      requirement: 'SHLD-5',
      check: 'MSS option in the SYN-ACK',
      expected: 'present',
      observed: mss ? `mss ${mss.value}` : 'absent',
    });
    if (mss) {
      // MUST-67 bases it on the target's own MTU, which may exceed this path's: above ours is its choice.
      const fits = mss.value > 0 && mss.value <= linkMss;
      finding({
        level: fits ? 'conforms' : 'choice',
        requirement: 'MUST-14',
        check: "the SYN-ACK's MSS fits this path (1500-byte MTU)",
        expected: `1..${linkMss}`,
        observed: String(mss.value),
      });
    }
    // RFC 2018 2 and RFC 7323 1.3: each option is the target's to accept; not answering is a choice.
    const sack = find('sackOK');
    finding({
      level: sack ? 'conforms' : 'choice',
      requirement: 'RFC 2018 2',
      check: 'SACK-permitted answered',
      expected: 'answered or declined',
      observed: sack ? 'answered' : 'declined',
    });
    const ts = find('ts');
    finding({
      level: ts ? 'conforms' : 'choice',
      requirement: 'RFC 7323 3.2',
      check: 'timestamps answered',
      expected: 'answered or declined',
      observed: ts ? 'answered' : 'declined',
    });
    // RFC 7323 3.2: a TSopt in the SYN-ACK MUST echo the SYN's TSval in TSecr.
    if (ts)
      finding({
        level: ts.ecr === tsVal ? 'conforms' : 'violation',
        requirement: 'RFC 7323 3.2',
        check: "TSecr echoes the SYN's TSval",
        expected: String(tsVal),
        observed: String(ts.ecr),
      });
    const ws = find('wscale');
    finding({
      level: ws ? 'conforms' : 'choice',
      requirement: 'RFC 7323 1.3',
      check: 'window scale answered',
      expected: 'answered or declined',
      observed: ws ? `shift ${ws.shift}` : 'declined',
    });
    // RFC 7323 2.3: the exponent is limited to 14.
    if (ws)
      finding({
        level: ws.shift <= 14 ? 'conforms' : 'deviation',
        requirement: 'RFC 7323 2.3',
        check: 'window shift at most 14',
        expected: '≤ 14',
        observed: String(ws.shift),
      });
    await c.send({ flags: '.', options: ts ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: tsVal + 1, ecr: ts.val }] : [] });
    await c.inState('ESTABLISHED');
  });

  test('a SYN without options gets a SYN-ACK without SACK-permitted, timestamps or window scale', { rfc: 'RFC 7323 1.3 3.2, RFC 2018 2' }, async ({
    listen,
    connect,
    finding,
  }) => {
    const c = connect(await listen());
    await c.send({ flags: 'S', options: [] });
    const synAck = await c.expect({ flags: 'S.', ack: Seq.add(c.iss, 1) });
    const kinds = optionKinds(synAck.options);
    // RFC 7323 1.3 / 3.2: window scale and timestamps may be sent in a SYN-ACK only if the SYN had them.
    for (const [kind, requirement, unasked] of [
      ['wscale', 'RFC 7323 1.3', 'violation'],
      ['ts', 'RFC 7323 3.2', 'violation'],
      ['sackOK', 'RFC 2018 2', 'deviation'],
    ] as const)
      finding({
        level: kinds.includes(kind) ? unasked : 'conforms',
        requirement,
        check: `no ${kind} in the SYN-ACK when the SYN did not offer it`,
        expected: 'absent',
        observed: kinds.includes(kind) ? 'present' : 'absent',
      });
    await c.send('.');
    await c.inState('ESTABLISHED');
  });
});
