// Proxy stacks (slirp, passt) as lab targets: the plumbing both share. A proxy is not an endpoint
// in the usual sense: it terminates the probe's TCP connection with TCP code of its own (slirp:
// libslirp's BSD-derived stack; pasta: passt's translation layer) and replays it as a connect()
// from an ordinary socket in its own namespace. The lab has three parts:
//
//   root namespace          tcpfsm-<k> (target)                    tcpfsm-<k>-host (the proxy's own)
//   tcpfsm-<k> (probe) ──── eth0 ── br0 ── tap0 ══ slirp4netns/pasta ── connect() ── agent on lo
//   198.19.x.100/25         (no addresses, IPv6 off)                  127.0.0.1:PORT
//
// The probe's SYN to the gateway address 198.19.x.2 (target.ipv4) crosses the veth and the bridge
// into the TAP; the proxy answers it and connect()s to 127.0.0.1:PORT in tcpfsm-<k>-host, where
// the host-side agent listens. That agent drives the application side of the proxied connection.
//
// Safety: the proxy's sockets live in tcpfsm-<k>-host, whose only interfaces are lo and, for
// pasta, `sink0`, a bridge without ports (pasta will not start without an interface holding a
// default route; a port-less bridge drops everything sent through it, and this kernel has no
// dummy driver). No veth, no address but loopback's, no route but pasta's default into sink0: a
// connect() to anything beyond the namespace's own loopback fails (ENETUNREACH) or vanishes into
// sink0, and no packet can leave the namespace. So slirp's "host loopback" and pasta's gateway
// mapping reach this namespace's 127.0.0.1, never the machine's (slirp runs without
// --disable-host-loopback on purpose: its only host service is our agent); slirp's DNS
// forwarding is off (--disable-dns), pasta's DHCP, NDP, DNS and port forwarding are off. The
// target namespace's own kernel stays silent: eth0, br0 and tap0 carry no address, IPv6 is off.
//
// Lifetime: the proxy runs under `setpriv --pdeathsig KILL`, so it dies with tcpfsm even on
// SIGKILL (measured, for both; slirp4netns's --exit-fd would cover only slirp, and pasta, which
// quits ~0.1 s after its target namespace's file is deleted, would outlive a SIGKILLed tcpfsm);
// every exit path of this process kills it through the cleanup registry, and removeLab takes
// both namespaces.

import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROXY_LAB_IDS, type ProxyLabAddresses, proxyLabAddresses } from '../lab/addressing.js';
import { AgentClient } from '../lab/agent/client.js';
import { claimLab, ownerOf, removeLab, removeLabSync } from '../lab/netns.js';
import { requireLabPrivileges } from '../lab/privileges.js';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { requireTool, run, spawn } from '../sys/exec.js';
import type { StackHost, StackName, StackOptions } from './stack.js';

/** The TAP the proxy creates in the target namespace, and the bridge joining it to the veth. */
export const PROXY_TAP = 'tap0';
const BRIDGE = 'br0';
const START_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 1000;

export interface ProxyOption {
  default: string;
  /** One line on what it changes, for errors and reports. */
  about: string;
  /** An error message, or null when the value is valid. */
  check(value: string): string | null;
}

/** What differs between slirp4netns and pasta; everything else is here, once. */
export interface ProxyTool {
  readonly stack: Extract<StackName, 'slirp' | 'passt'>;
  readonly program: string;
  /** ip -batch lines making the links the tool needs in its own namespace, besides lo. */
  readonly hostLinks: readonly string[];
  /** How it says the TAP exists: a byte on fd 3 (slirp4netns --ready-fd) or its pid file. */
  readonly readiness: 'fd3' | 'pid-file';
  /** Its start-time options (nothing is tunable while it runs). */
  readonly options: Readonly<Record<string, ProxyOption>>;
  args(lab: ProxyLabAddresses, options: Readonly<Record<string, string>>, pidFile: string): string[];
  /** Why there is no ground truth. */
  readonly groundTruth: string;
  /** What the agent's calls on the host-side socket make the proxy send to the probe (measured). */
  readonly appControl: string;
}

export interface ProxyHost extends StackHost {
  readonly agent: AgentClient;
  readonly states: null;
  /** null: the proxies' options are fixed when they start (StackOptions.settings), see `options`. */
  readonly settings: null;
  readonly namespace: string;
  readonly hostNamespace: string;
  readonly cidr: string;
  /** The start-time options in effect (defaults with StackOptions.settings on top). */
  readonly options: Readonly<Record<string, string>>;
  readonly proxyPid: number;
  /** For reports: what the target is and what it cannot tell (no TCBs). */
  readonly describe: string;
}

export const mtuOption: ProxyOption = {
  default: '1500',
  about: 'MTU of the TAP, bridge and veth path (and the MSS the proxy derives from it)',
  check: (v) => (/^\d+$/.test(v) && +v >= 576 && +v <= 65520 ? null : `mtu must be an integer in 576..65520, got '${v}'`),
};

/** Defaults with the user's settings on top; a UsageError names an unknown or invalid one. */
export function proxyOptions(tool: ProxyTool, settings: Readonly<Record<string, string>> = {}): Record<string, string> {
  const known = Object.keys(tool.options);
  const values: Record<string, string> = Object.fromEntries(Object.entries(tool.options).map(([k, o]) => [k, o.default]));
  for (const [name, value] of Object.entries(settings)) {
    const option = tool.options[name];
    if (!option) throw new UsageError(`${tool.stack} has no setting '${name}' (known: ${known.join(', ') || 'none'})`);
    const problem = option.check(value);
    if (problem) throw new UsageError(`${tool.stack}: ${problem}`);
    values[name] = value;
  }
  return values;
}

/** Bring up `tool` behind a fresh proxy lab; on failure everything made so far is removed. */
export async function openProxy(tool: ProxyTool, opts: StackOptions & { maxAttempts?: number } = {}): Promise<ProxyHost> {
  const options = proxyOptions(tool, opts.settings);
  requireLabPrivileges();
  requireTool(tool.program);
  requireTool('setpriv');
  const started = performance.now();
  const attempts = opts.maxAttempts ?? 32;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const lab = await ProxyLab.claim(tool, proxyLabAddresses(randomInt(PROXY_LAB_IDS)), options);
    if (!lab) continue;
    try {
      await lab.finishSetup();
    } catch (e) {
      await lab.close().catch(() => undefined);
      throw e;
    }
    lab.setupMs = performance.now() - started;
    return lab;
  }
  throw new EnvironmentError(`no free proxy lab id after ${attempts} attempts (ids 0..${PROXY_LAB_IDS - 1}): run 'tcpfsm cleanup'`);
}

type Phase = 'claiming' | 'owned' | 'removing' | 'gone';

class ProxyLab implements ProxyHost {
  readonly stack: ProxyTool['stack'];
  readonly id: number;
  readonly namespace: string;
  readonly hostNamespace: string;
  readonly probeInterface: string;
  readonly probe: { ipv4: string };
  readonly target: { ipv4: string };
  readonly cidr: string;
  readonly states = null;
  readonly settings = null;
  /** the agent's peer is the proxy's own host-side connection, not our address and port */
  readonly appSeesProbe = false;
  readonly describe: string;
  setupMs = 0;
  private agentClient: AgentClient | null = null;
  private proxy: ChildProcess | null = null;
  private proxyExit: Promise<void> = Promise.resolve();
  private readonly workDir: string;
  private phase: Phase = 'claiming';
  private claiming: Promise<unknown> = Promise.resolve();
  private readonly registration: Registration;

  private constructor(
    private readonly tool: ProxyTool,
    private readonly addresses: ProxyLabAddresses,
    readonly options: Readonly<Record<string, string>>,
  ) {
    this.stack = tool.stack;
    this.id = addresses.id;
    this.namespace = addresses.namespace;
    this.hostNamespace = addresses.hostNamespace;
    this.probeInterface = addresses.probeInterface;
    this.probe = { ipv4: addresses.probe.ipv4 };
    this.target = { ipv4: addresses.target.ipv4 };
    this.cidr = addresses.cidr;
    this.describe = `${tool.program} in namespace ${this.hostNamespace}, answering for ${this.target.ipv4} (${this.cidr}). ${tool.groundTruth}. ${tool.appControl}.`;
    this.workDir = mkdtempSync(join(tmpdir(), `${this.namespace}-`));
    // Registered before the first `ip` runs: a signal during creation still removes what exists.
    this.registration = onCleanup(
      `${tool.stack} lab ${this.namespace}`,
      () => this.teardown(),
      () => this.teardownSync(),
    );
  }

  /** The lab if id k was free, null if another process holds it (see claimLab). */
  static async claim(tool: ProxyTool, addresses: ProxyLabAddresses, options: Readonly<Record<string, string>>): Promise<ProxyLab | null> {
    const lab = new ProxyLab(tool, addresses, options);
    const claiming = claimLab(addresses, { ipv6: false });
    lab.claiming = claiming.catch(() => undefined);
    let result;
    try {
      result = await claiming;
    } catch (e) {
      lab.forget();
      throw e;
    }
    if (result === 'taken') {
      lab.forget();
      return null;
    }
    lab.phase = 'owned';
    return lab;
  }

  get agent(): AgentClient {
    if (!this.agentClient) throw new Error(`${this.stack} lab ${this.namespace} has no agent (${this.phase})`);
    return this.agentClient;
  }

  get proxyPid(): number {
    return this.proxy?.pid ?? -1;
  }

  async finishSetup(): Promise<void> {
    const mtu = this.options.mtu;
    const mtuLines = (dev: string) => (mtu && mtu !== '1500' ? [`link set dev ${dev} mtu ${mtu}`] : []);
    // The target namespace's kernel must not speak: IPv6 off before any link comes up (no
    // link-local address, no router solicitation), and no IPv4 address anywhere.
    const target = (async () => {
      await run('ip', ['netns', 'exec', this.namespace, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await run('ip', ['-n', this.namespace, '-batch', '-'], {
        input:
          [
            `link add ${BRIDGE} type bridge`,
            `link set dev eth0 master ${BRIDGE}`,
            ...mtuLines('eth0'),
            'link set dev eth0 up',
            `link set dev ${BRIDGE} up`,
          ].join('\n') + '\n',
      });
    })();
    const host = (async () => {
      await run('ip', ['-batch', '-'], { input: [`netns add ${this.hostNamespace}`, ...mtuLines(this.probeInterface)].join('\n') + '\n' });
      await run('ip', ['-n', this.hostNamespace, '-batch', '-'], { input: ['link set dev lo up', ...this.tool.hostLinks].join('\n') + '\n' });
      // The agent's Node start-up (~80 ms) overlaps the proxy's; the proxy needs only the target namespace to exist.
      const [agent, proxy] = await Promise.allSettled([AgentClient.start(this.hostNamespace), this.startProxy()]);
      if (agent.status === 'fulfilled') this.agentClient = agent.value;
      if (proxy.status === 'rejected') throw proxy.reason;
      if (agent.status === 'rejected') throw agent.reason;
    })();
    const [t, h] = await Promise.allSettled([target, host]);
    if (h.status === 'rejected') throw h.reason;
    if (t.status === 'rejected') throw t.reason;
    await run('ip', ['-n', this.namespace, '-batch', '-'], {
      input: [`link set dev ${PROXY_TAP} master ${BRIDGE}`, ...mtuLines(PROXY_TAP), `link set dev ${PROXY_TAP} up`].join('\n') + '\n',
    });
  }

  /** Start the proxy in its namespace and wait until its TAP exists in the target namespace. */
  private async startProxy(): Promise<void> {
    const pidFile = join(this.workDir, 'proxy.pid');
    const argv = [
      '--pdeathsig',
      'KILL',
      '--',
      'ip',
      'netns',
      'exec',
      this.hostNamespace,
      this.tool.program,
      ...this.tool.args(this.addresses, this.options, pidFile),
    ];
    const child = spawn('setpriv', argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    this.proxy = child;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-2000);
    });
    // Its fd 3 is the read end for nothing but slirp's ready byte; a broken pipe after our exit is harmless.
    child.stdio[3]!.on('error', () => undefined);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (e) => resolve(`could not start: ${e.message}`));
    });
    this.proxyExit = exited.then(() => undefined);
    const ready =
      this.tool.readiness === 'fd3' ? new Promise<void>((resolve) => child.stdio[3]!.once('data', () => resolve())) : waitForPidFile(pidFile, exited);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      exited,
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`did not get ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      throw new EnvironmentError(`${this.tool.stack}: ${this.tool.program} ${outcome}` + (stderr.trim() ? `: ${stderr.trim()}` : ''));
    }
  }

  close(): Promise<void> {
    return this.registration.release();
  }

  private forget(): void {
    this.phase = 'gone';
    this.registration.forget();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async teardown(): Promise<void> {
    await this.claiming; // a signal mid-claim: let `ip` finish, then remove what it made
    if (this.phase === 'gone' || this.phase === 'removing' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    this.phase = 'removing'; // an exit meanwhile still runs the synchronous twin
    // Processes first: they keep their namespaces alive (pasta holds the target's open).
    const proxy = this.proxy;
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      proxy.kill('SIGTERM');
      const timer = setTimeout(() => proxy.kill('SIGKILL'), STOP_GRACE_MS);
      await this.proxyExit;
      clearTimeout(timer);
    }
    await this.agentClient?.stop();
    await removeLab(this.namespace);
    rmSync(this.workDir, { recursive: true, force: true });
    this.phase = 'gone';
  }

  private teardownSync(): void {
    if (this.phase === 'gone' || (this.phase === 'claiming' && ownerOf(this.namespace) !== process.pid)) return;
    this.phase = 'gone';
    try {
      this.proxy?.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.agentClient?.kill();
    removeLabSync(this.namespace);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** pasta writes its pid file once its TAP is up and it serves it ("once initialisation is done"). */
async function waitForPidFile(path: string, exited: Promise<string>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      if (/^\d+\n/.test(readFileSync(path, 'utf8'))) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise(() => undefined); // the race in startProxy reports the exit
}
