import { startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../src/xks/standalone-proxy.js';
import {
  asProxyCredential,
  del,
  emulator,
  expectError,
  expectNoSecrets,
  get,
  KEYS,
  later,
  ok,
  patch,
  pollState,
  post,
  REGION,
  STORES,
  THIRD_PARTY_XKS_CREDENTIAL,
  wireXks,
} from './helpers.js';

const DAY = 86_400_000;
const OWNER = 'proxy-owner';
const CRED = THIRD_PARTY_XKS_CREDENTIAL;
const CRED2 = {
  access_key_id: 'ZYXWVUTSRQPONMLKJIHGFEDC',
  raw_secret_access_key: 'c2Vjb25kLXNlY3JldC1vZi10aGUtdGhpcmQtcGFydHkx',
};

/**
 * An external key store (a third-party XKS proxy, here the standalone proxy) through the REST
 * API alone: create → connect → key with XksKeyId → encrypt/decrypt (double encryption through
 * the proxy) → disconnect → update → reconnect → schedule the key's deletion → delete the store,
 * and the connection failures with their error codes.
 *
 * The emulator reaches the proxy through EMULATOR_XKS_ENDPOINTS (host names → local ports).
 */
describe('custom key stores: external key store lifecycle', () => {
  let t: TestApp;
  let proxy: StandaloneXksProxy;
  let doomed: StandaloneXksProxy;
  const stores = new InMemoryXksStores();
  const vault = new InMemoryXksKeyVault();

  beforeAll(async () => {
    proxy = await startStandaloneXksProxy({ stores, vault });
    doomed = await startStandaloneXksProxy({ stores, vault });
    const endpoints = [
      `https://xks.example.com=${proxy.baseUrl}`,
      `https://xks2.example.com=${proxy.baseUrl}`,
      `https://doomed.example.com=${doomed.baseUrl}`,
    ].join(',');
    t = await startTestApp('cks_external', { env: { EMULATOR_XKS_ENDPOINTS: endpoints } });
    wireXks(t, endpoints);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await doomed?.close();
  });

  const body = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
    name,
    kms: 'kms',
    region: REGION,
    aws_param: {
      custom_key_store_type: 'EXTERNAL_KEY_STORE',
      xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
      xks_proxy_uri_endpoint: 'https://xks.example.com',
      xks_proxy_uri_path: path,
      xks_proxy_authentication_credential: CRED,
      ...extra,
    },
  });

  it('runs the whole lifecycle; the proxy holds the outer key, so its loss makes ciphertext undecryptable', async () => {
    stores.put('ext', { region: REGION, credentials: [asProxyCredential(CRED)], blocked: false, ownerAccount: OWNER });
    const xksKeyId = vault.createKey(OWNER, 'xks-key-1');

    const created = await post(t, STORES, body('ext-store', '/ext/kms/xks/v1'));
    const store = ok(created, 201);
    expectNoSecrets(created, CRED.raw_secret_access_key, CRED.access_key_id);
    expect(store).toMatchObject({
      linked_state: true,
      local_hosted_params: null,
      aws_param: {
        custom_key_store_type: 'EXTERNAL_KEY_STORE',
        connection_state: 'DISCONNECTED',
        xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
        xks_proxy_uri_endpoint: 'https://xks.example.com',
        xks_proxy_uri_path: '/ext/kms/xks/v1',
      },
    });
    const awsId = store.aws_param.custom_key_store_id as string;

    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    expect((await pollState(t, store.id, ['CONNECTED', 'FAILED'])).aws_param).toMatchObject({
      connection_state: 'CONNECTED',
      connection_error_code: null,
    });

    const key = ok(
      await post(t, KEYS, {
        kms: 'kms',
        region: REGION,
        aws_param: { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: awsId, XksKeyId: xksKeyId },
      }),
      201,
    );
    expect(key).toMatchObject({
      custom_key_store_id: awsId,
      key_material_origin: 'xks',
      aws_param: { Origin: 'EXTERNAL_KEY_STORE', XksKeyConfiguration: { Id: xksKeyId } },
    });
    const keyId = key.aws_param.KeyID as string;
    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('hold your own key') });
    const opened = await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! });
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('hold your own key');

    ok(await post(t, `${STORES}/${store.id}/disconnect`));
    await pollState(t, store.id, ['DISCONNECTED']);
    await expect(emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).rejects.toMatchObject({
      awsName: 'KMSInvalidStateException',
    });

    // Move the store to another host name and rotate its credential (the proxy accepts both while rotating).
    stores.put('ext', {
      region: REGION,
      credentials: [asProxyCredential(CRED), asProxyCredential(CRED2)],
      blocked: false,
      ownerAccount: OWNER,
    });
    const updating = await patch(t, `${STORES}/${store.id}`, {
      name: 'ext-store-2',
      aws_param: { xks_proxy_uri_endpoint: 'https://xks2.example.com', xks_proxy_authentication_credential: CRED2 },
    });
    const updated = ok(updating);
    expectNoSecrets(updating, CRED2.raw_secret_access_key, CRED2.access_key_id);
    expect(updated).toMatchObject({
      name: 'ext-store-2',
      aws_param: { xks_proxy_uri_endpoint: 'https://xks2.example.com', connection_state: 'DISCONNECTED' },
    });
    stores.put('ext', { region: REGION, credentials: [asProxyCredential(CRED2)], blocked: false, ownerAccount: OWNER });

    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    await pollState(t, store.id, ['CONNECTED']);
    expect(
      Buffer.from(
        (await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).Plaintext!,
      ).toString(),
    ).toBe('hold your own key');

    // The proxy's key is the outer layer: without it, the ciphertext is lost.
    vault.setEnabled(OWNER, xksKeyId, false);
    await expect(emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! })).rejects.toHaveProperty(
      'awsName',
    );
    vault.setEnabled(OWNER, xksKeyId, true);

    ok(await post(t, `${KEYS}/${key.id}/schedule-deletion`, { days: 7 }));
    ok(await post(t, `${STORES}/${store.id}/disconnect`));
    await pollState(t, store.id, ['DISCONNECTED']);
    const holding = await del(t, `${STORES}/${store.id}`);
    expectError(holding, 409);
    expect(holding.body.message).toContain('CustomKeyStoreHasCMKsException');
    await later(t, 8 * DAY);
    expect((await del(t, `${STORES}/${store.id}`)).status).toBe(204);
    expectError(await get(t, `${STORES}/${store.id}`), 404);
  });

  it('AWS checks the proxy at creation: wrong credentials answer 400 naming the field, with the AWS name in details', async () => {
    stores.put('strict', {
      region: REGION,
      credentials: [asProxyCredential(CRED)],
      blocked: false,
      ownerAccount: OWNER,
    });
    const res = await post(
      t,
      STORES,
      body('bad-credential', '/strict/kms/xks/v1', { xks_proxy_authentication_credential: CRED2 }),
    );
    expectError(res, 400, 'aws_param.xks_proxy_authentication_credential');
    expect(res.body.message).toContain('XksProxyIncorrectAuthenticationCredentialException');
    expectNoSecrets(res, CRED2.raw_secret_access_key);
    const list = ok(await get(t, `${STORES}?name=bad-credential`));
    expect(list.total).toBe(0);
  });

  it('shows each connection failure with its error code: proxy refusing the credential, proxy unreachable', async () => {
    stores.put('refusing', {
      region: REGION,
      credentials: [asProxyCredential(CRED)],
      blocked: false,
      ownerAccount: OWNER,
    });
    const refusing = ok(await post(t, STORES, body('refusing', '/refusing/kms/xks/v1')), 201);
    // The proxy stops accepting the credential KMS holds (rotated on the proxy side only).
    stores.put('refusing', {
      region: REGION,
      credentials: [asProxyCredential(CRED2)],
      blocked: false,
      ownerAccount: OWNER,
    });
    ok(await post(t, `${STORES}/${refusing.id}/connect`), 202);
    expect((await pollState(t, refusing.id, ['FAILED', 'CONNECTED'])).aws_param).toMatchObject({
      connection_state: 'FAILED',
      connection_error_code: 'XKS_PROXY_ACCESS_DENIED',
    });

    stores.put('far', { region: REGION, credentials: [asProxyCredential(CRED)], blocked: false, ownerAccount: OWNER });
    const far = ok(
      await post(t, STORES, body('far', '/far/kms/xks/v1', { xks_proxy_uri_endpoint: 'https://doomed.example.com' })),
      201,
    );
    await doomed.close();
    ok(await post(t, `${STORES}/${far.id}/connect`), 202);
    expect((await pollState(t, far.id, ['FAILED', 'CONNECTED'])).aws_param).toMatchObject({
      connection_state: 'FAILED',
      connection_error_code: 'XKS_PROXY_NOT_REACHABLE',
    });
    const health = ok(await get(t, `${STORES}/${far.id}/health`));
    expect(health).toMatchObject({ healthy: false, connection_error_code: 'XKS_PROXY_NOT_REACHABLE' });
  });
});
