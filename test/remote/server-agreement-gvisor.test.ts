// Lab and --as-remote (the lab's application a small server) agree on the gvisor stack where the server closes first or sends (./server-agreement.ts).
import t from 'tap';

// Two runs of a fresh lab per suite, one after the other: more than tap's 180 s under load.
t.setTimeout(420_000);

import { agreeAsServer } from './server-agreement.js';

t.test("gvisor: remote verdicts with a close trigger and a data request agree with the lab's ground truth", { timeout: 600_000 }, (t) =>
  agreeAsServer(t, 'gvisor'),
);
