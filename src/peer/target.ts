// Opening a lab target: a fresh lab (namespace, veth, agent, sysctls), a RawWire on its veth with
// the nft table that keeps the probe kernel's own RSTs off the wire, and the oracle's profile for
// the lab's kernel. Shared by everything that drives a lab from the probe side (suites, exercises).
import { release } from 'node:os';
import { linuxOptionsForRelease, linuxProfile, profiles, type Profile, type ProfileName } from '../fsm/index.js';
import { createLab, type Lab, type LabSysctls } from '../lab/index.js';
import { UsageError } from '../sys/errors.js';
import { RawWire } from '../wire/raw.js';

export interface LabTarget {
  readonly lab: Lab;
  readonly wire: RawWire;
  readonly profile: Profile;
  /** Close the wire (and its nft table), then remove the lab. Idempotent. */
  close(): Promise<void>;
}

export interface LabTargetOptions {
  /** sysctls on top of the lab's fast defaults */
  sysctls?: LabSysctls;
  /** oracle profile; default the lab kernel's own ('linux' with the lab's settings) */
  profile?: ProfileName;
}

export async function openLabTarget(opts: LabTargetOptions = {}): Promise<LabTarget> {
  const lab = await createLab({ sysctls: opts.sysctls });
  let wire: RawWire;
  try {
    wire = await RawWire.open({
      iface: lab.probeInterface,
      localAddr: lab.probe.ipv4,
      suppress: { id: String(lab.id), oifname: lab.probeInterface },
    });
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  const profile = labProfile(lab, opts.profile);
  let closing: Promise<void> | undefined;
  return {
    lab,
    wire,
    profile,
    close: () =>
      (closing ??= (async () => {
        await wire.close();
        await lab.destroy();
      })()),
  };
}

/**
 * The oracle's profile for a lab: the lab's kernel is Linux, so its known departures from the RFC
 * with the lab's own settings (tcp_rfc1337) and this kernel's release (the namespace shares it).
 * Another profile by name ('rfc') when asked.
 */
export function labProfile(lab: Lab, name?: ProfileName): Profile {
  if (name && name !== 'linux') {
    if (!(name in profiles)) throw new UsageError(`unknown profile '${name}' (known: ${Object.keys(profiles).join(', ')})`);
    return profiles[name];
  }
  return linuxProfile({ rfc1337: lab.sysctls['net.ipv4.tcp_rfc1337'] === '1', ...linuxOptionsForRelease(release()) });
}
