// A separate process that creates a lab, says which, then ends the way argv[2] asks:
//   wait   — waits to be signalled (SIGINT / SIGTERM / SIGKILL from the test)
//   exit   — process.exit(3) at once (only synchronous teardown can run)
//   throw  — an uncaught exception
//   create — only tries to create a lab (to see its error), prints the error's name and message
import { createLab } from '../../src/lab/lab.js';
import { watchdogPid } from '../../src/lab/watchdog.js';

const mode = process.argv[2] ?? 'wait';
if (mode === 'create') {
  try {
    const lab = await createLab();
    console.log(JSON.stringify({ id: lab.id }));
    await lab.destroy();
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }));
  }
} else {
  const lab = await createLab();
  console.log(JSON.stringify({ id: lab.id, namespace: lab.namespace, agentPid: lab.agent.pid, watchdogPid: watchdogPid() }));
  if (mode === 'exit') process.exit(3);
  if (mode === 'throw')
    setTimeout(() => {
      throw new Error('boom');
    }, 10);
  if (mode === 'wait') setInterval(() => undefined, 1000);
}
