// The environment of suite processes: ours without node-tap's own variables. When tcpfsm itself
// runs under `tap` (its tests do), TAP_CHILD_ID, TAP_TIMEOUT, TAP_BAIL... would otherwise make each
// suite behave as a child of that outer tap run rather than as a standalone TAP producer.
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'TAP' || k.startsWith('TAP_') || k.startsWith('_TAPJS')) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}
