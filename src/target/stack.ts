// What every TCP stack brought up in the lab gives the harness, whatever its kind: where to send
// (a veth end in the root namespace the raw socket binds to, and the target's address behind it),
// app control (a process speaking the agent protocol, src/lab/agent/protocol.ts), ground truth
// when the stack's own connection states can be read, its settings, and close(). Suites never
// ask which stack it is: they ask for the capabilities (agent, states, settings) they need.
import type { AgentClient } from '../lab/agent/client.js';
import type { StateWait, TcpTuple } from '../lab/ground-truth.js';
import type { SsSocket, TcpState } from '../lab/ss.js';
import type { Transport } from '../wire/transport.js';
import type { RoleBinding, SettingRole } from './roles.js';

/** The stacks the lab can bring up, and the in-process reference stack (memory: no root, no lab). */
export const STACK_NAMES = ['linux', 'uml', 'gvisor', 'slirp', 'passt', 'memory'] as const;
export type StackName = (typeof STACK_NAMES)[number];
/** Stacks the lab reaches over IPv6 too (`--family 6`); the others are brought up IPv4-only. */
export const IPV6_STACKS: readonly StackName[] = ['linux', 'uml', 'gvisor'];
/** Why each other stack is not (yet) reached over IPv6: one line each, for the refusal and README. */
export const IPV4_ONLY_WHY: Readonly<Partial<Record<StackName, string>>> = {
  slirp:
    "slirp4netns 1.2 fixes its IPv6 network at fd00::/64 (no prefix option like --cidr): every lab would route the same prefix in the root namespace, outside the lab's ULA",
  passt:
    "pasta (Debian's 2023-03-09) with IPv6 on answers the first IPv6 connection, then no segment at all though the SYNs reach its TAP (measured): it runs -4",
  memory: 'the in-process reference stack speaks IPv4 only',
};

/** The target's own view of its connections (ss inside a namespace, netstack's endpoints, …). */
export interface StateSource {
  /** How the states are read, for reports: 'ss in namespace tcpfsm-12', 'netstack endpoints', … */
  readonly describe: string;
  /** Sockets matching a tuple, in the target's view (local = target side). Cheap: used per check. */
  sockets(tuple?: TcpTuple): Promise<SsSocket[]>;
  /**
   * The same with every detail the source can give (tcp_info: rto, rtt…), where that costs more
   * (Linux: ss, one fork). Absent: sockets() already gives all there is.
   */
  details?(tuple?: TcpTuple): Promise<SsSocket[]>;
  stateOf(tuple: TcpTuple): Promise<TcpState | 'UNKNOWN'>;
  waitForState(tuple: TcpTuple, want: TcpState | readonly TcpState[], deadlineMs: number): Promise<StateWait>;
}

/**
 * The stack's tunables: sysctls for a Linux kernel, netstack's protocol options for gVisor.
 * Names are the stack's own (dotted sysctl names on Linux); values as strings, read back.
 * Settings every TCP has under some name of its own are roles (./roles.ts): a test that needs
 * one asks by its role (TestMeta.settings) and reads it through `roles`.
 */
export { LINUX_SETTING_ROLES, type RoleBinding, type SettingRole } from './roles.js';

export interface StackSettings {
  /** Every known setting with its value now. */
  readonly values: Readonly<Record<string, string>>;
  /** The stack's own name for each role it has. */
  readonly roles?: Readonly<Partial<Record<SettingRole, RoleBinding>>>;
  /** Write, read back, and throw a UsageError naming each value that did not take. */
  set(values: Readonly<Record<string, string>>): Promise<Readonly<Record<string, string>>>;
}

export interface StackHost {
  readonly stack: StackName;
  /** The lab id (names: tcpfsm-<id>…) */
  readonly id: number;
  /** The probe's veth end in the root namespace: the raw socket binds here. */
  readonly probeInterface: string;
  /** ipv6: where the stack answers on IPv6 too (absent: IPv4 only) */
  readonly probe: { ipv4: string; ipv6?: string };
  /** Where the stack's TCP endpoints answer (for proxies: the address they terminate). */
  readonly target: { ipv4: string; ipv6?: string };
  /**
   * The application sees our address and port as its peer's (false for a proxy: its host-side
   * socket is the proxy's own connection, so the agent's accepted connection is found by the
   * listening port alone).
   */
  readonly appSeesProbe?: boolean;
  /** App control on the target side; null where the stack has no application we can drive. */
  readonly agent: AgentClient | null;
  /** Ground truth; null where the stack's TCBs cannot be read (proxies). */
  readonly states: StateSource | null;
  readonly settings: StackSettings | null;
  /**
   * A stack in this process brings its own wire (the in-memory transport) and has no lab: no
   * raw socket, no namespace. Absent: the raw socket on probeInterface, lab tcpfsm-<id>.
   */
  readonly wire?: Transport;
  readonly inProcess?: boolean;
  /** Milliseconds the bring-up took. */
  readonly setupMs: number;
  /**
   * The kernel release of a Linux stack, as the stack itself reports it (a namespace shares the
   * host's; UML runs its own): the linux profile follows it. Absent for stacks that are not Linux.
   */
  readonly kernelRelease?: string;
  /** Stop the stack and remove everything it created. Idempotent. */
  close(): Promise<void>;
  /**
   * Leave the stack in place for inspection (`--keep-lab`) instead of close(): its own agent
   * stops, what it created stays for `tcpfsm cleanup`. Returns how to look at it. Absent: the
   * stack cannot be kept (close() is used).
   */
  keep?(): Promise<string>;
}

export interface StackOptions {
  /** Settings on top of the stack's defaults (stack-specific names). */
  settings?: Readonly<Record<string, string>>;
  /**
   * A floor for the stack's retransmission timeout towards the probe, where it has one to set
   * (Linux: the route's rto_min). Suites whose quiet windows must not see a retransmission ask
   * for it (the matrix: an unacknowledged FIN would come back after ~200 ms).
   */
  minRtoMs?: number;
}
