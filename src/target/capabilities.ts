// What each lab stack offers the suites, known before it starts (the run's plan says from it what
// will skip): every stack has the agent; the proxies (slirp, passt) keep their TCBs to themselves
// (no ground truth) and take their settings only at start (none to read or change at run time).
// test/target/capabilities.test.ts checks this table against the stacks as they open.
import type { StackName } from './stack.js';

export interface StackCapabilities {
  agent: boolean;
  states: boolean;
  settings: boolean;
  /** reached over IP: ICMP errors can be sent to it */
  icmp: boolean;
}

export const STACK_CAPABILITIES: Readonly<Record<StackName, StackCapabilities>> = {
  linux: { agent: true, states: true, settings: true, icmp: true },
  uml: { agent: true, states: true, settings: true, icmp: true },
  gvisor: { agent: true, states: true, settings: true, icmp: true },
  slirp: { agent: true, states: false, settings: false, icmp: true },
  passt: { agent: true, states: false, settings: false, icmp: true },
  memory: { agent: true, states: true, settings: true, icmp: false },
};
