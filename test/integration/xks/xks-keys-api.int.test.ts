import type { TestApp } from '../../fixtures/app.js';
import {
  del,
  expectError,
  get,
  ok,
  pollState,
  post,
  startHostedStoreApp,
  STORES,
  type Body,
  type HostedStoreApp,
  type XksCredential,
} from '../custom-key-stores/helpers.js';

const XKS_KEYS = '/api/v1/cckm/aws/xks-keys';
const MD = { awsPrincipalArn: 'arn:aws:iam::123456789012:root', kmsOperation: 'Encrypt', kmsRequestId: 'r-1' };

/**
 * XKS proxy keys through the REST API: created with restricted usages, enabled and disabled,
 * listed and deleted within the account, and the proxy answering InvalidKeyUsageException and
 * InvalidStateException for them, as AWS's test client expects.
 */
describe('XKS proxy keys through the API', () => {
  let hosted: HostedStoreApp;
  let t: TestApp;
  let store: Body;
  let credential: XksCredential;

  const call = (path: string, body: object) => hosted.callProxy(path, body, credential);

  beforeAll(async () => {
    hosted = await startHostedStoreApp('xks_keys_api', 'keys-api');
    ({ t, store } = hosted);
    const c = ok(await get(t, `${STORES}/${store.id}/credentials`));
    credential = { accessKeyId: c.credentials[0].access_key_id, secretAccessKey: c.credentials[0].secret_access_key };
  });
  afterAll(() => hosted?.close());

  it('creates keys with their usages; the proxy enforces them (InvalidKeyUsageException)', async () => {
    const encOnly = ok(await post(t, XKS_KEYS, { name: 'enc-only', key_usage: ['ENCRYPT'] }), 201);
    expect(encOnly).toMatchObject({
      name: 'enc-only',
      key_spec: 'AES_256',
      key_usage: ['ENCRYPT'],
      key_status: 'ENABLED',
      created_by: 'admin',
    });
    expect(JSON.stringify(encOnly)).not.toMatch(/material/i);
    const none = ok(await post(t, XKS_KEYS, { name: 'no-usage', key_usage: [] }), 201);
    expect(none.key_usage).toEqual([]);
    // Order given does not matter: usages are answered as GetKeyMetadata lists them.
    expect(ok(await post(t, XKS_KEYS, { key_usage: ['DECRYPT', 'ENCRYPT'] }), 201).key_usage).toEqual([
      'ENCRYPT',
      'DECRYPT',
    ]);

    const md = await call('/keys/enc-only/metadata', { requestMetadata: MD });
    expect(md.body).toEqual({ keySpec: 'AES_256', keyUsage: ['ENCRYPT'], keyStatus: 'ENABLED' });
    const enc = await call('/keys/enc-only/encrypt', {
      requestMetadata: MD,
      plaintext: Buffer.from('x').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(enc.status).toBe(200);
    const dec = await call('/keys/enc-only/decrypt', {
      requestMetadata: MD,
      ciphertext: enc.body.ciphertext,
      initializationVector: enc.body.initializationVector,
      authenticationTag: enc.body.authenticationTag,
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(dec.body.errorName).toBe('InvalidKeyUsageException');
    const noUse = await call('/keys/no-usage/encrypt', {
      requestMetadata: MD,
      plaintext: Buffer.from('x').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(noUse.body.errorName).toBe('InvalidKeyUsageException');
  });

  it('AWS refuses a KMS key over an external key that cannot both encrypt and decrypt', async () => {
    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    await pollState(t, store.id, ['CONNECTED']);
    const res = await post(t, '/api/v1/cckm/aws/create-hyok-key', {
      local_hosted_params: { custom_key_store_id: store.id, source_key_id: 'enc-only' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(res.body)).toContain('XksKeyInvalidConfigurationException');
  });

  it('disables and enables a key: the proxy answers InvalidStateException while it is disabled', async () => {
    const k = ok(await post(t, XKS_KEYS, { name: 'toggle' }), 201);
    const body = { requestMetadata: MD, plaintext: 'AAAA', encryptionAlgorithm: 'AES_GCM' };
    expect(ok(await post(t, `${XKS_KEYS}/toggle/disable`)).key_status).toBe('DISABLED');
    expect((await call(`/keys/${k.id}/encrypt`, body)).body.errorName).toBe('InvalidStateException');
    expect((await call('/keys/toggle/metadata', { requestMetadata: MD })).body.keyStatus).toBe('DISABLED');
    expect(ok(await get(t, `${XKS_KEYS}?enabled=false&limit=-1`)).resources.map((r: Body) => r.name)).toEqual([
      'toggle',
    ]);
    expect(ok(await post(t, `${XKS_KEYS}/${k.id}/enable`)).key_status).toBe('ENABLED');
    expect((await call(`/keys/${k.id}/encrypt`, body)).status).toBe(200);
  });

  it('validates the body, naming the field', async () => {
    expectError(await post(t, XKS_KEYS, { key_usage: ['SIGN'] }), 400, 'key_usage[0]');
    expectError(await post(t, XKS_KEYS, { key_usage: ['ENCRYPT', 'ENCRYPT'] }), 400, 'key_usage');
    expectError(await post(t, XKS_KEYS, { key_usage: 'ENCRYPT' }), 400, 'key_usage');
    expectError(await post(t, XKS_KEYS, { name: 'has space' }), 400, 'name');
    expectError(await post(t, XKS_KEYS, { name: '11111111-2222-4333-8444-555555555555' }), 400, 'name');
    expectError(await post(t, XKS_KEYS, { name: 'enc-only' }), 409);
  });

  it('deletes a key (the proxy then does not know it), and keeps readers and other accounts out', async () => {
    const k = ok(await post(t, XKS_KEYS, { name: 'doomed' }), 201);
    const reader = await t.userToken('xks-reader', ['cckm_users']);
    expect(ok(await get(t, `${XKS_KEYS}/doomed`, reader)).id).toBe(k.id);
    expectError(await post(t, XKS_KEYS, { name: 'reader-key' }, reader), 403);
    expectError(await post(t, `${XKS_KEYS}/doomed/disable`, undefined, reader), 403);
    expectError(await del(t, `${XKS_KEYS}/doomed`, reader), 403);
    const other = await t.userToken('xks-other', ['admin'], 'acme');
    expectError(await get(t, `${XKS_KEYS}/${k.id}`, other), 404);
    expectError(await del(t, `${XKS_KEYS}/${k.id}`, other), 404);
    expect(ok(await get(t, `${XKS_KEYS}?limit=-1`, other)).total).toBe(0);

    expect((await del(t, `${XKS_KEYS}/${k.id}`)).status).toBe(204);
    expectError(await get(t, `${XKS_KEYS}/${k.id}`), 404);
    expect((await call('/keys/doomed/metadata', { requestMetadata: MD })).body.errorName).toBe('KeyNotFoundException');
    const audit = ok(await get(t, `/api/v1/audit/records?resource_id=${k.id}&limit=-1`));
    expect((audit.resources as Body[]).map((a) => a.action).sort()).toEqual(['createXksKey', 'deleteXksKey']);
  });
});
