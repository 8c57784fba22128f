// A separate process that brings up the gVisor target, says which, then waits to be killed:
// the test SIGKILLs it to see that the netstack program does not outlive its harness.
import { openStack } from '../../src/target/gvisor.js';

const host = await openStack();
console.log(JSON.stringify({ id: host.id, namespace: host.namespace, agentPid: host.agent.pid }));
setInterval(() => undefined, 1000);
