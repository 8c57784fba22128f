// Every word of the guided walkthroughs, English here and Chinese in lessons-zh.ts, so a lesson
// can be read in either. A lesson is a list of steps: a short explanation, the session commands
// that show it (the same ones a student types) and the state the target must reach (the FSM and
// the kernel both; a lesson that does not get there says so). It ends with a question the student
// answers by typing one command. Texts that quote a timer or a limit are functions of the lab's
// real values (what the namespace reads back), so `--lab-sysctl` changes what they say. A lesson
// sets the timers it needs: long enough that nothing expires while a person reads.
import type { TcpState } from '../fsm/index.js';
import type { LabSysctls } from '../lab/index.js';

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/** The lab's real values, for texts that quote them. */
export interface LessonValues {
  /** a sysctl by its short name (tcp_synack_retries, somaxconn) or dotted name; '?' if unknown */
  sysctl(name: string): string;
}

/** Lines of text, fixed or computed from the lab's values. */
export type Lines = readonly string[] | ((v: LessonValues) => readonly string[]);

export interface LessonStep {
  title: string;
  /** two or three lines: what happens and why */
  say: Lines;
  /** session commands, run in order */
  run: readonly string[];
  /** where the target must be afterwards (FSM and kernel) */
  expect?: TcpState;
}

export interface Lesson {
  name: WalkthroughName;
  title: string;
  /** one line, for `tcpfsm exercise --help` and the list of walkthroughs */
  summary: string;
  rfc: string;
  /** the lab settings this lesson needs on top of the fast defaults (the user's --lab-sysctl wins) */
  sysctls?: LabSysctls;
  intro: Lines;
  steps: readonly LessonStep[];
  question: {
    ask: Lines;
    /** the command that shows the answer */
    command: string;
    answer: Lines;
  };
}

/** A lesson's words in one language: the same shape, without the commands. */
export interface LessonText {
  title: string;
  summary: string;
  intro: Lines;
  steps: ReadonlyArray<{ title: string; say: Lines }>;
  ask: Lines;
  answer: Lines;
}

export type WalkthroughName =
  | 'handshake'
  | 'close'
  | 'lost-ack'
  | 'time-wait'
  | 'half-close'
  | 'reset'
  | 'isn'
  | 'syn-queue'
  | 'tw-reuse'
  | 'both-sides'
  | 'why-three';

export function lines(l: Lines, v: LessonValues): readonly string[] {
  return typeof l === 'function' ? l(v) : l;
}

/** Seconds until a timer that starts at 1 s and doubles gives up after n retransmissions: 1+2+…+2^n. */
export const giveUpSeconds = (retries: string): string => (/^\d+$/.test(retries) ? String(2 ** (Number(retries) + 1) - 1) : '?');

/** The user interface's own words (headings, prompts), in each language. */
export interface Ui {
  walkthrough: string;
  step: string;
  question: string;
  answer: string;
  checkIt: string;
  typeToCheck: (command: string) => string;
  pressEnter: string;
  /** what anything but Enter, quit and the looking commands does at a pause */
  atPause: (typed: string) => string;
  lessonCheckFailed: (want: string, fsm: string, kernel: string) => string;
  /** a timer moved the target on while the student read: the step's state was passed, not missed */
  timerMovedOn: (want: string, now: string) => string;
  labSettings: (settings: string) => string;
  done: (problems: number) => string;
  replIntro: readonly string[];
  labReady: string;
  settingUp: string;
}

export const UI_EN: Ui = {
  walkthrough: 'Walkthrough',
  step: 'Step',
  question: 'Question',
  answer: 'Answer',
  checkIt: 'Check it:',
  typeToCheck: (command) => `Type  ${command}  to check your answer (help lists every command, quit leaves).`,
  pressEnter: '(press Enter for the next step)',
  atPause: (typed) =>
    `  '${typed}' is not run between steps: press Enter for the next step, or quit (q) to leave; state, trace, isns and queue only look and are run.`,
  lessonCheckFailed: (want, fsm, kernel) => `✗ this step should leave the target in ${want}; the FSM says ${fsm}, the kernel ${kernel}`,
  timerMovedOn: (want, now) => `  (this step left the target in ${want}; a timer has since moved it to ${now}: see ⏱ above)`,
  labSettings: (settings) => `This lesson's lab: ${settings} (long enough to read; --lab-sysctl changes them)`,
  done: (problems) =>
    problems === 0
      ? 'End of the walkthrough: the FSM and the kernel agreed at every step.'
      : `End of the walkthrough: ${problems} disagreement${problems === 1 ? '' : 's'} between the FSM and the kernel (marked ✗ above).`,
  replIntro: [
    'tcpfsm exercise: you are the probe; the target is a Linux kernel in a network namespace.',
    'Try:  listen 8080   connect   syn   ack   state   trace   (help lists every command; Tab completes)',
  ],
  labReady: "Lab ready: the target is this machine's Linux kernel, in a network namespace of its own.",
  settingUp: 'Setting up a lab…',
};

/** Kept for callers that only speak English. */
export const UI = UI_EN;

/** Linux's own timers for the closing lessons: a FIN is retransmitted for about 100 s, FIN-WAIT-2 lasts 60 s. */
const READING_PACE: LabSysctls = { tcp_orphan_retries: 8, tcp_fin_timeout: 60, tcp_retries2: 8 };

const OPEN: LessonStep = {
  title: 'Open a connection',
  say: ["The target's application listens on port 8080; we connect and complete the three-way handshake", '(see --walkthrough handshake for the details).'],
  run: ['listen 8080', 'connect', 'syn', 'ack'],
  expect: 'ESTABLISHED',
};

export const LESSONS: readonly Lesson[] = [
  {
    name: 'handshake',
    title: 'The three-way handshake',
    summary: 'SYN, SYN-ACK, ACK: LISTEN → SYN-RECEIVED → ESTABLISHED, and the seq/ack arithmetic',
    rfc: 'RFC 9293 3.5',
    intro: [
      'You play the client: tcpfsm crafts each segment and sends it to a real Linux kernel, the target.',
      'After each step you see the segments (tcpdump style), the state the RFC 9293 state machine (FSM)',
      'predicts for the target, and the state its kernel is really in (read with ss).',
      "Sequence numbers are relative to each side's initial sequence number (ISN), as tcpdump prints them.",
    ],
    steps: [
      {
        title: 'Passive open',
        say: [
          'The server application calls listen(): its socket waits in LISTEN for a SYN.',
          'We open a scripted connection from the probe to that port; nothing is sent yet.',
        ],
        run: ['listen 8080', 'connect'],
        expect: 'LISTEN',
      },
      {
        title: 'First segment: SYN',
        say: [
          'Our SYN carries our ISN x (relative seq 0). A SYN occupies one sequence number, so the target',
          'acknowledges x+1 (ack 1) in its SYN-ACK, which carries its own ISN y (its relative seq 0).',
          'The target is now in SYN-RECEIVED, waiting for the acknowledgment of its SYN.',
        ],
        run: ['syn'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'Third segment: ACK',
        say: [
          "We acknowledge the target's SYN: seq x+1, ack y+1 (relative: seq 1, ack 1), and the target is ESTABLISHED.",
          'A bare ACK occupies no sequence number: our next byte is still number 1.',
        ],
        run: ['ack'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'Data',
        say: [
          'Now we send "hello": 5 bytes numbered 1 to 5 (tcpdump shows seq 1:6).',
          'The target acknowledges 6, the number of the next byte it expects from us.',
        ],
        run: ['send hello'],
        expect: 'ESTABLISHED',
      },
    ],
    question: {
      ask: ['What relative sequence number will our next byte carry, and what does the target expect next from us?'],
      command: 'state',
      answer: [
        'Both are 6: our ISN, +1 for the SYN, +5 for "hello" (SND.NXT 6 on our side, RCV.NXT 6 in the target).',
        'The FSM and the kernel both say ESTABLISHED.',
      ],
    },
  },
  {
    name: 'close',
    title: 'Closing a connection: the four-way close',
    summary: 'FIN, ACK, FIN, ACK: each direction closes on its own (CLOSE-WAIT, LAST-ACK, CLOSED)',
    rfc: 'RFC 9293 3.6',
    sysctls: READING_PACE,
    intro: [
      'Either side may close first. Here we (the probe) close first, the active close, as the client does',
      'in the usual figure; the target closes passively: CLOSE-WAIT, then LAST-ACK, then CLOSED.',
    ],
    steps: [
      OPEN,
      {
        title: 'Our FIN',
        say: [
          'We send FIN (with ACK) at seq u (relative 1). A FIN occupies one sequence number, like a SYN, so the',
          'target acknowledges u+1 (ack 2) and enters CLOSE-WAIT: we send no more, but it still may.',
        ],
        run: ['fin'],
        expect: 'CLOSE-WAIT',
      },
      {
        title: "The target's FIN",
        say: (v) => [
          "The target's application calls close() (through the lab agent). Its kernel sends its own FIN",
          'and enters LAST-ACK, waiting for that FIN to be acknowledged. While you read, it sends the FIN again',
          `(↻) each time its timer runs out, up to tcp_orphan_retries = ${v.sysctl('tcp_orphan_retries')} times.`,
        ],
        run: ['agent close'],
        expect: 'LAST-ACK',
      },
      {
        title: 'Our last ACK',
        say: [
          "We acknowledge the target's FIN (ack w+1). The target is CLOSED: its socket is gone.",
          'The side that closed first (we) would now wait in TIME-WAIT: see --walkthrough time-wait.',
        ],
        run: ['ack'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['Why did closing take four segments when opening took three?', 'Look at the ladder: which two segments could the target not merge into one?'],
      command: 'trace',
      answer: [
        "TCP is full duplex: each direction is closed by its own FIN and that FIN's ACK. The target ACKed our FIN",
        'at once but sent its FIN only when its application called close(), so its ACK and FIN went separately.',
        '(When the application closes quickly enough, the two can share one segment: three segments in all.)',
      ],
    },
  },
  {
    name: 'lost-ack',
    title: 'The lost third ACK',
    summary: 'The final ACK never arrives: the SYN-ACK is retransmitted (1 s, 2 s…), then the half-open connection is dropped',
    rfc: 'RFC 9293 3.8.1, 3.8.3; RFC 6298 5.5',
    intro: (v) => [
      "What if the client's final ACK is lost? The target waits in SYN-RECEIVED and retransmits its SYN-ACK,",
      'doubling the timeout each time (1 s, 2 s, 4 s…), until tcp_synack_retries retransmissions are spent',
      `(this lab: ${v.sysctl('tcp_synack_retries')}; Linux defaults to 5), then it drops the half-open connection:`,
      `about ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} s after the first SYN-ACK.`,
    ],
    steps: [
      {
        title: 'Half a handshake',
        say: [
          'The target listens and we send a SYN: it answers SYN-ACK and enters SYN-RECEIVED.',
          'This time we do not answer: our ACK is "lost". From now on, its retransmitted SYN-ACKs appear',
          'as they come (↻), even while you read.',
        ],
        run: ['listen 8080', 'connect', 'syn'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'Retransmissions, then giving up',
        say: (v) => [
          'The FSM has no clock, so we tell it the retransmission timer will give up, and wait for the kernel:',
          `its SYN-ACK comes again after 1 s, 2 s, 4 s… (${v.sysctl('tcp_synack_retries')} times), then the kernel drops the connection,`,
          `about ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} s after the first SYN-ACK. Only this half-open connection goes; the listening socket stays.`,
        ],
        run: ['timeout rexmt'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['The "lost" ACK finally arrives now. What does the target answer?'],
      command: 'ack',
      answer: [
        "A RST whose seq is our ACK's ack number: no connection matches any more, and the listener answers an",
        'ACK it cannot place with a reset (RFC 9293 3.10.7.2). The client learns the connection never opened.',
      ],
    },
  },
  {
    name: 'time-wait',
    title: 'TIME-WAIT and 2 MSL',
    summary: 'The side that closes first waits 2 MSL in TIME-WAIT: why, and how long (Linux: 60 s)',
    rfc: 'RFC 9293 3.6, 3.10.7.4',
    sysctls: READING_PACE,
    intro: [
      'The side that sends the first FIN ends in TIME-WAIT and stays there for 2 MSL, twice the Maximum Segment',
      'Lifetime. Here the target closes first, so its kernel is the one in TIME-WAIT and ss shows the timer.',
    ],
    steps: [
      OPEN,
      {
        title: 'The target closes first',
        say: ["The target's application calls close(): its kernel sends FIN and enters FIN-WAIT-1."],
        run: ['agent close'],
        expect: 'FIN-WAIT-1',
      },
      {
        title: 'We acknowledge its FIN',
        say: (v) => [
          'Our ACK moves the target to FIN-WAIT-2: its direction is closed, ours is still open.',
          `Its application has closed the socket, so Linux gives FIN-WAIT-2 a limit: tcp_fin_timeout = ${v.sysctl('tcp_fin_timeout')} s.`,
        ],
        run: ['ack'],
        expect: 'FIN-WAIT-2',
      },
      {
        title: 'Our FIN',
        say: ['Now we close too. The target acknowledges our FIN and enters TIME-WAIT.', "`state` shows the kernel's TIME-WAIT timer, as ss -o prints it."],
        run: ['fin', 'state'],
        expect: 'TIME-WAIT',
      },
      {
        title: 'Why wait: the last ACK may be lost',
        say: [
          "We let the timer run for 8 s. Then suppose the target's last ACK was lost: we would retransmit our FIN,",
          'with the same seq (seq-1 from SND.NXT). Still in TIME-WAIT, the target remembers the connection: it ACKs',
          'the FIN again and restarts its timer. Without TIME-WAIT it would answer RST instead of a clean close.',
        ],
        run: ['wait 8s', 'state', 'fin seq-1', 'state'],
        expect: 'TIME-WAIT',
      },
      {
        title: 'Why 2 MSL',
        say: [
          'MSL is the longest a segment may live in the network: RFC 793 chose 2 minutes, so TIME-WAIT lasts 4.',
          'Linux uses a fixed 60 s (TCP_TIMEWAIT_LEN, compiled in, not a sysctl). Waiting 2 MSL leaves time for',
          'a lost last ACK to be repaired, and lets old duplicates die out before the same ports are used again.',
        ],
        run: [],
        expect: 'TIME-WAIT',
      },
    ],
    question: {
      ask: ["How long will the target's socket stay in TIME-WAIT from now?", 'Would setting tcp_fin_timeout shorten it?'],
      command: 'state',
      answer: [
        'About 60 s: the timer restarted when our repeated FIN was acknowledged; ss shows what is left.',
        "No: tcp_fin_timeout is the FIN-WAIT-2 timeout of orphaned sockets; Linux's TIME-WAIT length is fixed.",
      ],
    },
  },
  {
    name: 'half-close',
    title: 'Half-close: one direction at a time',
    summary: 'shutdown(SHUT_WR) closes only the sending side: data still flows the other way',
    rfc: 'RFC 9293 3.6',
    sysctls: READING_PACE,
    intro: [
      'TCP is full duplex and a FIN closes only one direction: "I have no more data to send". After',
      'shutdown(SHUT_WR) an application can send no more but still receives: the connection is half closed.',
    ],
    steps: [
      OPEN,
      {
        title: 'The target stops sending',
        say: ["The target's application calls shutdown(SHUT_WR): its kernel sends FIN and enters FIN-WAIT-1."],
        run: ['agent shutdown'],
        expect: 'FIN-WAIT-1',
      },
      {
        title: 'We acknowledge its FIN',
        say: ['Our ACK moves the target to FIN-WAIT-2. Its sending direction is closed; ours is still open.'],
        run: ['ack'],
        expect: 'FIN-WAIT-2',
      },
      {
        title: 'Data on a half-closed connection',
        say: [
          'We still send data. In FIN-WAIT-2 the target accepts it and acknowledges the 5 bytes (ack 6).',
          'The mirror case is the same rule: a side in CLOSE-WAIT has received a FIN but may still send.',
        ],
        run: ['send hello'],
        expect: 'FIN-WAIT-2',
      },
      {
        title: 'We close too',
        say: ['Our FIN closes the other direction. The target ACKs it and, having closed first, waits in TIME-WAIT.'],
        run: ['fin'],
        expect: 'TIME-WAIT',
      },
    ],
    question: {
      ask: ['Did the target\'s application really receive "hello", after it had shut down its own side?'],
      command: 'agent read',
      answer: [
        'Yes: read() returns the 5 bytes, then end of stream (our FIN). shutdown(SHUT_WR) closed only its sending side.',
        'Had it called close() instead, nobody would read: Linux answers data for such a socket with RST.',
      ],
    },
  },
  {
    name: 'reset',
    title: 'Resets and how a kernel checks them',
    summary: 'An exact RST closes at once, an in-window one gets a challenge ACK, an out-of-window one is ignored',
    rfc: 'RFC 9293 3.10.7.4; RFC 5961 3.2',
    intro: [
      'A RST aborts a connection with no FIN exchange. Anyone who guesses the ports could forge one, so',
      'RFC 5961 3.2 accepts a RST only when its seq is exactly the next one expected (RCV.NXT).',
    ],
    steps: [
      OPEN,
      {
        title: 'A RST in the window, but not exact',
        say: [
          "We send RST at seq+100: inside the target's receive window, but not at RCV.NXT. The target does not",
          'close: it sends a "challenge ACK" with the true numbers. A real peer that lost its connection answers',
          'that with an exact RST; a blind attacker never sees it.',
        ],
        run: ['rst seq+100'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'A RST outside the window',
        say: ['Now far outside the window (2^30 ahead): the target drops it silently (RFC 9293 3.10.7.4 first check).'],
        run: ['rst seq+1073741824'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'The exact RST',
        say: ['A RST with seq = RCV.NXT: the target aborts the connection at once and answers nothing.'],
        run: ['rst'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['The connection is gone from the target. What does it answer if we now send data on it?'],
      command: 'send hello',
      answer: [
        "A RST with seq = our ack number: the connection is gone, and the port's listener resets an ACK it cannot",
        'place (RFC 9293 3.10.7.2; a port nobody listens on does the same for anything but a RST, 3.10.7.1).',
      ],
    },
  },
  {
    name: 'isn',
    title: 'Initial sequence numbers: new every time',
    summary: 'The real ISNs of several connections side by side: why they differ, and why a predictable ISN is dangerous',
    rfc: 'RFC 9293 3.4.1; RFC 6528',
    intro: [
      'Each side numbers its bytes from an initial sequence number (ISN) it chooses when the connection opens.',
      'Everywhere else this tool prints numbers relative to the ISNs, as tcpdump does; here we look at the real ones.',
    ],
    steps: [
      {
        title: 'A first connection',
        say: [
          "Our SYN carries our ISN, the target's SYN-ACK carries its own. We then reset the half-open",
          'connection with a RST: only the ISNs matter here, and the port goes back to its listener.',
        ],
        run: ['listen 8080', 'connect', 'syn', 'rst'],
        expect: 'LISTEN',
      },
      {
        title: 'Three more connections',
        say: ['The same three times more, each from a new probe port (a new 4-tuple), milliseconds apart.'],
        run: ['connect', 'syn', 'rst', 'connect', 'syn', 'rst', 'connect', 'syn', 'rst'],
        expect: 'LISTEN',
      },
      {
        title: 'Side by side',
        say: [
          "`isns` prints the real ISNs. The target's jump around the whole 32-bit space: no step from one",
          'connection to the next tells you the next one.',
        ],
        run: ['isns'],
      },
      {
        title: 'The same 4-tuple again',
        say: [
          'RFC 6528: ISN = M + F(4-tuple, secret key), M a clock, F a keyed hash. Connecting again from the port',
          'of connection 1 keeps F fixed, so the difference between the two ISNs is the clock alone: Linux adds',
          "one every 64 ns (about 15.6 million per second; RFC 793's clock ticked every 4 µs).",
        ],
        run: ['connect 8080 from 40001', 'syn', 'rst', 'isns'],
        expect: 'LISTEN',
      },
      {
        title: 'Why it matters',
        say: [
          'If the ISN could be predicted (early BSDs added 64000 per connection), an attacker who never sees the',
          "target's answers could still guess y: send a SYN with a forged source address, then the third ACK with",
          'ack y+1, and the target believes a connection from a host that never asked (Mitnick, 1994; RFC 1948).',
          "A guessed ISN also lets a blind attacker aim RSTs and data into a live connection's window.",
        ],
        run: [],
      },
    ],
    question: {
      ask: ["Could you predict the target's ISN for a connection from a new port, say 40006?"],
      command: 'isns',
      answer: [
        'No: between different 4-tuples the steps look random (the keyed hash F, whose key only the target knows).',
        "Only a 4-tuple used again moves predictably, by the clock M: which keeps its new numbers ahead of the old connection's.",
      ],
    },
  },
  {
    name: 'syn-queue',
    title: 'The half-open (SYN) queue and SYN cookies',
    summary: 'Half-open connections wait in a queue of limited size: what it keeps, what overflows it, how SYN cookies answer anyway',
    rfc: 'RFC 9293 3.10.7.2; RFC 4987',
    sysctls: { tcp_syncookies: 0, tcp_synack_retries: 5 },
    intro: (v) => [
      'A listener keeps each half-open connection (its SYN received, a SYN-ACK sent, no ACK yet) in its SYN queue.',
      'Linux keeps a small request socket per entry, not a full socket: both addresses and ports, both ISNs, the',
      "options the client offered (MSS, window scale, SACK, timestamps), and the SYN-ACK's retransmission count",
      `and timer. Here each entry lives about ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} s (tcp_synack_retries = ${v.sysctl('tcp_synack_retries')}), and SYN cookies start off (tcp_syncookies = ${v.sysctl('tcp_syncookies')}).`,
    ],
    steps: [
      {
        title: 'A listener with a small backlog',
        say: (v) => [
          `listen(fd, 4) asks for a backlog of 4; the kernel caps it at net.core.somaxconn (here ${v.sysctl('somaxconn')}).`,
          'Linux bounds both queues by it: the SYN queue counts as full when it holds more than the backlog.',
          `With SYN cookies off, a SYN is also dropped once the queue passes 3/4 of tcp_max_syn_backlog (here ${v.sysctl('tcp_max_syn_backlog')}).`,
        ],
        run: ['listen 8080 backlog=4', 'queue'],
      },
      {
        title: 'One half-open connection',
        say: [
          'Our SYN gets a SYN-ACK, and we never send the ACK: the entry waits in the SYN queue, retransmitting',
          'its SYN-ACK (1 s, 2 s, 4 s…) until tcp_synack_retries are spent.',
        ],
        run: ['connect', 'syn', 'queue'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'Filling the queue',
        say: [
          'Six more SYNs from new ports, 50 ms apart, none of them completed. The queue fills up; the SYNs after',
          'that get no answer at all (counted as TCPReqQFullDrop), and their clients would retransmit the SYN after',
          '1 s, 2 s… (tcp_syn_retries). A SYN flood is this, sent faster than the entries expire.',
        ],
        run: ['syns 6', 'queue'],
      },
      {
        title: 'SYN cookies',
        say: [
          "With tcp_syncookies = 1 (Linux's default) a full queue no longer drops a SYN: the target answers with a",
          'SYN-ACK whose ISN is a cookie (a keyed hash of the 4-tuple and a time counter, the MSS coded in a few bits)',
          'and keeps nothing: ss shows no socket, and the queue does not grow.',
        ],
        run: ['sysctl tcp_syncookies=1', 'connect', 'syn', 'queue'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'The cookie comes back',
        say: [
          'Our ACK acknowledges ISN+1: the target checks the cookie, rebuilds the connection from it, and it is',
          'ESTABLISHED (SyncookiesRecv). What the cookie cannot hold (window scale and SACK without timestamps) is',
          'lost: the price of keeping no state.',
        ],
        run: ['ack', 'queue'],
        expect: 'ESTABLISHED',
      },
    ],
    question: {
      ask: ['How many SYNs did the target drop for a full queue, and how many SYN cookies did it send?'],
      command: 'queue',
      answer: [
        'TCPReqQFullDrop counts the SYNs dropped while cookies were off: their clients saw nothing and would try again.',
        'SyncookiesSent 1: with cookies on, the same situation got a SYN-ACK; SyncookiesRecv 1 is our ACK that brought it back.',
      ],
    },
  },
  {
    name: 'tw-reuse',
    title: 'Reusing TIME-WAIT quickly, and its risk',
    summary: 'tcp_tw_reuse with and without timestamps, a SYN reopening TIME-WAIT, and an old duplicate let into the new connection',
    rfc: 'RFC 9293 3.6 (MAY-2, SHLD-4); RFC 6191; RFC 7323 5',
    sysctls: { tcp_tw_reuse: 1, tcp_orphan_retries: 8, extra: { 'net.ipv4.ip_local_port_range': '33333 33333' } },
    intro: (v) => [
      'TIME-WAIT holds a 4-tuple for 60 s on Linux. A busy client that keeps connecting to the same server runs',
      'out of ports, so systems tune TIME-WAIT away: the teaching note warns that this has a risk. Here the',
      `target is the client; the lab gives its kernel one local port (ip_local_port_range ${v.sysctl('ip_local_port_range').replace(/\s+/, '-')}), so every`,
      `connect() it makes to the same probe port must reuse the same 4-tuple. tcp_tw_reuse = ${v.sysctl('tcp_tw_reuse')}.`,
    ],
    steps: [
      {
        title: 'Without timestamps, no reuse',
        say: [
          "The target's application connects to probe port 45000 (its SYN: SYN-SENT); our SYN-ACK offers no",
          'timestamps. It closes first and our FIN answers its FIN: the target holds the 4-tuple (its port 33333,',
          'our port 45000) in TIME-WAIT for 60 s. It connects again: connect() fails with EADDRNOTAVAIL. Without',
          'timestamps the kernel could not tell old duplicates from new segments, so tcp_tw_reuse leaves it alone.',
        ],
        run: ['agent connect 45000', 'seg S.', 'agent close', 'fin', 'wait 2s', 'agent connect 45000'],
        expect: 'TIME-WAIT',
      },
      {
        title: 'A connection with timestamps',
        say: [
          'Now to probe port 45001 (another 4-tuple). Our SYN-ACK offers timestamps (RFC 7323), as nearly every',
          'stack does; we send "hello", its application reads it and closes first: TIME-WAIT again.',
        ],
        run: ['timestamps on', 'agent connect 45001', 'seg S.', 'send hello', 'agent read', 'agent close', 'fin'],
        expect: 'TIME-WAIT',
      },
      {
        title: 'Reconnecting over TIME-WAIT (tcp_tw_reuse)',
        say: [
          'Two seconds later it connects again. Its only port is held by TIME-WAIT, but with tcp_tw_reuse and',
          'timestamps on the old connection, Linux takes the TIME-WAIT over once its last timestamp is a second old',
          '(tcp_tw_reuse_delay): the SYN goes out, with an ISN above anything the old connection sent.',
        ],
        run: ['wait 2s', 'agent connect 45001', 'seg S.'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'An old duplicate, caught by timestamps (PAWS)',
        say: [
          "Our ISN is the same as last time (as a server's clock-driven ISN can be, once the old connection moved",
          "further than the clock), so the old connection's numbers fall inside the new window. A copy of our old",
          '"hello", delayed in the network, arrives. Its timestamp is older than any this connection has seen:',
          'PAWS (RFC 7323 5) drops it, and the application reads nothing.',
        ],
        run: ['replay ack+0', 'agent read'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'The next connection, without timestamps',
        say: [
          'We send "hello" on this connection and let it close the same way: TIME-WAIT again, timestamps on.',
          'It reconnects, and this time our SYN-ACK does not offer timestamps: the new connection runs without them.',
        ],
        run: ['send hello', 'agent read', 'agent close', 'fin', 'timestamps off', 'wait 2s', 'agent connect 45001', 'seg S.'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'The exact old duplicate: its ACK gives it away',
        say: [
          'The old "hello" arrives again, exactly as it was sent. Its ACK field acknowledges the old connection\'s',
          'numbers, far below the new ISN (which Linux put 65537 above the old SND.NXT): RFC 5961 5.2 makes the target',
          'answer with an ACK and drop it. The application reads nothing.',
        ],
        run: ['replay', 'agent read'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'When nothing protects it',
        say: [
          'Now the same old bytes with an ACK that fits this connection (a receiver that has sent enough since, or',
          'a stack without the RFC 5961 check). No timestamps, seq inside the window: the target accepts it, and its',
          'application reads bytes that belong to the previous connection. This is what TIME-WAIT exists to prevent.',
        ],
        run: ['replay ack+0', 'agent read'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'A SYN reopening TIME-WAIT on the server',
        say: [
          'The other way to cut TIME-WAIT short is on the server. The target listens, we connect, and it closes first:',
          'it holds the 4-tuple in TIME-WAIT. Then our new SYN from the same port arrives, with a seq above anything',
          'of the old connection: RFC 9293 lets TIME-WAIT accept it as a new connection (MAY-2; with timestamps a newer',
          'timestamp decides instead, RFC 6191). The target answers SYN-ACK, again 65537 above its old numbers.',
        ],
        run: ['listen 8080', 'connect', 'syn', 'ack', 'agent close', 'fin', 'syn seq+100000', 'ack'],
        expect: 'ESTABLISHED',
      },
    ],
    question: {
      ask: ['Which connections of this lesson could an old duplicate corrupt, and what protected the others?'],
      command: 'trace',
      answer: [
        'Only one without timestamps whose old segment carried an acceptable ACK. Timestamps (PAWS) dropped the old copy',
        "on the connection that had them; the jump of the new ISN made the exact copy's ACK too old (RFC 5961 5.2); and",
        'without timestamps on the old connection, tcp_tw_reuse did not reuse its TIME-WAIT at all.',
      ],
    },
  },
  {
    name: 'both-sides',
    title: "Both sides of the state machine: the client's states too",
    summary: "The teaching note's figures follow the client: our own states (SYN-SENT, FIN-WAIT-1/2, TIME-WAIT) beside the target's",
    rfc: 'RFC 9293 3.5, 3.6',
    sysctls: READING_PACE,
    intro: [
      "The note's figures show two columns: the client (SYN-SENT, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT)",
      'and the server. We are the client here: after each segment, "probe (us)" shows our own state, derived from',
      "what we sent and received, beside the FSM's and the kernel's state of the target (the server).",
    ],
    steps: [
      {
        title: 'Both closed, then the server listens',
        say: ["The server's application listens (LISTEN); we have sent nothing, so we are CLOSED."],
        run: ['listen 8080', 'connect'],
        expect: 'LISTEN',
      },
      {
        title: 'SYN: we are in SYN-SENT',
        say: [
          'Sending our SYN puts us in SYN-SENT, the target in SYN-RECEIVED. Its SYN-ACK acknowledges our SYN,',
          'which makes us ESTABLISHED at once (RFC 9293 3.10.7.3): we owe it only the third segment.',
        ],
        run: ['syn'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'ACK: both ESTABLISHED',
        say: ['Our ACK makes the target ESTABLISHED too.'],
        run: ['ack'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'We close first: FIN-WAIT-1, then FIN-WAIT-2',
        say: [
          "Our FIN puts us in FIN-WAIT-1 (the note's first wave). The target's ACK of it moves us to FIN-WAIT-2",
          '(second wave) and the target to CLOSE-WAIT: it may still send; we only receive now.',
        ],
        run: ['fin'],
        expect: 'CLOSE-WAIT',
      },
      {
        title: "The server's FIN: we are in TIME-WAIT",
        say: [
          "The server's application closes: its FIN (third wave) puts it in LAST-ACK and us in TIME-WAIT.",
          'Our ACK (fourth wave) closes the target; we would wait 2 MSL before our port is free again.',
        ],
        run: ['agent close', 'ack'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['In the ladder, which of our states did the target never pass through, and why?'],
      command: 'trace',
      answer: [
        'SYN-SENT, FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT: they belong to the side that opens and closes first.',
        'The target opened passively (LISTEN, SYN-RECEIVED) and closed second (CLOSE-WAIT, LAST-ACK).',
      ],
    },
  },
  {
    name: 'why-three',
    title: 'Why three segments to open, four to close',
    summary: 'An old duplicate SYN: the third segment lets the client refuse it; full duplex needs two FINs and two ACKs',
    rfc: 'RFC 9293 3.5 (figure 8), 3.6',
    sysctls: READING_PACE,
    intro: [
      'Why not two segments to open? A SYN can be an old duplicate: a copy of an abandoned attempt, delayed in',
      'the network. Only the client knows whether it still wants the connection; the third segment is where it says so.',
    ],
    steps: [
      {
        title: 'An old duplicate SYN',
        say: [
          'The target listens. A SYN from an attempt we gave up long ago arrives (we send it to play the old copy):',
          'the target cannot tell it is old, answers SYN-ACK and waits in SYN-RECEIVED.',
        ],
        run: ['listen 8080', 'connect', 'syn'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'The client refuses it',
        say: [
          'Its SYN-ACK acknowledges a SYN we have no attempt for: as RFC 9293 figure 8 shows, we answer with a RST',
          '(seq = its ack). The target drops the half-open connection and goes back to LISTEN; its application never',
          'saw a thing: `state` shows it accepted no connection.',
        ],
        run: ['rst', 'state'],
        expect: 'LISTEN',
      },
      {
        title: 'What two segments would have done',
        say: [
          'With a two-way handshake the SYN-ACK would have opened the connection: no third segment to wait for.',
          'We play that world: the old SYN again, and this time nobody objects (our ACK stands in for the missing',
          'check). The application now holds a connection nobody asked for, and would answer and keep it.',
        ],
        run: ['connect', 'syn', 'ack', 'state'],
        expect: 'ESTABLISHED',
      },
      {
        title: 'Four to close: full duplex',
        say: [
          'Closing takes two FINs and two ACKs because each direction closes on its own. Our FIN closes ours; the',
          'target ACKs it but still sends data (its direction is open), and closes only when its application does.',
        ],
        run: ['fin', 'agent send 5', 'ack', 'agent close', 'ack'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['In the ladder, which segments of the first connection did the three-way handshake need to stop the old SYN?'],
      command: 'trace',
      answer: [
        'Its SYN-ACK and our RST: the SYN-ACK asks the client "did you send this?", the RST answers no. With two',
        'segments the target would have been ESTABLISHED after its SYN-ACK, with no way to learn the SYN was old.',
      ],
    },
  },
];
