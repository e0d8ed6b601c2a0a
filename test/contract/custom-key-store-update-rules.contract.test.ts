import {
  ConnectCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateRandomCommand,
} from '@aws-sdk/client-kms';
import {
  ACCOUNT,
  awsErrorName,
  REGION,
  XKS_CREDENTIAL,
  XKS_ENDPOINT,
} from '../unit/emulator/custom-key-stores/harness.js';
import {
  CALLER,
  connect,
  describe1,
  h,
  hsmStore,
  installHarness,
  newCluster,
  newClusterId,
  update,
  useTestDirectory,
  xksStore,
} from './custom-key-store-rules.fixture.js';

/**
 * KMS keys in custom key stores, GenerateRandom, UpdateCustomKeyStore: one test per rule of the custom key store seeds (000 CreateCustomKeyStore, 002
 * UpdateCustomKeyStore, 003 the 2018 change log), each through @aws-sdk/client-kms against
 * the emulator's SigV4-verified wire endpoint, asserting AWS's exact exception name.
 */

installHarness();

describe('seed 003: KMS keys in custom key stores, GenerateRandom', () => {
  it('CreateKey in a CloudHSM store: Origin AWS_CLOUDHSM, CustomKeyStoreId and CloudHsmClusterId in KeyMetadata; Encrypt/Decrypt round-trip', async () => {
    const { id, clusterId } = await hsmStore();
    await connect(id);
    const md = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }))).KeyMetadata!;
    expect(md).toMatchObject({
      Origin: 'AWS_CLOUDHSM',
      CustomKeyStoreId: id,
      CloudHsmClusterId: clusterId,
      KeyState: 'Enabled',
    });
    const ct = await h.kms.send(
      new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('secret'), EncryptionContext: { a: '1' } }),
    );
    const pt = await h.kms.send(
      new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { a: '1' } }),
    );
    expect(Buffer.from(pt.Plaintext!).toString()).toBe('secret');
    expect(
      await awsErrorName(
        h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { a: '2' } })),
      ),
    ).toBe('InvalidCiphertextException');
  });

  it('CreateKey needs an existing store: CustomKeyStoreNotFoundException', async () => {
    expect(
      await awsErrorName(
        h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-0123456789abcdef0' })),
      ),
    ).toBe('CustomKeyStoreNotFoundException');
  });

  it('CreateKey needs a CONNECTED store: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('CreateKey in a custom key store needs Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE: ValidationException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ CustomKeyStoreId: id })))).toBe('ValidationException');
  });

  it('keys in custom key stores are symmetric only and single-Region: UnsupportedOperationException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(
      await awsErrorName(
        h.kms.send(
          new CreateKeyCommand({
            Origin: 'AWS_CLOUDHSM',
            CustomKeyStoreId: id,
            KeySpec: 'RSA_2048',
            KeyUsage: 'ENCRYPT_DECRYPT',
          }),
        ),
      ),
    ).toBe('UnsupportedOperationException');
    expect(
      await awsErrorName(
        h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id, MultiRegion: true })),
      ),
    ).toBe('UnsupportedOperationException');
  });

  it('the cluster needs two active HSMs in different zones to create a key: CloudHsmClusterInvalidConfigurationException', async () => {
    const { id, clusterId } = await hsmStore();
    await connect(id);
    const hsm = h.emulator.cloudHsm.findCluster(ACCOUNT, REGION, clusterId)!.activeHsms[0]!;
    await h.emulator.cloudHsm.call(CALLER, 'DeleteHsm', { ClusterId: clusterId, HsmId: hsm.hsmId });
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))).toBe(
      'CloudHsmClusterInvalidConfigurationException',
    );
  });

  it('keys of a disconnected store are Unavailable and cannot be used: KMSInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    const keyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))
      .KeyMetadata!.KeyId!;
    const ct = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect((await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Unavailable');
    expect(await awsErrorName(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })))).toBe(
      'KMSInvalidStateException',
    );
    expect(await awsErrorName(h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob })))).toBe(
      'KMSInvalidStateException',
    );
  });

  it('GenerateRandom with a CONNECTED CloudHSM store returns the bytes asked for', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(
      (await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32, CustomKeyStoreId: id }))).Plaintext,
    ).toHaveLength(32);
  });

  it('GenerateRandom needs an existing, CONNECTED store: CustomKeyStoreNotFoundException, CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(
      await awsErrorName(
        h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: 'cks-0123456789abcdef0' })),
      ),
    ).toBe('CustomKeyStoreNotFoundException');
    expect(await awsErrorName(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('GenerateRandom with an external key store: UnsupportedOperationException', async () => {
    const id = await xksStore();
    await connect(id);
    expect(await awsErrorName(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })))).toBe(
      'UnsupportedOperationException',
    );
  });
});

describe('seed 002: UpdateCustomKeyStore', () => {
  it('every property of a CloudHSM store changes only while DISCONNECTED: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(await awsErrorName(update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed' }))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
    expect(await awsErrorName(update({ CustomKeyStoreId: id, KeyStorePassword: 'another-pass' }))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('NewCustomKeyStoreName renames a store and must be unique: CustomKeyStoreNameInUseException', async () => {
    const { id } = await hsmStore();
    await hsmStore({ CustomKeyStoreName: 'taken' });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'taken' }))).toBe(
      'CustomKeyStoreNameInUseException',
    );
    await update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed' });
    expect((await describe1(id)).CustomKeyStoreName).toBe('renamed');
  });

  it('KeyStorePassword tells KMS the current kmsuser password (it then connects with it)', async () => {
    const { id, clusterId } = await hsmStore();
    await h.emulator.cloudHsm.setCryptoUser(ACCOUNT, REGION, clusterId, 'kmsuser', 'rotated-pass');
    await update({ CustomKeyStoreId: id, KeyStorePassword: 'rotated-pass' });
    expect((await connect(id)).ConnectionState).toBe('CONNECTED');
  });

  it('an unrelated cluster is refused: CloudHsmClusterNotRelatedException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: await newCluster() }))).toBe(
      'CloudHsmClusterNotRelatedException',
    );
  });

  it('the replacement cluster must exist: CloudHsmClusterNotFoundException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: newClusterId() }))).toBe(
      'CloudHsmClusterNotFoundException',
    );
  });

  it('XKS parameters are not valid for a CloudHSM store, nor CloudHSM parameters for an external one: ValidationException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriPath: '/a/kms/xks/v1' }))).toBe(
      'ValidationException',
    );
    const xid = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: xid, KeyStorePassword: 'kmsuser-pass' }))).toBe(
      'ValidationException',
    );
  });

  it("an external store's name, credential and path change while CONNECTED", async () => {
    const id = await xksStore();
    await connect(id);
    const credential = { AccessKeyId: 'QRSTUVWXYZABCDEFGHIJ', RawSecretAccessKey: 'Z'.repeat(50) };
    h.xksStores.put('default', {
      region: REGION,
      credentials: [
        { accessKeyId: XKS_CREDENTIAL.AccessKeyId, secretAccessKey: XKS_CREDENTIAL.RawSecretAccessKey },
        { accessKeyId: credential.AccessKeyId, secretAccessKey: credential.RawSecretAccessKey },
      ],
      blocked: false,
      ownerAccount: ACCOUNT,
    });
    await update({
      CustomKeyStoreId: id,
      NewCustomKeyStoreName: 'xks-renamed',
      XksProxyAuthenticationCredential: credential,
      XksProxyUriPath: '/default/kms/xks/v1',
    });
    expect(await describe1(id)).toMatchObject({
      CustomKeyStoreName: 'xks-renamed',
      ConnectionState: 'CONNECTED',
      XksProxyConfiguration: { AccessKeyId: credential.AccessKeyId, UriPath: '/default/kms/xks/v1' },
    });
  });

  it("an external store's endpoint and connectivity change only while DISCONNECTED: CustomKeyStoreInvalidStateException", async () => {
    const id = await xksStore();
    await connect(id);
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriEndpoint: 'https://other.example.com' }))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('changing connectivity to VPC_ENDPOINT_SERVICE requires a new endpoint and a service name: ValidationException', async () => {
    const id = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe(
      'ValidationException',
    );
    expect(
      await awsErrorName(
        update({
          CustomKeyStoreId: id,
          XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
          XksProxyUriEndpoint: 'https://private.example.com',
        }),
      ),
    ).toBe('ValidationException');
    await update({
      CustomKeyStoreId: id,
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
      XksProxyUriEndpoint: 'https://private.example.com',
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
    });
    expect((await describe1(id)).XksProxyConfiguration).toMatchObject({
      Connectivity: 'VPC_ENDPOINT_SERVICE',
      VpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
    });
  });

  it('changing connectivity to PUBLIC_ENDPOINT requires a new endpoint and no service name: ValidationException', async () => {
    const id = await xksStore({
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
      XksProxyUriEndpoint: 'https://private.example.com',
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
    });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'PUBLIC_ENDPOINT' }))).toBe(
      'ValidationException',
    );
    expect(
      await awsErrorName(
        update({
          CustomKeyStoreId: id,
          XksProxyConnectivity: 'PUBLIC_ENDPOINT',
          XksProxyUriEndpoint: XKS_ENDPOINT,
          XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
        }),
      ),
    ).toBe('ValidationException');
    await update({ CustomKeyStoreId: id, XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: XKS_ENDPOINT });
    expect((await describe1(id)).XksProxyConfiguration).toEqual({
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: XKS_CREDENTIAL.AccessKeyId,
      UriEndpoint: XKS_ENDPOINT,
      UriPath: '/kms/xks/v1',
    });
  });

  it('the new endpoint + path must be unique: XksProxyUriInUseException', async () => {
    await xksStore({ XksProxyUriPath: '/default/kms/xks/v1' });
    const id = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriPath: '/default/kms/xks/v1' }))).toBe(
      'XksProxyUriInUseException',
    );
  });

  it('the new settings must reach the proxy: XksProxyUriUnreachableException / XksProxyIncorrectAuthenticationCredentialException', async () => {
    const id = await xksStore();
    expect(
      await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriEndpoint: 'https://unreachable.invalid' })),
    ).toBe('XksProxyUriUnreachableException');
    expect(
      await awsErrorName(
        update({
          CustomKeyStoreId: id,
          XksProxyAuthenticationCredential: { AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZ', RawSecretAccessKey: 'c'.repeat(44) },
        }),
      ),
    ).toBe('XksProxyIncorrectAuthenticationCredentialException');
    expect((await describe1(id)).XksProxyConfiguration!.AccessKeyId).toBe(XKS_CREDENTIAL.AccessKeyId);
  });
});

describe('rules needing cluster states the simulated CloudHSM is not put in on demand (test directory)', () => {
  beforeAll(() => useTestDirectory(true));
  afterAll(() => useTestDirectory(false));

  it("a cluster sharing the certificate (backup history) of another store's cluster is in use too: CloudHsmClusterInUseException", async () => {
    const { clusterId } = await hsmStore();
    h.directory.addCluster('cluster-ddddddddddd', {
      trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem,
    });
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: 'cluster-ddddddddddd' }))).toBe(
      'CloudHsmClusterInUseException',
    );
  });
  it('a cluster without kmsuser makes the connection FAILED with USER_NOT_FOUND', async () => {
    const { id, clusterId } = await hsmStore();
    delete h.directory.clusters.get(clusterId)!.kmsuser;
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_NOT_FOUND' });
  });
  it('a cluster that is gone makes the connection FAILED with CLUSTER_NOT_FOUND', async () => {
    const { id, clusterId } = await hsmStore();
    h.directory.clusters.delete(clusterId);
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'CLUSTER_NOT_FOUND' });
  });
  it('a cluster without active HSMs makes the connection FAILED with INSUFFICIENT_CLOUDHSM_HSMS', async () => {
    const { id, clusterId } = await hsmStore();
    h.directory.clusters.get(clusterId)!.hsms = [];
    expect(await connect(id)).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'INSUFFICIENT_CLOUDHSM_HSMS',
    });
  });
  it('connecting needs an ACTIVE cluster: CloudHsmClusterNotActiveException', async () => {
    const { id, clusterId } = await hsmStore();
    h.directory.clusters.get(clusterId)!.state = 'UPDATE_IN_PROGRESS';
    expect(await awsErrorName(h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe(
      'CloudHsmClusterNotActiveException',
    );
  });
  it('CloudHsmClusterId may name a related cluster (same backup history / certificate)', async () => {
    const { id, clusterId } = await hsmStore();
    const related = newClusterId();
    h.directory.addCluster(related, { trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem });
    await update({ CustomKeyStoreId: id, CloudHsmClusterId: related });
    expect((await describe1(id)).CloudHsmClusterId).toBe(related);
  });
  it('the replacement cluster must be ACTIVE: CloudHsmClusterNotActiveException', async () => {
    const { id, clusterId } = await hsmStore();
    const related = newClusterId();
    h.directory.addCluster(related, {
      trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem,
      state: 'DEGRADED',
    });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: related }))).toBe(
      'CloudHsmClusterNotActiveException',
    );
  });
  it('the replacement cluster needs two active HSMs in different zones: CloudHsmClusterInvalidConfigurationException', async () => {
    const { id, clusterId } = await hsmStore();
    const related = newClusterId();
    h.directory.addCluster(related, {
      trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem,
      hsms: [{ hsmId: 'hsm-9', availabilityZone: 'us-east-1c' }],
    });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: related }))).toBe(
      'CloudHsmClusterInvalidConfigurationException',
    );
  });
});
