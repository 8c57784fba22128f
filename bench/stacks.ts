// Start + stop of each lab stack, side by side in one run: openStack() until it answers (agent
// ready, settings read back) and close() until everything it made is gone. Rounds alternate the
// stacks so load hits them alike.
//   node dist/bench/stacks.js [--n=5]
import { fileURLToPath } from 'node:url';
import { openStackByName } from '../src/target/registry.js';
import { STACK_NAMES, type StackName } from '../src/target/stack.js';
import { fmt, type Summary, summarize } from './lib.js';

export type StackCost = Record<StackName, { start: Summary; stop: Summary; total: Summary }>;

export async function stackStartStop(n: number, stacks: readonly StackName[] = STACK_NAMES): Promise<Partial<StackCost>> {
  const times = Object.fromEntries(stacks.map((s) => [s, { start: [] as number[], stop: [] as number[] }]));
  for (let i = 0; i < n; i++) {
    for (const stack of stacks) {
      const t0 = performance.now();
      const host = await openStackByName(stack, {});
      const t1 = performance.now();
      await host.close();
      const t2 = performance.now();
      times[stack]!.start.push(t1 - t0);
      times[stack]!.stop.push(t2 - t1);
    }
  }
  return Object.fromEntries(
    stacks.map((s) => {
      const { start, stop } = times[s]!;
      return [s, { start: summarize(start), stop: summarize(stop), total: summarize(start.map((x, i) => x + stop[i]!)) }];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 5);
  const r = await stackStartStop(n);
  console.log(`start + stop per stack, ms over ${n} rounds (median; max of the total)`);
  for (const [s, c] of Object.entries(r))
    console.log(`${s.padEnd(7)} start ${fmt(c.start.p50)}  stop ${fmt(c.stop.p50)}  total ${fmt(c.total.p50)} (max ${fmt(c.total.max)})`);
}
