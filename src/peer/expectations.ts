// What a user may tell a run to expect (`--expect name=value`): each name is read by a test that
// measures that figure, and follows one of the target's settings unless the user says otherwise.
// One list, so the CLI can refuse unknown names, --help can show them and a suite can only ask
// for a name that exists.

export interface ExpectationInfo {
  what: string;
  unit: string;
  /** the setting the figure follows when no expectation is given: a role (src/target/roles.ts), each stack's own name for it */
  setting?: string;
}

export const EXPECTATIONS = {
  'synack-retries': { what: 'SYN-ACK retransmissions before a half-open connection is dropped', unit: 'count', setting: 'synack-retries' },
  'fin-timeout': { what: 'lifetime of an orphaned FIN-WAIT-2', unit: 's', setting: 'fin-timeout' },
  retries2: { what: 'data retransmissions before an established connection is dropped', unit: 'count', setting: 'retries2' },
  'orphan-retries': { what: 'FIN retransmissions before an orphaned FIN-WAIT-1 is dropped', unit: 'count', setting: 'orphan-retries' },
  'time-wait': { what: 'TIME-WAIT duration (2 MSL)', unit: 's', setting: 'time-wait' },
} as const satisfies Record<string, ExpectationInfo>;

export type ExpectationKey = keyof typeof EXPECTATIONS;

export const isExpectationKey = (k: string): k is ExpectationKey => Object.hasOwn(EXPECTATIONS, k);

/** For --help and errors: `synack-retries (count: SYN-ACK retransmissions …)`. */
export const describeExpectations = (): string =>
  Object.entries(EXPECTATIONS)
    .map(([k, v]) => `${k} (${v.unit}: ${v.what})`)
    .join('; ');

/** Expectations some test of this suite process read (the suite reports them; the run names the unused). */
export const expectationsUsed = new Set<ExpectationKey>();
