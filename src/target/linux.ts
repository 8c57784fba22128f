// The linux stack: the host's own kernel in a lab namespace (src/lab), driven by the Node agent
// inside it. Ground truth is the namespace's TCP table read through the agent's /proc/<pid>/net
// (no fork, no round trip per check), with ss for tcp_info; settings are the namespace's sysctls.

import { statSync } from 'node:fs';
import { release } from 'node:os';
import { agentTable, procTable, socketsOf, ssTable, stateOf, waitForState } from '../lab/ground-truth.js';
import { createLab, type Lab, labSysctlsFrom } from '../lab/index.js';
import { LINUX_SETTING_ROLES, type StackHost, type StackOptions, type StackSettings, type StateSource } from './stack.js';

export async function openStack(opts: StackOptions = {}): Promise<StackHost> {
  const lab = await createLab({ sysctls: labSysctlsFrom(opts.settings ?? {}) });
  try {
    if (opts.minRtoMs !== undefined) await setMinRto(lab, opts.minRtoMs);
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return linuxHost(lab);
}

/** The StackHost of a lab that exists already (`tcpfsm exercise`, tests that made their own lab). */
export function linuxHost(lab: Lab): StackHost {
  return {
    stack: 'linux',
    id: lab.id,
    probeInterface: lab.probeInterface,
    probe: { ipv4: lab.probe.ipv4, ...(lab.ipv6 ? { ipv6: lab.probe.ipv6 } : {}) },
    target: { ipv4: lab.target.ipv4, ...(lab.ipv6 ? { ipv6: lab.target.ipv6 } : {}) },
    agent: lab.agent,
    states: labStates(lab),
    settings: labSettings(lab),
    setupMs: lab.setupMs,
    kernelRelease: release(), // a namespace runs on this machine's kernel
    close: () => lab.destroy(),
    keep: async () => {
      await lab.detach();
      return `kept lab ${lab.namespace} (target ${lab.target.ipv4}, probe ${lab.probeInterface}); inspect with 'ip netns exec ${lab.namespace} ss -tanoi', remove with 'tcpfsm cleanup'`;
    },
  };
}

export function labStates(lab: Lab): StateSource {
  const table = inNamespace(lab.agent.pid, lab.namespace) ? procTable(lab.agent.pid, lab.namespace) : agentTable(lab.agent, lab.namespace);
  const ss = ssTable(lab);
  return {
    describe: `the kernel's TCP table in ${lab.namespace} (its /proc/net/tcp; ss for tcp_info)`,
    sockets: (tuple) => socketsOf(table, tuple),
    details: (tuple) => socketsOf(ss, tuple),
    stateOf: (tuple) => stateOf(table, tuple),
    waitForState: (tuple, want, deadlineMs) => waitForState(table, tuple, want, deadlineMs),
  };
}

/** Whether process `pid` lives in namespace `name` (its /proc/<pid>/net is that namespace's table). */
function inNamespace(pid: number, name: string): boolean {
  try {
    return pid > 0 && statSync(`/proc/${pid}/ns/net`).ino === statSync(`/run/netns/${name}`).ino;
  } catch {
    return false;
  }
}

/** The namespace's sysctls by dotted name; set() takes short (tcp_fin_timeout) or dotted names. */
export function labSettings(lab: Lab): StackSettings {
  return {
    get values() {
      return lab.sysctls;
    },
    set: (values) => lab.setSysctls(labSysctlsFrom(values)),
    roles: LINUX_SETTING_ROLES,
  };
}

/** The target's route to the probe gets rto_min: its RTO towards us never goes below it. */
async function setMinRto(lab: Lab, ms: number): Promise<void> {
  // run() rejects with a CommandError naming the command when ip fails.
  await lab.exec('ip', ['route', 'replace', `${lab.probe.ipv4}/32`, 'dev', lab.targetInterface, 'rto_min', `${Math.round(ms)}ms`]);
  if (lab.ipv6) await lab.exec('ip', ['-6', 'route', 'replace', `${lab.probe.ipv6}/128`, 'dev', lab.targetInterface, 'rto_min', `${Math.round(ms)}ms`]);
}
