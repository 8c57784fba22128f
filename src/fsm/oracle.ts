// The oracle: what a remote TCP in `state` must answer to `segment`, under a profile.
// predict() is pure and total over valid input: any state, any uint32 segment and TCB.

import { add } from '../packet/seq.js';
import { UsageError } from '../sys/errors.js';
import { type Prediction, type Reply, type Segment, type Tcb, withDefaults } from './model.js';
import { arrival, type Profile, type ProfileName, profiles, rfcProfile } from './profiles.js';
import { isTcpState, type TcpState } from './states.js';
import { findRow, type TimeoutEvent, type Timer, target, type UserCall } from './table.js';
import { instantiate } from './template.js';

const UINT32_FIELDS = ['iss', 'irs', 'sndUna', 'sndNxt', 'sndWnd', 'rcvNxt', 'rcvWnd'] as const;

function checkUint32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new UsageError(`${what} must be a uint32, got ${value}`);
  }
}

function checkInput(state: string, seg: Segment | null, tcb: Tcb): void {
  if (!isTcpState(state)) throw new UsageError(`unknown TCP state '${state}'`);
  if (seg) {
    checkUint32('segment.seq', seg.seq);
    checkUint32('segment.ack', seg.ack);
    checkUint32('segment.len', seg.len);
    if (!Number.isInteger(seg.flags) || seg.flags < 0 || seg.flags > 0xff) {
      throw new UsageError(`segment.flags must be a flag byte, got ${seg.flags}`);
    }
  }
  for (const field of UINT32_FIELDS) checkUint32(`tcb.${field}`, tcb[field]);
  if (tcb.maxSndWnd !== undefined) checkUint32('tcb.maxSndWnd', tcb.maxSndWnd);
}

/**
 * What the remote does with `segment` in `state`: verdict, concrete reply, next state, updated
 * TCB, and the rule (table row or profile deviation) that decided it.
 */
export function predict(state: TcpState, segment: Segment, tcb: Tcb, profileOrName: Profile | ProfileName = rfcProfile): Prediction {
  checkInput(state, segment, tcb);
  const profile = resolveProfile(profileOrName);
  const seg: Segment = { flags: segment.flags, seq: segment.seq, ack: segment.ack, len: segment.len };
  const a = arrival(state, seg, withDefaults(tcb), profile.table);
  for (const deviation of profile.deviations) {
    if (!deviation.applies(a)) continue;
    const outcome = deviation.predict(a);
    const p: Prediction = {
      verdict: outcome.verdict,
      reply: outcome.reply,
      next: outcome.next,
      tcb: outcome.tcb ?? a.tcb,
      rule: deviation.title,
      rfc: deviation.cite,
      ruleId: deviation.id,
      ruleIds: [deviation.id, ...(outcome.inner?.ruleIds ?? [])],
      deviation: deviation.id,
      ...(outcome.timers?.length ? { timers: outcome.timers } : {}),
    };
    const limited = outcome.rateLimited ?? profile.rateLimited?.(p, seg) ?? false;
    return limited ? { ...p, rateLimited: true } : p;
  }
  const p = a.rfc;
  return profile.rateLimited?.(p, seg) ? { ...p, rateLimited: true } : p;
}

function resolveProfile(p: Profile | ProfileName): Profile {
  if (typeof p !== 'string') return p;
  if (!(p in profiles)) throw new UsageError(`unknown profile '${p}' (known: ${Object.keys(profiles).join(', ')})`);
  return profiles[p];
}

/** The answer to a user call or a timeout (RFC 9293 3.10.1-3.10.5, 3.10.8, 3.8.3). */
export interface EventPrediction {
  next: TcpState;
  /** segments the TCP sends (a SYN, a FIN, data, a RST) */
  sends: Reply[];
  tcb: Tcb;
  rule: string;
  rfc: string;
  ruleId: string;
  timers?: readonly Timer[];
}

/**
 * Applies a user call or timeout. Returns null where the RFC answers with an error and changes
 * nothing ("connection does not exist", "connection already exists", "connection closing").
 * `len` is the payload length of a SEND.
 */
export function predictEvent(
  state: TcpState,
  event: UserCall | TimeoutEvent,
  tcb: Tcb,
  profile: Profile | ProfileName = rfcProfile,
  options: { len?: number } = {},
): EventPrediction | null {
  checkInput(state, null, tcb);
  const row = findRow(resolveProfile(profile).table, state, event);
  if (!row) return null;
  const next = target(row, state);
  let t: Tcb = { ...tcb };
  if (next === 'SYN-SENT') t = { ...t, sndUna: t.iss, sndNxt: add(t.iss, 1), passiveOpen: false };
  if (next === 'LISTEN') t = { ...t, passiveOpen: true };
  const sends = row.emits.map((template) => instantiate(template, t, null));
  // A FIN occupies one sequence number, data its length.
  if (row.emits.some((e) => e.flags.includes('F'))) t = { ...t, sndNxt: add(t.sndNxt, 1) };
  if (event === 'send' && state !== 'LISTEN') t = { ...t, sndNxt: add(t.sndNxt, options.len ?? 0) };
  return {
    next,
    sends,
    tcb: t,
    rule: row.note,
    rfc: row.rfc,
    ruleId: row.id,
    ...(row.timers ? { timers: row.timers } : {}),
  };
}
