// Loaded into every test process (.taprc node-arg). tap's coverage hook (@tapjs/processinfo) puts
// an ESM loader into every node process a test spawns, and the processes those spawn: tcpfsm runs,
// suites, lab agents (about a thousand in `npm test`). On Node 20 that loader runs off-thread and
// costs ~0.9 s of CPU per start of the tcpfsm CLI (0.47 s → 1.4 s measured; a bare script +0.2 s),
// over half the CPU of a CI run on two cores. Node's own coverage (NODE_V8_COVERAGE) writes the
// same V8 format, which tap's report reads from the same folder, for +0.24 s a start.
//
// So: the test process itself keeps tap's hook; its children get NODE_V8_COVERAGE in .tap/coverage
// (when coverage is on) and no loader. tap re-adds the loader at every spawn through the shared
// process-on-spawn hook; ours runs after it and takes it out again.
import { join } from 'node:path';

type SpawnOptions = { env: Record<string, string | undefined> };
type SpawnHookState = { listeners: Array<(o: SpawnOptions) => void> };

const PROCESSINFO_LOADER = /\s*"?--(?:import|loader|experimental-loader)=[^"\s]*@tapjs[\\/]processinfo[^"\s]*"?/g;

/** NODE_OPTIONS without tap's loader (undefined when nothing else was in it). */
export function withoutTapLoader(nodeOptions: string | undefined): string | undefined {
  const rest = (nodeOptions ?? '').replace(PROCESSINFO_LOADER, '').trim();
  return rest === '' ? undefined : rest;
}

function install(): void {
  const state = (globalThis as Record<symbol, SpawnHookState | undefined>)[Symbol.for('process-on-spawn@*:singletonId')];
  const root = process.env._TAPJS_PROCESSINFO_CWD_;
  if (!state || !root) return; // not under tap's runner: nothing to undo
  const coverage = process.env._TAPJS_PROCESSINFO_COVERAGE_ !== '0' ? join(root, '.tap', 'coverage') : undefined;
  state.listeners.push((o) => {
    const env = { ...o.env };
    const options = withoutTapLoader(env.NODE_OPTIONS);
    if (options === undefined) delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = options;
    if (coverage) env.NODE_V8_COVERAGE = coverage;
    o.env = env;
  });
}

install();
