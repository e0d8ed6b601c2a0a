import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../src/emulator/wire/handler.js';
import { AwsKmsProvider } from '../../src/providers/aws/aws-kms-provider.js';
import { activeCluster, createTestCa, providerAccess, until } from '../support/cloudhsm-cluster.js';

const ACCESS_KEY = 'AKIAOPENCCKMHSMTEST1';
const SECRET = 'cloudhsm-contract-secret-0123456789abcdef';
const ACCOUNT = '777788889999';
const REGION = 'eu-central-1';

interface Wire {
  url: string;
  emulator: KmsEmulator;
  close(): Promise<void>;
}

async function startWire(opts: { admin: boolean }): Promise<Wire> {
  const emulator = await KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store: new InMemoryEmulatorStore(),
    rootKey: randomBytes(32),
    defaultAccountId: '123456789012',
    schedulerIntervalMs: 0,
    cloudHsmTransitionMs: 50,
  });
  const server = createServer(
    createEmulatorWireHandler(emulator, {
      credentials: { [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT } },
      defaultAccountId: '123456789012',
      defaultRegion: 'us-east-1',
      enableCloudHsmAdmin: opts.admin,
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await emulator.close();
    },
  };
}

const provider = (url: string, secret = SECRET) =>
  new AwsKmsProvider(
    {
      connectionId: 'hsm',
      connectionVersion: '1',
      tenant: 'kylo',
      provider: 'aws',
      cloudName: 'aws',
      region: REGION,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: secret,
      endpointUrl: url,
      stsRegionalEndpoints: 'legacy',
    },
    { timeoutMs: 10_000, maxAttempts: 1 },
  );

async function awsNameOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { awsName?: string }).awsName;
  }
  return 'no error';
}

describe('CloudHSM v2 over the emulator wire (@aws-sdk/client-cloudhsm-v2, SigV4 verified)', () => {
  let wire: Wire;
  beforeAll(async () => {
    wire = await startWire({ admin: true });
  });
  afterAll(async () => wire.close());

  it('runs the whole flow to an ACTIVE cluster usable by KMS: create, HSMs, sign the CSR, initialize, kmsuser', async () => {
    const p = provider(wire.url);
    try {
      const c = await activeCluster(providerAccess(p, wire.url));
      const shown = (await p.cloudHsm('DescribeClusters', { Filters: { clusterIds: [c.clusterId] } })).Clusters![0]!;
      expect(shown).toMatchObject({ ClusterId: c.clusterId, State: 'ACTIVE', HsmType: 'hsm2m.medium' });
      expect(shown.CreateTimestamp).toBeInstanceOf(Date);
      expect(Math.abs(shown.CreateTimestamp!.getTime() - Date.now())).toBeLessThan(60_000);
      expect(shown.Hsms!.map((h) => h.State)).toEqual(['ACTIVE', 'ACTIVE']);
      expect(shown.Certificates!.ClusterCertificate).toContain('BEGIN CERTIFICATE');
      // The cluster is in the signing account and Region, and KMS sees it through the directory.
      const view = wire.emulator.cloudHsm.findCluster(ACCOUNT, REGION, c.clusterId)!;
      expect(view.activeHsms).toHaveLength(2);
      expect(wire.emulator.cloudHsm.isTrustAnchor(ACCOUNT, REGION, c.clusterId, c.trustAnchorPem)).toBe(true);
      expect(wire.emulator.cloudHsm.loginKmsUser(ACCOUNT, REGION, c.clusterId, c.kmsuserPassword)).toBe('OK');
      await expect(wire.emulator.cloudHsm.createClusterKey(ACCOUNT, REGION, c.clusterId, 'kms-key')).resolves.toEqual(
        expect.any(String),
      );
    } finally {
      await p.close();
    }
  });

  it('answers the CloudHSM exception names through the SDK', async () => {
    const p = provider(wire.url);
    try {
      expect(
        await awsNameOf(
          p.cloudHsm('CreateHsm', { ClusterId: 'cluster-abcdefghijk', AvailabilityZone: 'eu-central-1a' }),
        ),
      ).toBe('CloudHsmResourceNotFoundException');
      expect(await awsNameOf(p.cloudHsm('CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-bad'] }))).toBe(
        'CloudHsmInvalidRequestException',
      );
      expect(await awsNameOf(p.cloudHsm('DescribeClusters', { MaxResults: 99 }))).toBe(
        'CloudHsmInvalidRequestException',
      );
      const created = await p.cloudHsm('CreateCluster', {
        HsmType: 'hsm1.medium',
        SubnetIds: ['subnet-0123456789abcdef0'],
      });
      const id = created.Cluster!.ClusterId!;
      await until(
        async () =>
          (await p.cloudHsm('DescribeClusters', { Filters: { clusterIds: [id] } })).Clusters![0]!.State ===
          'UNINITIALIZED',
        5000,
        'UNINITIALIZED',
      );
      const ca = await createTestCa();
      const init = p.cloudHsm('InitializeCluster', {
        ClusterId: id,
        SignedCert: ca.certificatePem,
        TrustAnchor: ca.certificatePem,
      });
      const err = (await init.catch((e: unknown) => e)) as { awsName?: string; message: string };
      expect([err.awsName, err.message]).toEqual([
        'CloudHsmInvalidRequestException',
        expect.stringContaining('has no active HSM yet'),
      ]);
    } finally {
      await p.close();
    }
  });

  it('pages DescribeClusters and tags clusters over the wire', async () => {
    const p = provider(wire.url);
    try {
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push(
          (
            await p.cloudHsm('CreateCluster', {
              HsmType: 'hsm1.medium',
              SubnetIds: ['subnet-0123456789abcdef0'],
              TagList: [{ Key: 'n', Value: String(i) }],
            })
          ).Cluster!.ClusterId!,
        );
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await p.cloudHsm('DescribeClusters', { MaxResults: 2, ...(token ? { NextToken: token } : {}) });
        seen.push(...page.Clusters!.map((c) => c.ClusterId!));
        token = page.NextToken;
      } while (token);
      expect(seen).toEqual(expect.arrayContaining(ids));
      await p.cloudHsm('TagResource', { ResourceId: ids[0]!, TagList: [{ Key: 'team', Value: 'pki' }] });
      await p.cloudHsm('UntagResource', { ResourceId: ids[0]!, TagKeyList: ['n'] });
      expect((await p.cloudHsm('ListTags', { ResourceId: ids[0]! })).TagList).toEqual([{ Key: 'team', Value: 'pki' }]);
    } finally {
      await p.close();
    }
  });

  it('refuses a request signed with the wrong secret', async () => {
    const client = new CloudHSMV2Client({
      region: REGION,
      endpoint: wire.url,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'not-the-secret-not-the-secret-not-the' },
      maxAttempts: 1,
    });
    try {
      await expect(client.send(new DescribeClustersCommand({}))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
      });
    } finally {
      client.destroy();
    }
  });

  it('admin endpoint: crypto users need a known cluster, valid input and POST', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${wire.url}/_opencckm/cloudhsm/clusters/${path}`, { method: 'POST', body: JSON.stringify(body) });
    const unknown = await post('cluster-abcdefghijk/crypto-users', { username: 'kmsuser', password: 'Passw0rd!' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ __type: 'CloudHsmResourceNotFoundException' });
    const p = provider(wire.url);
    try {
      const id = (
        await p.cloudHsm('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-0123456789abcdef0'] })
      ).Cluster!.ClusterId!;
      const early = await post(`${id}/crypto-users`, { username: 'kmsuser', password: 'Passw0rd!' });
      expect(early.status).toBe(400);
      expect(((await early.json()) as { message: string }).message).toContain('initialize and activate it first');
      const short = await post(`${id}/activate`, { password: 'x' });
      expect([short.status, ((await short.json()) as { message: string }).message]).toEqual([
        400,
        'password must be 7–32 characters.',
      ]);
      expect((await fetch(`${wire.url}/_opencckm/cloudhsm/clusters/${id}/crypto-users`)).status).toBe(405);
      expect((await post(`${id}/nothing`, {})).status).toBe(404);
      expect(
        (await fetch(`${wire.url}/_opencckm/cloudhsm/clusters/${id}/activate`, { method: 'POST', body: '{nope' }))
          .status,
      ).toBe(400);
    } finally {
      await p.close();
    }
  });
});

it('without enableCloudHsmAdmin the admin paths are not served', async () => {
  const wire = await startWire({ admin: false });
  try {
    const res = await fetch(`${wire.url}/_opencckm/cloudhsm/clusters/cluster-abcdefghijk/crypto-users`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  } finally {
    await wire.close();
  }
});
