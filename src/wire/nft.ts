// The probe's own kernel knows nothing of the connections tcpfsm crafts, so it answers the
// target's segments with RSTs that would kill every test. One nft table per run drops those RSTs,
// scoped as narrowly as we can (the lab's interface, or exactly one remote address and our source
// ports) and exempting the probe's own packets by socket mark (SO_MARK on the raw socket).

import { execFileSync } from 'node:child_process';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { run } from '../sys/exec.js';

/** Socket mark carried by every segment the raw socket sends ("tcpf" in ASCII-ish hex). */
export const PROBE_MARK = 0x7c9f0001;

export interface RstScope {
  /** table name suffix: the table is `tcpfsm-<id>` */
  id: string;
  /** only packets leaving through this interface (lab mode) */
  oifname?: string;
  /** only packets to this address (remote mode) */
  daddr?: string;
  /** only packets from these local ports (remote mode: the probe's source-port range) */
  sportRange?: [number, number];
}

export interface RstSuppression {
  readonly table: string;
  /** the nft rule text as installed, for the user to see */
  readonly rule: string;
  remove(): Promise<void>;
}

export const tableName = (id: string): string => `tcpfsm-${id}`;

export function ruleText(scope: RstScope, mark = PROBE_MARK): string {
  const match: string[] = [];
  if (scope.oifname) match.push(`oifname "${scope.oifname}"`);
  if (scope.daddr) match.push(`${scope.daddr.includes(':') ? 'ip6' : 'ip'} daddr ${scope.daddr}`);
  if (scope.sportRange) match.push(`tcp sport ${scope.sportRange[0]}-${scope.sportRange[1]}`);
  if (match.length === 0) throw new Error('refusing an unscoped RST-suppression rule: give an interface or an address');
  return `${match.join(' ')} tcp flags & rst == rst meta mark != 0x${mark.toString(16)} drop`;
}

/** Install the table; it is removed on every exit path through src/sys/cleanup. */
export async function suppressKernelRsts(scope: RstScope, mark = PROBE_MARK): Promise<RstSuppression> {
  const table = tableName(scope.id);
  const rule = ruleText(scope, mark);
  // One atomic transaction: the table exists whole or not at all.
  const script = `table inet ${table} {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    ${rule}\n  }\n}\n`;
  await run('nft', ['-f', '-'], { input: script });
  let reg: Registration | undefined;
  const remove = async () => {
    await run('nft', ['delete', 'table', 'inet', table]).catch((e: Error) => {
      if (!/No such file or directory/.test(e.message)) throw e;
    });
  };
  reg = onCleanup(`nft table inet ${table}`, remove, () => {
    try {
      execFileSync('nft', ['delete', 'table', 'inet', table], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  });
  return {
    table,
    rule,
    remove: () => reg!.release(),
  };
}

/** Every nft table whose name starts with tcpfsm-, as [family, name]. */
export async function listTcpfsmTables(): Promise<Array<[string, string]>> {
  const { stdout } = await run('nft', ['list', 'tables']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === 'table' && w[2]?.startsWith('tcpfsm-'))
    .map((w) => [w[1], w[2]] as [string, string]);
}

export async function removeTable(family: string, name: string): Promise<void> {
  await run('nft', ['delete', 'table', family, name]);
}
