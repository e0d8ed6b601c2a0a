import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createTestCa, type ActiveCluster } from '../../support/cloudhsm-cluster.js';
import { as, CONNECTIONS, expectError } from '../api/helpers.js';
import {
  ACCOUNT_ID,
  type Body,
  cluster,
  del,
  emulator,
  expectNoSecrets,
  get,
  hsmBody,
  ok,
  patch,
  post,
  REGION,
  STORES,
} from './helpers.js';

/**
 * The REST rules around custom key stores that need no connected store: the CloudHSM
 * pre-checks (400 naming the problem before AWS is asked), bad input (400 naming the field),
 * names, roles, account isolation, stores opencckm hosts (unlinked, blocked), audit, secrets.
 */
describe('custom key stores: REST rules', () => {
  let t: TestApp;
  let c: ActiveCluster;
  beforeAll(async () => {
    t = await startTestApp('cks_api');
    c = await cluster(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const awsStores = async () =>
    ((await emulator(t, REGION, 'DescribeCustomKeyStores', {})).CustomKeyStores ?? []).map((s) => s.CustomKeyStoreName);
  const hsmApi = () => t.composed.emulator!.cloudHsm;

  describe('CloudHSM pre-checks (DescribeClusters before CreateCustomKeyStore)', () => {
    it('a cluster that does not exist: 400 naming aws_param.cloud_hsm_cluster_id', async () => {
      const res = await post(t, STORES, hsmBody('no-cluster', { ...c, clusterId: 'cluster-abcdefghijk' }));
      expectError(res, 400, 'aws_param.cloud_hsm_cluster_id');
      expect(res.body.message).toContain('no CloudHSM cluster cluster-abcdefghijk');
    });

    it('a cluster that is not ACTIVE: 400 naming its state', async () => {
      const created = await hsmApi().call({ accountId: ACCOUNT_ID, region: REGION }, 'CreateCluster', {
        HsmType: 'hsm2m.medium',
        SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      });
      const res = await post(t, STORES, hsmBody('inactive', { ...c, clusterId: created.Cluster!.ClusterId! }));
      expectError(res, 400, 'aws_param.cloud_hsm_cluster_id');
      expect(res.body.message).toMatch(/is (CREATE_IN_PROGRESS|UNINITIALIZED), not ACTIVE/);
    });

    it('an ACTIVE cluster with fewer than two active HSMs: 400', async () => {
      const one = await cluster(t, { hsms: 1 });
      const res = await post(t, STORES, hsmBody('one-hsm', one));
      expectError(res, 400, 'aws_param.cloud_hsm_cluster_id');
      expect(res.body.message).toContain('has 1 active HSM(s); KMS needs at least 2');
    });

    it('a trust anchor that did not sign the cluster certificate: 400 naming aws_param.trust_anchor_certificate', async () => {
      const stranger = await createTestCa('CN=someone else');
      const res = await post(t, STORES, hsmBody('wrong-anchor', { ...c, trustAnchorPem: stranger.certificatePem }));
      expectError(res, 400, 'aws_param.trust_anchor_certificate');
      expect(res.body.message).toContain(
        `is not the trust anchor that signed the certificate of cluster ${c.clusterId}`,
      );
    });

    it('none of the refused requests left a record or a store in AWS', async () => {
      expect(ok(await get(t, STORES)).total).toBe(0);
      expect(await awsStores()).toEqual([]);
    });
  });

  describe('bad input: 400 naming the field, nothing created', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'missing cluster id',
        {
          aws_param: {
            custom_key_store_type: 'AWS_CLOUDHSM',
            key_store_password: 'kmsuser-Passw0rd',
            trust_anchor_certificate: '-----BEGIN CERTIFICATE-----x',
          },
        },
        'aws_param.cloud_hsm_cluster_id',
      ],
      [
        'malformed cluster id',
        {
          aws_param: {
            cloud_hsm_cluster_id: 'cluster-1',
            key_store_password: 'kmsuser-Passw0rd',
            trust_anchor_certificate: 'x',
          },
        },
        'aws_param.cloud_hsm_cluster_id',
      ],
      [
        'password of 6 characters',
        {
          aws_param: {
            cloud_hsm_cluster_id: 'cluster-abcdefghijk',
            key_store_password: 'Sh0rt!',
            trust_anchor_certificate: '-----BEGIN CERTIFICATE-----x',
          },
        },
        'aws_param.key_store_password',
      ],
      [
        'trust anchor that is not PEM',
        {
          aws_param: {
            cloud_hsm_cluster_id: 'cluster-abcdefghijk',
            key_store_password: 'kmsuser-Passw0rd',
            trust_anchor_certificate: 'not a certificate',
          },
        },
        'aws_param.trust_anchor_certificate',
      ],
      [
        'XKS field on a CloudHSM store',
        {
          aws_param: {
            cloud_hsm_cluster_id: 'cluster-abcdefghijk',
            key_store_password: 'kmsuser-Passw0rd',
            trust_anchor_certificate: '-----BEGIN CERTIFICATE-----x',
            xks_proxy_uri_path: '/kms/xks/v1',
          },
        },
        'aws_param.xks_proxy_uri_path',
      ],
      [
        'external store without endpoint',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
            xks_proxy_uri_path: '/kms/xks/v1',
            xks_proxy_authentication_credential: {
              access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
              raw_secret_access_key: 'a'.repeat(43),
            },
          },
        },
        'aws_param.xks_proxy_uri_endpoint',
      ],
      [
        'endpoint with a port',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
            xks_proxy_uri_endpoint: 'https://xks.example.com:8443',
            xks_proxy_uri_path: '/kms/xks/v1',
            xks_proxy_authentication_credential: {
              access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
              raw_secret_access_key: 'a'.repeat(43),
            },
          },
        },
        'aws_param.xks_proxy_uri_endpoint',
      ],
      [
        'path not ending /kms/xks/v1',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
            xks_proxy_uri_endpoint: 'https://xks.example.com',
            xks_proxy_uri_path: '/prefix/kms/xks',
            xks_proxy_authentication_credential: {
              access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
              raw_secret_access_key: 'a'.repeat(43),
            },
          },
        },
        'aws_param.xks_proxy_uri_path',
      ],
      [
        'VPC connectivity without service name',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'VPC_ENDPOINT_SERVICE',
            xks_proxy_uri_endpoint: 'https://xks.example.com',
            xks_proxy_uri_path: '/kms/xks/v1',
            xks_proxy_authentication_credential: {
              access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
              raw_secret_access_key: 'a'.repeat(43),
            },
          },
        },
        'aws_param.xks_proxy_vpc_endpoint_service_name',
      ],
      [
        'access key id outside A-Z2-7',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
            xks_proxy_uri_endpoint: 'https://xks.example.com',
            xks_proxy_uri_path: '/kms/xks/v1',
            xks_proxy_authentication_credential: {
              access_key_id: 'abcdefghijklmnopqrst01',
              raw_secret_access_key: 'a'.repeat(43),
            },
          },
        },
        'aws_param.xks_proxy_authentication_credential.access_key_id',
      ],
      [
        'secret shorter than 43',
        {
          aws_param: {
            custom_key_store_type: 'EXTERNAL_KEY_STORE',
            xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
            xks_proxy_uri_endpoint: 'https://xks.example.com',
            xks_proxy_uri_path: '/kms/xks/v1',
            xks_proxy_authentication_credential: {
              access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
              raw_secret_access_key: 'a'.repeat(42),
            },
          },
        },
        'aws_param.xks_proxy_authentication_credential.raw_secret_access_key',
      ],
      [
        'hosted params on a CloudHSM store',
        {
          aws_param: {
            cloud_hsm_cluster_id: 'cluster-abcdefghijk',
            key_store_password: 'kmsuser-Passw0rd',
            trust_anchor_certificate: '-----BEGIN CERTIFICATE-----x',
          },
          local_hosted_params: {},
        },
        'local_hosted_params',
      ],
      [
        'hosted store with its own endpoint',
        {
          aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE', xks_proxy_uri_endpoint: 'https://xks.example.com' },
          local_hosted_params: {},
        },
        'aws_param.xks_proxy_uri_endpoint',
      ],
      [
        'max_credentials of 1',
        { aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' }, local_hosted_params: { max_credentials: 1 } },
        'local_hosted_params.max_credentials',
      ],
      [
        'region outside the KMS account',
        { region: 'ca-central-1', aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' }, local_hosted_params: {} },
        'region',
      ],
      [
        'unknown KMS account',
        { kms: 'nope', aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' }, local_hosted_params: {} },
        'kms',
      ],
      [
        'unknown field',
        { aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE', password: 'x' }, local_hosted_params: {} },
        'password',
      ],
    ];
    it.each(cases)('%s', async (_what, overrides, field) => {
      const res = await post(t, STORES, { name: 'bad', kms: 'kms', region: REGION, ...overrides });
      expectError(res, 400);
      expect(res.body.message).toContain(field.split('.').pop()!);
      expect(JSON.stringify(res.body.details ?? [])).toContain(field.split('.').pop()!);
      expectNoSecrets(res, 'kmsuser-Passw0rd', 'Sh0rt!', 'a'.repeat(42));
    });

    it('left nothing behind', async () => {
      expect(ok(await get(t, STORES)).total).toBe(0);
    });
  });

  describe('stores opencckm hosts (local_hosted_params)', () => {
    let hosted: Body;
    beforeAll(async () => {
      hosted = ok(
        await post(t, STORES, {
          name: 'hosted',
          kms: 'kms',
          region: REGION,
          aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
          local_hosted_params: { health_check_key_id: 'hc-key' },
        }),
        201,
      );
    });

    it('are created unlinked: in opencckm only, with the proxy path under the REST API', async () => {
      const s = ok(await get(t, `${STORES}/${hosted.id}`));
      expect(s).toMatchObject({
        linked_state: false,
        aws_param: {
          custom_key_store_id: null,
          connection_state: null,
          xks_proxy_uri_path: `/api/v1/cckm/aws/xks-proxy-endpoints/${hosted.id}/kms/xks/v1`,
        },
        local_hosted_params: {
          blocked: false,
          linked_state: false,
          health_check_key_id: 'hc-key',
          max_credentials: 2,
          source_key_tier: 'local',
          credential_count: 0,
        },
      });
      expect(await awsStores()).not.toContain('hosted');
      expect(ok(await get(t, `${STORES}/${hosted.id}/health`))).toMatchObject({ healthy: false, linked_state: false });
    });

    it('cannot connect or take keys before they are linked (409), and link needs the public proxy endpoint configured (400)', async () => {
      expectError(await post(t, `${STORES}/${hosted.id}/connect`), 409);
      expectError(
        await post(t, '/api/v1/cckm/aws/create-hyok-key', {
          local_hosted_params: { custom_key_store_id: hosted.id, source_key_id: 'k1' },
        }),
        409,
      );
      expectError(await post(t, `${STORES}/${hosted.id}/link`), 400, 'linked_state');
      expectError(
        await post(t, STORES, {
          name: 'hosted-linked',
          kms: 'kms',
          region: REGION,
          linked_state: true,
          aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
          local_hosted_params: {},
        }),
        400,
        'linked_state',
      );
    });

    it('are blocked and unblocked, and the XKS proxy sees it through the resolver', async () => {
      expect(ok(await post(t, `${STORES}/${hosted.id}/block`)).local_hosted_params.blocked).toBe(true);
      expect(await t.composed.services.xksStores.resolveXksStore(hosted.id)).toMatchObject({
        region: REGION,
        blocked: true,
        ownerAccount: 'kylo',
        credentials: [],
      });
      expect(ok(await post(t, `${STORES}/${hosted.id}/unblock`)).local_hosted_params.blocked).toBe(false);
      expect((await t.composed.services.xksStores.resolveXksStore(hosted.id))!.blocked).toBe(false);
    });

    it("update their hosted settings locally; the proxy settings stay opencckm's", async () => {
      expect(
        ok(await patch(t, `${STORES}/${hosted.id}`, { name: 'hosted-2', local_hosted_params: { max_credentials: 5 } })),
      ).toMatchObject({ name: 'hosted-2', local_hosted_params: { max_credentials: 5 } });
      expectError(
        await patch(t, `${STORES}/${hosted.id}`, { aws_param: { xks_proxy_uri_path: '/x/kms/xks/v1' } }),
        400,
        'aws_param.xks_proxy_uri_path',
      );
      expectError(
        await patch(t, `${STORES}/${hosted.id}`, { local_hosted_params: { max_credentials: 21 } }),
        400,
        'local_hosted_params.max_credentials',
      );
    });

    it('a CloudHSM store cannot be blocked or linked (409)', async () => {
      const s = ok(await post(t, STORES, hsmBody('hsm-for-rules', c)), 201);
      expectError(await post(t, `${STORES}/${s.id}/block`), 409);
      expectError(await post(t, `${STORES}/${s.id}/link`), 409);
      expect(await t.composed.services.xksStores.resolveXksStore(s.id)).toBeUndefined();
      expect((await del(t, `${STORES}/${s.id}`)).status).toBe(204);
    });
  });

  it('names are unique per KMS account and region: 409, with the AWS name when AWS refuses it', async () => {
    const first = ok(
      await post(t, STORES, {
        name: 'twin',
        kms: 'kms',
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      201,
    );
    expectError(
      await post(t, STORES, {
        name: 'twin',
        kms: 'kms',
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      409,
    );
    // The same name in another region is another store.
    expect(
      ok(
        await post(t, STORES, {
          name: 'twin',
          kms: 'kms',
          region: 'us-west-2',
          aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
          local_hosted_params: {},
        }),
        201,
      ).id,
    ).not.toBe(first.id);
    // A store created in AWS outside opencckm holds the name there: AWS refuses it.
    const other = await cluster(t);
    await emulator(t, REGION, 'CreateCustomKeyStore', {
      CustomKeyStoreName: 'taken-in-aws',
      CloudHsmClusterId: other.clusterId,
      TrustAnchorCertificate: other.trustAnchorPem,
      KeyStorePassword: other.kmsuserPassword,
    });
    const res = await post(t, STORES, hsmBody('taken-in-aws', c));
    expectError(res, 409, 'name');
    expect(res.body.message).toContain('CustomKeyStoreNameInUseException');
    expect(ok(await get(t, `${STORES}?name=taken-in-aws`)).total).toBe(0);
  });

  it('an unknown create outcome (AWS failed on its side) keeps the record, and the next read reconciles it by name', async () => {
    const other = await cluster(t);
    const body = hsmBody('unsure', other);
    t.composed.emulator!.setFaults([{ operation: 'CreateCustomKeyStore', kind: 'error', count: 2 }]);
    try {
      expectError(await post(t, STORES, body), 502);
      const kept = ok(await get(t, `${STORES}?name=unsure`)).resources[0];
      expect(kept).toMatchObject({ linked_state: false, aws_param: { custom_key_store_id: null } });
      // Not in AWS: the read says the creation did not complete.
      const notThere = ok(await get(t, `${STORES}/${kept.id}`));
      expect(notThere.last_error).toContain('creation did not complete');
      expect((await del(t, `${STORES}/${kept.id}`)).status).toBe(204);

      expectError(await post(t, STORES, body), 502);
      const again = ok(await get(t, `${STORES}?name=unsure`)).resources[0];
      // AWS did create it after all (the answer was lost): the next read adopts it.
      const created = await emulator(t, REGION, 'CreateCustomKeyStore', {
        CustomKeyStoreName: 'unsure',
        CloudHsmClusterId: other.clusterId,
        TrustAnchorCertificate: other.trustAnchorPem,
        KeyStorePassword: other.kmsuserPassword,
      });
      const adopted = ok(await get(t, `${STORES}/${again.id}`));
      expect(adopted).toMatchObject({
        linked_state: true,
        last_error: null,
        aws_param: { custom_key_store_id: created.CustomKeyStoreId, connection_state: 'DISCONNECTED' },
      });
    } finally {
      t.composed.emulator!.setFaults([]);
    }
  });

  it('lists with filters and paging like keys', async () => {
    const all = ok(await get(t, `${STORES}?limit=-1`));
    expect(all.limit).toBe(-1);
    expect(all.total).toBe(all.resources.length);
    const west = ok(await get(t, `${STORES}?region=us-west-2`));
    expect(west.resources.map((s: { region: string }) => s.region)).toEqual(['us-west-2']);
    const ext = ok(await get(t, `${STORES}?type=EXTERNAL_KEY_STORE&kms=kms&limit=1`));
    expect(ext.resources).toHaveLength(1);
    expect(ext.total).toBeGreaterThan(1);
    expect(ok(await get(t, `${STORES}?kms=unknown-kms`)).total).toBe(0);
    expectError(await get(t, `${STORES}?type=OTHER`), 400);
    expectError(await get(t, `${STORES}?sort=password`), 400, 'sort');
  });

  it('cckm_users read but do not change (403); another account sees nothing (404) and its own list is empty', async () => {
    const s = ok(await post(t, STORES, hsmBody('guarded', c)), 201);
    const reader = as(t, await t.userToken('store-reader', ['cckm_users']));
    expect((await reader.get(`/cckm/aws/custom-key-stores/${s.id}`)).status).toBe(200);
    expect((await reader.get('/cckm/aws/custom-key-stores')).body.total).toBeGreaterThan(0);
    expectError(await reader.post('/cckm/aws/custom-key-stores', hsmBody('reader-made', c)), 403);
    expectError(await reader.patch(`/cckm/aws/custom-key-stores/${s.id}`, { name: 'x' }), 403);
    expectError(await reader.delete(`/cckm/aws/custom-key-stores/${s.id}`), 403);
    for (const action of ['connect', 'disconnect', 'block', 'unblock', 'link', 'create-aws-key']) {
      expectError(await reader.post(`/cckm/aws/custom-key-stores/${s.id}/${action}`, {}), 403);
    }

    const acme = as(t, await t.userToken('acme-stores', ['admin'], 'acme'));
    expect((await acme.post(CONNECTIONS, { name: 'acme-conn', provider: 'emulator' })).status).toBe(201);
    // acme's emulator connection reaches acme's own emulator account, not kylo's.
    const acmeAccount = ok(await acme.post(`${CONNECTIONS}/acme-conn/test`)).account_id as string;
    expect(acmeAccount).not.toBe(ACCOUNT_ID);
    expect(
      (
        await acme.post('/cckm/aws/kms', {
          name: 'acme-kms',
          account_id: acmeAccount,
          connection: 'acme-conn',
          regions: [REGION],
        })
      ).status,
    ).toBe(201);
    expectError(await acme.get(`/cckm/aws/custom-key-stores/${s.id}`), 404);
    expectError(await acme.get(`/cckm/aws/custom-key-stores/${s.id}/health`), 404);
    expectError(await acme.patch(`/cckm/aws/custom-key-stores/${s.id}`, { name: 'stolen' }), 404);
    expectError(await acme.delete(`/cckm/aws/custom-key-stores/${s.id}`), 404);
    for (const action of ['connect', 'disconnect', 'block', 'create-aws-key']) {
      expectError(await acme.post(`/cckm/aws/custom-key-stores/${s.id}/${action}`, {}), 404);
    }
    expectError(
      await acme.post('/cckm/aws/create-hyok-key', {
        local_hosted_params: { custom_key_store_id: s.id, source_key_id: 'k' },
      }),
      400,
      'local_hosted_params.custom_key_store_id',
    );
    expect((await acme.get('/cckm/aws/custom-key-stores')).body.total).toBe(0);
    // The kylo store is untouched.
    expect(ok(await get(t, `${STORES}/${s.id}`)).name).toBe('guarded');
  });

  it('records an audit event for each change, without secrets', async () => {
    const s = ok(
      await post(t, STORES, {
        name: 'audited',
        kms: 'kms',
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      201,
    );
    ok(await patch(t, `${STORES}/${s.id}`, { name: 'audited-2' }));
    ok(await post(t, `${STORES}/${s.id}/block`));
    expect((await del(t, `${STORES}/${s.id}`)).status).toBe(204);
    await t.composed.app.flushAudit();
    const res = await get(t, '/api/v1/audit/records?limit=-1');
    const mine = (ok(res).resources as Array<{ action: string; resource_id: string; result: string }>).filter(
      (e) => e.resource_id === s.id,
    );
    expect(mine.map((e) => e.action).sort()).toEqual([
      'blockCustomKeyStore',
      'createCustomKeyStore',
      'deleteCustomKeyStore',
      'updateCustomKeyStore',
    ]);
    expect(mine.every((e) => e.result === 'success')).toBe(true);
    expectNoSecrets(res, c.kmsuserPassword);
  });
});
