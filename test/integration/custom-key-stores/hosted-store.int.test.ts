import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../../../src/auth/principal.js';
import type { XksKeyService } from '../../../src/cckm/xks/xks-key.service.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  emulator,
  expectError,
  expectNoSecrets,
  get,
  ok,
  pollState,
  post,
  REGION,
  STORES,
  wireXks,
} from './helpers.js';

const PUBLIC_ENDPOINT = 'https://cckm.example.com';

/**
 * A store opencckm hosts: created unlinked, linked (opencckm generates the proxy credential,
 * keeps it sealed, and creates the AWS store pointing at its own proxy path), connected by the
 * emulator through opencckm's XKS proxy, a HYOK key over a proxy source key, crypto through
 * the proxy, and block/unblock taking effect on that crypto.
 */
describe('custom key stores: a store opencckm hosts', () => {
  let t: TestApp;
  let proxyServer: Server;
  let xksKeys: XksKeyService;
  const admin: Principal = { userId: 'admin', username: 'admin', account: 'kylo', groups: ['admin'] };

  beforeAll(async () => {
    t = await startTestApp('cks_hosted', { env: { CCKM_XKS_PROXY_PUBLIC_ENDPOINT: PUBLIC_ENDPOINT } });
    xksKeys = t.composed.services.xksKeys;
    // The whole service listens: the emulator reaches opencckm's own proxy routes over HTTP.
    proxyServer = await new Promise<Server>((resolve) => {
      const s = t.http.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (proxyServer.address() as AddressInfo).port;
    wireXks(t, `${PUBLIC_ENDPOINT}=http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => proxyServer?.close(r));
  });

  it("links, connects through opencckm's proxy, serves a HYOK key, and blocking stops its crypto", async () => {
    const store = ok(
      await post(t, STORES, {
        name: 'hosted',
        kms: 'kms',
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      201,
    );
    expect(store.linked_state).toBe(false);

    // Two links at once: one wins, the other is refused and does not disturb the winner's credential.
    const both = await Promise.all([post(t, `${STORES}/${store.id}/link`), post(t, `${STORES}/${store.id}/link`)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const linking = both.find((r) => r.status === 200)!;
    const linked = ok(linking);
    expectNoSecrets(linking);
    const path = `/api/v1/cckm/aws/xks-proxy-endpoints/${store.id}/kms/xks/v1`;
    expect(linked).toMatchObject({
      linked_state: true,
      aws_param: {
        connection_state: 'DISCONNECTED',
        xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
        xks_proxy_uri_endpoint: PUBLIC_ENDPOINT,
        xks_proxy_uri_path: path,
      },
      local_hosted_params: {
        linked_state: true,
        credential_count: 1,
        blocked: false,
        health_check_uri_path: `${path}/health`,
      },
    });
    const awsId = linked.aws_param.custom_key_store_id as string;
    const inAws = (await emulator(t, REGION, 'DescribeCustomKeyStores', { CustomKeyStoreId: awsId }))
      .CustomKeyStores![0]!;
    expect(inAws.XksProxyConfiguration).toMatchObject({ UriEndpoint: PUBLIC_ENDPOINT, UriPath: path });
    const accessKeyId = inAws.XksProxyConfiguration!.AccessKeyId!;
    expect(accessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
    // The credential is sealed at rest and never answered.
    const row = await t.db.db
      .selectFrom('customKeyStores')
      .select(['xksProxyAccessKeyId', 'xksCredentialEnc'])
      .where('id', '=', store.id)
      .executeTakeFirst();
    expect(row!.xksProxyAccessKeyId).toBe(accessKeyId);
    const secret = (await t.composed.services.xksStores.resolveXksStore(store.id))!.credentials[0]!.secretAccessKey;
    expect(Buffer.from(row!.xksCredentialEnc!).includes(Buffer.from(secret))).toBe(false);
    for (const res of [
      linking,
      await get(t, `${STORES}/${store.id}`),
      await get(t, STORES),
      await get(t, `${STORES}/${store.id}/health`),
    ]) {
      expectNoSecrets(res, secret, accessKeyId);
    }
    expectError(await post(t, `${STORES}/${store.id}/link`), 409);

    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    expect((await pollState(t, store.id, ['CONNECTED', 'FAILED'])).aws_param).toMatchObject({
      connection_state: 'CONNECTED',
      connection_error_code: null,
    });

    const source = await xksKeys.create(admin, { name: 'hyok-source' });
    const hyok = await post(t, '/api/v1/cckm/aws/create-hyok-key', {
      aws_param: { Alias: 'hyok-key', Description: 'held outside AWS' },
      local_hosted_params: { custom_key_store_id: store.id, source_key_id: source.id, source_key_tier: 'local' },
    });
    const key = ok(hyok, 201);
    expect(key).toMatchObject({
      custom_key_store_id: awsId,
      key_material_origin: 'xks',
      aws_param: { Origin: 'EXTERNAL_KEY_STORE', XksKeyConfiguration: { Id: source.id }, Alias: ['alias/hyok-key'] },
    });
    const keyId = key.aws_param.KeyID as string;
    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('through opencckm') });
    expect(
      Buffer.from(
        (await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).Plaintext!,
      ).toString(),
    ).toBe('through opencckm');

    expectError(
      await post(t, '/api/v1/cckm/aws/create-hyok-key', {
        local_hosted_params: { custom_key_store_id: '00000000-0000-4000-8000-000000000000', source_key_id: source.id },
      }),
      400,
      'local_hosted_params.custom_key_store_id',
    );

    ok(await post(t, `${STORES}/${store.id}/block`));
    await expect(emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).rejects.toHaveProperty(
      'awsName',
    );
    expect(ok(await get(t, `${STORES}/${store.id}/health`))).toMatchObject({ healthy: false, blocked: true });
    ok(await post(t, `${STORES}/${store.id}/unblock`));
    expect(
      Buffer.from(
        (await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).Plaintext!,
      ).toString(),
    ).toBe('through opencckm');
  });
});
