// How each known stack's documented departure from RFC 9293 is graded when a target is judged by
// the RFC (src/verdict): a MAY the stack did not take, or a question the RFC leaves open, is a
// choice; a prescribed answer the stack replaces with another, without a requirement label, a
// deviation. The model follows a departure it recognises (the state the stack chose) instead of
// calling the answer a violation. Data, one row per departure id of src/fsm/profiles.ts.
import type { Grade } from '../verdict/grade.js';

export interface DepartureGrade {
  grade: Extract<Grade, 'choice' | 'deviation'>;
  /** the requirement label or section the grade rests on */
  requirement: string;
}

const choice = (requirement: string): DepartureGrade => ({ grade: 'choice', requirement });
const deviation = (requirement: string): DepartureGrade => ({ grade: 'deviation', requirement });

export const DEPARTURE_GRADES: Readonly<Record<string, DepartureGrade>> = {
  // RFC 5961 is optional (MAY-12): a stack without its mitigations answers as RFC 793 did.
  'linux-synrecv-rst-in-window': choice('MAY-12'),
  'linux-old-ack-challenge': choice('MAY-12'),
  'linux-old-ack-bytes-acked': choice('MAY-12'),
  'linux-fin-wait-2-orphan-rst': choice('MAY-12'),
  'linux-time-wait-rst-inexact': choice('MAY-12'),
  'no-rfc5961-rst-in-window': choice('MAY-12'),
  'no-rfc5961-syn-in-window': choice('MAY-12'),
  // A SYN may reopen TIME-WAIT (MAY-2); RFC 1337's TIME-WAIT protection is advice.
  'linux-time-wait-syn-reuse': choice('MAY-2'),
  'linux-time-wait-syn-reuse-fresh-isn': choice('MAY-2'),
  'linux-rfc1337-ignore-rst': choice('RFC 1337 3'),
  // Data after the application closed: a RST says it will never be read (MAY-1, SHLD-3).
  'linux-orphan-data-rst': choice('MAY-1'),
  // The rest replace the segment the functional specification prescribes.
  'linux-listen-syn-fin-dropped': deviation('RFC 9293 3.10.7.2'),
  'linux-synrecv-syn-retransmit': deviation('RFC 9293 3.10.7.4 (first)'),
  'linux-synrecv-bad-ack-first': deviation('RFC 9293 3.10.7.4'),
  'linux-synrecv-rst-right-edge-challenge': deviation('RFC 9293 3.10.7.4 (first, second)'),
  'linux-synrecv-syn-rst': deviation('RFC 9293 3.10.7.4 (fourth)'),
  'linux-no-ack-flag-dropped': deviation('RFC 9293 3.10.7.4 (first)'),
  'linux-old-segment-ack-processed': deviation('RFC 9293 3.10.7.4 (first)'),
  'linux-rst-at-fin-seq': deviation('RFC 9293 3.10.7.4 (first, second)'),
  'linux-ack-unsent-silent': deviation('RFC 9293 3.10.7.4 (fifth)'),
  'linux-right-edge-in-window': deviation('RFC 9293 3.10.7.4 (first)'),
  'linux-fin-after-fin-ignored': deviation('RFC 9293 3.10.7.4 (eighth)'),
  'linux-fin-wait-2-orphan-syn-rst': deviation('RFC 9293 3.10.7.4 (fourth)'),
  'linux-fin-wait-2-orphan-timewait': deviation('RFC 9293 3.10.7.4'),
  'linux-time-wait-bare-ack-silent': deviation('RFC 9293 3.10.7.4 (fifth)'),
  'linux-time-wait-ack-all': deviation('RFC 9293 3.10.7.4'),
  // gVisor's netstack (./gvisor-departures.ts).
  'gvisor-time-wait-syn-reuse': choice('MAY-2'),
  'gvisor-no-ack-dropped': deviation('RFC 9293 3.10.7.4 (first)'),
  'gvisor-ack-unsent-ignored': deviation('RFC 9293 3.10.7.4 (fifth)'),
  'gvisor-closed-data-reset': choice('MAY-1'),
  'gvisor-after-fin-beyond-dropped': deviation('RFC 9293 3.10.7.4 (fifth)'),
  'gvisor-after-fin-data-reset': deviation('RFC 9293 3.10.7.4 (seventh)'),
  'gvisor-time-wait-no-ack-dropped': deviation('RFC 9293 3.10.7.4 (first)'),
  'gvisor-time-wait-exact-silent': deviation('RFC 9293 3.10.7.4 (fourth, eighth)'),
};

/** A departure without a row here is graded a deviation of the section it departs from. */
export function departureGrade(id: string, departsFrom: string): DepartureGrade {
  return DEPARTURE_GRADES[id] ?? deviation(departsFrom.split(':')[0] ?? departsFrom);
}
