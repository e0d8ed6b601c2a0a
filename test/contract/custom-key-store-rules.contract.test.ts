import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  type CreateCustomKeyStoreCommandInput,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateRandomCommand,
  UpdateCustomKeyStoreCommand,
  type CustomKeyStoresListEntry,
} from '@aws-sdk/client-kms';
import { activeCluster, createTestCa, emulatorAccess } from '../support/cloudhsm-cluster.js';
import { ACCOUNT, awsErrorName, REGION, startHarness, XKS_CREDENTIAL, XKS_ENDPOINT, type CksHarness } from '../unit/emulator/custom-key-stores/harness.js';

/**
 * One test per rule of the custom key store seeds (000 CreateCustomKeyStore, 002
 * UpdateCustomKeyStore, 003 the 2018 change log), each through @aws-sdk/client-kms against
 * the emulator's SigV4-verified wire endpoint, asserting AWS's exact exception name.
 */

let h: CksHarness;
let seq = 0;
const CALLER = { accountId: ACCOUNT, region: REGION };
const uniq = (p: string) => `${p}-${++seq}`;
/** A cluster id the model accepts (cluster- + 11 of [2-7a-zA-Z]). */
const newClusterId = () => `cluster-${(++seq).toString(26).split('').map((c) => String.fromCharCode(97 + parseInt(c, 26))).join('').padStart(11, 'z')}`;

/**
 * CloudHSM stores use the emulator's own simulated CloudHSM service (real clusters with an
 * X.509 trust chain, driven by test/support/cloudhsm-cluster.ts); the last block uses a test
 * directory for cluster states that service cannot be put in on demand.
 */
let real = true;

beforeEach(async () => {
  h = await startHarness({ realCloudHsm: real });
});
afterEach(async () => {
  await h.close();
});

/** A new ACTIVE cluster (two HSMs in two zones unless told) whose kmsuser password is `kmsuser-pass`. */
async function newCluster(hsms = 2): Promise<string> {
  if (!real) {
    const id = newClusterId();
    h.directory.addCluster(id, hsms === 2 ? {} : { hsms: [{ hsmId: 'hsm-1', availabilityZone: 'us-east-1a' }] });
    return id;
  }
  return (await activeCluster(emulatorAccess(h.emulator, CALLER), { hsms, kmsuserPassword: 'kmsuser-pass' })).clusterId;
}

const anchorOf = (clusterId: string): string => (real ? h.emulator.cloudHsm : h.directory).findCluster(ACCOUNT, REGION, clusterId)?.trustAnchorPem ?? 'no-anchor';

async function hsmStore(overrides: Partial<CreateCustomKeyStoreCommandInput> = {}): Promise<{ id: string; clusterId: string }> {
  const clusterId = overrides.CloudHsmClusterId ?? (await newCluster());
  const out = await h.kms.send(new CreateCustomKeyStoreCommand({
    CustomKeyStoreName: uniq('hsm'), CloudHsmClusterId: clusterId, TrustAnchorCertificate: anchorOf(clusterId), KeyStorePassword: 'kmsuser-pass', ...overrides,
  }));
  return { id: out.CustomKeyStoreId!, clusterId };
}

async function xksStore(overrides: Partial<CreateCustomKeyStoreCommandInput> = {}): Promise<string> {
  const out = await h.kms.send(new CreateCustomKeyStoreCommand({
    CustomKeyStoreName: uniq('xks'), CustomKeyStoreType: 'EXTERNAL_KEY_STORE', XksProxyConnectivity: 'PUBLIC_ENDPOINT',
    XksProxyUriEndpoint: XKS_ENDPOINT, XksProxyUriPath: '/kms/xks/v1', XksProxyAuthenticationCredential: XKS_CREDENTIAL, ...overrides,
  }));
  return out.CustomKeyStoreId!;
}

const update = (input: ConstructorParameters<typeof UpdateCustomKeyStoreCommand>[0]) => h.kms.send(new UpdateCustomKeyStoreCommand(input));

async function describe1(id: string): Promise<CustomKeyStoresListEntry> {
  return (await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
}

async function connect(id: string): Promise<CustomKeyStoresListEntry> {
  await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  await h.emulator.settled();
  return describe1(id);
}

describe('seed 000 / 003: CreateCustomKeyStore', () => {
  it('a CloudHSM store is created DISCONNECTED with its cluster and trust anchor, and no password is ever returned', async () => {
    const { id, clusterId } = await hsmStore();
    const e = await describe1(id);
    expect(e).toMatchObject({ CustomKeyStoreType: 'AWS_CLOUDHSM', ConnectionState: 'DISCONNECTED', CloudHsmClusterId: clusterId });
    expect(JSON.stringify(e)).not.toContain('kmsuser-pass');
  });

  it('the name must be unique in the account and Region: CustomKeyStoreNameInUseException', async () => {
    await hsmStore({ CustomKeyStoreName: 'same' });
    expect(await awsErrorName(hsmStore({ CustomKeyStoreName: 'same' }))).toBe('CustomKeyStoreNameInUseException');
  });

  it('the cluster must exist: CloudHsmClusterNotFoundException', async () => {
    const err = h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'n', CloudHsmClusterId: 'cluster-aaaaaaaaaaa', TrustAnchorCertificate: 'x', KeyStorePassword: 'kmsuser-pass' }));
    expect(await awsErrorName(err)).toBe('CloudHsmClusterNotFoundException');
  });

  it('the cluster must be ACTIVE: CloudHsmClusterNotActiveException', async () => {
    const created = await h.emulator.cloudHsm.call(CALLER, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'] });
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: created.Cluster!.ClusterId! }))).toBe('CloudHsmClusterNotActiveException');
  });

  it('the cluster needs two active HSMs in different Availability Zones: CloudHsmClusterInvalidConfigurationException', async () => {
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: await newCluster(1) }))).toBe('CloudHsmClusterInvalidConfigurationException');
  });

  it('each store needs a different cluster: CloudHsmClusterInUseException', async () => {
    const { clusterId } = await hsmStore();
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: clusterId }))).toBe('CloudHsmClusterInUseException');
  });



  it('the trust anchor certificate must be the cluster\'s: IncorrectTrustAnchorException', async () => {
    expect(await awsErrorName(hsmStore({ TrustAnchorCertificate: (await createTestCa('CN=another customer')).certificatePem }))).toBe('IncorrectTrustAnchorException');
  });

  it('the kmsuser password must be 7 to 32 characters: ValidationException', async () => {
    expect(await awsErrorName(hsmStore({ KeyStorePassword: 'short' }))).toBe('ValidationException');
    expect(await awsErrorName(hsmStore({ KeyStorePassword: 'x'.repeat(33) }))).toBe('ValidationException');
  });

  it('a CloudHSM store requires CloudHsmClusterId, TrustAnchorCertificate and KeyStorePassword: ValidationException', async () => {
    expect(await awsErrorName(h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'n' })))).toBe('ValidationException');
  });

  it('an external store is created after the proxy answers its health check; the secret is never returned', async () => {
    const id = await xksStore();
    const e = await describe1(id);
    expect(e.XksProxyConfiguration).toEqual({ Connectivity: 'PUBLIC_ENDPOINT', AccessKeyId: XKS_CREDENTIAL.AccessKeyId, UriEndpoint: XKS_ENDPOINT, UriPath: '/kms/xks/v1' });
    expect(JSON.stringify(e)).not.toContain(XKS_CREDENTIAL.RawSecretAccessKey);
  });

  it('XksProxyUriPath must start with / and end with /kms/xks/v1: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriPath: '/kms/xks/v1/extra' }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyUriPath: 'kms/xks/v1' }))).toBe('ValidationException');
  });

  it('XksProxyUriEndpoint must be https:// with no port and no path: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'http://xks.example.com' }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://xks.example.com:8443' }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://xks.example.com/path' }))).toBe('ValidationException');
  });

  it('VPC_ENDPOINT_SERVICE requires XksProxyVpcEndpointServiceName: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe('ValidationException');
  });

  it('PUBLIC_ENDPOINT takes no XksProxyVpcEndpointServiceName: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' }))).toBe('ValidationException');
  });

  it('endpoint + path must be unique in the account and Region: XksProxyUriInUseException', async () => {
    await xksStore();
    expect(await awsErrorName(xksStore())).toBe('XksProxyUriInUseException');
  });

  it('a VPC store\'s endpoint (private DNS name) must be unique: XksProxyUriEndpointInUseException', async () => {
    const vpc = { XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' as const, XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' };
    await xksStore(vpc);
    expect(await awsErrorName(xksStore({ ...vpc, XksProxyUriPath: '/other/kms/xks/v1' }))).toBe('XksProxyUriEndpointInUseException');
  });

  it('a VPC endpoint service must not back two stores: XksProxyVpcEndpointServiceInUseException', async () => {
    const vpc = { XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' as const, XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' };
    await xksStore(vpc);
    expect(await awsErrorName(xksStore({ ...vpc, XksProxyUriEndpoint: 'https://other.example.com' }))).toBe('XksProxyVpcEndpointServiceInUseException');
  });

  it('an unknown VPC endpoint service: XksProxyVpcEndpointServiceNotFoundException', async () => {
    const err = xksStore({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE', XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0ffff' });
    expect(await awsErrorName(err)).toBe('XksProxyVpcEndpointServiceNotFoundException');
  });

  it('the proxy must accept the credential: XksProxyIncorrectAuthenticationCredentialException', async () => {
    const err = xksStore({ XksProxyAuthenticationCredential: { AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZ', RawSecretAccessKey: 'c'.repeat(44) } });
    expect(await awsErrorName(err)).toBe('XksProxyIncorrectAuthenticationCredentialException');
  });

  it('the credential formats are checked (AccessKeyId 20–30 [A-Z2-7], secret 43–64): ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyAuthenticationCredential: { AccessKeyId: 'short', RawSecretAccessKey: 'c'.repeat(44) } }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyAuthenticationCredential: { AccessKeyId: XKS_CREDENTIAL.AccessKeyId, RawSecretAccessKey: 'c'.repeat(42) } }))).toBe('ValidationException');
  });

  it('a proxy path that serves no store: XksProxyInvalidConfigurationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriPath: '/nostore/kms/xks/v1' }))).toBe('XksProxyInvalidConfigurationException');
  });

  it('a proxy that cannot be reached: XksProxyUriUnreachableException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://unreachable.invalid' }))).toBe('XksProxyUriUnreachableException');
  });
});

describe('seed 003: Describe, Connect, Disconnect and Delete', () => {
  it('DescribeCustomKeyStores takes CustomKeyStoreId or CustomKeyStoreName, not both: ValidationException', async () => {
    const { id } = await hsmStore({ CustomKeyStoreName: 'by-name' });
    expect((await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'by-name' }))).CustomKeyStores![0]!.CustomKeyStoreId).toBe(id);
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id, CustomKeyStoreName: 'by-name' })))).toBe('ValidationException');
  });

  it('DescribeCustomKeyStores of an unknown id or name: CustomKeyStoreNotFoundException', async () => {
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-0123456789abcdef0' })))).toBe('CustomKeyStoreNotFoundException');
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'nope' })))).toBe('CustomKeyStoreNotFoundException');
  });

  it('DescribeCustomKeyStores pages with Limit, Truncated and NextMarker; a bad Marker is InvalidMarkerException', async () => {
    const ids = [(await hsmStore()).id, (await hsmStore()).id, await xksStore()].sort();
    const first = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2 }));
    expect(first.Truncated).toBe(true);
    const second = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2, Marker: first.NextMarker }));
    expect(second.Truncated).toBe(false);
    expect([...first.CustomKeyStores!, ...second.CustomKeyStores!].map((s) => s.CustomKeyStoreId)).toEqual(ids);
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ Marker: '!!!' })))).toBe('InvalidMarkerException');
  });

  it('ConnectCustomKeyStore answers at once (CONNECTING) and connects in the background (CONNECTED)', async () => {
    const { id } = await hsmStore();
    // In-process, so that nothing runs between the two calls (over the wire the attempt may already be done).
    const caller = { accountId: ACCOUNT, region: REGION };
    await h.emulator.call(caller, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    expect((await h.emulator.call(caller, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!.ConnectionState).toBe('CONNECTING');
    await h.emulator.settled();
    expect((await describe1(id)).ConnectionState).toBe('CONNECTED');
  });

  it('a wrong kmsuser password makes the connection FAILED with INVALID_CREDENTIALS', async () => {
    const { id } = await hsmStore({ KeyStorePassword: 'wrong-password' });
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
  });

  it('five failed kmsuser logins lock kmsuser out: FAILED with USER_LOCKED_OUT', async () => {
    const { id } = await hsmStore({ KeyStorePassword: 'wrong-password' });
    for (let i = 1; i < 5; i++) {
      expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
      await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    }
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_LOCKED_OUT' });
  });









  it('a FAILED store must be disconnected before connecting again: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore({ KeyStorePassword: 'wrong-password' });
    await connect(id);
    expect(await awsErrorName(h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe('CustomKeyStoreInvalidStateException');
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: 'kmsuser-pass' }));
    expect((await connect(id)).ConnectionState).toBe('CONNECTED');
  });

  it('an external store connects through the proxy\'s health check; a blocked proxy store is XKS_PROXY_ACCESS_DENIED', async () => {
    const id = await xksStore();
    expect((await connect(id)).ConnectionState).toBe('CONNECTED');
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    h.xksStores.setBlocked('default', true);
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'XKS_PROXY_ACCESS_DENIED' });
  });

  it('an external store whose proxy is down fails with XKS_PROXY_NOT_REACHABLE', async () => {
    const id = await xksStore();
    await h.proxy.close();
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'XKS_PROXY_NOT_REACHABLE' });
  });

  it('disconnecting a DISCONNECTED store: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('operations on an unknown store: CustomKeyStoreNotFoundException', async () => {
    const CustomKeyStoreId = 'cks-0123456789abcdef0';
    for (const cmd of [new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }), new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }), new DeleteCustomKeyStoreCommand({ CustomKeyStoreId }), new UpdateCustomKeyStoreCommand({ CustomKeyStoreId, NewCustomKeyStoreName: 'x' })]) {
      expect(await awsErrorName(h.kms.send(cmd as never))).toBe('CustomKeyStoreNotFoundException');
    }
  });

  it('only a DISCONNECTED store can be deleted: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(await awsErrorName(h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('a store that holds KMS keys cannot be deleted: CustomKeyStoreHasCMKsException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }));
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect(await awsErrorName(h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe('CustomKeyStoreHasCMKsException');
  });

  it('a disconnected, empty store is deleted and no longer described', async () => {
    const { id } = await hsmStore();
    await h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })))).toBe('CustomKeyStoreNotFoundException');
  });
});

describe('seed 003: KMS keys in custom key stores, GenerateRandom', () => {
  it('CreateKey in a CloudHSM store: Origin AWS_CLOUDHSM, CustomKeyStoreId and CloudHsmClusterId in KeyMetadata; Encrypt/Decrypt round-trip', async () => {
    const { id, clusterId } = await hsmStore();
    await connect(id);
    const md = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }))).KeyMetadata!;
    expect(md).toMatchObject({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id, CloudHsmClusterId: clusterId, KeyState: 'Enabled' });
    const ct = await h.kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('secret'), EncryptionContext: { a: '1' } }));
    const pt = await h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { a: '1' } }));
    expect(Buffer.from(pt.Plaintext!).toString()).toBe('secret');
    expect(await awsErrorName(h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { a: '2' } })))).toBe('InvalidCiphertextException');
  });

  it('CreateKey needs an existing store: CustomKeyStoreNotFoundException', async () => {
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-0123456789abcdef0' })))).toBe('CustomKeyStoreNotFoundException');
  });

  it('CreateKey needs a CONNECTED store: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('CreateKey in a custom key store needs Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE: ValidationException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ CustomKeyStoreId: id })))).toBe('ValidationException');
  });

  it('keys in custom key stores are symmetric only and single-Region: UnsupportedOperationException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id, KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })))).toBe('UnsupportedOperationException');
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id, MultiRegion: true })))).toBe('UnsupportedOperationException');
  });

  it('the cluster needs two active HSMs in different zones to create a key: CloudHsmClusterInvalidConfigurationException', async () => {
    const { id, clusterId } = await hsmStore();
    await connect(id);
    const hsm = h.emulator.cloudHsm.findCluster(ACCOUNT, REGION, clusterId)!.activeHsms[0]!;
    await h.emulator.cloudHsm.call(CALLER, 'DeleteHsm', { ClusterId: clusterId, HsmId: hsm.hsmId });
    expect(await awsErrorName(h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id })))).toBe('CloudHsmClusterInvalidConfigurationException');
  });

  it('keys of a disconnected store are Unavailable and cannot be used: KMSInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    const keyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }))).KeyMetadata!.KeyId!;
    const ct = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect((await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Unavailable');
    expect(await awsErrorName(h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })))).toBe('KMSInvalidStateException');
    expect(await awsErrorName(h.kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob })))).toBe('KMSInvalidStateException');
  });

  it('GenerateRandom with a CONNECTED CloudHSM store returns the bytes asked for', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect((await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32, CustomKeyStoreId: id }))).Plaintext).toHaveLength(32);
  });

  it('GenerateRandom needs an existing, CONNECTED store: CustomKeyStoreNotFoundException, CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: 'cks-0123456789abcdef0' })))).toBe('CustomKeyStoreNotFoundException');
    expect(await awsErrorName(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('GenerateRandom with an external key store: UnsupportedOperationException', async () => {
    const id = await xksStore();
    await connect(id);
    expect(await awsErrorName(h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })))).toBe('UnsupportedOperationException');
  });
});

describe('seed 002: UpdateCustomKeyStore', () => {

  it('every property of a CloudHSM store changes only while DISCONNECTED: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(await awsErrorName(update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed' }))).toBe('CustomKeyStoreInvalidStateException');
    expect(await awsErrorName(update({ CustomKeyStoreId: id, KeyStorePassword: 'another-pass' }))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('NewCustomKeyStoreName renames a store and must be unique: CustomKeyStoreNameInUseException', async () => {
    const { id } = await hsmStore();
    await hsmStore({ CustomKeyStoreName: 'taken' });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'taken' }))).toBe('CustomKeyStoreNameInUseException');
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
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: await newCluster() }))).toBe('CloudHsmClusterNotRelatedException');
  });

  it('the replacement cluster must exist: CloudHsmClusterNotFoundException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: newClusterId() }))).toBe('CloudHsmClusterNotFoundException');
  });





  it('XKS parameters are not valid for a CloudHSM store, nor CloudHSM parameters for an external one: ValidationException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriPath: '/a/kms/xks/v1' }))).toBe('ValidationException');
    const xid = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: xid, KeyStorePassword: 'kmsuser-pass' }))).toBe('ValidationException');
  });

  it('an external store\'s name, credential and path change while CONNECTED', async () => {
    const id = await xksStore();
    await connect(id);
    const credential = { AccessKeyId: 'QRSTUVWXYZABCDEFGHIJ', RawSecretAccessKey: 'Z'.repeat(50) };
    h.xksStores.put('default', { region: REGION, credentials: [{ accessKeyId: XKS_CREDENTIAL.AccessKeyId, secretAccessKey: XKS_CREDENTIAL.RawSecretAccessKey }, { accessKeyId: credential.AccessKeyId, secretAccessKey: credential.RawSecretAccessKey }], blocked: false, ownerAccount: ACCOUNT });
    await update({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'xks-renamed', XksProxyAuthenticationCredential: credential, XksProxyUriPath: '/default/kms/xks/v1' });
    expect(await describe1(id)).toMatchObject({ CustomKeyStoreName: 'xks-renamed', ConnectionState: 'CONNECTED', XksProxyConfiguration: { AccessKeyId: credential.AccessKeyId, UriPath: '/default/kms/xks/v1' } });
  });

  it('an external store\'s endpoint and connectivity change only while DISCONNECTED: CustomKeyStoreInvalidStateException', async () => {
    const id = await xksStore();
    await connect(id);
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriEndpoint: 'https://other.example.com' }))).toBe('CustomKeyStoreInvalidStateException');
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe('CustomKeyStoreInvalidStateException');
  });

  it('changing connectivity to VPC_ENDPOINT_SERVICE requires a new endpoint and a service name: ValidationException', async () => {
    const id = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe('ValidationException');
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE', XksProxyUriEndpoint: 'https://private.example.com' }))).toBe('ValidationException');
    await update({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE', XksProxyUriEndpoint: 'https://private.example.com', XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' });
    expect((await describe1(id)).XksProxyConfiguration).toMatchObject({ Connectivity: 'VPC_ENDPOINT_SERVICE', VpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' });
  });

  it('changing connectivity to PUBLIC_ENDPOINT requires a new endpoint and no service name: ValidationException', async () => {
    const id = await xksStore({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE', XksProxyUriEndpoint: 'https://private.example.com', XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'PUBLIC_ENDPOINT' }))).toBe('ValidationException');
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: XKS_ENDPOINT, XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' }))).toBe('ValidationException');
    await update({ CustomKeyStoreId: id, XksProxyConnectivity: 'PUBLIC_ENDPOINT', XksProxyUriEndpoint: XKS_ENDPOINT });
    expect((await describe1(id)).XksProxyConfiguration).toEqual({ Connectivity: 'PUBLIC_ENDPOINT', AccessKeyId: XKS_CREDENTIAL.AccessKeyId, UriEndpoint: XKS_ENDPOINT, UriPath: '/kms/xks/v1' });
  });

  it('the new endpoint + path must be unique: XksProxyUriInUseException', async () => {
    await xksStore({ XksProxyUriPath: '/default/kms/xks/v1' });
    const id = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriPath: '/default/kms/xks/v1' }))).toBe('XksProxyUriInUseException');
  });

  it('the new settings must reach the proxy: XksProxyUriUnreachableException / XksProxyIncorrectAuthenticationCredentialException', async () => {
    const id = await xksStore();
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyUriEndpoint: 'https://unreachable.invalid' }))).toBe('XksProxyUriUnreachableException');
    expect(await awsErrorName(update({ CustomKeyStoreId: id, XksProxyAuthenticationCredential: { AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZ', RawSecretAccessKey: 'c'.repeat(44) } }))).toBe('XksProxyIncorrectAuthenticationCredentialException');
    expect((await describe1(id)).XksProxyConfiguration!.AccessKeyId).toBe(XKS_CREDENTIAL.AccessKeyId);
  });
});

describe('rules needing cluster states the simulated CloudHSM is not put in on demand (test directory)', () => {
  beforeAll(() => {
    real = false;
  });
  afterAll(() => {
    real = true;
  });

  it('a cluster sharing the certificate (backup history) of another store\'s cluster is in use too: CloudHsmClusterInUseException', async () => {
    const { clusterId } = await hsmStore();
    h.directory.addCluster('cluster-ddddddddddd', { trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem });
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: 'cluster-ddddddddddd' }))).toBe('CloudHsmClusterInUseException');
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
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INSUFFICIENT_CLOUDHSM_HSMS' });
  });
  it('connecting needs an ACTIVE cluster: CloudHsmClusterNotActiveException', async () => {
    const { id, clusterId } = await hsmStore();
    h.directory.clusters.get(clusterId)!.state = 'UPDATE_IN_PROGRESS';
    expect(await awsErrorName(h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe('CloudHsmClusterNotActiveException');
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
    h.directory.addCluster(related, { trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem, state: 'DEGRADED' });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: related }))).toBe('CloudHsmClusterNotActiveException');
  });
  it('the replacement cluster needs two active HSMs in different zones: CloudHsmClusterInvalidConfigurationException', async () => {
    const { id, clusterId } = await hsmStore();
    const related = newClusterId();
    h.directory.addCluster(related, { trustAnchorPem: h.directory.clusters.get(clusterId)!.trustAnchorPem, hsms: [{ hsmId: 'hsm-9', availabilityZone: 'us-east-1c' }] });
    expect(await awsErrorName(update({ CustomKeyStoreId: id, CloudHsmClusterId: related }))).toBe('CloudHsmClusterInvalidConfigurationException');
  });});
