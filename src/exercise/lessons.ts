// Every word of the guided walkthroughs, in one file so it can be translated. A lesson is a list
// of steps: a short explanation, the session commands that show it (the same ones a student types)
// and the state the target must reach (the FSM and the kernel both; a lesson that does not get
// there says so). It ends with a question the student answers by typing one command.
// The text assumes the lab's fast settings (tcp_synack_retries 2) and Linux as the target.
import type { TcpState } from '../fsm/index.js';

export interface LessonStep {
  title: string;
  /** two or three lines: what happens and why */
  say: readonly string[];
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
  intro: readonly string[];
  steps: readonly LessonStep[];
  question: {
    ask: readonly string[];
    /** the command that shows the answer */
    command: string;
    answer: readonly string[];
  };
}

export type WalkthroughName = 'handshake' | 'close' | 'lost-ack' | 'time-wait' | 'half-close' | 'reset';

/** The user interface's own words (headings, prompts), translated with the lessons. */
export const UI = {
  walkthrough: 'Walkthrough',
  step: 'Step',
  question: 'Question',
  answer: 'Answer',
  checkIt: 'Check it:',
  typeToCheck: (command: string) => `Type  ${command}  to check your answer (help lists every command, quit leaves).`,
  pressEnter: '(press Enter for the next step)',
  lessonCheckFailed: (want: string, fsm: string, kernel: string) =>
    `✗ this step should leave the target in ${want}; the FSM says ${fsm}, the kernel ${kernel}`,
  done: (problems: number) =>
    problems === 0
      ? 'End of the walkthrough: the FSM and the kernel agreed at every step.'
      : `End of the walkthrough: ${problems} disagreement${problems === 1 ? '' : 's'} between the FSM and the kernel (marked ✗ above).`,
  replIntro: [
    'tcpfsm exercise: you are the probe; the target is a Linux kernel in a network namespace.',
    'Try:  listen 8080   connect   syn   ack   state   trace   (help lists every command; Tab completes)',
  ],
  labReady: 'Lab ready: the target is this machine\'s Linux kernel, in a network namespace of its own.',
  settingUp: 'Setting up a lab…',
} as const;

const OPEN: LessonStep = {
  title: 'Open a connection',
  say: ['The target\'s application listens on port 8080; we connect and complete the three-way handshake', '(see --walkthrough handshake for the details).'],
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
      'Sequence numbers are relative to each side\'s initial sequence number (ISN), as tcpdump prints them.',
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
          'We acknowledge the target\'s SYN: seq x+1, ack y+1 (relative: seq 1, ack 1), and the target is ESTABLISHED.',
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
        title: 'The target\'s FIN',
        say: [
          'The target\'s application calls close() (through the lab agent). Its kernel sends its own FIN',
          'and enters LAST-ACK, waiting for that FIN to be acknowledged.',
        ],
        run: ['agent close'],
        expect: 'LAST-ACK',
      },
      {
        title: 'Our last ACK',
        say: [
          'We acknowledge the target\'s FIN (ack w+1). The target is CLOSED: its socket is gone.',
          'The side that closed first (we) would now wait in TIME-WAIT: see --walkthrough time-wait.',
        ],
        run: ['ack'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: [
        'Why did closing take four segments when opening took three?',
        'Look at the ladder: which two segments could the target not merge into one?',
      ],
      command: 'trace',
      answer: [
        'TCP is full duplex: each direction is closed by its own FIN and that FIN\'s ACK. The target ACKed our FIN',
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
    intro: [
      'What if the client\'s final ACK is lost? The target waits in SYN-RECEIVED and retransmits its SYN-ACK,',
      'doubling the timeout each time (1 s, 2 s, 4 s…), until tcp_synack_retries retransmissions are spent',
      '(the lab sets 2; Linux defaults to 5), then it drops the half-open connection. This takes about 7 s.',
    ],
    steps: [
      {
        title: 'Half a handshake',
        say: [
          'The target listens and we send a SYN: it answers SYN-ACK and enters SYN-RECEIVED.',
          'This time we do not answer: our ACK is "lost".',
        ],
        run: ['listen 8080', 'connect', 'syn'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'Retransmissions',
        say: [
          'We wait 4 seconds. The target\'s retransmission timer fires after 1 s, then 2 s later (the timeout',
          'doubles each time): two copies of the same SYN-ACK. The target stays in SYN-RECEIVED.',
        ],
        run: ['wait 4s'],
        expect: 'SYN-RECEIVED',
      },
      {
        title: 'Giving up',
        say: [
          'After the last retransmission the timer runs once more (4 s), then the kernel drops the connection.',
          'The FSM has no clock, so we tell it the retransmission timer gave up and wait for the kernel to agree.',
          'Only this half-open connection goes; the listening socket stays.',
        ],
        run: ['timeout rexmt'],
        expect: 'CLOSED',
      },
    ],
    question: {
      ask: ['The "lost" ACK finally arrives now. What does the target answer?'],
      command: 'ack',
      answer: [
        'A RST whose seq is our ACK\'s ack number: no connection matches any more, and the listener answers an',
        'ACK it cannot place with a reset (RFC 9293 3.10.7.2). The client learns the connection never opened.',
      ],
    },
  },
  {
    name: 'time-wait',
    title: 'TIME-WAIT and 2 MSL',
    summary: 'The side that closes first waits 2 MSL in TIME-WAIT: why, and how long (Linux: 60 s)',
    rfc: 'RFC 9293 3.6, 3.10.7.4',
    intro: [
      'The side that sends the first FIN ends in TIME-WAIT and stays there for 2 MSL, twice the Maximum Segment',
      'Lifetime. Here the target closes first, so its kernel is the one in TIME-WAIT and ss shows the timer.',
    ],
    steps: [
      OPEN,
      {
        title: 'The target closes first',
        say: ['The target\'s application calls close(): its kernel sends FIN and enters FIN-WAIT-1.'],
        run: ['agent close'],
        expect: 'FIN-WAIT-1',
      },
      {
        title: 'We acknowledge its FIN',
        say: ['Our ACK moves the target to FIN-WAIT-2: its direction is closed, ours is still open.'],
        run: ['ack'],
        expect: 'FIN-WAIT-2',
      },
      {
        title: 'Our FIN',
        say: [
          'Now we close too. The target acknowledges our FIN and enters TIME-WAIT.',
          '`state` shows the kernel\'s TIME-WAIT timer, as ss -o prints it.',
        ],
        run: ['fin', 'state'],
        expect: 'TIME-WAIT',
      },
      {
        title: 'Why wait: the last ACK may be lost',
        say: [
          'We let the timer run for 8 s. Then suppose the target\'s last ACK was lost: we would retransmit our FIN,',
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
      ask: [
        'How long will the target\'s socket stay in TIME-WAIT from now?',
        'Would setting tcp_fin_timeout shorten it?',
      ],
      command: 'state',
      answer: [
        'About 60 s: the timer restarted when our repeated FIN was acknowledged; ss shows what is left.',
        'No: tcp_fin_timeout is the FIN-WAIT-2 timeout of orphaned sockets; Linux\'s TIME-WAIT length is fixed.',
      ],
    },
  },
  {
    name: 'half-close',
    title: 'Half-close: one direction at a time',
    summary: 'shutdown(SHUT_WR) closes only the sending side: data still flows the other way',
    rfc: 'RFC 9293 3.6',
    intro: [
      'TCP is full duplex and a FIN closes only one direction: "I have no more data to send". After',
      'shutdown(SHUT_WR) an application can send no more but still receives: the connection is half closed.',
    ],
    steps: [
      OPEN,
      {
        title: 'The target stops sending',
        say: ['The target\'s application calls shutdown(SHUT_WR): its kernel sends FIN and enters FIN-WAIT-1.'],
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
          'We send RST at seq+100: inside the target\'s receive window, but not at RCV.NXT. The target does not',
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
        'A RST with seq = our ack number: no connection matches, so the target resets whatever arrives on it',
        '(RFC 9293 3.10.7.1; the port\'s listener does the same with an ACK it cannot place, 3.10.7.2).',
      ],
    },
  },
];
