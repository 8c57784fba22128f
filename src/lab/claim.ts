// Claiming a lab id for a host object (a Linux lab, a gVisor or UML stack): draw ids until one is
// free, and for each try either own what claimLab made or give the host back (its cleanup
// registration forgotten) when the id was taken or the claim failed. One sequence for every kind
// of lab host, so a signal mid-claim and a lost race are handled alike everywhere.
import { randomInt } from 'node:crypto';
import { EnvironmentError } from '../sys/errors.js';
import { LAB_INDEX_SPACE, type LabAddresses, labAddresses } from './addressing.js';
import { type ClaimResult, claimLab } from './netns.js';

/** What a host does as its claim settles. */
export interface ClaimHooks {
  /** the claim under way (a teardown during it waits for `ip` to finish) */
  claiming?(settled: Promise<unknown>): void;
  /** the namespace and veth are ours now */
  owned(): void;
  /** nothing of ours exists (taken by another process, or claimLab rolled its own work back) */
  givenBack(): void;
}

/** Claim `addresses` for `host`: the host if it now owns them, null if another process holds the id. */
export async function claimOrGiveBack<T>(host: T, addresses: LabAddresses, opts: { ipv6: boolean }, hooks: ClaimHooks): Promise<T | null> {
  const claiming = claimLab(addresses, opts);
  hooks.claiming?.(claiming.catch(() => undefined));
  let result: ClaimResult;
  try {
    result = await claiming;
  } catch (e) {
    hooks.givenBack(); // claimLab removed its own partial work
    throw e;
  }
  if (result === 'taken') {
    hooks.givenBack();
    return null;
  }
  hooks.owned();
  return host;
}

export interface DrawOptions {
  /** this id only (no retry) */
  id?: number;
  /** ids to draw before giving up (default 32) */
  maxAttempts?: number;
  /** how an id is drawn (tests); default uniformly at random */
  drawId?: () => number;
}

/** Draw lab ids until `claim` gets one (null: that id is taken); an EnvironmentError says why none was. */
export async function claimFreeLab<T>(claim: (addresses: LabAddresses) => Promise<T | null>, opts: DrawOptions = {}): Promise<T> {
  const attempts = opts.id !== undefined ? 1 : (opts.maxAttempts ?? 32);
  const draw = opts.drawId ?? (() => randomInt(LAB_INDEX_SPACE));
  for (let attempt = 0; attempt < attempts; attempt++) {
    const host = await claim(labAddresses(opts.id ?? draw()));
    if (host) return host;
  }
  throw new EnvironmentError(
    opts.id !== undefined
      ? `lab id ${opts.id} is in use (namespace or link tcpfsm-${opts.id} exists): run 'tcpfsm cleanup' if it is a leftover`
      : `no free lab id after ${attempts} attempts: too many tcpfsm-* namespaces exist; run 'tcpfsm cleanup'`,
  );
}
