// slirp (slirp4netns) as a lab target, real, as root: see proxy-checks.ts.
import { Seq } from '../../src/packet/index.js';
import { openStack } from '../../src/target/slirp.js';
import { proxyTests } from './proxy-checks.js';

proxyTests({
  stack: 'slirp',
  openStack,
  hostLinks: ['lo'],
  abortFlags: 'R.',
  // RFC 9293 3.10.7.1's answer to a SYN in CLOSED: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  closedPortAnswer: (iss) => ({ flags: 'R.', seq: 0, ack: Seq.add(iss, 1) }),
});
