// The linux.uml command line for one lab: the host's root as a read-only hostfs, our init as
// PID 1, the vector driver's raw transport on the target-side veth end, and two console lines —
// con0 (boot and error messages) on stdout, con1 (the agent protocol) on fd 3. Pure, so it is
// unit-tested without root.
import { fileURLToPath } from 'node:url';
import type { LabAddresses } from '../../lab/addressing.js';
import { EnvironmentError } from '../../sys/errors.js';

/** Our PID 1 inside the guest (a shell script in the source tree, run through hostfs). */
export const UML_INIT = fileURLToPath(new URL('../../../../src/target/uml/init.sh', import.meta.url));

/** The guest's file descriptor of the agent protocol (con1=fd:3, a socket pair). */
export const UML_PROTOCOL_FD = 3;

/**
 * A fixed MAC per lab: UML draws a random one at each boot otherwise, and the probe side would
 * keep a stale neighbour entry for the target address.
 */
export function umlMac(id: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `02:7c:9f:${hex(id >> 8)}:${hex(id & 255)}:02`;
}

export interface UmlBoot {
  lab: LabAddresses;
  /** The host's node binary and the agent script: the guest sees the host's files at the same paths. */
  node: string;
  agent: string;
  init?: string;
  /** Where UML puts its umid directory (pid file, management console socket). */
  umlDir: string;
  memMiB?: number;
  /** A floor for the guest's RTO towards the probe (StackOptions.minRtoMs): its route's rto_min. */
  minRtoMs?: number;
}

/** The guest's umid: its directory under uml_dir is named after it. */
export const umlUmid = (lab: LabAddresses): string => `${lab.namespace}-uml`;

export function umlKernelArgs(boot: UmlBoot): string[] {
  const init = boot.init ?? UML_INIT;
  // Kernel parameters are split on blanks and passed to init as environment variables.
  for (const [what, path] of [
    ['node', boot.node],
    ['agent', boot.agent],
    ['init', init],
    ['uml_dir', boot.umlDir],
  ] as const) {
    if (/\s/.test(path)) throw new EnvironmentError(`User-Mode Linux cannot be given the ${what} path '${path}': it contains a blank`);
  }
  const { lab } = boot;
  return [
    `mem=${boot.memMiB ?? 128}M`,
    'root=/dev/root',
    'rootfstype=hostfs',
    'rootflags=/',
    'ro',
    `init=${init}`,
    `tcpfsm_addr=${lab.target.ipv4}/${lab.prefixLength.ipv4}`,
    `tcpfsm_addr6=${lab.target.ipv6}/${lab.prefixLength.ipv6}`,
    `tcpfsm_node=${boot.node}`,
    `tcpfsm_agent=${boot.agent}`,
    ...(boot.minRtoMs !== undefined ? [`tcpfsm_probe=${lab.probe.ipv4}`, `tcpfsm_rto_min_ms=${Math.round(boot.minRtoMs)}`] : []),
    `umid=${umlUmid(lab)}`,
    `uml_dir=${boot.umlDir}`,
    `vec0:transport=raw,ifname=${lab.targetInterface},mac=${umlMac(lab.id)}`,
    'con=null',
    'ssl=null',
    'con0=null,fd:1',
    `con1=fd:${UML_PROTOCOL_FD}`,
    // The RAID6 speed test (Btrfs is built in) takes ~0.85 s of a ~2 s boot; nothing here uses RAID.
    'initcall_blacklist=raid6_select_algo',
    // 256 legacy BSD ptys are registered one by one, each device a round of ptrace: 0.8–1.3 s of
    // the boot on a 2026 Xeon (initcall_debug); nothing here opens /dev/pty*, /dev/pts stays.
    'pty.legacy_count=0',
    'quiet',
  ];
}
