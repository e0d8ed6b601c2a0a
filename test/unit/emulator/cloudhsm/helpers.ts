import { randomBytes } from 'node:crypto';
import { KmsEmulator } from '../../../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { FakeClock } from '../helpers.js';

export { errorOf } from '../helpers.js';

export const HSM_ACCOUNT = '111122223333';
export const HSM_REGION = 'eu-west-1';
export const HSM_CTX = { accountId: HSM_ACCOUNT, region: HSM_REGION };
export const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'];

export interface HsmHarness {
  emulator: KmsEmulator;
  store: EmulatorStore;
  rootKey: Uint8Array;
  clock: FakeClock & { advanceMs(ms: number): void };
}

/** An emulator over an in-memory store with a fake clock; CloudHSM transitions take `transitionMs` of it (default 0). */
export async function openHsmHarness(
  opts: { store?: EmulatorStore; rootKey?: Uint8Array; transitionMs?: number; clock?: HsmHarness['clock'] } = {},
): Promise<HsmHarness> {
  const store = opts.store ?? new InMemoryEmulatorStore();
  const rootKey = opts.rootKey ?? new Uint8Array(randomBytes(32));
  const clock =
    opts.clock ??
    Object.assign(new FakeClock(new Date()), {
      advanceMs(this: FakeClock, ms: number) {
        this.time = new Date(this.time.getTime() + ms);
      },
    });
  const emulator = await KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store,
    rootKey,
    defaultAccountId: HSM_ACCOUNT,
    clock: clock.now,
    schedulerIntervalMs: 0,
    cloudHsmTransitionMs: opts.transitionMs ?? 0,
  });
  return { emulator, store, rootKey, clock };
}

/** Creates a cluster over `subnets` (default two) and returns its id. */
export async function newCluster(h: HsmHarness, subnets = SUBNETS.slice(0, 2)): Promise<string> {
  return (await h.emulator.cloudHsm.call(HSM_CTX, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: subnets }))
    .Cluster!.ClusterId!;
}

/** Operation outputs as the tests read them (fields asserted with toEqual/toMatch, so loosely typed). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** Calls a CloudHSM operation of the harness by name with untyped input, as a wire client could. */
export const callOf =
  (h: () => HsmHarness, ctx = HSM_CTX) =>
  (op: string, input: unknown): Promise<Loose> =>
    h().emulator.cloudHsm.call(ctx, op as never, input as never);

export async function describe1(h: HsmHarness, clusterId: string): Promise<Loose> {
  return (await h.emulator.cloudHsm.call(HSM_CTX, 'DescribeClusters', { Filters: { clusterIds: [clusterId] } }))
    .Clusters![0]!;
}
