// Judging one answer from the target against the segment the FSM oracle predicts, field by field,
// with the grade the RFC gives each difference. The prediction is the RFC's prescribed segment;
// what the RFC leaves open (PSH, data on a FIN or a RST) is a choice, the shape of a RST
// (its ACK bit, the sequence number a RST|ACK carries) a deviation, anything that makes it
// another kind of answer (other control bits, another seq or ack) a violation of the rule.
import { formatFlags } from '../packet/flags.js';
import { ACK, CWR, type DecodedTcp, ECE, FIN, PSH, RST, URG } from '../packet/types.js';
import type { Finding } from './grade.js';

export interface PredictedAnswer {
  flags: number;
  seq: number;
  ack: number;
  /** payload length */
  len: number;
  /** fields the oracle cannot know (the remote's ISN before its SYN was seen) */
  unknown?: ReadonlyArray<'seq' | 'ack'>;
  /** the rule that prescribes the answer, cited ('RFC 9293 3.10.7.4 (first)') */
  rule: string;
}

export interface AnswerJudgement {
  findings: Finding[];
  /** the target sent a FIN the prediction did not have, on data: the model must follow its close */
  finRodeOnData: boolean;
}

const n = (x: number): string => `${x >>> 0} (0x${(x >>> 0).toString(16)})`;
const flagsText = (f: number): string => `[${formatFlags(f)}]`;

export function judgeAnswer(p: PredictedAnswer, actual: DecodedTcp): AnswerJudgement {
  const findings: Finding[] = [];
  const unknown = new Set(p.unknown ?? []);
  const add = (level: Finding['level'], requirement: string, check: string, expected: string, observed: string) =>
    findings.push({ level, requirement, check, expected, observed });
  const isRst = (p.flags & RST) !== 0 && (actual.flags & RST) !== 0;
  let diff = p.flags ^ actual.flags;
  let finRodeOnData = false;

  if (diff & PSH) {
    add('choice', 'RFC 9293 3.9.1', 'PSH flag', flagsText(p.flags), flagsText(actual.flags));
    diff &= ~PSH;
  }
  if (diff & FIN && actual.flags & FIN && !(p.flags & FIN) && actual.payload.length > 0 && p.len > 0) {
    // The application closed right after sending: its FIN rides on the data (RFC 9293 3.10.4).
    add('choice', 'RFC 9293 3.10.4', 'FIN on the last data segment', flagsText(p.flags), flagsText(actual.flags));
    finRodeOnData = true;
    diff &= ~FIN;
  }
  if (diff & (ECE | CWR)) {
    add('deviation', 'RFC 3168 6.1.1', 'ECN flags without ECN negotiated', flagsText(p.flags), flagsText(actual.flags));
    diff &= ~(ECE | CWR);
  }
  if (diff & URG) {
    add('deviation', 'RFC 9293 3.8.5', 'URG flag', flagsText(p.flags), flagsText(actual.flags));
    diff &= ~URG;
  }
  const rstAckShape = isRst && (diff & ACK) !== 0;
  if (rstAckShape) {
    add('deviation', 'RFC 9293 3.10.7.1', 'ACK bit of a reset', flagsText(p.flags), flagsText(actual.flags));
    diff &= ~ACK;
  }
  if (diff) add('violation', p.rule, 'control bits', flagsText(p.flags), flagsText(actual.flags));

  if (!unknown.has('seq') && p.seq >>> 0 !== actual.seq) {
    // A RST|ACK answers a segment without ACK: its receiver checks the ack field, not the seq
    // (RFC 9293 3.10.7.3), so the prescribed seq 0 is a detail.
    const detail = isRst && (p.flags & ACK) !== 0;
    add(detail ? 'deviation' : 'violation', p.rule, 'sequence number', n(p.seq), n(actual.seq));
  }
  // A RST without ACK carries no meaningful ack field; where the prediction has ACK, it counts.
  if (!unknown.has('ack') && p.flags & ACK && actual.flags & ACK && p.ack >>> 0 !== actual.ack) {
    add(rstAckShape ? 'deviation' : 'violation', p.rule, 'acknowledgment number', n(p.ack), n(actual.ack));
  }
  if (p.len !== actual.payload.length) {
    if (actual.flags & RST && p.len === 0) add('choice', 'SHLD-2', 'data on a reset', '0 bytes', `${actual.payload.length} bytes`);
    else add('violation', p.rule, 'payload length', `${p.len} bytes`, `${actual.payload.length} bytes`);
  }
  return { findings, finRodeOnData };
}
