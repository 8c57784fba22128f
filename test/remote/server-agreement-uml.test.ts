// Lab and --as-remote (the lab's application a small server) agree on the uml stack where the server closes first or sends (./server-agreement.ts).
import t from 'tap';
import { cannotRun } from '../target/runnable.js';
import { agreeAsServer, LINUX_OLD_ACK_HISTORY } from './server-agreement.js';

// Two runs of a fresh lab per suite, one after the other: more than tap's 180 s under load.
t.setTimeout(420_000);

t.test("uml: remote verdicts with a close trigger and a data request agree with the lab's ground truth", { timeout: 600_000, skip: cannotRun('uml') }, (t) =>
  agreeAsServer(t, 'uml', LINUX_OLD_ACK_HISTORY),
);
