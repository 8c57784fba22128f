// tcpfsm lab up|down|status: a lab that outlives the command, for poking at by hand
// (ip netns exec tcpfsm-N ss -tan, tcpdump -i tcpfsm-N).
//
// How `lab up` detaches without changes to src/lab: createLab registers the lab's removal with
// the cleanup registry of the process that made it, and records that process as the lab's owner
// (the probe link's alias); a lab whose owner is alive is live, one whose owner died is a
// leftover for `tcpfsm cleanup`. So `lab up` starts a small detached holder process
// (`tcpfsm lab hold`, hidden) in its own session; the holder creates the lab, reports it on a
// pipe, and then just stays alive. The lab is live as long as the holder runs: `cleanup` leaves
// it alone, and `lab down` sends the holder SIGTERM, on which the registry removes the lab the
// same way as at the end of any run (agent stopped, link and namespace deleted).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { differencesFromHost, hostSysctls, parseSysctlSet, SYSCTL_SETS, sysctlSetLine } from '../../lab/host-sysctls.js';
import {
  cleanupLeftovers,
  createLab,
  LAB_INDEX_SPACE,
  type LabStatus,
  labAddresses,
  labStatus,
  labSysctlsFrom,
  listLabs,
  tcpfsmNftTables,
} from '../../lab/index.js';
import { requireLabPrivileges } from '../../lab/privileges.js';
import { EnvironmentError, UsageError } from '../../sys/errors.js';
import { parseLabSysctls, parsePositiveInt, refuseHostWideLabSysctls } from '../args.js';
import { io } from '../io.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** The hidden command a holder runs; also how `lab down` recognises one (never signals anything else). */
export const HOLD_COMMAND = '_lab-hold';

export interface LabUpArgs {
  id?: string;
  labSysctl: string[];
  sysctls?: string;
  json: boolean;
}

export interface LabDownArgs {
  ids: string[];
  all: boolean;
  force: boolean;
}

export interface LabStatusArgs {
  json: boolean;
}

/** `handle` receives each command's exit code (cli.ts owns it). */
export function labBuilder(y: Argv, handle: (run: Promise<number>) => Promise<void>): Argv {
  return y
    .command(
      'up',
      'create a lab that stays after the command ends',
      (y) =>
        y
          .option('id', { describe: 'use this lab id instead of a random free one', type: 'string', requiresArg: true })
          .option('lab-sysctl', { describe: 'target namespace sysctl, key=value (repeatable)', type: 'string', array: true, default: [], requiresArg: true })
          .option('sysctls', {
            describe:
              "the set the lab starts from, under --lab-sysctl: fast (default, short timers) or host (every per-namespace TCP/IP sysctl of this machine's namespace, copied)",
            choices: SYSCTL_SETS,
            requiresArg: true,
          })
          .option('json', { describe: 'print the lab as JSON', type: 'boolean', default: false })
          .example('$0 lab up --sysctls host', 'a lab tuned like this machine (its sysctls are only read)')
          .example('$0 lab up', 'create a lab; prints its name, addresses and how to stop it')
          .example('$0 lab up --id 7 --lab-sysctl tcp_fin_timeout=5', 'a chosen id and a sysctl'),
      (a) => handle(up(a as unknown as LabUpArgs)),
    )
    .command(
      'down [ids..]',
      'remove labs made by lab up (or the ones named)',
      (y) =>
        y
          .positional('ids', { describe: 'lab ids (default: every lab up lab)', type: 'string', array: true, default: [] })
          .option('all', { describe: 'every tcpfsm lab, not only lab up ones (running runs need --force)', type: 'boolean', default: false })
          .option('force', { describe: 'also labs owned by a running tcpfsm run', type: 'boolean', default: false })
          .example('$0 lab down 7', 'remove lab tcpfsm-7')
          .example('$0 lab down', 'remove every lab made by lab up'),
      (a) => handle(down(a as unknown as LabDownArgs)),
    )
    .command(
      'status',
      'list tcpfsm labs on this machine',
      (y) =>
        y
          .option('json', { describe: 'JSON output', type: 'boolean', default: false })
          .example('$0 lab status', 'every lab with owner, age, processes and nft tables'),
      (a) => handle(status(a as unknown as LabStatusArgs)),
    )
    .demandCommand(1, 'lab needs an action: up, down or status')
    .example('$0 lab up', 'a lab to poke at by hand')
    .example('$0 lab status', 'what exists')
    .example('$0 lab down', 'remove it again')
    .epilog(
      "A lab starts from the fast sysctl set (tcp_synack_retries 2, tcp_fin_timeout 3, tcp_retries2 3, tcp_orphan_retries 2 …): a pass on it says nothing about this machine's own tuning. 'lab up --sysctls host' (and 'run --sysctls host', 'check-tuning') copy this machine's per-namespace TCP/IP sysctls instead.",
    );
}

const isHolder = (pid: number | null): boolean => {
  if (pid === null) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(HOLD_COMMAND);
  } catch {
    return false;
  }
};

function parseId(raw: string, option: string): number {
  return parsePositiveInt(option, raw, { min: 0, max: LAB_INDEX_SPACE - 1 });
}

interface LabInfo {
  id: number;
  namespace: string;
  probe: { interface: string; ipv4: string; ipv6: string };
  target: { interface: string; ipv4: string; ipv6: string };
  holder: number;
  sysctls: Record<string, string>;
}

/** The hidden holder: create the lab, report it on stdout, stay alive until signalled. */
export async function holdCommand(a: { id?: string; labSysctl: string[]; sysctls?: string }): Promise<number> {
  const set = parseSysctlSet(a.sysctls);
  const lab = await createLab({
    ...(a.id !== undefined ? { id: parseId(a.id, 'id') } : {}),
    sysctls: labSysctlsFrom(parseLabSysctls(a.labSysctl)),
    ...(set === 'host' ? { sysctlDefaults: labSysctlsFrom(await hostSysctls()) } : {}),
  });
  const info: LabInfo = {
    id: lab.id,
    namespace: lab.namespace,
    probe: { interface: lab.probeInterface, ...lab.probe },
    target: { interface: lab.targetInterface, ...lab.target },
    holder: process.pid,
    sysctls: { ...lab.sysctls },
  };
  io.out(JSON.stringify(info) + '\n');
  // The parent goes away after reading that line: later writes must not kill the holder.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  // Stay alive; SIGTERM / SIGINT / SIGHUP run the cleanup registry, which removes the lab and exits.
  setInterval(() => undefined, 1 << 30);
  await new Promise<never>(() => undefined);
  return 0;
}

async function up(a: LabUpArgs): Promise<number> {
  requireLabPrivileges();
  if (a.id !== undefined) parseId(a.id, 'id');
  await refuseHostWideLabSysctls(parseLabSysctls(a.labSysctl)); // usage errors here, not in the holder
  const set = parseSysctlSet(a.sysctls);
  const args = [
    MAIN,
    HOLD_COMMAND,
    ...(a.id !== undefined ? ['--id', a.id] : []),
    ...a.labSysctl.flatMap((s) => ['--lab-sysctl', s]),
    ...(set === 'host' ? ['--sysctls', 'host'] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (stderr += s));
  const info = await new Promise<LabInfo>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new EnvironmentError('the lab holder did not report a lab within 30 s'));
    }, 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as LabInfo);
      } catch {
        child.kill('SIGTERM');
        reject(new EnvironmentError(`the lab holder said: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const why =
        stderr
          .trim()
          .split('\n')
          .filter(Boolean)
          .pop()
          ?.replace(/^tcpfsm:\s*/, '') ?? `exit ${code}`;
      reject(new EnvironmentError(`lab up failed: ${why}`));
    });
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  if (a.json) {
    io.out(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  io.out(
    [
      `lab ${info.namespace} is up (held by process ${info.holder})`,
      `  probe  ${info.probe.interface} ${info.probe.ipv4} ${info.probe.ipv6}   (root namespace)`,
      `  target ${info.target.interface} ${info.target.ipv4} ${info.target.ipv6}   (namespace ${info.namespace})`,
      `  ${sysctlSetLine(set, set === 'host' ? Object.keys(info.sysctls).length : 0, differencesFromHost(info.sysctls))}`,
      `  try:   ip netns exec ${info.namespace} ss -tan   |   tcpdump -ni ${info.probe.interface}`,
      `  stop:  tcpfsm lab down ${info.id}`,
    ].join('\n') + '\n',
  );
  return 0;
}

async function waitGone(id: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await labStatus(id))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function down(a: LabDownArgs): Promise<number> {
  requireLabPrivileges();
  const wanted = a.ids.map((raw) => parseId(raw, 'ids'));
  const labs = await listLabs();
  const chosen: LabStatus[] = [];
  for (const id of wanted) {
    const s = labs.find((l) => l.id === id);
    if (!s) throw new UsageError(`no lab tcpfsm-${id} (see: tcpfsm lab status)`);
    chosen.push(s);
  }
  if (!wanted.length) chosen.push(...labs.filter((s) => a.all || isHolder(s.owner)));
  if (!chosen.length) {
    io.out('no lab to remove\n');
    return 0;
  }
  const failures: string[] = [];
  for (const s of chosen) {
    if (s.ownerAlive && isHolder(s.owner)) {
      process.kill(s.owner!, 'SIGTERM');
      if (await waitGone(s.id, 10_000)) io.out(`removed ${s.name} (stopped its holder ${s.owner})\n`);
      else failures.push(`${s.name}: its holder ${s.owner} did not remove it within 10 s`);
      continue;
    }
    if (s.ownerAlive && !a.force) {
      failures.push(`${s.name} belongs to running process ${s.owner} (a tcpfsm run?); --force removes it anyway`);
      continue;
    }
    const r = await cleanupLeftovers({ ids: [s.id], includeLive: true, graceSeconds: 0 });
    if (r.failures.length) failures.push(...r.failures);
    else io.out(`removed ${s.name}${r.nftTables.length ? ` and nft ${r.nftTables.join(', ')}` : ''}\n`);
  }
  if (failures.length) throw new EnvironmentError(failures.join('; '));
  return 0;
}

async function status(a: LabStatusArgs): Promise<number> {
  const labs = await listLabs();
  const tables = await tcpfsmNftTables().catch(() => []);
  const rows = labs.map((s) => ({
    ...s,
    addresses: labAddresses(s.id),
    heldByLabUp: isHolder(s.owner),
    nftTables: tables.filter((t) => t.name === s.name || t.name.startsWith(`${s.name}-`)).map((t) => `${t.family} ${t.name}`),
  }));
  if (a.json) {
    io.out(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (!rows.length) {
    io.out('no tcpfsm labs\n');
    return 0;
  }
  for (const r of rows) {
    const owner =
      r.owner === null
        ? 'owner unknown'
        : `${r.heldByLabUp ? 'held by lab up' : 'owned by'} process ${r.owner}${r.ownerAlive ? '' : ' (gone: a leftover, see tcpfsm cleanup)'}`;
    const age = r.ageSeconds !== null ? `, up ${Math.round(r.ageSeconds)} s` : '';
    io.out(`${r.name}  probe ${r.addresses.probe.ipv4} → target ${r.addresses.target.ipv4}  ${owner}${age}\n`);
    io.out(
      `  namespace ${r.namespace ? 'yes' : 'no'}, probe link ${r.probeLink ? 'yes' : 'no'}, processes inside: ${r.pids.join(' ') || 'none'}${r.nftTables.length ? `, nft ${r.nftTables.join(', ')}` : ''}\n`,
    );
  }
  return 0;
}
