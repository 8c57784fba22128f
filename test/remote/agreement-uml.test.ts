// Lab and --as-remote verdicts agree on the uml stack, test by test and matrix cell by cell (./stack-agreement.ts).
import t from 'tap';
import { cannotRun } from '../target/runnable.js';
import { agreeOnStack } from './stack-agreement.js';

t.test("uml: remote verdicts agree with the lab's ground truth", { timeout: 600_000, skip: cannotRun('uml') }, (t) => agreeOnStack(t, 'uml'));
