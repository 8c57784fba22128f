// The gVisor target: gVisor's netstack (Go, independent of Linux) behind the lab's veth link.
// A lab namespace and veth pair as for Linux (src/lab/netns.ts), but the target-side veth end gets
// no address: our program stacks/gvisor runs inside the namespace, turns the kernel's IPv6 off on
// that end, reads and writes its frames with AF_PACKET and answers ARP, NDP and TCP for the target
// addresses (IPv4 and the lab's ULA) in user space, so the namespace's own kernel stays silent. The program speaks the agent protocol
// (app control) and reports netstack's own endpoints (ground truth) and options (settings).
import type { LabAddresses } from '../lab/addressing.js';
import { AgentClient } from '../lab/agent/client.js';
import { claimFreeLab, claimOrGiveBack } from '../lab/claim.js';
import { ownerOf, removeLab, removeLabSync } from '../lab/netns.js';
import { requireLabPrivileges } from '../lab/privileges.js';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { run } from '../sys/exec.js';
import { ensureGvisorBinary } from './gvisor-build.js';
import { NetstackSettings, NetstackStates } from './gvisor-states.js';
import type { StackHost, StackOptions } from './stack.js';

export interface GvisorOptions extends StackOptions {
  /** Deadline of each agent call (default 5000 ms). */
  agentTimeoutMs?: number;
  /** Ids to try before giving up (default 32). */
  maxAttempts?: number;
}

export async function openStack(opts: GvisorOptions = {}): Promise<GvisorHost> {
  requireLabPrivileges();
  const binary = await ensureGvisorBinary(); // before the clock: a build is not bring-up
  const started = performance.now();
  const host = await claimFreeLab((addresses) => GvisorHost.claim(addresses), { maxAttempts: opts.maxAttempts });
  try {
    await host.start(binary, opts);
  } catch (e) {
    await host.close().catch(() => undefined);
    throw e;
  }
  host.setupMs = performance.now() - started;
  return host;
}

type Phase = 'claiming' | 'owned' | 'removing' | 'gone';

export class GvisorHost implements StackHost {
  readonly stack = 'gvisor' as const;
  readonly id: number;
  readonly namespace: string;
  readonly probeInterface: string;
  readonly probe: { ipv4: string; ipv6: string };
  readonly target: { ipv4: string; ipv6: string };
  setupMs = 0;
  private agentClient: AgentClient | null = null;
  private stateSource: NetstackStates | null = null;
  private netstackSettings: NetstackSettings | null = null;
  private phase: Phase = 'claiming';
  private claiming: Promise<unknown> = Promise.resolve();
  private readonly registration: Registration;

  private constructor(private readonly addresses: LabAddresses) {
    this.id = addresses.id;
    this.namespace = addresses.namespace;
    this.probeInterface = addresses.probeInterface;
    this.probe = { ipv4: addresses.probe.ipv4, ipv6: addresses.probe.ipv6 };
    this.target = { ipv4: addresses.target.ipv4, ipv6: addresses.target.ipv6 };
    // Registered before the first `ip` runs: a signal during creation still removes what exists.
    this.registration = onCleanup(
      `gvisor lab ${this.namespace}`,
      () => this.teardown(),
      () => this.teardownSync(),
    );
  }

  /** The host if lab id k was free (namespace and veth now exist), null if another process holds it. */
  static claim(addresses: LabAddresses): Promise<GvisorHost | null> {
    const host = new GvisorHost(addresses);
    return claimOrGiveBack(
      host,
      addresses,
      { ipv6: true }, // the probe end gets the lab's ULA address; netstack answers NDP for the target's
      {
        claiming: (settled) => (host.claiming = settled),
        owned: () => (host.phase = 'owned'),
        givenBack: () => {
          host.phase = 'gone';
          host.registration.forget();
        },
      },
    );
  }

  /** Start netstack on the target end; the probe end's checksum offload goes off meanwhile. */
  async start(binary: string, opts: GvisorOptions): Promise<void> {
    const a = this.addresses;
    const [offload, agent] = await Promise.allSettled([
      // netstack drops segments whose checksum the probe kernel left to the "hardware" (STACKS.md, pitfall 1).
      run('ethtool', ['-K', this.probeInterface, 'tx', 'off']),
      AgentClient.spawn(
        'ip',
        [
          'netns',
          'exec',
          a.namespace,
          binary,
          '-dev',
          a.targetInterface,
          '-addr',
          `${a.target.ipv4}/${a.prefixLength.ipv4}`,
          '-addr6',
          `${a.target.ipv6}/${a.prefixLength.ipv6}`,
        ],
        `namespace ${a.namespace} (gVisor netstack)`,
        { timeoutMs: opts.agentTimeoutMs },
      ),
    ]);
    if (agent.status === 'fulfilled') this.agentClient = agent.value;
    if (offload.status === 'rejected') throw offload.reason;
    if (agent.status === 'rejected') throw agent.reason;
    this.stateSource = new NetstackStates(agent.value, a.namespace);
    this.netstackSettings = await new NetstackSettings(agent.value).load();
    // The RTO floor a suite asks for (the matrix: no FIN retransmission inside a cell), below the
    // user's own settings, which win. netstack clamps every computed RTO to it (TCPMinRTOOption);
    // the SYN and SYN-ACK timers start from their own 1 s, as on Linux.
    const floor = opts.minRtoMs !== undefined ? minRtoSettings(opts.minRtoMs, this.netstackSettings.values) : {};
    const wanted = { ...floor, ...opts.settings };
    if (Object.keys(wanted).length) await this.netstackSettings.set(wanted);
  }

  get agent(): AgentClient {
    if (!this.agentClient) throw new Error(`gVisor lab ${this.namespace} has no agent (${this.phase})`);
    return this.agentClient;
  }

  get states(): NetstackStates {
    if (!this.stateSource) throw new Error(`gVisor lab ${this.namespace} is not running (${this.phase})`);
    return this.stateSource;
  }

  get settings(): NetstackSettings {
    if (!this.netstackSettings) throw new Error(`gVisor lab ${this.namespace} is not running (${this.phase})`);
    return this.netstackSettings;
  }

  close(): Promise<void> {
    return this.registration.release();
  }

  private async teardown(): Promise<void> {
    await this.claiming; // a signal mid-claim: let `ip` finish, then remove what it made
    if (this.phase === 'gone' || this.phase === 'removing' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    this.phase = 'removing';
    // The program exits when its stdin closes; the links and the namespace go meanwhile (deleting
    // the probe end removes the pair at once, even with the program still inside).
    await Promise.all([this.agentClient?.stop(), removeLab(this.namespace)]);
    this.phase = 'gone';
  }

  private teardownSync(): void {
    if (this.phase === 'gone' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    this.phase = 'gone';
    this.agentClient?.kill();
    removeLabSync(this.namespace);
  }
}

/** netstack's options for an RTO floor of `ms`: min_rto raised to it, max_rto too if it is lower. */
function minRtoSettings(ms: number, current: Readonly<Record<string, string>>): Record<string, string> {
  const floor = Math.round(ms);
  const out: Record<string, string> = {};
  if (Number(current['tcp.min_rto_ms'] ?? 0) < floor) out['tcp.min_rto_ms'] = String(floor);
  if (Number(current['tcp.max_rto_ms'] ?? Infinity) < floor) out['tcp.max_rto_ms'] = String(floor);
  return out;
}
