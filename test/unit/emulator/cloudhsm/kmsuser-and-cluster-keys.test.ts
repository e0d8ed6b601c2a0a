import { MAX_FAILED_LOGINS } from '../../../../src/emulator/cloudhsm/cloudhsm-emulator.js';
import { activeCluster, emulatorAccess } from '../../../support/cloudhsm-cluster.js';
import {
  callOf,
  describe1,
  errorOf,
  HSM_ACCOUNT,
  HSM_CTX,
  HSM_REGION,
  newCluster,
  openHsmHarness,
  type HsmHarness,
} from './helpers.js';

let h: HsmHarness;
const call = callOf(() => h);
afterEach(async () => h?.emulator.close());

const A = HSM_ACCOUNT;
const R = HSM_REGION;

describe('activation and crypto users', () => {
  it('setting kmsuser on an INITIALIZED cluster activates it; the view lists the active HSMs per zone', async () => {
    h = await openHsmHarness();
    const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
    expect((await describe1(h, c.clusterId)).State).toBe('ACTIVE');
    const view = h.emulator.cloudHsm.findCluster(A, R, c.clusterId)!;
    expect(view.state).toBe('ACTIVE');
    expect(view.activeHsms.map((x) => x.availabilityZone).sort()).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(view.securityGroup).toMatch(/^sg-/);
    expect(h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, c.kmsuserPassword)).toBe('OK');
    expect(h.emulator.cloudHsm.findCluster(A, '444455556666', c.clusterId)).toBeUndefined();
  });

  it('refuses crypto users before initialization, bad names and passwords outside 7–32 characters', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    const early = await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, id, 'kmsuser', 'Passw0rd!'));
    expect([early.awsName, early.message]).toEqual([
      'CloudHsmInvalidRequestException',
      expect.stringContaining('is UNINITIALIZED'),
    ]);
    expect(
      (await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, id, 'kms user', 'Passw0rd!'))).message,
    ).toContain('username');
    expect((await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, id, 'kmsuser', 'short'))).message).toBe(
      'password must be 7–32 characters.',
    );
    expect((await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, id, 'kmsuser', 'x'.repeat(33)))).message).toBe(
      'password must be 7–32 characters.',
    );
    expect((await errorOf(() => h.emulator.cloudHsm.activate(A, R, id, 'Passw0rd!'))).message).toContain(
      'only an INITIALIZED cluster can be activated',
    );
    expect(
      (await errorOf(() => h.emulator.cloudHsm.setCryptoUser(A, R, 'cluster-abcdefghijk', 'kmsuser', 'Passw0rd!')))
        .awsName,
    ).toBe('CloudHsmResourceNotFoundException');
    expect(h.emulator.cloudHsm.loginKmsUser(A, R, id, 'Passw0rd!')).toBe('USER_NOT_FOUND');
  });

  it(`locks kmsuser out after ${MAX_FAILED_LOGINS} consecutive failures; setting the password again unlocks it`, async () => {
    h = await openHsmHarness();
    const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
    const login = (pw: string) => h.emulator.cloudHsm.loginKmsUser(A, R, c.clusterId, pw);
    expect(login('wrong-password')).toBe('INVALID_CREDENTIALS');
    expect(login(c.kmsuserPassword)).toBe('OK'); // a success resets the count
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) expect(login('wrong-password')).toBe('INVALID_CREDENTIALS');
    expect(login('wrong-password')).toBe('USER_LOCKED_OUT');
    expect(login(c.kmsuserPassword)).toBe('USER_LOCKED_OUT');
    await h.emulator.cloudHsm.setCryptoUser(A, R, c.clusterId, 'kmsuser', 'new-Passw0rd');
    expect(login(c.kmsuserPassword)).toBe('INVALID_CREDENTIALS');
    expect(login('new-Passw0rd')).toBe('OK');
  });
});

describe('cluster keys', () => {
  it('needs an ACTIVE cluster with active HSMs in two zones', async () => {
    h = await openHsmHarness();
    const one = await activeCluster(emulatorAccess(h.emulator, HSM_CTX), { hsms: 1 });
    const err = await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, one.clusterId, 'key-1'));
    expect(err.awsName).toBe('CloudHsmClusterInvalidConfigurationException');
    const sameZone = await newCluster(h);
    expect((await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, sameZone, 'key-1'))).awsName).toBe(
      'CloudHsmClusterNotActiveException',
    );
    expect(
      (await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, 'cluster-abcdefghijk', 'key-1'))).awsName,
    ).toBe('CloudHsmClusterNotFoundException');
    // A second HSM in the same zone is not enough; one in the other zone is.
    await call('CreateHsm', { ClusterId: one.clusterId, AvailabilityZone: one.hsms[0]!.availabilityZone });
    expect((await errorOf(() => h.emulator.cloudHsm.createClusterKey(A, R, one.clusterId, 'key-1'))).awsName).toBe(
      'CloudHsmClusterInvalidConfigurationException',
    );
    await call('CreateHsm', { ClusterId: one.clusterId, AvailabilityZone: 'eu-west-1b' });
    await expect(h.emulator.cloudHsm.createClusterKey(A, R, one.clusterId, 'key-1')).resolves.toMatch(/^[0-9a-f]{16}$/);
  });

  it('AES-256-GCM round trip with bound AAD; tampering, another key and a deleted key fail', async () => {
    h = await openHsmHarness();
    const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
    const k1 = await h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'kms-key-1');
    const k2 = await h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'kms-key-2');
    const pt = new TextEncoder().encode('attack at dawn');
    const aad = new TextEncoder().encode('context');
    const blob = h.emulator.cloudHsm.clusterEncrypt(A, R, c.clusterId, k1, pt, aad);
    expect(blob.length).toBe(12 + pt.length + 16);
    expect(Buffer.from(blob).includes(Buffer.from(pt))).toBe(false);
    expect(new TextDecoder().decode(h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k1, blob, aad))).toBe(
      'attack at dawn',
    );
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { awsName?: string }).awsName;
      }
      return 'no error';
    };
    expect(
      bad(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k1, blob, new TextEncoder().encode('other'))),
    ).toBe('InvalidCiphertextException');
    expect(bad(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k2, blob, aad))).toBe(
      'InvalidCiphertextException',
    );
    const flipped = Uint8Array.from(blob);
    flipped[14]! ^= 1;
    expect(bad(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k1, flipped, aad))).toBe(
      'InvalidCiphertextException',
    );
    expect(bad(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k1, blob.subarray(0, 20), aad))).toBe(
      'InvalidCiphertextException',
    );
    expect(bad(() => h.emulator.cloudHsm.clusterEncrypt(A, R, 'cluster-abcdefghijk', k1, pt, aad))).toBe(
      'KMSInvalidStateException',
    );
    await h.emulator.cloudHsm.deleteClusterKey(A, R, c.clusterId, k1);
    await h.emulator.cloudHsm.deleteClusterKey(A, R, c.clusterId, k1); // idempotent
    expect(bad(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k1, blob, aad))).toBe(
      'KMSInvalidStateException',
    );
  });

  it('crypto needs an active HSM: with every HSM deleted, keys are unusable until one is back', async () => {
    h = await openHsmHarness();
    const c = await activeCluster(emulatorAccess(h.emulator, HSM_CTX));
    const k = await h.emulator.cloudHsm.createClusterKey(A, R, c.clusterId, 'kms-key');
    const blob = h.emulator.cloudHsm.clusterEncrypt(A, R, c.clusterId, k, new Uint8Array([1, 2, 3]), new Uint8Array());
    for (const x of c.hsms) await call('DeleteHsm', { ClusterId: c.clusterId, HsmId: x.hsmId });
    expect(() => h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k, blob, new Uint8Array())).toThrow(
      'has no active HSM',
    );
    await call('CreateHsm', { ClusterId: c.clusterId, AvailabilityZone: 'eu-west-1a' });
    expect(h.emulator.cloudHsm.clusterDecrypt(A, R, c.clusterId, k, blob, new Uint8Array())).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });
});
