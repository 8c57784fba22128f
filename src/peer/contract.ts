// The suite-process contract: what the runner (src/cli) gives a suite process — the TCPFSM_*
// environment (ENV) — and what the suite hands back besides its TAP stream: a JSON file per
// suite (SuiteResult) with every test's verdict, segment trace, the FSM rows it exercised, and
// the figures it measured. The CLI merges these into the run's reports (src/report).
import type { TcpState } from '../fsm/index.js';
import type { Finding } from '../verdict/grade.js';

/** One line of a test's exchange, ready to draw: probe on the left, target on the right. */
export interface TraceLine {
  /** seconds since the test started */
  t: number;
  kind: 'out' | 'in' | 'note' | 'state';
  /** tcpdump-style text, seq/ack relative to the ISNs (for notes: the note) */
  text: string;
  /** segments: flags in tcpdump style ('S.', 'F.', 'R', '.') and relative numbers */
  flags?: string;
  seq?: number;
  ack?: number;
  len?: number;
  /** the remote's state the FSM expects after this line */
  model?: TcpState;
  /** the target kernel's state (lab ground truth) after this line */
  truth?: string;
  /** where `truth` came from when not the kernel: 'state probe' (remote mode, inferred) */
  source?: string;
}

/** A measured figure (timer interval, count, duration) with its expectation when there is one. */
export interface Figure {
  name: string;
  value: number;
  unit: 'ms' | 's' | 'count' | 'us' | '/s' | 'index';
  expected?: number;
  /** ± tolerance around expected, same unit, and how it was derived */
  tolerance?: number;
  toleranceWhy?: string;
  /** conforms / violation, or inconclusive when the scheduling delay measured meanwhile could explain the deviation */
  ok?: boolean;
  grade?: 'conforms' | 'violation' | 'inconclusive';
  /** the grade's reason (for inconclusive: the delay that could explain the deviation) */
  gradeWhy?: string;
  /** the harness's own scheduling delay measured during the measurement, same unit, and its sources */
  delay?: number;
  delayWhy?: string;
}

export interface TestResult {
  name: string;
  rfc: string;
  ok: boolean;
  /** reason, when skipped */
  skip?: string;
  /** the signal that interrupted the run while this test ran: it did not finish (ok is false, but it did not fail) */
  interrupted?: string;
  durationMs: number;
  error?: { message: string; details?: Record<string, unknown> };
  trace: TraceLine[];
  /** FSM table row ids (src/fsm rfcTable ids or profile deviation ids) this test's steps exercised */
  rows: string[];
  figures: Figure[];
  /** the RFC 9293 requirement labels the test judges (its declaration) */
  requirements?: string[];
  /** graded findings that did not fail the test (choices, deviations; see src/verdict) */
  findings?: Finding[];
}

export interface SuiteResult {
  /** file stem under suites/, e.g. 'handshake' */
  suite: string;
  title: string;
  rfc: string;
  mode: 'lab' | 'remote';
  /** the lab stack the suite ran on (src/target/registry.ts); unset in remote mode */
  stack?: string;
  /** the address family of the target's address (4 or 6) */
  family?: 4 | 6;
  /** --expect names some test of this suite read (the run reports the ones nobody read) */
  expectationsUsed?: string[];
  profile: string;
  /** where the segments went: 'lab tcpfsm-12 198.18.0.50:…' or the remote target */
  target: string;
  /** sysctls of the lab's target namespace, read back */
  sysctls?: Record<string, string>;
  startedAt: string;
  durationMs: number;
  tests: TestResult[];
  /** pcap of every segment this suite sent and received, next to the JSON */
  pcap?: string;
  /**
   * Conformance matrix cells (suites/matrix.ts): the answer the kernel gave against the profile's
   * prediction; 'deviation' = matches the profile, departs from the RFC (rfcExpected, departsFrom).
   */
  matrix?: Array<{
    state: TcpState;
    kind: string;
    position: string;
    /** inconclusive: the state's precondition was not met (remote mode: the server would not go there) */
    outcome: 'pass' | 'fail' | 'deviation' | 'inconclusive';
    observed: string;
    expected: string;
    rfcExpected?: string;
    departsFrom?: string;
    error?: string;
  }>;
}

/** Environment variables the runner sets for a suite process. */
export const ENV = {
  /** directory for <suite>.json and <suite>.pcap; unset: no sidecar files */
  out: 'TCPFSM_OUT',
  /** JSON object of extra lab sysctls (`--lab-sysctl`) */
  labSysctls: 'TCPFSM_LAB_SYSCTLS',
  /** JSON object of the set a lab starts from (`--sysctls host`: the host's); unset: the fast set */
  labSysctlBase: 'TCPFSM_LAB_SYSCTL_BASE',
  /** longest timer wait a test may start, in seconds (check-tuning --max-wait); unset: 1200 */
  maxWait: 'TCPFSM_MAX_WAIT',
  /** JSON object of user expectations (`--expect key=value`) */
  expect: 'TCPFSM_EXPECT',
  /** '1' to run tests tagged slow */
  slow: 'TCPFSM_SLOW',
  /** regular expression on test names */
  grep: 'TCPFSM_GREP',
  /** remote target 'host:port' (remote mode); unset: a fresh lab */
  target: 'TCPFSM_TARGET',
  /** JSON of remote-mode options (rate, max-conns, close trigger, as-remote lab) */
  remote: 'TCPFSM_REMOTE',
  /** '1': leave each suite's lab in place at the end (`--keep-lab`) */
  keepLab: 'TCPFSM_KEEP_LAB',
  /** FSM profile name: 'linux' (lab default) or 'rfc' */
  profile: 'TCPFSM_PROFILE',
  /** the lab stack to open (src/target/registry.ts); unset: linux */
  stack: 'TCPFSM_STACK',
  /** the address family the suite talks to the target in: '4' (unset) or '6' (`--family`) */
  family: 'TCPFSM_FAMILY',
} as const;
