import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { createTestCa } from '../support/cloudhsm-cluster.js';
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
  xksStore,
} from './custom-key-store-rules.fixture.js';

/**
 * CreateCustomKeyStore, Describe, Connect, Disconnect and Delete: one test per rule of the custom key store seeds (000 CreateCustomKeyStore, 002
 * UpdateCustomKeyStore, 003 the 2018 change log), each through @aws-sdk/client-kms against
 * the emulator's SigV4-verified wire endpoint, asserting AWS's exact exception name.
 */

installHarness();

describe('seed 000 / 003: CreateCustomKeyStore', () => {
  it('a CloudHSM store is created DISCONNECTED with its cluster and trust anchor, and no password is ever returned', async () => {
    const { id, clusterId } = await hsmStore();
    const e = await describe1(id);
    expect(e).toMatchObject({
      CustomKeyStoreType: 'AWS_CLOUDHSM',
      ConnectionState: 'DISCONNECTED',
      CloudHsmClusterId: clusterId,
    });
    expect(JSON.stringify(e)).not.toContain('kmsuser-pass');
  });

  it('the name must be unique in the account and Region: CustomKeyStoreNameInUseException', async () => {
    await hsmStore({ CustomKeyStoreName: 'same' });
    expect(await awsErrorName(hsmStore({ CustomKeyStoreName: 'same' }))).toBe('CustomKeyStoreNameInUseException');
  });

  it('the cluster must exist: CloudHsmClusterNotFoundException', async () => {
    const err = h.kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: 'n',
        CloudHsmClusterId: 'cluster-aaaaaaaaaaa',
        TrustAnchorCertificate: 'x',
        KeyStorePassword: 'kmsuser-pass',
      }),
    );
    expect(await awsErrorName(err)).toBe('CloudHsmClusterNotFoundException');
  });

  it('the cluster must be ACTIVE: CloudHsmClusterNotActiveException', async () => {
    const created = await h.emulator.cloudHsm.call(CALLER, 'CreateCluster', {
      HsmType: 'hsm2m.medium',
      SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    });
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: created.Cluster!.ClusterId! }))).toBe(
      'CloudHsmClusterNotActiveException',
    );
  });

  it('the cluster needs two active HSMs in different Availability Zones: CloudHsmClusterInvalidConfigurationException', async () => {
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: await newCluster(1) }))).toBe(
      'CloudHsmClusterInvalidConfigurationException',
    );
  });

  it('each store needs a different cluster: CloudHsmClusterInUseException', async () => {
    const { clusterId } = await hsmStore();
    expect(await awsErrorName(hsmStore({ CloudHsmClusterId: clusterId }))).toBe('CloudHsmClusterInUseException');
  });

  it("the trust anchor certificate must be the cluster's: IncorrectTrustAnchorException", async () => {
    expect(
      await awsErrorName(
        hsmStore({ TrustAnchorCertificate: (await createTestCa('CN=another customer')).certificatePem }),
      ),
    ).toBe('IncorrectTrustAnchorException');
  });

  it('the kmsuser password must be 7 to 32 characters: ValidationException', async () => {
    expect(await awsErrorName(hsmStore({ KeyStorePassword: 'short' }))).toBe('ValidationException');
    expect(await awsErrorName(hsmStore({ KeyStorePassword: 'x'.repeat(33) }))).toBe('ValidationException');
  });

  it('a CloudHSM store requires CloudHsmClusterId, TrustAnchorCertificate and KeyStorePassword: ValidationException', async () => {
    expect(await awsErrorName(h.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'n' })))).toBe(
      'ValidationException',
    );
  });

  it('an external store is created after the proxy answers its health check; the secret is never returned', async () => {
    const id = await xksStore();
    const e = await describe1(id);
    expect(e.XksProxyConfiguration).toEqual({
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: XKS_CREDENTIAL.AccessKeyId,
      UriEndpoint: XKS_ENDPOINT,
      UriPath: '/kms/xks/v1',
    });
    expect(JSON.stringify(e)).not.toContain(XKS_CREDENTIAL.RawSecretAccessKey);
  });

  it('XksProxyUriPath must start with / and end with /kms/xks/v1: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriPath: '/kms/xks/v1/extra' }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyUriPath: 'kms/xks/v1' }))).toBe('ValidationException');
  });

  it('XksProxyUriEndpoint must be https:// with no port and no path: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'http://xks.example.com' }))).toBe('ValidationException');
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://xks.example.com:8443' }))).toBe(
      'ValidationException',
    );
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://xks.example.com/path' }))).toBe(
      'ValidationException',
    );
  });

  it('VPC_ENDPOINT_SERVICE requires XksProxyVpcEndpointServiceName: ValidationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }))).toBe('ValidationException');
  });

  it('PUBLIC_ENDPOINT takes no XksProxyVpcEndpointServiceName: ValidationException', async () => {
    expect(
      await awsErrorName(xksStore({ XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123' })),
    ).toBe('ValidationException');
  });

  it('endpoint + path must be unique in the account and Region: XksProxyUriInUseException', async () => {
    await xksStore();
    expect(await awsErrorName(xksStore())).toBe('XksProxyUriInUseException');
  });

  it("a VPC store's endpoint (private DNS name) must be unique: XksProxyUriEndpointInUseException", async () => {
    const vpc = {
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' as const,
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
    };
    await xksStore(vpc);
    expect(await awsErrorName(xksStore({ ...vpc, XksProxyUriPath: '/other/kms/xks/v1' }))).toBe(
      'XksProxyUriEndpointInUseException',
    );
  });

  it('a VPC endpoint service must not back two stores: XksProxyVpcEndpointServiceInUseException', async () => {
    const vpc = {
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' as const,
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc123',
    };
    await xksStore(vpc);
    expect(await awsErrorName(xksStore({ ...vpc, XksProxyUriEndpoint: 'https://other.example.com' }))).toBe(
      'XksProxyVpcEndpointServiceInUseException',
    );
  });

  it('an unknown VPC endpoint service: XksProxyVpcEndpointServiceNotFoundException', async () => {
    const err = xksStore({
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0ffff',
    });
    expect(await awsErrorName(err)).toBe('XksProxyVpcEndpointServiceNotFoundException');
  });

  it('the proxy must accept the credential: XksProxyIncorrectAuthenticationCredentialException', async () => {
    const err = xksStore({
      XksProxyAuthenticationCredential: { AccessKeyId: 'ZZZZZZZZZZZZZZZZZZZZ', RawSecretAccessKey: 'c'.repeat(44) },
    });
    expect(await awsErrorName(err)).toBe('XksProxyIncorrectAuthenticationCredentialException');
  });

  it('the credential formats are checked (AccessKeyId 20–30 [A-Z2-7], secret 43–64): ValidationException', async () => {
    expect(
      await awsErrorName(
        xksStore({ XksProxyAuthenticationCredential: { AccessKeyId: 'short', RawSecretAccessKey: 'c'.repeat(44) } }),
      ),
    ).toBe('ValidationException');
    expect(
      await awsErrorName(
        xksStore({
          XksProxyAuthenticationCredential: {
            AccessKeyId: XKS_CREDENTIAL.AccessKeyId,
            RawSecretAccessKey: 'c'.repeat(42),
          },
        }),
      ),
    ).toBe('ValidationException');
  });

  it('a proxy path that serves no store: XksProxyInvalidConfigurationException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriPath: '/nostore/kms/xks/v1' }))).toBe(
      'XksProxyInvalidConfigurationException',
    );
  });

  it('a proxy that cannot be reached: XksProxyUriUnreachableException', async () => {
    expect(await awsErrorName(xksStore({ XksProxyUriEndpoint: 'https://unreachable.invalid' }))).toBe(
      'XksProxyUriUnreachableException',
    );
  });
});

describe('seed 003: Describe, Connect, Disconnect and Delete', () => {
  it('DescribeCustomKeyStores takes CustomKeyStoreId or CustomKeyStoreName, not both: ValidationException', async () => {
    const { id } = await hsmStore({ CustomKeyStoreName: 'by-name' });
    expect(
      (await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'by-name' }))).CustomKeyStores![0]!
        .CustomKeyStoreId,
    ).toBe(id);
    expect(
      await awsErrorName(
        h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id, CustomKeyStoreName: 'by-name' })),
      ),
    ).toBe('ValidationException');
  });

  it('DescribeCustomKeyStores of an unknown id or name: CustomKeyStoreNotFoundException', async () => {
    expect(
      await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-0123456789abcdef0' }))),
    ).toBe('CustomKeyStoreNotFoundException');
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'nope' })))).toBe(
      'CustomKeyStoreNotFoundException',
    );
  });

  it('DescribeCustomKeyStores pages with Limit, Truncated and NextMarker; a bad Marker is InvalidMarkerException', async () => {
    const ids = [(await hsmStore()).id, (await hsmStore()).id, await xksStore()].sort();
    const first = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2 }));
    expect(first.Truncated).toBe(true);
    const second = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2, Marker: first.NextMarker }));
    expect(second.Truncated).toBe(false);
    expect([...first.CustomKeyStores!, ...second.CustomKeyStores!].map((s) => s.CustomKeyStoreId)).toEqual(ids);
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ Marker: '!!!' })))).toBe(
      'InvalidMarkerException',
    );
  });

  it('ConnectCustomKeyStore answers at once (CONNECTING) and connects in the background (CONNECTED)', async () => {
    const { id } = await hsmStore();
    // In-process, so that nothing runs between the two calls (over the wire the attempt may already be done).
    const caller = { accountId: ACCOUNT, region: REGION };
    await h.emulator.call(caller, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    expect(
      (await h.emulator.call(caller, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!
        .ConnectionState,
    ).toBe('CONNECTING');
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
      expect(await connect(id)).toMatchObject({
        ConnectionState: 'FAILED',
        ConnectionErrorCode: 'INVALID_CREDENTIALS',
      });
      await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    }
    expect(await connect(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_LOCKED_OUT' });
  });

  it('a FAILED store must be disconnected before connecting again: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore({ KeyStorePassword: 'wrong-password' });
    await connect(id);
    expect(await awsErrorName(h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await h.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: 'kmsuser-pass' }));
    expect((await connect(id)).ConnectionState).toBe('CONNECTED');
  });

  it("an external store connects through the proxy's health check; a blocked proxy store is XKS_PROXY_ACCESS_DENIED", async () => {
    const id = await xksStore();
    expect((await connect(id)).ConnectionState).toBe('CONNECTED');
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    h.xksStores.setBlocked('default', true);
    expect(await connect(id)).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'XKS_PROXY_ACCESS_DENIED',
    });
  });

  it('an external store whose proxy is down fails with XKS_PROXY_NOT_REACHABLE', async () => {
    const id = await xksStore();
    await h.proxy.close();
    expect(await connect(id)).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'XKS_PROXY_NOT_REACHABLE',
    });
  });

  it('disconnecting a DISCONNECTED store: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    expect(await awsErrorName(h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('operations on an unknown store: CustomKeyStoreNotFoundException', async () => {
    const CustomKeyStoreId = 'cks-0123456789abcdef0';
    for (const cmd of [
      new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }),
      new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }),
      new DeleteCustomKeyStoreCommand({ CustomKeyStoreId }),
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId, NewCustomKeyStoreName: 'x' }),
    ]) {
      expect(await awsErrorName(h.kms.send(cmd as never))).toBe('CustomKeyStoreNotFoundException');
    }
  });

  it('only a DISCONNECTED store can be deleted: CustomKeyStoreInvalidStateException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    expect(await awsErrorName(h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreInvalidStateException',
    );
  });

  it('a store that holds KMS keys cannot be deleted: CustomKeyStoreHasCMKsException', async () => {
    const { id } = await hsmStore();
    await connect(id);
    await h.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }));
    await h.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect(await awsErrorName(h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreHasCMKsException',
    );
  });

  it('a disconnected, empty store is deleted and no longer described', async () => {
    const { id } = await hsmStore();
    await h.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect(await awsErrorName(h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })))).toBe(
      'CustomKeyStoreNotFoundException',
    );
  });
});
