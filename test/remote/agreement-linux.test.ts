// Lab and --as-remote verdicts agree on the linux stack, test by test and matrix cell by cell (./stack-agreement.ts).
import t from 'tap';
import { agreeOnStack } from './stack-agreement.js';

t.test("linux: remote verdicts agree with the lab's ground truth", { timeout: 600_000 }, (t) => agreeOnStack(t, 'linux'));
