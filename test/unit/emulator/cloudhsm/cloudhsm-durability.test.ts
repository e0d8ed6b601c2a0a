import { randomBytes } from 'node:crypto';
import { KmsEmulator } from '../../../../src/emulator/emulator.js';
import type { StoreChange } from '../../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { activeCluster, emulatorAccess } from '../../../support/cloudhsm-cluster.js';
import {
  callOf,
  describe1,
  errorOf,
  HSM_ACCOUNT as A,
  HSM_CTX,
  HSM_REGION as R,
  newCluster,
  openHsmHarness,
  type HsmHarness,
} from './helpers.js';

/** An in-memory store that records and can fail writes. */
class RecordingStore extends InMemoryEmulatorStore {
  applied: StoreChange[] = [];
  failNext = 0;
  override async apply(change: StoreChange): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk on fire');
    }
    this.applied.push(change);
    await super.apply(change);
  }
}

let h: HsmHarness;
const call = callOf(() => h);
afterEach(async () => h?.emulator.close());

test('clusters, HSMs, users and cluster keys survive a restart; only hashes and sealed material are stored', async () => {
  const store = new RecordingStore();
  const rootKey = new Uint8Array(randomBytes(32));
  h = await openHsmHarness({ store, rootKey });
  const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX), { kmsuserPassword: 'Very-Secret-Pw1' });
  const handle = await h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'kms-key');
  const blob = h.emulator.cloudHsm.clusterEncrypt(
    A,
    R,
    c.clusterId,
    handle,
    new TextEncoder().encode('payload'),
    new Uint8Array([7]),
  );
  expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, 'wrong-pass')).toBe('INVALID_CREDENTIALS');
  const before = await describe1(h, c.clusterId);
  await h.emulator.close();

  const objects = await store.loadAll();
  expect(objects.map((o) => o.kind).sort()).toEqual(['hsm-cluster', 'hsm-key', 'hsm-user']);
  const text = JSON.stringify(objects.map((o) => o.doc));
  expect(text).not.toContain('Very-Secret-Pw1');
  expect(text).toMatch(/"passwordHash":"scrypt\$1024\$/);
  const key = objects.find((o) => o.kind === 'hsm-key')!;
  expect(key.secret?.[0]).toBe(1); // root envelope format version
  expect(key.secret!.length).toBe(1 + 12 + 16 + 32);

  h = await openHsmHarness({ store, rootKey });
  expect(await describe1(h, c.clusterId)).toEqual(before);
  expect(h.emulator.cloudHsm.isTrustAnchor(A, R, c.clusterId, c.trustAnchorPem)).toBe(true);
  expect(
    new TextDecoder().decode(h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, handle, blob, new Uint8Array([7]))),
  ).toBe('payload');
  // The failed login before the restart still counts toward the lockout.
  for (let i = 0; i < 3; i++)
    expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, 'wrong-pass')).toBe('INVALID_CREDENTIALS');
  expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, 'wrong-pass')).toBe('USER_LOCKED_OUT');
  await h.emulator.close();

  await expect(
    KmsEmulator.open({ store, rootKey: new Uint8Array(randomBytes(32)), defaultAccountId: A, schedulerIntervalMs: 0 }),
  ).rejects.toThrow('failed authentication');
});

test('transitions in progress settle after a restart without any write', async () => {
  const store = new RecordingStore();
  const rootKey = new Uint8Array(randomBytes(32));
  h = await openHsmHarness({ store, rootKey, transitionMs: 1000 });
  const id = await newCluster(h);
  const clock = h.clock;
  await h.emulator.close();
  const writes = store.applied.length;
  h = await openHsmHarness({ store, rootKey, transitionMs: 1000, clock });
  expect((await describe1(h, id)).State).toBe('CREATE_IN_PROGRESS');
  clock.advanceMs(1000);
  expect((await describe1(h, id)).State).toBe('UNINITIALIZED');
  expect(store.applied.length).toBe(writes);
});

test('a failed write is CloudHsmInternalFailureException and changes nothing', async () => {
  const store = new RecordingStore();
  h = await openHsmHarness({ store });
  store.failNext = 1;
  const err = await errorOf(() => newClusterOf(h));
  expect(err.awsName).toBe('CloudHsmInternalFailureException');
  expect(err.message).not.toContain('disk on fire');
  expect((await call('DescribeClusters', {})).Clusters).toEqual([]);

  const id = await newClusterOf(h);
  store.failNext = 1;
  expect((await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' }))).awsName).toBe(
    'CloudHsmInternalFailureException',
  );
  expect((await describe1(h, id)).Hsms).toEqual([]);
  store.failNext = 1;
  expect(
    (await errorOf(() => call('TagResource', { ResourceId: id, TagList: [{ Key: 'k', Value: 'v' }] }))).awsName,
  ).toBe('CloudHsmInternalFailureException');
  expect((await describe1(h, id)).TagList).toEqual([]);
});

test('a failed write of a cluster key or crypto user leaves neither behind', async () => {
  const store = new RecordingStore();
  h = await openHsmHarness({ store });
  const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
  store.failNext = 1;
  expect((await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'k'))).awsName).toBe(
    'CloudHsmInternalFailureException',
  );
  expect((await store.loadAll()).filter((o) => o.kind === 'hsm-key')).toEqual([]);
  store.failNext = 1;
  expect(
    (await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, c.clusterId, 'kmsuser', 'another-Pw1'))).awsName,
  ).toBe('CloudHsmInternalFailureException');
  expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, c.kmsuserPassword)).toBe('OK');
});

test('deleting a cluster removes its crypto users and cluster keys from the store', async () => {
  const store = new RecordingStore();
  h = await openHsmHarness({ store });
  const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
  const k = await h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'k');
  for (const x of c.hsms) await call('DeleteHsm', { ClusterId: c.clusterId, HsmId: x.hsmId });
  await call('DeleteCluster', { ClusterId: c.clusterId });
  expect((await store.loadAll()).map((o) => o.kind)).toEqual(['hsm-cluster']);
  expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, c.kmsuserPassword)).toBe('USER_NOT_FOUND');
  expect(() => h.emulator.cloudHsm.clusterEncrypt(A, R, c.clusterId, k, new Uint8Array(1), new Uint8Array())).toThrow();
});

const newClusterOf = (x: HsmHarness) => newCluster(x);

test('after close, calls fail with CloudHsmInternalFailureException and nothing is written', async () => {
  const store = new RecordingStore();
  h = await openHsmHarness({ store });
  const id = await newCluster(h);
  await h.emulator.close();
  const writes = store.applied.length;
  expect((await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' }))).awsName).toBe(
    'CloudHsmInternalFailureException',
  );
  expect((await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, id, 'k'))).awsName).toBe(
    'CloudHsmInternalFailureException',
  );
  expect((await errorOf(() => h.emulator.cloudHsm.activate(A, R, id, 'Passw0rd!'))).awsName).toBe(
    'CloudHsmInternalFailureException',
  );
  expect(store.applied.length).toBe(writes);
});
