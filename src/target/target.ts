// The Target: what a suite, a fixture or an exercise drives, chosen once per run (as packetdrill
// picks its netdev once): where segments go, the wire, the oracle's profile, and the capabilities
// the target has — app control (agent), ground truth (states), settings — each null where absent.
// A lab stack (StackHost, by name through the registry) or a remote server (no agent, no states;
// one port that serves) are both a Target; nobody downstream asks which.
import { release } from 'node:os';
import { linuxOptionsForRelease, linuxProfile, type Profile, type ProfileName, profiles } from '../fsm/index.js';
import { LAB_PREFIX } from '../lab/addressing.js';
import type { AgentClient } from '../lab/agent/client.js';
import { type Family, familyOf } from '../packet/family.js';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { RawWire } from '../wire/raw.js';
import type { Transport } from '../wire/transport.js';
import { openStackByName } from './registry.js';
import { IPV6_STACKS, type StackHost, type StackName, type StackOptions, type StackSettings, type StateSource } from './stack.js';

export interface Target {
  /** the stack ('linux', 'uml', …) or 'remote' */
  readonly name: StackName | 'remote';
  /** one line for reports: 'lab tcpfsm-12 198.18.0.50', 'remote 198.18.0.10:443 (…)' */
  readonly describe: string;
  /** the lab holding the stack (tcpfsm-<id>: its namespace and links), for people who inspect it; null: none */
  readonly lab: string | null;
  /** where the segments go */
  readonly address: string;
  /** our side's address (the wire's) */
  readonly probeAddress: string;
  readonly wire: Transport;
  readonly profile: Profile;
  /** app control; null: the target's application cannot be driven (remote servers) */
  readonly agent: AgentClient | null;
  /** see StackHost.appSeesProbe; true where there is no agent */
  readonly appSeesProbe: boolean;
  /** ground truth; null: states are inferred from packets (remote servers, proxies) */
  readonly states: StateSource | null;
  readonly settings: StackSettings | null;
  /** the one port a target without an agent serves (remote mode); null where the agent listens */
  readonly servicePort: number | null;
  /** Close the wire, then the stack. Idempotent. */
  close(): Promise<void>;
  /** Close the wire and keep the stack for inspection (`--keep-lab`); says how to look at it. */
  keep(): Promise<string | null>;
}

export interface OpenTargetOptions extends StackOptions {
  /** default linux */
  stack?: StackName;
  /** oracle profile; default the stack's own */
  profile?: ProfileName;
  /** the address family the wire and the target's addresses use (default 4) */
  family?: Family;
}

/** A lab stack by name, its wire (raw socket on the probe veth + the nft RST suppression), its profile. */
export async function openTarget(opts: OpenTargetOptions = {}): Promise<Target> {
  const host = await openStackByName(opts.stack ?? 'linux', { settings: opts.settings, minRtoMs: opts.minRtoMs });
  try {
    const family = opts.family ?? 4;
    if (family === 6 && !(host.probe.ipv6 && host.target.ipv6))
      throw new EnvironmentError(`stack ${host.stack} is not reachable over IPv6 in tcpfsm's lab (--family 6: ${IPV6_STACKS.join(', ')})`);
    // Over IPv6 the application listens on '::' (both families), so the suites' listen() calls need no family.
    if (family === 6 && host.agent) host.agent.listenHost = '::';
    const wire =
      host.wire ??
      (await RawWire.open({
        iface: host.probeInterface,
        localAddr: family === 6 ? host.probe.ipv6! : host.probe.ipv4,
        suppress: { id: String(host.id), oifname: host.probeInterface },
      }));
    return stackTarget(host, wire, profileFor(host, opts.profile));
  } catch (e) {
    await host.close();
    throw e;
  }
}

/** A Target over a stack that is up and a wire to it. */
export function stackTarget(host: StackHost, wire: Transport, profile: Profile): Target {
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await wire.close();
      await host.close();
    })());
  // The wire's family picks the target's address: an IPv6 wire talks to the stack's IPv6 address.
  const address = familyOf(wire.localAddr) === 6 && host.target.ipv6 ? host.target.ipv6 : host.target.ipv4;
  return {
    name: host.stack,
    describe: host.inProcess
      ? `${host.stack} stack ${address} (in process)`
      : `lab ${LAB_PREFIX}${host.id} ${address}${host.stack === 'linux' ? '' : ` (${host.stack})`}`,
    lab: host.inProcess ? null : `${LAB_PREFIX}${host.id}`,
    address,
    probeAddress: wire.localAddr,
    wire,
    profile,
    agent: host.agent,
    appSeesProbe: host.appSeesProbe ?? true,
    states: host.states,
    settings: host.settings,
    servicePort: null,
    close,
    keep: async () => {
      if (!host.keep) {
        await close();
        return null;
      }
      await wire.close();
      return host.keep();
    },
  };
}

/**
 * The oracle's profile for a stack: --profile when given; otherwise the stack's own. Linux (the
 * lab's kernel) gets its known departures from the RFC with the lab's settings (tcp_rfc1337) and
 * this kernel's release (a namespace shares it); UML is Linux too, of its own release. Stacks
 * without an expectations profile yet are judged by the RFC's letter.
 */
export function profileFor(host: Pick<StackHost, 'stack' | 'settings' | 'kernelRelease'>, name?: ProfileName): Profile {
  if (name && name !== 'linux') return profileByName(name);
  const rfc1337 = host.settings?.values['net.ipv4.tcp_rfc1337'] === '1';
  if (host.stack === 'linux' || host.stack === 'uml') {
    // The release the stack reports (UML: its guest's 6.1, not the host's); a linux host made
    // without one is this machine's kernel.
    const kernel = host.kernelRelease ?? (host.stack === 'linux' ? release() : undefined);
    return linuxProfile({ rfc1337, ...(kernel ? linuxOptionsForRelease(kernel) : {}) });
  }
  if (name === 'linux') return linuxProfile({ rfc1337 });
  return profiles.rfc;
}

export function profileByName(name: string): Profile {
  if (!(name in profiles)) throw new UsageError(`unknown profile '${name}' (known: ${Object.keys(profiles).join(', ')})`);
  return profiles[name as ProfileName];
}
