import type { TestApp } from '../../fixtures/app.js';
import {
  emulator,
  expectError,
  get,
  ok,
  pollState,
  post,
  REGION,
  startHostedStoreApp,
  STORES,
  type Body,
  type HostedStoreApp,
  type XksCredential,
  XKS_PUBLIC_ENDPOINT,
} from './helpers.js';

const HEALTH_MD = { requestMetadata: { kmsRequestId: 'r-1', kmsOperation: 'KmsHealthCheck' } };

/**
 * A hosted store's proxy credential: shown only to admins and audited (`GET /credentials`),
 * and rotated (`POST /rotate-credential`) with AWS switched to the new one while the proxy
 * accepts both, so KMS crypto keeps working throughout; the old one is refused afterwards.
 */
describe('custom key stores: proxy credentials of hosted stores', () => {
  let hosted: HostedStoreApp;
  let t: TestApp;
  let store: Body;
  let keyId: string;

  /** Calls the store's proxy health with `credential`, as a client given it would. */
  const health = (credential: XksCredential) => hosted.callProxy('/health', HEALTH_MD, credential);
  const credentials = async (): Promise<Body> => ok(await get(t, `${STORES}/${store.id}/credentials`));
  const secretOf = (c: Body) => ({
    accessKeyId: c.credentials[0].access_key_id as string,
    secretAccessKey: c.credentials[0].secret_access_key as string,
  });

  beforeAll(async () => {
    hosted = await startHostedStoreApp('cks_rotation', 'rotating');
    ({ t, store } = hosted);
    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    await pollState(t, store.id, ['CONNECTED']);
    const source = ok(await post(t, '/api/v1/cckm/aws/xks-keys', { name: 'rotation-source' }), 201);
    const key = ok(
      await post(t, '/api/v1/cckm/aws/create-hyok-key', {
        local_hosted_params: { custom_key_store_id: store.id, source_key_id: source.id },
      }),
      201,
    );
    keyId = key.aws_param.KeyID as string;
  });
  afterAll(() => hosted?.close());

  it('shows the credential AWS holds to admins only, with no-store, and audits every read (never the secret)', async () => {
    const res = await get(t, `${STORES}/${store.id}/credentials`);
    const shown = ok(res);
    expect(res.headers['cache-control']).toBe('no-store');
    const inAws = (await emulator(t, REGION, 'DescribeCustomKeyStores', {
      CustomKeyStoreId: store.aws_param.custom_key_store_id,
    }))!.CustomKeyStores![0]!;
    expect(shown).toMatchObject({
      id: store.id,
      region: REGION,
      xks_proxy_uri_endpoint: XKS_PUBLIC_ENDPOINT,
      xks_proxy_uri_path: `/api/v1/cckm/aws/xks-proxy-endpoints/${store.id}/kms/xks/v1`,
      credential_version: 0,
      credentials: [{ access_key_id: inAws.XksProxyConfiguration!.AccessKeyId, status: 'active' }],
    });
    // The shown credential is the one the proxy accepts.
    expect((await health(secretOf(shown))).status).toBe(200);

    const keyAdmin = await t.userToken('cred-cckm-admin', ['cckm_admins']);
    expectError(await get(t, `${STORES}/${store.id}/credentials`, keyAdmin), 403);
    const other = await t.userToken('cred-other-admin', ['admin'], 'acme');
    expectError(await get(t, `${STORES}/${store.id}/credentials`, other), 404);

    const audit = ok(await get(t, `/api/v1/audit/records?resource_id=${store.id}&limit=-1`));
    const reads = (audit.resources as Body[]).filter((a) => a.action === 'getCustomKeyStoreCredentials');
    expect(reads.map((a) => [a.actor, a.result, a.status_code]).sort()).toEqual([
      ['admin', 'success', 200],
      ['cred-cckm-admin', 'failure', 403],
    ]);
    expect(JSON.stringify(audit)).not.toContain(secretOf(shown).secretAccessKey);
  });

  it('answers 409 for a store without a credential yet (unlinked), 404 for an unknown one', async () => {
    const unlinked = ok(
      await post(t, STORES, {
        name: 'not-yet-linked',
        kms: 'kms',
        region: REGION,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      201,
    );
    expectError(await get(t, `${STORES}/${unlinked.id}/credentials`), 409);
    expectError(await post(t, `${STORES}/${unlinked.id}/rotate-credential`), 409);
    expectError(await get(t, `${STORES}/00000000-0000-4000-8000-000000000000/credentials`), 404);
  });

  it('rotates while KMS keeps encrypting through the proxy: no request fails, then the old credential is refused', async () => {
    const before = secretOf(await credentials());
    let stop = false;
    const failures: unknown[] = [];
    let calls = 0;
    const traffic = (async () => {
      while (!stop) {
        calls++;
        await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('during the switch') }).catch(
          (err: unknown) => failures.push(err),
        );
      }
    })();
    const rotated = ok(await post(t, `${STORES}/${store.id}/rotate-credential`));
    stop = true;
    await traffic;
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(0);
    expect(rotated.local_hosted_params).toMatchObject({
      credential_count: 1,
      credential_version: 1,
      credential_rotation_in_progress: false,
    });
    expect(rotated.local_hosted_params.credential_rotated_at).toEqual(expect.any(String));

    const after = await credentials();
    expect(after.credential_version).toBe(1);
    expect(after.credentials).toHaveLength(1);
    const now = secretOf(after);
    expect(now.accessKeyId).not.toBe(before.accessKeyId);
    const inAws = (await emulator(t, REGION, 'DescribeCustomKeyStores', {
      CustomKeyStoreId: store.aws_param.custom_key_store_id,
    }))!.CustomKeyStores![0]!;
    expect(inAws.XksProxyConfiguration!.AccessKeyId).toBe(now.accessKeyId);
    expect((await health(now)).status).toBe(200);
    expect(await health(before)).toMatchObject({ status: 401, body: { errorName: 'AuthenticationFailedException' } });
    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('after') });
    expect(sealed.CiphertextBlob).toBeDefined();
  });

  it('AWS refusing the new credential removes it: the old one stays the only one, nothing changes in AWS', async () => {
    const before = secretOf(await credentials());
    // A blocked store's proxy refuses AWS's health check of the new credential, so UpdateCustomKeyStore fails.
    ok(await post(t, `${STORES}/${store.id}/block`));
    const refused = await post(t, `${STORES}/${store.id}/rotate-credential`);
    ok(await post(t, `${STORES}/${store.id}/unblock`));
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const after = await credentials();
    expect(after).toMatchObject({ credential_version: 1, credentials: [{ status: 'active' }] });
    expect(after.credentials).toHaveLength(1);
    expect(secretOf(after)).toEqual(before);
    expect((await health(before)).status).toBe(200);
  });

  it('a rotation left pending (AWS answer unknown) keeps both credentials accepted and is finished by the next call', async () => {
    const current = secretOf(await credentials());
    // Simulate the state an unknown AWS outcome leaves: a next credential stored, AWS not yet confirmed.
    const pending = { accessKeyId: 'PENDINGPENDINGPENDING234', secretAccessKey: 'p'.repeat(44) };
    const { sealXksSecret } = await import('../../../src/cckm/custom-key-stores/xks-credential.js');
    const box = (t.composed.services.xksStores as unknown as { box: Parameters<typeof sealXksSecret>[0] }).box;
    await t.db.db
      .updateTable('customKeyStores')
      .set({
        xksNextAccessKeyId: pending.accessKeyId,
        xksNextCredentialEnc: sealXksSecret(box, store.id, pending.secretAccessKey),
      })
      .where('id', '=', store.id)
      .execute();
    const both = await credentials();
    expect(both.credentials.map((c: Body) => c.status)).toEqual(['active', 'pending']);
    expect((await health(current)).status).toBe(200);
    expect((await health(pending)).status).toBe(200);
    expect(ok(await get(t, `${STORES}/${store.id}`)).local_hosted_params).toMatchObject({
      credential_count: 2,
      credential_rotation_in_progress: true,
    });

    const finished = ok(await post(t, `${STORES}/${store.id}/rotate-credential`));
    expect(finished.local_hosted_params).toMatchObject({ credential_count: 1, credential_version: 2 });
    expect(secretOf(await credentials())).toEqual(pending);
    expect((await health(current)).status).toBe(401);
    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('resumed') });
    expect(sealed.CiphertextBlob).toBeDefined();
  });

  it('refuses rotation and credentials to readers, and rotation to another account', async () => {
    const reader = await t.userToken('cred-reader', ['cckm_users']);
    expectError(await post(t, `${STORES}/${store.id}/rotate-credential`, undefined, reader), 403);
    expectError(await get(t, `${STORES}/${store.id}/credentials`, reader), 403);
    const other = await t.userToken('rot-other-admin', ['admin'], 'acme');
    expectError(await post(t, `${STORES}/${store.id}/rotate-credential`, undefined, other), 404);
  });
});
