import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateRandomCommand,
  ScheduleKeyDeletionCommand,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { activeCluster, createTestCa, emulatorAccess, type ActiveCluster } from '../../../support/cloudhsm-cluster.js';
import { ACCOUNT, awsErrorName, REGION, startHarness, type CksHarness } from './harness.js';

/**
 * CloudHSM key stores against the emulator's own simulated CloudHSM service (clusters
 * driven from CreateCluster to ACTIVE with a real X.509 trust chain), through
 * @aws-sdk/client-kms over the wire endpoint.
 */

const CALLER = { accountId: ACCOUNT, region: REGION };
let h: CksHarness;
let n = 0;
let offsetMs = 0;

beforeEach(async () => {
  offsetMs = 0;
  h = await startHarness({ realCloudHsm: true, clock: () => new Date(Date.now() + offsetMs) });
});
afterEach(async () => {
  await h.close();
});

const cluster = (opts: Parameters<typeof activeCluster>[1] = {}) =>
  activeCluster(emulatorAccess(h.emulator, CALLER), opts);

async function createStore(c: ActiveCluster, password = c.kmsuserPassword): Promise<string> {
  const out = await h.kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: `real-${++n}`,
      CloudHsmClusterId: c.clusterId,
      TrustAnchorCertificate: c.trustAnchorPem,
      KeyStorePassword: password,
    }),
  );
  return out.CustomKeyStoreId!;
}

async function connect(id: string) {
  await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  await h.emulator.settled();
  return (await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
}

describe('CloudHSM key stores over the simulated CloudHSM service', () => {
  it('a store over an ACTIVE cluster connects, creates keys in the cluster, encrypts, decrypts and generates random bytes', async () => {
    const c = await cluster();
    const id = await createStore(c);
    expect(await connect(id)).toMatchObject({ ConnectionState: 'CONNECTED', CloudHsmClusterId: c.clusterId });
    const md = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }))).KeyMetadata!;
    expect(md).toMatchObject({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id, CloudHsmClusterId: c.clusterId });
    const ct = await h.kms.send(
      new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('in the HSM'), EncryptionContext: { k: 'v' } }),
    );
    expect(
      Buffer.from(
        (await h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { k: 'v' } })))
          .Plaintext!,
      ).toString(),
    ).toBe('in the HSM');
    expect(
      (await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 16, CustomKeyStoreId: id }))).Plaintext,
    ).toHaveLength(16);
  });

  it('the trust anchor must be the one the cluster was initialized with: IncorrectTrustAnchorException', async () => {
    const c = await cluster();
    const other = await createTestCa('CN=someone else');
    const err = h.kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: 'x',
        CloudHsmClusterId: c.clusterId,
        TrustAnchorCertificate: other.certificatePem,
        KeyStorePassword: c.kmsuserPassword,
      }),
    );
    expect(await awsErrorName(err)).toBe('IncorrectTrustAnchorException');
  });

  it('a cluster with a single HSM: CloudHsmClusterInvalidConfigurationException', async () => {
    const c = await cluster({ hsms: 1 });
    expect(await awsErrorName(createStore(c))).toBe('CloudHsmClusterInvalidConfigurationException');
  });

  it('a cluster not yet initialized: CloudHsmClusterNotActiveException', async () => {
    const created = await h.emulator.cloudHsm.call(CALLER, 'CreateCluster', {
      HsmType: 'hsm2m.medium',
      SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });
    const err = h.kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: 'x',
        CloudHsmClusterId: created.Cluster!.ClusterId!,
        TrustAnchorCertificate: 'pem',
        KeyStorePassword: 'kmsuser-pass',
      }),
    );
    expect(await awsErrorName(err)).toBe('CloudHsmClusterNotActiveException');
  });

  it('a cluster already used by a store: CloudHsmClusterInUseException', async () => {
    const c = await cluster();
    await createStore(c);
    expect(await awsErrorName(createStore(c))).toBe('CloudHsmClusterInUseException');
  });

  it('a wrong kmsuser password fails with INVALID_CREDENTIALS; five failures lock kmsuser out (USER_LOCKED_OUT)', async () => {
    const c = await cluster();
    const id = await createStore(c, 'not-the-password');
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
    let last;
    for (let i = 0; i < 4; i++) {
      await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      last = await connect(id);
    }
    expect(last).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_LOCKED_OUT' });
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: c.kmsuserPassword }));
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_LOCKED_OUT' });
  });

  it('deleting a KMS key of the store deletes its key in the cluster', async () => {
    const c = await cluster();
    const id = await createStore(c);
    await connect(id);
    const keyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))
      .KeyMetadata!.KeyId!;
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const hsmKeys = async () => (await h.store.loadAll()).filter((o) => o.kind === 'hsm-key').length;
    expect(await hsmKeys()).toBe(1);
    await h.emulator.runScheduledTasks();
    expect(await hsmKeys()).toBe(1); // still within the waiting period
    offsetMs = 8 * 86_400_000;
    expect((await h.emulator.runScheduledTasks()).deleted).toBe(1);
    expect(await hsmKeys()).toBe(0);
  });
});
