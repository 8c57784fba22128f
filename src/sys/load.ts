// How busy the machine is, from the kernel's own accounting: CPU pressure (PSI,
// /proc/pressure/cpu: wall time during which some runnable task waited for a CPU) and the load
// average. A timer measured while tasks queue for the CPU can be late for reasons that are not
// the stack's: the timer softirq, the agent, our probe and our `ss` polls all wait their turn.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Cumulative CPU stall (`some total`, µs) since boot, or null without PSI (CONFIG_PSI off, psi=0). */
export function cpuStallUs(text?: string): number | null {
  try {
    const m = /^some .*total=(\d+)$/m.exec(text ?? readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The 1-minute load average and the CPUs it is shared by. */
export function loadAverage(): { one: number; cpus: number } {
  let one = NaN;
  try {
    one = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    // not Linux
  }
  return { one, cpus: availableParallelism() };
}
