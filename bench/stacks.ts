// Start + stop of each lab stack, side by side in one run: openStack() until it answers (agent
// ready, settings read back) and close() until everything it made is gone; and, where the stack
// has ground truth, one read of its TCP table with a listener in it (what each checked step
// costs). Rounds alternate the stacks so load hits them alike. A stack this machine cannot run
// (UML 6.1 on an AVX-512 CPU) is left out, with why.
//   node dist/bench/stacks.js [--n=5] [--reads=50]
import { fileURLToPath } from 'node:url';
import { openStackByName, stackHostProblems } from '../src/target/registry.js';
import { STACK_NAMES, type StackName } from '../src/target/stack.js';
import { fmt, type Summary, summarize } from './lib.js';

export type StackCost = Record<StackName, { start: Summary; stop: Summary; total: Summary; truth?: Summary }>;

export async function stackStartStop(n: number, stacks: readonly StackName[] = STACK_NAMES, reads = 50): Promise<Partial<StackCost>> {
  const times = Object.fromEntries(stacks.map((s) => [s, { start: [] as number[], stop: [] as number[], truth: [] as number[] }]));
  for (let i = 0; i < n; i++) {
    for (const stack of stacks) {
      const t0 = performance.now();
      const host = await openStackByName(stack, {});
      const t1 = performance.now();
      if (host.states && host.agent) {
        await host.agent.listen(8080);
        for (let r = 0; r < reads; r++) {
          const a = performance.now();
          await host.states.sockets();
          times[stack]!.truth.push(performance.now() - a);
        }
      }
      const t2 = performance.now();
      await host.close();
      const t3 = performance.now();
      times[stack]!.start.push(t1 - t0);
      times[stack]!.stop.push(t3 - t2);
    }
  }
  return Object.fromEntries(
    stacks.map((s) => {
      const { start, stop, truth } = times[s]!;
      return [
        s,
        {
          start: summarize(start),
          stop: summarize(stop),
          total: summarize(start.map((x, i) => x + stop[i]!)),
          ...(truth.length ? { truth: summarize(truth) } : {}),
        },
      ];
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 5);
  const reads = Number(process.argv.find((a) => a.startsWith('--reads='))?.slice(8) ?? 50);
  const problems = await stackHostProblems();
  for (const [s, why] of problems) console.log(`left out: ${s}: ${why}`);
  const r = await stackStartStop(
    n,
    STACK_NAMES.filter((s) => !problems.has(s)),
    reads,
  );
  console.log(`start + stop per stack, ms over ${n} rounds (median; max of the total); ground truth: one table read, median and p99 of ${n} x ${reads}`);
  for (const [s, c] of Object.entries(r))
    console.log(
      `${s.padEnd(7)} start ${fmt(c.start.p50)}  stop ${fmt(c.stop.p50)}  total ${fmt(c.total.p50)} (max ${fmt(c.total.max)})  ground truth ${c.truth ? `${fmt(c.truth.p50)} (p99 ${fmt(c.truth.p99)})` : 'none'}`,
    );
}
