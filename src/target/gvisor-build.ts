// The gVisor target's program (stacks/gvisor, Go) is built offline against Debian's gVisor
// sources by scripts/build-gvisor.sh (setup.sh runs it once); here it is rebuilt on demand when
// the binary is missing or older than a source file.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../sys/errors.js';

/** The repository (this file runs from dist/src/target/). */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const GVISOR_SOURCE = join(REPO, 'stacks', 'gvisor');
export const GVISOR_BINARY = join(REPO, 'dist', 'bin', 'tcpfsm-gvisor');
const BUILD_SCRIPT = join(REPO, 'scripts', 'build-gvisor.sh');

function newestSource(): number {
  return Math.max(
    ...readdirSync(GVISOR_SOURCE)
      .filter((f) => f.endsWith('.go'))
      .map((f) => statSync(join(GVISOR_SOURCE, f)).mtimeMs),
  );
}

export function binaryIsCurrent(): boolean {
  return existsSync(GVISOR_BINARY) && statSync(GVISOR_BINARY).mtimeMs >= newestSource();
}

/** The path of an up-to-date binary, building it first if needed (seconds cold, < 1 s warm). */
export async function ensureGvisorBinary(): Promise<string> {
  if (binaryIsCurrent()) return GVISOR_BINARY;
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [BUILD_SCRIPT], { cwd: REPO, timeout: 300_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      // Exit 2: Go or gVisor's sources are missing; the script names the packages.
      const why = stderr.trim() || err.message;
      reject(new EnvironmentError(err.code === 2 ? why : `building the gVisor target (scripts/build-gvisor.sh) failed: ${why}`));
    });
  });
  return GVISOR_BINARY;
}
