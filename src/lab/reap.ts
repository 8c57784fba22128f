// The watchdog's action (see watchdog.ts): `node reap.js <pid> <start>` once process <pid> has
// died. Removes the labs recorded as its (and their nft tables, and its remote-mode table), the
// way `tcpfsm cleanup` would; a lab its owner already removed is simply not there.
import { isRunning } from '../sys/proc.js';
import { cleanupLeftovers } from './inventory.js';

const pid = Number(process.argv[2]);
const start = process.argv[3] ? Number(process.argv[3]) : null;
if (!Number.isInteger(pid) || pid <= 0) {
  process.stderr.write('usage: reap.js <pid> [<start ticks>]\n');
  process.exit(2);
}
// The pipe closes as the process exits: give it a moment to be dead (or a zombie) for certain.
for (const until = Date.now() + 2000; isRunning({ pid, start }) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
// graceSeconds 0: the owner is dead, nothing of it is still being created.
const report = await cleanupLeftovers({ owner: { pid, start }, graceSeconds: 0 });
process.exitCode = report.failures.length ? 1 : 0;
