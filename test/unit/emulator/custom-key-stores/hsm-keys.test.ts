import { randomBytes } from 'node:crypto';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { ACCOUNT, REGION, FakeCloudHsmDirectory } from './harness.js';

/** KMS keys in a CloudHSM key store: their ciphertext needs the cluster key (deletion with the key: real-cloudhsm.test.ts). */

const CALLER = { accountId: ACCOUNT, region: REGION };
const CLUSTER = 'cluster-abcdefghijk';

async function setup() {
  const { KmsEmulator } = await import('../../../../src/emulator/emulator.js');
  const directory = new FakeCloudHsmDirectory();
  const cluster = directory.addCluster(CLUSTER);
  const emulator = await KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store: new InMemoryEmulatorStore(),
    rootKey: new Uint8Array(randomBytes(32)),
    defaultAccountId: ACCOUNT,
    schedulerIntervalMs: 0,
    cloudHsmDirectory: directory,
  });
  const storeId = (
    await emulator.call(CALLER, 'CreateCustomKeyStore', {
      CustomKeyStoreName: 'hsm',
      CloudHsmClusterId: CLUSTER,
      TrustAnchorCertificate: cluster.trustAnchorPem,
      KeyStorePassword: 'kmsuser-pass',
    })
  ).CustomKeyStoreId!;
  await emulator.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: storeId });
  await emulator.settled();
  return { emulator, directory, storeId };
}

describe('CloudHSM key store keys', () => {
  it('ciphertext is bound to the cluster key: the KMS material alone cannot decrypt once the cluster key is replaced: InvalidCiphertextException', async () => {
    const { emulator, directory, storeId } = await setup();
    const keyId = (await emulator.call(CALLER, 'CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))
      .KeyMetadata!.KeyId!;
    const ct = await emulator.call(CALLER, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('pt') });
    const [handle] = [...directory.keys.keys()];
    directory.keys.set(handle!, randomBytes(32)); // the cluster's key replaced: KMS material alone must not decrypt
    await expect(emulator.call(CALLER, 'Decrypt', { CiphertextBlob: ct.CiphertextBlob })).rejects.toMatchObject({
      awsName: 'InvalidCiphertextException',
    });
    await emulator.close();
  });
});
