// RFC 9293's labelled requirements (Appendix B, "TCP Requirement Summary"): every MUST-n, SHLD-n
// and MAY-n with its level, whether it is negative (MUST NOT / SHOULD NOT), its feature group and
// how it can be observed from outside the target:
//   wire  our segments and the target's answers show it (a black-box test can judge it)
//   app   it needs the target's application (our agent): an API call, what the app is told
//   none  internal to the stack or to its API with no effect a packet test can isolate
// The feature texts are short paraphrases of the table's rows, not the RFC's sentences.

export type Level = 'MUST' | 'SHOULD' | 'MAY';
export type Observability = 'wire' | 'app' | 'none';

export interface Requirement {
  /** 'MUST-13', 'SHLD-4', 'MAY-2' (RFC 9293's own label) */
  id: string;
  level: Level;
  /** MUST NOT / SHOULD NOT */
  negative?: boolean;
  group: string;
  feature: string;
  observable: Observability;
  /** why it is app/none, or how it shows on the wire */
  how?: string;
}

type Row = [id: string, negative: boolean, group: string, feature: string, observable: Observability, how?: string];

/** How a target is made to send data for the data-driven checks. */
const D = 'data the target sends (the agent, or --data-request)';

const ROWS: Row[] = [
  // PUSH flag
  ['MAY-16', false, 'PUSH flag', 'aggregate or queue un-pushed data', 'none', 'buffering policy inside the sender'],
  ['SHLD-27', false, 'PUSH flag', 'sender collapses successive PSH bits', 'app', 'needs several pushed sends from the target application'],
  ['MAY-15', false, 'PUSH flag', 'SEND call can specify PUSH', 'none', 'an API choice'],
  ['MUST-60', true, 'PUSH flag', 'without a PUSH call, never buffer data indefinitely', 'app', 'the application sends, we watch the data leave'],
  ['MUST-61', false, 'PUSH flag', 'without a PUSH call, PSH on the last segment of a send', 'app', 'the application sends, we look at PSH on the last segment'],
  ['MAY-17', false, 'PUSH flag', 'notify the receiving application of PSH', 'none', 'an API choice'],
  ['SHLD-28', false, 'PUSH flag', 'send full-sized segments when possible', 'app', 'the application sends more than one MSS'],
  // Window
  ['MUST-1', false, 'Window', 'window treated as an unsigned number', 'wire', 'a window of 65535 must be honoured as such'],
  ['SHLD-14', true, 'Window', 'no shrinking of the window from the right', 'wire', 'the advertised right edge never moves left'],
  ['SHLD-15', true, 'Window', 'no new data sent when the peer shrank the window', 'app', 'needs the target sending data while we shrink'],
  ['SHLD-16', false, 'Window', 'retransmit old unacked data within the window', 'app', 'needs data from the target'],
  ['SHLD-17', true, 'Window', 'no timing out of a connection for data past the right edge', 'app', 'needs data from the target'],
  ['MUST-34', false, 'Window', 'robust against a shrinking window', 'app', 'needs data from the target'],
  ['MAY-8', false, 'Window', "receiver's window closed indefinitely", 'wire', 'our zero window kept open'],
  ['MUST-35', false, 'Window', 'standard zero-window probing logic', 'wire', `probes of our zero window, then the data once it opens: ${D}`],
  ['MUST-36', false, 'Window', 'sender probes a zero window', 'wire', `probes of our zero window: ${D}`],
  ['SHLD-29', false, 'Window', 'first zero-window probe after one RTO', 'wire', `the first probe's delay against the probe backoff: ${D}`],
  ['SHLD-30', false, 'Window', 'zero-window probes back off exponentially', 'wire', `gaps between probes: ${D}`],
  ['MUST-37', false, 'Window', 'a zero window may stay closed indefinitely while probes are answered', 'wire', `no RST while probes are answered: ${D}`],
  ['MAY-7', false, 'Window', 'retransmit old data beyond SND.UNA+SND.WND', 'app', 'needs data from the target'],
  ['MUST-66', false, 'Window', 'process RST and URG even with a zero window', 'wire', 'an RST sent while the target advertises zero'],
  // Urgent data
  ['MUST-30', false, 'Urgent data', 'urgent pointer supported', 'wire', 'URG data is ACKed like any data'],
  ['MUST-62', false, 'Urgent data', 'urgent pointer points at the first non-urgent octet', 'app', 'the application reads the urgent mark'],
  ['MUST-31', false, 'Urgent data', 'urgent data of any length', 'wire', 'a long urgent sequence is accepted'],
  ['MUST-32', false, 'Urgent data', 'application told of urgent data asynchronously', 'app', 'what the application is told'],
  ['MUST-33', false, 'Urgent data', 'application can learn how much urgent data is queued', 'none', 'an API query'],
  ['SHLD-13', true, 'Urgent data', 'applications should not employ the urgent mechanism', 'none', 'advice to applications'],
  // TCP options
  ['MUST-4', false, 'TCP options', 'support the mandatory option set (EOL, NOP, MSS)', 'wire', 'EOL and NOP in our SYN, MSS honoured'],
  ['MUST-5', false, 'TCP options', 'receive an option in any segment', 'wire', 'options on non-SYN segments are accepted'],
  ['MUST-6', false, 'TCP options', 'ignore unsupported options', 'wire', 'an unknown option kind does not disturb the connection'],
  ['MUST-68', false, 'TCP options', 'every option except EOL and NOP carries a length', 'wire', "the target's own options are well-formed"],
  ['MUST-7', false, 'TCP options', 'cope with an illegal option length', 'wire', 'a bad length gives a reset or a drop, never a crash'],
  ['MUST-64', false, 'TCP options', 'process options regardless of word alignment', 'wire', 'options without NOP padding'],
  ['MUST-14', false, 'TCP options', 'send and receive the MSS option', 'wire', 'SYN-ACK carries MSS; our MSS bounds its segments'],
  ['SHLD-5', false, 'TCP options', 'send the MSS option unless the MSS is the default (536 / 1220)', 'wire', 'the SYN-ACK carries MSS'],
  ['MAY-3', false, 'TCP options', 'send the MSS option always', 'wire', 'the SYN-ACK carries MSS'],
  [
    'MUST-15',
    false,
    'TCP options',
    'send MSS defaults to 536 (IPv4) / 1220 (IPv6) without an MSS option',
    'wire',
    `its segment sizes after a SYN without MSS: ${D}`,
  ],
  ['MUST-16', false, 'TCP options', 'effective send segment size from the MSS received', 'wire', `its segment sizes against the MSS we offered: ${D}`],
  ['SHLD-6', false, 'TCP options', 'MSS accounts for a varying MTU', 'wire', 'after an ICMP fragmentation needed the segments fit the new path MTU'],
  ['MUST-65', true, 'TCP options', 'no MSS option on non-SYN segments', 'wire', "the target's segments after the handshake"],
  ['MUST-67', false, 'TCP options', 'MSS value based on MMS_R', 'none', 'the receive MTU of the target is not known from outside'],
  ['MUST-69', false, 'TCP options', 'pad the option list with zeros', 'wire', "the target's own option padding"],
  // Checksums
  ['MUST-2', false, 'Checksums', 'sender computes the checksum', 'wire', 'every segment from the target is verified'],
  ['MUST-3', false, 'Checksums', 'receiver checks the checksum', 'wire', 'a segment with a bad checksum is dropped silently'],
  // ISN selection
  ['MUST-8', false, 'ISN selection', 'clock-driven ISN generator component', 'wire', 'ISNs of successive connections advance'],
  ['SHLD-1', false, 'ISN selection', 'secure ISN generator with a PRF component', 'wire', 'ISNs are not predictable from earlier ones'],
  [
    'MUST-9',
    true,
    'ISN selection',
    'the PRF must not be computable from outside',
    'none',
    "a secret cannot be proven from outside; SHLD-1's predictability check shows its absence",
  ],
  // Opening connections
  ['MUST-10', false, 'Opening connections', 'simultaneous open supported', 'app', 'the target application connects out'],
  [
    'MUST-11',
    false,
    'Opening connections',
    'SYN-RECEIVED remembers whether it came from LISTEN',
    'wire',
    'a RST in SYN-RECEIVED returns a passive open to LISTEN',
  ],
  ['MUST-41', true, 'Opening connections', 'a passive OPEN must not interfere with other connections', 'none', 'an API property'],
  ['MUST-42', false, 'Opening connections', 'several LISTENs for the same port at once', 'none', 'an API property'],
  ['MUST-44', false, 'Opening connections', 'ask IP for a source address for a SYN if needed', 'none', 'routing inside the target'],
  ['MUST-45', false, 'Opening connections', "otherwise use the connection's local address", 'wire', 'answers come from the address we sent to'],
  ['MUST-46', true, 'Opening connections', 'no OPEN to a broadcast or multicast address', 'none', 'an API property'],
  [
    'MUST-57',
    false,
    'Opening connections',
    'silently discard a segment to a broadcast or multicast address',
    'none',
    'the harness never sends to broadcast or multicast addresses',
  ],
  // Closing connections
  ['SHLD-2', false, 'Closing connections', 'an RST may carry data (diagnostic text)', 'wire', 'a RST with data is processed as a RST'],
  ['MUST-12', false, 'Closing connections', 'application told of an aborted connection', 'app', 'the application sees the reset'],
  ['MAY-1', false, 'Closing connections', 'half-duplex close', 'app', 'the application closes with unread data'],
  ['SHLD-3', false, 'Closing connections', 'send RST to show data was lost on a half-duplex close', 'app', 'the application closes with unread data'],
  ['MUST-13', false, 'Closing connections', 'TIME-WAIT lasts 2 MSL', 'wire', 'the active closer answers in TIME-WAIT until 2 MSL'],
  ['MAY-2', false, 'Closing connections', 'accept a new SYN in TIME-WAIT', 'wire', 'a SYN with a higher sequence number reopens'],
  ['SHLD-4', false, 'Closing connections', 'use timestamps to reduce TIME-WAIT', 'wire', 'a SYN with a newer timestamp reopens TIME-WAIT'],
  // Retransmissions
  ['MUST-19', false, 'Retransmissions', 'exponential backoff, slow start and congestion avoidance', 'wire', 'retransmission intervals double'],
  ['MAY-4', false, 'Retransmissions', 'retransmit with the same IP identity', 'wire', 'IP ID of a retransmission'],
  ['MUST-18', false, 'Retransmissions', "Karn's algorithm", 'none', 'RTT sampling is internal; its effect is confounded with the RTO'],
  // Generating ACKs
  ['MUST-58', false, 'Generating ACKs', 'aggregate ACKs whenever possible', 'wire', 'back-to-back segments get fewer ACKs'],
  ['SHLD-31', false, 'Generating ACKs', 'queue out-of-order segments', 'wire', 'filling the hole ACKs past the queued segment'],
  ['MUST-59', false, 'Generating ACKs', 'process all queued segments before sending an ACK', 'wire', 'the ACK after a hole is filled covers everything queued'],
  ['MAY-13', false, 'Generating ACKs', 'send an ACK for an out-of-order segment', 'wire', 'a duplicate ACK for out-of-order data'],
  ['SHLD-18', false, 'Generating ACKs', 'delayed ACKs', 'wire', 'a lone segment is ACKed after a delay'],
  ['MUST-40', false, 'Generating ACKs', 'ACK delay below 0.5 s', 'wire', 'time from our data to its ACK'],
  ['SHLD-19', false, 'Generating ACKs', 'ACK at least every second full-sized segment', 'wire', 'two full segments get an ACK'],
  ['MUST-39', false, 'Generating ACKs', 'receiver SWS avoidance', 'app', 'the application reads slowly; the window opens in large steps'],
  // Sending data
  ['MUST-49', false, 'Sending data', 'configurable TTL', 'none', 'an API property'],
  ['MUST-38', false, 'Sending data', 'sender SWS avoidance', 'app', 'needs the target sending into a small window'],
  ['SHLD-7', false, 'Sending data', 'Nagle algorithm', 'app', 'the application sends small pieces'],
  ['MUST-17', false, 'Sending data', 'the application can disable Nagle', 'none', 'an API property'],
  // Connection failures
  [
    'MUST-20',
    false,
    'Connection failures',
    'negative advice to IP at R1; close the connection at R2',
    'wire',
    'retransmissions stop and the connection is reset or dropped',
  ],
  ['MUST-21', false, 'Connection failures', 'the application can set R2', 'none', 'an API property'],
  ['SHLD-9', false, 'Connection failures', 'tell the application when R1 <= retransmissions < R2', 'app', 'what the application is told'],
  ['SHLD-10', false, 'Connection failures', 'R1 of at least 3 retransmissions', 'wire', 'retransmission count before giving up'],
  ['SHLD-11', false, 'Connection failures', 'R2 of at least 100 s', 'wire', 'time until the target gives up'],
  ['MUST-22', false, 'Connection failures', 'the same R1/R2 mechanism for SYNs', 'wire', 'SYN-ACK retransmissions stop after a bound'],
  ['MUST-23', false, 'Connection failures', 'R2 for a SYN at least 3 minutes', 'app', 'the target application connects out; we never answer its SYN'],
  // Keep-alives
  ['MAY-5', false, 'Keep-alives', 'send keep-alive packets', 'wire', 'keep-alive probes on an idle connection'],
  ['MUST-24', false, 'Keep-alives', 'the application can request keep-alives', 'none', 'an API property'],
  ['MUST-25', false, 'Keep-alives', 'keep-alives off by default', 'wire', 'no probe on an idle connection the application did not ask for'],
  ['MUST-26', false, 'Keep-alives', 'keep-alives only after the idle interval', 'app', 'the application enables keep-alives'],
  ['MUST-27', false, 'Keep-alives', 'keep-alive interval configurable', 'none', 'an API property'],
  [
    'MUST-28',
    false,
    'Keep-alives',
    'keep-alive interval at least 2 hours by default',
    'none',
    'two idle hours are beyond a test run; MUST-25 (off by default) is what a run can see',
  ],
  ['MUST-29', false, 'Keep-alives', 'keep-alives tolerant of lost ACKs', 'app', 'the application enables keep-alives'],
  ['SHLD-12', false, 'Keep-alives', 'keep-alives carry no data', 'app', 'the application enables keep-alives'],
  ['MAY-6', false, 'Keep-alives', 'keep-alives with one garbage octet', 'app', 'the application enables keep-alives'],
  // IP options
  ['MUST-50', false, 'IP options', 'ignore IP options TCP does not understand', 'wire', 'a SYN with an unknown IP option is answered'],
  ['MAY-10', false, 'IP options', 'IP timestamp option support', 'none', 'IP layer'],
  ['MAY-11', false, 'IP options', 'IP record route support', 'none', 'IP layer'],
  ['MUST-51', false, 'IP options', 'the application can specify a source route', 'none', 'an API property'],
  ['MUST-52', false, 'IP options', 'it overrides a source route in a datagram', 'none', 'an API property'],
  ['MUST-53', false, 'IP options', 'build a return route from a source route', 'none', 'source routing is not sent by the harness'],
  ['SHLD-24', false, 'IP options', 'a later source route overrides', 'none', 'source routing is not sent by the harness'],
  // ICMP
  ['MUST-54', false, 'ICMP', 'act on ICMP messages from IP', 'wire', 'an ICMP error for the connection changes its behaviour'],
  ['SHLD-25', false, 'ICMP', 'destination unreachable (0, 1, 5): inform the application', 'app', 'what the application is told'],
  [
    'MUST-56',
    true,
    'ICMP',
    'no abort on destination unreachable (0, 1, 5), time exceeded or parameter problem',
    'wire',
    'the connection survives such an ICMP error',
  ],
  ['SHLD-26', false, 'ICMP', 'destination unreachable (2-4) aborts the connection', 'wire', 'the connection is gone after such an ICMP error'],
  ['MUST-55', false, 'ICMP', 'source quench silently discarded', 'wire', 'the connection behaves as before'],
  // Address validation
  ['MUST-63', false, 'Address validation', 'reject a SYN from an invalid IP address', 'none', 'the harness never sends from invalid addresses'],
  // Application interface
  ['MUST-47', false, 'Application interface', 'an error report mechanism', 'none', 'an API property'],
  ['SHLD-20', false, 'Application interface', 'the application can disable error reports', 'none', 'an API property'],
  ['MUST-48', false, 'Application interface', 'the application can set the Diffserv field', 'none', 'an API property'],
  ['SHLD-22', false, 'Application interface', 'Diffserv field passed unchanged to IP', 'none', 'an API property'],
  ['SHLD-21', false, 'Application interface', 'the application can change the Diffserv field during a connection', 'none', 'an API property'],
  ['SHLD-23', true, 'Application interface', 'applications should not generally change Diffserv during a connection', 'none', 'advice to applications'],
  ['MAY-9', false, 'Application interface', 'pass the received Diffserv field to the application', 'none', 'an API property'],
  ['MAY-14', false, 'Application interface', 'a FLUSH call', 'none', 'an API property'],
  ['MUST-43', false, 'Application interface', 'optional local IP address in OPEN', 'none', 'an API property'],
  // Other
  ['MAY-12', false, 'RFC 5961 support', 'data injection protection (RFC 5961)', 'wire', 'challenge ACKs to in-window RST and SYN'],
  ['SHLD-8', false, 'ECN', 'support ECN', 'wire', 'an ECN-setup SYN gets an ECN-setup SYN-ACK'],
  ['MAY-18', false, 'Congestion control', 'alternative conformant congestion control', 'none', 'congestion control is not judged'],
];

const levelOf = (id: string): Level => (id.startsWith('MUST') ? 'MUST' : id.startsWith('SHLD') ? 'SHOULD' : 'MAY');

/** All of RFC 9293's labelled requirements, by label. */
export const REQUIREMENTS: ReadonlyMap<string, Requirement> = new Map(
  ROWS.map(([id, negative, group, feature, observable, how]) => [
    id,
    { id, level: levelOf(id), ...(negative ? { negative } : {}), group, feature, observable, ...(how ? { how } : {}) },
  ]),
);

export const REQUIREMENT_COUNTS = { MUST: 69, SHOULD: 31, MAY: 18 } as const;

/** A requirement by label; throws for a label RFC 9293 does not have (a typo in a suite). */
export function requirement(id: string): Requirement {
  const r = REQUIREMENTS.get(id);
  if (!r) throw new Error(`RFC 9293 has no requirement labelled '${id}'`);
  return r;
}

/** RFC 9293 labels look like MUST-13, SHLD-4, MAY-2; other RFCs are cited as 'RFC 5961 3.2'. */
export const isRfc9293Label = (ref: string): boolean => /^(MUST|SHLD|MAY)-\d+$/.test(ref);
