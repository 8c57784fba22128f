// The lab: a network namespace holding the target kernel's TCP stack, a veth pair to reach it
// (probe end `tcpfsm-<k>` in the root namespace), the target agent inside, and the namespace's
// sysctls set and read back. Everything is registered with the cleanup registry the moment it
// exists, so every exit path removes it; a failure part-way through removes what was made.
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { type RunResult, run } from '../sys/exec.js';
import { LAB_INDEX_SPACE, type LabAddresses } from './addressing.js';
import { AgentClient } from './agent/client.js';
import { claimFreeLab, claimOrGiveBack } from './claim.js';
import { type StateWait, socketsOf, stateOf, type TcpTuple, waitForState } from './ground-truth.js';
import { configureTarget, ownerOf, removeLab, removeLabSync, tableSizedSysctls } from './netns.js';
import { requireLabPrivileges } from './privileges.js';
import type { SsSocket, TcpState } from './ss.js';
import { refuseHostSysctls } from './sysctl-probe.js';
import { FAST_SUITE_SYSCTLS, type LabSysctls, SYSCTL_NAMES, sysctlMismatches, sysctlsToWrite } from './sysctls.js';
import { holdWatchdog } from './watchdog.js';

export interface LabOptions {
  /** Values on top of `sysctlDefaults`. */
  sysctls?: LabSysctls;
  /** Defaults FAST_SUITE_SYSCTLS; pass {} to keep the kernel's own defaults. */
  sysctlDefaults?: LabSysctls;
  /** Also give both ends ULA IPv6 addresses (default true). */
  ipv6?: boolean;
  /** Deadline of each agent call (default 5000 ms). */
  agentTimeoutMs?: number;
  /** Ids to try before giving up (default 32; each collision costs one `ip` run). */
  maxAttempts?: number;
  /** Choose the id instead of drawing it (tests, `tcpfsm lab up --id`); no retry then. */
  id?: number;
  /** Where candidate ids come from (default: uniform random in [0, 2^14)); for tests. */
  drawId?: () => number;
}

export interface Lab extends LabAddresses {
  /**
   * Every sysctl in SYSCTL_NAMES plus every one written, as read back from the namespace after
   * writing (dotted name → value).
   */
  readonly sysctls: Readonly<Record<string, string>>;
  readonly agent: AgentClient;
  readonly ipv6: boolean;
  /** Milliseconds createLab took. */
  readonly setupMs: number;
  /** Run a program inside the namespace (`ip netns exec NS cmd args…`). */
  exec(cmd: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Write more sysctls now and read them back; throws on a mismatch. */
  setSysctls(values: LabSysctls): Promise<Readonly<Record<string, string>>>;
  /** Ground truth (see ground-truth.ts): the target's sockets matching a tuple (target's view). */
  sockets(tuple?: TcpTuple): Promise<SsSocket[]>;
  stateOf(tuple: TcpTuple): Promise<TcpState | 'UNKNOWN'>;
  waitForState(tuple: TcpTuple, want: TcpState | readonly TcpState[], deadlineMs: number): Promise<StateWait>;
  /** Stop the agent, remove link and namespace. Idempotent. */
  destroy(): Promise<void>;
  /**
   * Leave the namespace and veth in place for inspection (`--keep-lab`): the agent stops and the
   * lab is no longer removed at exit. Its owner is then gone, so `tcpfsm cleanup` removes it.
   */
  detach(): Promise<void>;
}

type Phase = 'claiming' | 'owned' | 'removing' | 'gone';

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  if (opts.id !== undefined && !(Number.isInteger(opts.id) && opts.id >= 0 && opts.id < LAB_INDEX_SPACE)) {
    throw new UsageError(`lab id must be an integer in 0..${LAB_INDEX_SPACE - 1}, got ${opts.id}`);
  }
  requireLabPrivileges();
  const started = performance.now();
  const ipv6 = opts.ipv6 ?? true;
  // The namespace gets a TCP table of its own (netns.ts); what derives from its size stays as on
  // the host's table unless the caller sets it.
  const toWrite = { ...tableSizedSysctls(), ...sysctlsToWrite(opts.sysctls, opts.sysctlDefaults ?? FAST_SUITE_SYSCTLS) };
  await refuseHostSysctls(Object.keys(toWrite)); // the host's own sysctls: refused before any lab exists

  const lab = await claimFreeLab((addresses) => LabInstance.claim(addresses, ipv6), opts);
  try {
    await lab.finishSetup(toWrite, opts.agentTimeoutMs);
  } catch (e) {
    await lab.destroy().catch(() => undefined);
    throw e;
  }
  lab.setupMs = performance.now() - started;
  return lab;
}

class LabInstance implements Lab {
  readonly id: number;
  readonly namespace: string;
  readonly probeInterface: string;
  readonly targetInterface: string;
  readonly probe: LabAddresses['probe'];
  readonly target: LabAddresses['target'];
  readonly prefixLength: LabAddresses['prefixLength'];
  sysctls: Readonly<Record<string, string>> = {};
  setupMs = 0;
  private agentClient: AgentClient | null = null;
  private phase: Phase = 'claiming';
  private claiming: Promise<unknown> = Promise.resolve();
  private readonly registration: Registration;
  /** the watchdog that removes this lab should the process be SIGKILLed (see watchdog.ts) */
  private readonly releaseWatchdog = holdWatchdog();

  private constructor(
    addresses: LabAddresses,
    readonly ipv6: boolean,
  ) {
    ({
      id: this.id,
      namespace: this.namespace,
      probeInterface: this.probeInterface,
      targetInterface: this.targetInterface,
      probe: this.probe,
      target: this.target,
      prefixLength: this.prefixLength,
    } = addresses);
    // Registered before the first `ip` runs: a signal during creation still removes what exists.
    this.registration = onCleanup(
      `lab ${this.namespace}`,
      () => this.teardown(),
      () => this.teardownSync(),
    );
  }

  /** The lab if id k was free, null if another process holds it. */
  static claim(addresses: LabAddresses, ipv6: boolean): Promise<LabInstance | null> {
    const lab = new LabInstance(addresses, ipv6);
    return claimOrGiveBack(
      lab,
      addresses,
      { ipv6 },
      {
        claiming: (settled) => (lab.claiming = settled),
        owned: () => (lab.phase = 'owned'),
        givenBack: () => {
          lab.phase = 'gone';
          lab.registration.forget();
          lab.releaseWatchdog();
        },
      },
    );
  }

  async finishSetup(toWrite: Record<string, string>, agentTimeoutMs?: number): Promise<void> {
    // Addresses inside and the agent's Node start-up (the slow part, ~80 ms) overlap.
    const [configured, agent] = await Promise.allSettled([
      configureTarget(this, { ipv6: this.ipv6 }),
      AgentClient.start(this.namespace, { timeoutMs: agentTimeoutMs }),
    ]);
    if (agent.status === 'fulfilled') this.agentClient = agent.value;
    if (configured.status === 'rejected') throw configured.reason;
    if (agent.status === 'rejected') throw agent.reason;
    this.sysctls = await this.applySysctls(toWrite, Object.values(SYSCTL_NAMES));
  }

  get agent(): AgentClient {
    if (!this.agentClient) throw new Error(`lab ${this.namespace} has no agent (${this.phase})`);
    return this.agentClient;
  }

  exec(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.namespace, cmd, ...args], opts);
  }

  sockets(tuple: TcpTuple = {}): Promise<SsSocket[]> {
    return socketsOf(this, tuple);
  }

  stateOf(tuple: TcpTuple): Promise<TcpState | 'UNKNOWN'> {
    return stateOf(this, tuple);
  }

  waitForState(tuple: TcpTuple, want: TcpState | readonly TcpState[], deadlineMs: number): Promise<StateWait> {
    return waitForState(this, tuple, want, deadlineMs);
  }

  async setSysctls(values: LabSysctls): Promise<Readonly<Record<string, string>>> {
    const toWrite = sysctlsToWrite(values, {});
    await refuseHostSysctls(Object.keys(toWrite));
    const readBack = await this.applySysctls(toWrite, []);
    this.sysctls = { ...this.sysctls, ...readBack };
    return this.sysctls;
  }

  /** The agent lives in the namespace, so it writes /proc/sys there with no extra fork. */
  private async applySysctls(toWrite: Record<string, string>, alsoRead: string[]): Promise<Record<string, string>> {
    let values: Record<string, string>;
    try {
      ({ values } = await this.agent.sysctl(
        toWrite,
        alsoRead.filter((n) => !(n in toWrite)),
      ));
    } catch (e) {
      throw new EnvironmentError(`lab ${this.namespace}: setting sysctls failed: ${(e as Error).message}`);
    }
    const mismatches = sysctlMismatches(toWrite, values);
    if (mismatches.length) throw new EnvironmentError(`lab ${this.namespace}: sysctls did not take: ${mismatches.join('; ')}`);
    return values;
  }

  destroy(): Promise<void> {
    return this.registration.release();
  }

  async detach(): Promise<void> {
    if (this.phase !== 'owned') throw new Error(`lab ${this.namespace} cannot be kept: it is ${this.phase}`);
    this.registration.forget();
    this.phase = 'gone';
    this.releaseWatchdog(); // kept on purpose: `tcpfsm cleanup` removes it
    await this.agentClient?.stop();
  }

  private async teardown(): Promise<void> {
    await this.claiming; // a signal mid-claim: let `ip` finish, then remove what it made
    if (this.phase === 'gone' || this.phase === 'removing' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    // 'removing', not 'gone': if the process exits before this finishes, the synchronous twin still runs.
    this.phase = 'removing';
    // The agent first: a process inside keeps the namespace (and so the veth) alive.
    await this.agentClient?.stop();
    await removeLab(this.namespace);
    this.phase = 'gone';
    this.releaseWatchdog();
  }

  private teardownSync(): void {
    if (this.phase === 'gone' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    this.phase = 'gone';
    this.agentClient?.kill();
    removeLabSync(this.namespace);
    this.releaseWatchdog();
  }
}
