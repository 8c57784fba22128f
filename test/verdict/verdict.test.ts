// The verdict layer, pure: RFC 9293's requirement catalogue, the five grades, and judging an
// answer against the oracle's prescribed segment (what is open, what is a detail, what breaks the rule).

import fc from 'fast-check';
import t from 'tap';
import { ACK, CWR, type DecodedTcp, ECE, FIN, PSH, RST, SYN, URG } from '../../src/packet/types.js';
import { UsageError } from '../../src/sys/errors.js';
import { judgeAnswer, type PredictedAnswer } from '../../src/verdict/answer.js';
import { countGrades, failsRun, gradeOfUnmet, parseFailOn, worst } from '../../src/verdict/grade.js';
import { isRfc9293Label, REQUIREMENT_COUNTS, REQUIREMENTS, requirement } from '../../src/verdict/requirements.js';

const seg = (s: Partial<DecodedTcp>): DecodedTcp =>
  ({
    srcPort: 80,
    dstPort: 40000,
    seq: 0,
    ack: 0,
    flags: ACK,
    window: 1000,
    options: [],
    payload: Buffer.alloc(0),
    urgent: 0,
    dataOffset: 5,
    checksum: 0,
    checksumOk: true,
    ...s,
  }) as DecodedTcp;
const predicted = (p: Partial<PredictedAnswer>): PredictedAnswer => ({ flags: ACK, seq: 1000, ack: 2000, len: 0, rule: 'RFC 9293 3.10.7.4 (first)', ...p });

t.test('the catalogue holds every labelled requirement of RFC 9293 once, numbered without gaps', async (t) => {
  const byLevel = { MUST: [] as number[], SHOULD: [] as number[], MAY: [] as number[] };
  for (const r of REQUIREMENTS.values()) byLevel[r.level].push(Number(r.id.split('-')[1]));
  for (const [level, total] of Object.entries(REQUIREMENT_COUNTS) as Array<[keyof typeof byLevel, number]>) {
    t.same(
      byLevel[level].sort((a, b) => a - b),
      Array.from({ length: total }, (_, i) => i + 1),
      `${level}-1…${total}`,
    );
  }
  t.equal(REQUIREMENTS.size, 118);
  t.equal(requirement('MUST-13').feature, 'TIME-WAIT lasts 2 MSL');
  t.ok(requirement('MUST-65').negative, 'MUST-65 is a MUST NOT');
  t.throws(() => requirement('MUST-70'), /no requirement labelled 'MUST-70'/);
  t.ok(isRfc9293Label('SHLD-31'));
  t.notOk(isRfc9293Label('RFC 5961 3.2'));
});

t.test('an unmet check is graded by its requirement level', async (t) => {
  t.equal(gradeOfUnmet('MUST-3'), 'violation');
  t.equal(gradeOfUnmet('SHLD-10'), 'deviation');
  t.equal(gradeOfUnmet('MAY-2'), 'choice');
  t.equal(gradeOfUnmet('RFC 9293 3.10.7.4'), 'violation', "the functional specification's answer");
  t.equal(gradeOfUnmet('RFC 9293 3.10.7.1', 'deviation'), 'deviation');
});

t.test('worst grade, counts and the exit policy', async (t) => {
  t.equal(worst([]), 'conforms');
  t.equal(worst([{ level: 'choice' }, { level: 'deviation' }, { level: 'inconclusive' }]), 'deviation');
  t.equal(worst([{ level: 'choice' }, { level: 'violation' }]), 'violation');
  const c = countGrades(['conforms', 'deviation', 'deviation', 'choice']);
  t.same(c, { conforms: 1, violation: 0, deviation: 2, choice: 1, inconclusive: 0 });
  t.notOk(failsRun(c), 'deviations alone do not fail a default run');
  t.ok(failsRun(c, 'deviation'), '--fail-on deviation');
  t.ok(failsRun(countGrades(['violation'])));
  t.equal(parseFailOn('deviation'), 'deviation');
  t.throws(() => parseFailOn('choice'), UsageError);
});

t.test('an answer exactly as prescribed has no findings', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.nat(), fc.nat(), fc.nat(64), (flags, seq, ack, len) => {
      const p = predicted({ flags, seq: seq >>> 0, ack: ack >>> 0, len });
      const j = judgeAnswer(p, seg({ flags, seq: seq >>> 0, ack: ack >>> 0, payload: Buffer.alloc(len) }));
      return j.findings.length === 0 && !j.finRodeOnData;
    }),
  );
});

t.test('PSH is the sender’s choice, never a failure', async (t) => {
  const j = judgeAnswer(predicted({ flags: ACK | FIN }), seg({ flags: ACK | FIN | PSH, seq: 1000, ack: 2000 }));
  t.same(
    j.findings.map((f) => [f.level, f.check]),
    [['choice', 'PSH flag']],
  );
});

t.test('a FIN riding on the last data segment is a choice the model must follow', async (t) => {
  const j = judgeAnswer(predicted({ flags: ACK | PSH, len: 5 }), seg({ flags: ACK | PSH | FIN, seq: 1000, ack: 2000, payload: Buffer.from('hello') }));
  t.same(
    j.findings.map((f) => f.level),
    ['choice'],
  );
  t.ok(j.finRodeOnData);
  const alone = judgeAnswer(predicted({ flags: ACK }), seg({ flags: ACK | FIN, seq: 1000, ack: 2000 }));
  t.same(
    alone.findings.map((f) => [f.level, f.check]),
    [['violation', 'control bits']],
    'a FIN where the RFC prescribes a bare ACK is another answer',
  );
});

t.test('the shape of a reset is a deviation; another kind of answer a violation', async (t) => {
  // RFC 9293 3.10.7.1: a segment with ACK gets <SEQ=SEG.ACK><CTL=RST>, without ACK bit.
  const withAck = judgeAnswer(predicted({ flags: RST, seq: 5000, ack: 0 }), seg({ flags: RST | ACK, seq: 5000, ack: 77 }));
  t.same(
    withAck.findings.map((f) => [f.level, f.check, f.requirement]),
    [['deviation', 'ACK bit of a reset', 'RFC 9293 3.10.7.1']],
  );
  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>: a seq other than 0 is a detail, a wrong ack is not.
  const seqOff = judgeAnswer(predicted({ flags: RST | ACK, seq: 0, ack: 42 }), seg({ flags: RST | ACK, seq: 9, ack: 42 }));
  t.same(
    seqOff.findings.map((f) => f.level),
    ['deviation'],
  );
  const ackOff = judgeAnswer(predicted({ flags: RST | ACK, seq: 0, ack: 42 }), seg({ flags: RST | ACK, seq: 0, ack: 41 }));
  t.same(
    ackOff.findings.map((f) => [f.level, f.check]),
    [['violation', 'acknowledgment number']],
  );
  const synAck = judgeAnswer(predicted({ flags: SYN | ACK, seq: 0, ack: 1 }), seg({ flags: RST | ACK, seq: 0, ack: 1 }));
  t.same(
    synAck.findings.map((f) => f.level),
    ['violation'],
    'a RST where a SYN-ACK is due',
  );
  const data = judgeAnswer(predicted({ flags: RST, seq: 5000 }), seg({ flags: RST, seq: 5000, payload: Buffer.from('bye') }));
  t.same(
    data.findings.map((f) => [f.level, f.requirement]),
    [['choice', 'SHLD-2']],
    'a RST may carry data',
  );
});

t.test('ECN and URG bits the RFC does not prescribe are deviations; unknown fields are not judged', async (t) => {
  const ecn = judgeAnswer(predicted({ flags: SYN | ACK, seq: 0, ack: 1 }), seg({ flags: SYN | ACK | ECE, seq: 0, ack: 1 }));
  t.same(
    ecn.findings.map((f) => [f.level, f.requirement]),
    [['deviation', 'RFC 3168 6.1.1']],
  );
  const urg = judgeAnswer(predicted({}), seg({ flags: ACK | URG | CWR, seq: 1000, ack: 2000 }));
  t.same(
    urg.findings.map((f) => f.level),
    ['deviation', 'deviation'],
  );
  const isn = judgeAnswer(predicted({ flags: SYN | ACK, seq: 0, ack: 1, unknown: ['seq'] }), seg({ flags: SYN | ACK, seq: 123456, ack: 1 }));
  t.same(isn.findings, [], 'the ISN is the target’s own');
});
