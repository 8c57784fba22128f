// User-Mode Linux 6.1 as a lab target: a second, older Linux TCP stack behind the same kind of
// veth link as the linux lab. linux.uml runs inside the lab namespace and reads frames from the
// target-side veth end itself (vector driver, raw transport); that end has no address, so the
// namespace's own kernel stays silent. Our init (uml/init.sh) gives the guest the target address
// and starts our Node agent, which speaks the agent protocol on a second console line. One boot
// serves a whole suite: ~1.5 s to the agent's ready line here, ~0.2 s to halt.

import { execFileSync } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTargetKernelHz } from '../fsm/linux-timers.js';
import type { LabAddresses } from '../lab/addressing.js';
import { AGENT_SCRIPT, AgentClient } from '../lab/agent/client.js';
import { claimFreeLab, claimOrGiveBack } from '../lab/claim.js';
import { type NamespaceRef, type SocketSource, socketsOf, stateOf, type TcpTuple, waitForState } from '../lab/ground-truth.js';
import { killProcessesIn } from '../lab/inventory.js';
import { configureTarget, ownerOf, removeLab, removeLabSync } from '../lab/netns.js';
import { requireLabPrivileges } from '../lab/privileges.js';
import { FAST_SUITE_SYSCTLS, labSysctlsFrom, SYSCTL_NAMES, sysctlMismatches, sysctlsToWrite } from '../lab/sysctls.js';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { missingTool, run } from '../sys/exec.js';
import { LINUX_SETTING_ROLES, type StackHost, type StackOptions, type StackSettings, type StateSource } from './stack.js';
import { UML_BINARY, umlHostProblem } from './uml/host-check.js';
import { UML_INIT, UML_PROTOCOL_FD, umlKernelArgs, umlUmid } from './uml/kernel-args.js';

/** Boot to the agent's ready line: ~1.5 s alone, several times that with two boots on a loaded 2-core machine. */
const BOOT_TIMEOUT_MS = 30_000;
/** A clean halt takes ~0.2 s; after this the guest is killed. */
const HALT_GRACE_MS = 5000;

export interface UmlStackOptions extends StackOptions {
  /** Choose the lab id instead of drawing it (tests); no retry then. */
  id?: number;
  /** Deadline of each agent call (default 5000 ms). */
  agentTimeoutMs?: number;
}

export async function openStack(opts: UmlStackOptions = {}): Promise<StackHost> {
  requireLabPrivileges();
  const started = performance.now();
  requireUml();
  const toWrite = settingsToWrite(opts.settings ?? {}, FAST_SUITE_SYSCTLS);
  const host = await claimFreeLab((addresses) => UmlHost.claim(addresses), { id: opts.id });
  try {
    await host.boot(opts.agentTimeoutMs, opts.minRtoMs);
    await host.settings.set(toWrite);
  } catch (e) {
    await host.close().catch(() => undefined);
    throw e;
  }
  host.setupMs = performance.now() - started;
  return host;
}

/** Why this machine cannot run the stack at all (its CPU), or null: the run checks before it starts. */
export async function hostProblem(): Promise<string | null> {
  requireUml();
  return umlHostProblem();
}

function requireUml(): void {
  const found = (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', UML_BINARY), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw missingTool(UML_BINARY);
  try {
    accessSync(UML_INIT, constants.X_OK);
  } catch {
    throw new EnvironmentError(`the User-Mode Linux init ${UML_INIT} is missing or not executable (chmod +x it)`);
  }
}

/** Short (tcp_fin_timeout) or dotted sysctl names → the dotted-name map the agent writes. */
function settingsToWrite(values: Readonly<Record<string, string>>, defaults = {}): Record<string, string> {
  return sysctlsToWrite(labSysctlsFrom(values), defaults);
}

type Phase = 'claiming' | 'owned' | 'removing' | 'gone';

class UmlHost implements StackHost {
  readonly stack = 'uml' as const;
  readonly id: number;
  readonly probeInterface: string;
  readonly probe: { ipv4: string; ipv6: string };
  readonly target: { ipv4: string; ipv6: string };
  readonly states: StateSource;
  readonly settings: UmlSettings;
  setupMs = 0;
  /** The guest kernel's own release (kernel.osrelease inside it), read at boot. */
  kernelRelease: string | undefined;
  private client: AgentClient | null = null;
  private phase: Phase = 'claiming';
  private readonly registration: Registration;
  private closing: Promise<void> | undefined;
  /** UML's umid directory (pid file, console socket): UML removes it on a clean halt only. */
  private readonly umlDir = tmpdir();

  private constructor(private readonly lab: LabAddresses) {
    this.id = lab.id;
    this.probeInterface = lab.probeInterface;
    this.probe = { ipv4: lab.probe.ipv4, ipv6: lab.probe.ipv6 };
    this.target = { ipv4: lab.target.ipv4, ipv6: lab.target.ipv6 };
    const where = `User-Mode Linux in ${lab.namespace}`;
    // States from the guest's own /proc/net/tcp through the agent (~1 ms); a process started in
    // the guest costs 66 ms+, so ss only for the tcp_info details the timer suites read.
    const ref: NamespaceRef = { namespace: where, readSs: async (filter) => (await this.agent.ss([...filter])).stdout };
    const table: SocketSource = { where, list: async (tuple) => (await this.agent.tcp({ localPort: tuple.localPort, peerPort: tuple.peerPort })).sockets };
    this.states = {
      describe: `the TCP table inside ${where}, read by the agent`,
      sockets: (tuple: TcpTuple = {}) => socketsOf(table, tuple),
      stateOf: (tuple) => stateOf(table, tuple),
      waitForState: (tuple, want, deadlineMs) => waitForState(table, tuple, want, deadlineMs),
      details: (tuple) => socketsOf(ref, tuple),
    };
    this.settings = new UmlSettings(() => this.agent, where);
    // Registered before the first `ip` runs: a signal during creation still removes what exists.
    this.registration = onCleanup(
      `uml lab ${lab.namespace}`,
      () => this.teardown(),
      () => this.teardownSync(),
    );
  }

  /** The host if lab id k was free, null if another process holds it. */
  static claim(lab: LabAddresses): Promise<UmlHost | null> {
    const host = new UmlHost(lab);
    return claimOrGiveBack(
      host,
      lab,
      { ipv6: true }, // the probe end gets the lab's ULA address; the guest its own (init.sh)
      {
        owned: () => (host.phase = 'owned'),
        givenBack: () => {
          host.phase = 'gone';
          host.registration.forget();
        },
      },
    );
  }

  get agent(): AgentClient {
    if (!this.client) throw new Error(`User-Mode Linux in ${this.lab.namespace} has no agent (${this.phase})`);
    return this.client;
  }

  async boot(agentTimeoutMs?: number, minRtoMs?: number): Promise<void> {
    const { lab } = this;
    await configureTarget(lab, { ipv6: false, targetAddressed: false });
    const args = umlKernelArgs({ lab, node: process.execPath, agent: AGENT_SCRIPT, umlDir: this.umlDir, minRtoMs });
    this.client = await AgentClient.spawn('ip', ['netns', 'exec', lab.namespace, UML_BINARY, ...args], `User-Mode Linux in ${lab.namespace}`, {
      protocolFd: UML_PROTOCOL_FD,
      startTimeoutMs: BOOT_TIMEOUT_MS,
      timeoutMs: agentTimeoutMs,
    }).catch(async (e: Error) => {
      // A guest that cannot run any process on this CPU fails with a kernel stack trace: say why.
      const problem = await umlHostProblem();
      throw new EnvironmentError(problem ?? `User-Mode Linux did not come up in ${lab.namespace}: ${e.message}`);
    });
    // The guest's MAC is fixed per lab, but a neighbour entry from an earlier boot may linger.
    await run('ip', ['neigh', 'flush', 'dev', lab.probeInterface]);
    // The guest reports its own kernel (6.1), not the host's: the linux profile follows it.
    this.kernelRelease = (await this.client.sysctl({}, ['kernel.osrelease'])).values['kernel.osrelease'];
    // Its tick too (the timer model's HZ): the binary's own config (the guest has no /proc/config.gz).
    const hz = /^CONFIG_HZ=(\d+)$/m.exec((await run(UML_BINARY, ['--showconfig'])).stdout)?.[1];
    if (hz) useTargetKernelHz({ hz: Number(hz), source: `CONFIG_HZ of ${UML_BINARY} --showconfig (the guest kernel)` });
  }

  close(): Promise<void> {
    return (this.closing ??= this.registration.release());
  }

  private async teardown(): Promise<void> {
    if (this.phase === 'gone' || this.phase === 'removing' || (this.phase === 'claiming' && ownerOf(this.lab.namespace) !== process.pid)) return;
    this.phase = 'removing';
    if (this.kernelRelease !== undefined) useTargetKernelHz(null);
    // Closing the agent's channel makes init power the guest off; killed if it does not in time.
    await this.client?.stop(HALT_GRACE_MS);
    // UML is several host processes (guest processes, I/O helpers): none may outlive the lab.
    await killProcessesIn(this.lab.namespace);
    await removeLab(this.lab.namespace);
    this.removeUmidDir();
    this.phase = 'gone';
  }

  private teardownSync(): void {
    if (this.phase === 'gone' || (this.phase === 'claiming' && ownerOf(this.lab.namespace) !== process.pid)) return;
    this.phase = 'gone';
    this.client?.kill();
    try {
      const pids = execFileSync('ip', ['netns', 'pids', this.lab.namespace], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      for (const pid of pids.split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // no namespace, or the processes are gone already
    }
    removeLabSync(this.lab.namespace);
    this.removeUmidDir();
  }

  private removeUmidDir(): void {
    rmSync(join(this.umlDir, umlUmid(this.lab)), { recursive: true, force: true });
  }
}

/** The guest's sysctls, written and read back through the agent inside it. */
class UmlSettings implements StackSettings {
  values: Readonly<Record<string, string>> = {};
  readonly roles = LINUX_SETTING_ROLES;

  constructor(
    private readonly agent: () => AgentClient,
    private readonly where: string,
  ) {}

  async set(values: Readonly<Record<string, string>>): Promise<Readonly<Record<string, string>>> {
    const toWrite = settingsToWrite(values);
    const alsoRead = Object.values(SYSCTL_NAMES).filter((n) => !(n in toWrite) && !(n in this.values));
    let readBack: Record<string, string>;
    try {
      ({ values: readBack } = await this.agent().sysctl(toWrite, alsoRead));
    } catch (e) {
      throw new UsageError(`${this.where}: setting sysctls failed: ${(e as Error).message}`);
    }
    const mismatches = sysctlMismatches(toWrite, readBack);
    if (mismatches.length) throw new UsageError(`${this.where}: sysctls did not take: ${mismatches.join('; ')}`);
    this.values = { ...this.values, ...readBack };
    return this.values;
  }
}
