// tcpfsm cleanup: remove what crashed runs left behind — tcpfsm-* namespaces (and processes in
// them), probe links, and tcpfsm-* nft tables — and say what was removed.
import type { Argv } from 'yargs';
import { cleanupLeftovers } from '../../lab/index.js';
import { EnvironmentError } from '../../sys/errors.js';
import { io } from '../io.js';

export interface CleanupArgs {
  force: boolean;
}

export function cleanupBuilder(y: Argv): Argv<CleanupArgs> {
  return y
    .option('force', { describe: 'also remove labs whose tcpfsm process is still running (including `lab up` labs)', type: 'boolean', default: false })
    .example('$0 cleanup', 'remove leftovers of crashed runs')
    .example('$0 cleanup --force', 'remove every tcpfsm lab and nft table') as unknown as Argv<CleanupArgs>;
}

export async function cleanupCommand(a: CleanupArgs): Promise<number> {
  const r = await cleanupLeftovers({ includeLive: a.force });
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
