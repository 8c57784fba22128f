// The capabilities the run's plan assumes for each lab stack (src/target/capabilities.ts) are the
// ones the stack has when it opens: agent, ground truth, settings, and ICMP (a wire that sends IP).
import t from 'tap';
import { STACK_CAPABILITIES } from '../../src/target/capabilities.js';
import { STACK_NAMES } from '../../src/target/stack.js';
import { openTarget } from '../../src/target/target.js';
import { cannotRun } from './runnable.js';

for (const name of STACK_NAMES) {
  t.test(`${name}: the plan's capabilities are the stack's`, { skip: cannotRun(name) }, async (t) => {
    const host = await openTarget({ stack: name });
    try {
      // Getters of a stack without a capability may throw: read each once, guarded.
      const has = (read: () => unknown) => {
        try {
          return !!read();
        } catch {
          return false;
        }
      };
      t.same(
        { agent: has(() => host.agent), states: has(() => host.states), settings: has(() => host.settings), icmp: has(() => host.wire.sendIp) },
        STACK_CAPABILITIES[name],
      );
    } finally {
      await host.close();
    }
  });
}
