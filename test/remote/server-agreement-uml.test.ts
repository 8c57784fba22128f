// Lab and --as-remote (the lab's application a small server) agree on the uml stack where the server closes first or sends (./server-agreement.ts).
import t from 'tap';
import { agreeAsServer, LAB_FIN_RETRANSMIT_TODO, TIME_WAIT_SYN_TODO, UML_OLD_ACK_TODO } from './server-agreement.js';

// Two runs of a fresh lab per suite, one after the other: more than tap's 180 s under load.
t.setTimeout(420_000);

t.test("uml: remote verdicts with a close trigger and a data request agree with the lab's ground truth", { timeout: 600_000 }, (t) =>
  agreeAsServer(t, 'uml', { ...LAB_FIN_RETRANSMIT_TODO, ...TIME_WAIT_SYN_TODO, ...UML_OLD_ACK_TODO }),
);
