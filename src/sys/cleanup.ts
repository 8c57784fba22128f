// One place that knows everything tcpfsm created, so every exit path can remove it:
// normal end, a thrown error, SIGINT, SIGTERM (and SIGHUP when a terminal goes away).
// Teardowns run last-registered first, each at most once, errors collected, never thrown twice.

type Teardown = () => Promise<void> | void;
/** Synchronous twin of a teardown, for the 'exit' event where nothing async can run. */
type SyncTeardown = () => void;

const pending = new Map<number, { label: string; fn: Teardown; sync?: SyncTeardown }>();
let nextId = 1;
let signalsInstalled = false;
let exiting = false;

export interface Registration {
  /** Run this teardown now and forget it. */
  release(): Promise<void>;
  /** Forget it without running (the owner removed the resource itself). */
  forget(): void;
}

export function onCleanup(label: string, fn: Teardown, sync?: SyncTeardown): Registration {
  installSignalHandlers();
  const id = nextId++;
  pending.set(id, { label, fn, sync });
  return {
    async release() {
      const entry = pending.get(id);
      if (!entry) return;
      await (running.get(id) ?? runOne(id, entry.fn));
    },
    forget() {
      pending.delete(id);
    },
  };
}

/** Run every pending teardown (newest first). Returns the failures instead of throwing. */
export async function runAllCleanups(): Promise<string[]> {
  const failures: string[] = [];
  const entries = [...pending.entries()].reverse();
  for (const [id, { label, fn }] of entries) {
    try {
      await (running.get(id) ?? runOne(id, fn));
    } catch (e) {
      failures.push(`${label}: ${(e as Error).message}`);
    }
  }
  return failures;
}

/** Teardowns under way: still pending (so an exit meanwhile runs their synchronous twin), not started twice. */
const running = new Map<number, Promise<void>>();

function runOne(id: number, fn: Teardown): Promise<void> {
  const done = (async () => {
    try {
      await fn();
    } finally {
      running.delete(id);
      pending.delete(id);
    }
  })();
  running.set(id, done);
  return done;
}

export const pendingCleanups = (): string[] => [...pending.values()].map((p) => p.label);

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const sig of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) {
    process.on(sig, () => {
      // A second signal while cleaning up is ignored: half-removed state is worse than waiting.
      if (exiting) return;
      exiting = true;
      void runAllCleanups().then((failures) => {
        for (const f of failures) process.stderr.write(`tcpfsm: cleanup failed: ${f}\n`);
        process.exit(SIGNAL_EXIT[sig]);
      });
    });
  }
  process.on('beforeExit', () => {
    if (pending.size) void runAllCleanups();
  });
  // process.exit() or an uncaught exception: only synchronous work is possible now.
  process.on('exit', () => {
    for (const [id, { label, sync }] of [...pending.entries()].reverse()) {
      pending.delete(id);
      try {
        sync?.();
      } catch (e) {
        process.stderr.write(`tcpfsm: cleanup failed: ${label}: ${(e as Error).message}\n`);
      }
    }
  });
}
