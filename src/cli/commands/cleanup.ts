// tcpfsm cleanup: remove what crashed runs left behind — tcpfsm-* namespaces (and processes in
// them), probe links, and tcpfsm-* nft tables — and say what was removed.
import type { Argv } from 'yargs';
import { cleanupLeftovers, LAB_INDEX_SPACE } from '../../lab/index.js';
import { EnvironmentError, UsageError } from '../../sys/errors.js';
import { io } from '../io.js';

export interface CleanupArgs {
  ids: string[];
  force: boolean;
}

export function cleanupBuilder(y: Argv): Argv<CleanupArgs> {
  return y
    .positional('ids', {
      describe: 'only these lab ids (tcpfsm-<id>) and their nft tables (default: every leftover)',
      type: 'string',
      array: true,
      default: [],
    })
    .option('force', { describe: 'also remove labs whose tcpfsm process is still running (including `lab up` labs)', type: 'boolean', default: false })
    .example('$0 cleanup', 'remove leftovers of crashed runs')
    .example('$0 cleanup 7', 'remove lab tcpfsm-7, e.g. one kept with run --keep-lab')
    .example('$0 cleanup --force', 'remove every tcpfsm lab and nft table') as unknown as Argv<CleanupArgs>;
}

export async function cleanupCommand(a: CleanupArgs): Promise<number> {
  const ids = a.ids.map((raw) => {
    const id = Number(String(raw).replace(/^tcpfsm-/, ''));
    if (!Number.isInteger(id) || id < 0 || id >= LAB_INDEX_SPACE)
      throw new UsageError(`cleanup: '${raw}' is not a lab id (0..${LAB_INDEX_SPACE - 1}, or tcpfsm-<id>)`);
    return id;
  });
  const r = await cleanupLeftovers({ includeLive: a.force, ...(ids.length ? { ids } : {}) });
  const lines = [
    ...r.processes.map((p) => `killed process ${p} inside a lab namespace`),
    ...r.namespaces.map((n) => `removed namespace ${n}`),
    ...r.links.map((l) => `removed link ${l}`),
    ...r.nftTables.map((t) => `removed nft table ${t}`),
    ...r.skippedLive.map((n) => `kept ${n}: its tcpfsm process is running (--force removes it)`),
  ];
  io.out((lines.length ? lines.join('\n') : 'nothing to remove') + '\n');
  if (r.failures.length) throw new EnvironmentError(`cleanup could not remove everything: ${r.failures.join('; ')}`);
  return 0;
}
