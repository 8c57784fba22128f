// The memory stack: the reference TCP of the differential, in this process. It implements RFC
// 9293 as the project's oracle reads it (profile rfc: RFC 5961 on, TIME-WAIT, the FSM's
// transitions) with its own buffers and timers (src/target/memory/), and is reached through the
// in-memory transport instead of a raw socket: no root, no lab, no kernel. App control is the
// agent protocol served in process; ground truth is its own TCB table (no fork, no round trip
// through a pipe); settings are its own options (src/target/memory/settings.ts).
//
// Settings are this stack's own names only: any other (a Linux sysctl) is a UsageError, never
// dropped. The suite harness gives a stack only the settings it has (./stack-settings.ts).
import { AgentClient } from '../lab/agent/client.js';
import { matchesTuple, onlySocket, pollForState } from '../lab/ground-truth.js';
import { MemoryTransport } from '../wire/memory.js';
import { MemoryAgent } from './memory/agent.js';
import { MemorySettings } from './memory/settings.js';
import { MemoryStack } from './memory/stack.js';
import type { StackHost, StackOptions, StateSource } from './stack.js';

/** Addresses of the in-memory link (the lab's 198.18.0.0/15 range; nothing leaves the process). */
export const MEMORY_PROBE_ADDR = '198.18.0.1';
export const MEMORY_TARGET_ADDR = '198.18.0.2';

/**
 * As the Linux lab's fast suite defaults (FAST_SUITE_SYSCTLS): a half-open or unanswered
 * connection gives up after 1 + 2 + 4 s, unacknowledged data after 4 RTOs; every mechanism
 * stays observable. settings.set() changes them.
 */
export const FAST_SUITE_SETTINGS: Readonly<Record<string, string>> = { synack_retries: '2', syn_retries: '2', retries: '3' };

let nextId = 1;

export async function openStack(opts: StackOptions = {}): Promise<StackHost> {
  const started = performance.now();
  const settings = new MemorySettings();
  await settings.set({ ...FAST_SUITE_SETTINGS, ...opts.settings });
  if (opts.minRtoMs !== undefined && opts.minRtoMs > settings.config.rto_min_ms) await settings.set({ rto_min_ms: String(Math.round(opts.minRtoMs)) });
  const stack = new MemoryStack(MEMORY_TARGET_ADDR, settings);
  const wire = new MemoryTransport(MEMORY_PROBE_ADDR, (sent) => stack.receive(sent));
  stack.attach(wire);
  const agent = await AgentClient.inProcess(new MemoryAgent(stack), 'memory stack');
  const id = nextId++;
  let closing: Promise<void> | undefined;
  return {
    stack: 'memory',
    id,
    probeInterface: 'memory',
    probe: { ipv4: MEMORY_PROBE_ADDR },
    target: { ipv4: MEMORY_TARGET_ADDR },
    wire,
    inProcess: true,
    agent,
    states: memoryStates(stack),
    settings,
    setupMs: performance.now() - started,
    close: () =>
      (closing ??= (async () => {
        await agent.stop();
        stack.close();
      })()),
  };
}

/** Ground truth: the stack's TCB table, read in place. */
export function memoryStates(stack: MemoryStack): StateSource {
  const where = `memory stack ${stack.address}`;
  const socketOf = async (tuple: Parameters<StateSource['stateOf']>[0]) =>
    onlySocket(
      stack.sockets().filter((s) => matchesTuple(s, tuple)),
      tuple,
      where,
    );
  return {
    describe: `the memory stack's own TCBs (${stack.address}, in process)`,
    sockets: async (tuple = {}) => stack.sockets().filter((s) => matchesTuple(s, tuple)),
    stateOf: async (tuple) => (await socketOf(tuple))?.state ?? 'CLOSED',
    waitForState: (tuple, want, deadlineMs) => pollForState(socketOf, where, tuple, want, deadlineMs),
  };
}
