// passt (pasta) as a lab target, real, as root: see proxy-checks.ts.
import { openStack } from '../../src/target/passt.js';
import { proxyTests } from './proxy-checks.js';

proxyTests({
  stack: 'passt',
  openStack,
  hostLinks: ['lo', 'sink0'],
  abortFlags: 'R',
  // A bare RST with a sequence number of its own, not RFC 9293 3.10.7.1's RST-ACK acking the SYN
  // (a client in SYN-SENT that follows the RFC ignores it).
  closedPortAnswer: () => ({ flags: 'R' }),
});
