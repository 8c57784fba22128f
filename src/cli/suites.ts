// Where the suites are and what they contain. A suite is a compiled file dist/suites/<name>.js
// (files starting with '_' are helpers); `TCPFSM_LIST=1 node <file>` makes it print its tests as
// one JSON object and exit without touching the network.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError, UsageError } from '../sys/errors.js';
import { childEnv } from './env.js';

/** Overrides the suite directory (tests point it at fixtures). */
export const SUITES_DIR_ENV = 'TCPFSM_SUITES_DIR';

export interface SuiteFile {
  /** as shown and reported: the file stem, or `stem@stack` in a run over several stacks */
  name: string;
  file: string;
  /** the lab stack this run of the suite targets (several stacks: one run per suite and stack) */
  stack?: string;
  /** the address family this run talks in (`--family 6|both`: `stem@ipv6`); unset: IPv4 */
  family?: 4 | 6;
}

export interface SuiteListing {
  suite: string;
  title: string;
  rfc: string;
  tests: Array<{ name: string; rfc: string; slow: boolean; needs: string[]; settings?: string[]; requirements?: string[] }>;
}

/** dist/suites next to this file's dist/src/cli, unless TCPFSM_SUITES_DIR or --suites-dir says otherwise. */
export function suitesDir(option?: string): string {
  if (option) return resolve(option);
  if (process.env[SUITES_DIR_ENV]) return resolve(process.env[SUITES_DIR_ENV]!);
  return fileURLToPath(new URL('../../suites/', import.meta.url));
}

export function discoverSuites(dir: string): SuiteFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new EnvironmentError(`no suites: ${dir} does not exist (build first: npm run build)`);
  }
  const suites = names
    .filter((n) => n.endsWith('.js') && !n.startsWith('_') && statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => ({ name: n.slice(0, -3), file: join(dir, n) }));
  if (!suites.length) throw new EnvironmentError(`no suites in ${dir} (build first: npm run build)`);
  return suites;
}

/** The named suites in the order given (all when none are named); an unknown name is a usage error. */
export function selectSuites(all: SuiteFile[], names: readonly string[]): SuiteFile[] {
  if (!names.length) return all;
  const byName = new Map(all.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !byName.has(n.replace(/\.(ts|js)$/, '')));
  if (unknown.length) {
    throw new UsageError(
      `unknown suite${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} (available: ${all.map((s) => s.name).join(', ')})`,
    );
  }
  return [...new Set(names.map((n) => n.replace(/\.(ts|js)$/, '')))].map((n) => byName.get(n)!);
}

/** The suite's test list, from the suite itself. */
export function listSuite(suite: SuiteFile, timeoutMs = 60_000): Promise<SuiteListing> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [suite.file],
      { env: { ...childEnv(), TCPFSM_LIST: '1' }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new EnvironmentError(`suite ${suite.name} could not list its tests: ${(stderr || err.message).trim().split('\n').pop()}`));
        const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
        try {
          const listing = JSON.parse(line ?? '') as SuiteListing;
          if (typeof listing.suite !== 'string' || !Array.isArray(listing.tests)) throw new Error('missing suite or tests');
          resolvePromise(listing);
        } catch (e) {
          reject(new EnvironmentError(`suite ${suite.name} printed no test list under TCPFSM_LIST=1 (${(e as Error).message})`));
        }
      },
    );
  });
}
