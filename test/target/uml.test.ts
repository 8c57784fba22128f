// User-Mode Linux as a lab target, for real (./uml-lab.ts), on a machine that can run it; elsewhere
// the file skips with the reason (./runnable.ts), which uml-host-check.test.ts proves.
import t from 'tap';
import { skipUnless } from './runnable.js';

if (!skipUnless(t, 'uml')) await import('./uml-lab.js');
