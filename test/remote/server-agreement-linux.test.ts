// Lab and --as-remote (the lab's application a small server) agree on the linux stack where the server closes first or sends (./server-agreement.ts).
import t from 'tap';

// Two runs of a fresh lab per suite, one after the other: more than tap's 180 s under load.
t.setTimeout(420_000);

import { agreeAsServer, LINUX_OLD_ACK_HISTORY } from './server-agreement.js';

t.test("linux: remote verdicts with a close trigger and a data request agree with the lab's ground truth", { timeout: 600_000 }, (t) =>
  agreeAsServer(t, 'linux', {
    ...LINUX_OLD_ACK_HISTORY,
    // Lab: a SYN above RCV.NXT in TIME-WAIT opens a new connection (SYN-ACK); remote: no reply within
    // the quiet window. Not explained yet (the remote state probe's out-of-window segment before it
    // is the first suspect); left visible as TODO rather than called a limit.
    'TIME-WAIT <- SYN @RCV.NXT+RCV.WND-1': 'lab SYN-ACK, remote nothing: not explained yet',
    'TIME-WAIT <- SYN @RCV.NXT+RCV.WND': 'lab SYN-ACK, remote nothing: not explained yet',
  }),
);
