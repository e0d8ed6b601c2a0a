import { randomBytes } from 'node:crypto';
import type { AppError } from '../../../src/errors/index.js';
import { KmsEmulator } from '../../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'us-east-1';
export const CTX = { accountId: ACCOUNT, region: REGION };

/** A controllable clock for deletion windows and rotation. */
export class FakeClock {
  constructor(public time = new Date('2025-01-01T00:00:00.000Z')) {}
  now = (): Date => new Date(this.time);
  advanceDays(days: number): void {
    this.time = new Date(this.time.getTime() + days * 86_400_000);
  }
}

export interface Harness {
  emulator: KmsEmulator;
  store: EmulatorStore;
  rootKey: Uint8Array;
  clock: FakeClock;
}

/** An emulator over an in-memory store with a fake clock and no background timer. */
export async function openHarness(
  opts: { store?: EmulatorStore; rootKey?: Uint8Array; clock?: FakeClock } = {},
): Promise<Harness> {
  const store = opts.store ?? new InMemoryEmulatorStore();
  const rootKey = opts.rootKey ?? new Uint8Array(randomBytes(32));
  const clock = opts.clock ?? new FakeClock();
  const emulator = await KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store,
    rootKey,
    defaultAccountId: ACCOUNT,
    clock: clock.now,
    schedulerIntervalMs: 0,
  });
  return { emulator, store, rootKey, clock };
}

/** Runs `fn` and returns the AppError it rejects with (fails the test if it resolves). */
export async function errorOf(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}
