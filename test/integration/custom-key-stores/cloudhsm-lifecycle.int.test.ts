import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { until } from '../../support/cloudhsm-cluster.js';
import {
  ACCOUNT_ID,
  cluster,
  del,
  emulator,
  expectError,
  expectNoSecrets,
  get,
  hsmBody,
  KEYS,
  later,
  ok,
  patch,
  pollState,
  post,
  REGION,
  STORES,
} from './helpers.js';

const DAY = 86_400_000;

/**
 * A CloudHSM custom key store through the REST API alone: create (with the cluster checked
 * first) → connect (asynchronous: poll GET) → key in the store → encrypt/decrypt in the
 * emulator → disconnect → update → reconnect → schedule the key's deletion → delete the store.
 */
describe('custom key stores: CloudHSM lifecycle', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('cks_cloudhsm');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs the whole lifecycle, and the record follows AWS at each step', async () => {
    const c = await cluster(t);
    const created = await post(t, STORES, hsmBody('hsm-store', c));
    const store = ok(created, 201);
    expectNoSecrets(created, c.kmsuserPassword);
    expect(store).toMatchObject({
      name: 'hsm-store',
      kms: 'kms',
      region: REGION,
      linked_state: true,
      gone: false,
      local_hosted_params: null,
      aws_param: {
        custom_key_store_type: 'AWS_CLOUDHSM',
        custom_key_store_name: 'hsm-store',
        cloud_hsm_cluster_id: c.clusterId,
        connection_state: 'DISCONNECTED',
        number_of_hsms_in_cloudhsm_cluster: 2,
      },
    });
    const awsId = store.aws_param.custom_key_store_id as string;
    expect(awsId).toMatch(/^cks-/);
    const described = await emulator(t, REGION, 'DescribeCustomKeyStores', { CustomKeyStoreId: awsId });
    expect(described.CustomKeyStores![0]).toMatchObject({
      CustomKeyStoreName: 'hsm-store',
      CloudHsmClusterId: c.clusterId,
    });

    // A key cannot be created while the store is disconnected.
    expectError(await post(t, `${STORES}/${store.id}/create-aws-key`, {}), 409);

    const connecting = ok(await post(t, `${STORES}/${store.id}/connect`, {}), 202);
    expect(['CONNECTING', 'CONNECTED']).toContain(connecting.aws_param.connection_state);
    expect((await pollState(t, store.id, ['CONNECTED', 'FAILED'])).aws_param).toMatchObject({
      connection_state: 'CONNECTED',
      connection_error_code: null,
    });

    const key = ok(
      await post(t, `${STORES}/${store.id}/create-aws-key`, {
        aws_param: { Alias: 'hsm-backed', Description: 'in the cluster' },
      }),
      201,
    );
    expect(key).toMatchObject({
      custom_key_store_id: awsId,
      key_material_origin: 'cloudhsm',
      aws_param: { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: awsId, Alias: ['alias/hsm-backed'] },
    });
    const keyId = key.aws_param.KeyID as string;
    const listed = ok(await get(t, `${KEYS}?origin=AWS_CLOUDHSM`));
    expect(listed.resources.map((k: { id: string }) => k.id)).toContain(key.id);

    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('held by the HSM') });
    const opened = await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! });
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('held by the HSM');

    // AWS's rule: the password changes only while disconnected; the AWS name is in message and details.
    const busy = await patch(t, `${STORES}/${store.id}`, { aws_param: { key_store_password: 'another-Passw0rd' } });
    expectError(busy, 409);
    expect(busy.body.message).toContain('CustomKeyStoreInvalidStateException');
    expect(busy.body.details).toEqual([
      expect.objectContaining({ message: expect.stringContaining('CustomKeyStoreInvalidStateException') }),
    ]);
    expectNoSecrets(busy, 'another-Passw0rd');

    const off = ok(await post(t, `${STORES}/${store.id}/disconnect`));
    expect(['DISCONNECTED', 'DISCONNECTING']).toContain(off.aws_param.connection_state);
    await pollState(t, store.id, ['DISCONNECTED']);
    await expect(emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') })).rejects.toMatchObject({
      awsName: 'KMSInvalidStateException',
    });

    const renamed = ok(await patch(t, `${STORES}/${store.id}`, { name: 'hsm-store-renamed' }));
    expect(renamed).toMatchObject({
      name: 'hsm-store-renamed',
      aws_param: { custom_key_store_name: 'hsm-store-renamed', connection_state: 'DISCONNECTED' },
    });
    const described2 = await emulator(t, REGION, 'DescribeCustomKeyStores', { CustomKeyStoreId: awsId });
    expect(described2.CustomKeyStores![0]!.CustomKeyStoreName).toBe('hsm-store-renamed');

    // Reconnect, giving the (unchanged) kmsuser password again: it is set while disconnected, then connect.
    ok(await post(t, `${STORES}/${store.id}/connect`, { key_store_password: c.kmsuserPassword }), 202);
    await pollState(t, store.id, ['CONNECTED']);
    const again = await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! });
    expect(Buffer.from(again.Plaintext!).toString()).toBe('held by the HSM');

    // Deleting a connected store, or one still holding keys, is refused by AWS and the record stays.
    const connected = await del(t, `${STORES}/${store.id}`);
    expectError(connected, 409);
    expect(connected.body.message).toContain('CustomKeyStoreInvalidStateException');
    ok(await post(t, `${KEYS}/${key.id}/schedule-deletion`, { days: 7 }));
    ok(await post(t, `${STORES}/${store.id}/disconnect`));
    await pollState(t, store.id, ['DISCONNECTED']);
    const holding = await del(t, `${STORES}/${store.id}`);
    expectError(holding, 409);
    expect(holding.body.message).toContain('CustomKeyStoreHasCMKsException');
    ok(await get(t, `${STORES}/${store.id}`));

    await later(t, 8 * DAY);
    expect((await del(t, `${STORES}/${store.id}`)).status).toBe(204);
    expectError(await get(t, `${STORES}/${store.id}`), 404);
    const gone = await emulator(t, REGION, 'DescribeCustomKeyStores', {});
    expect((gone.CustomKeyStores ?? []).map((s) => s.CustomKeyStoreId)).not.toContain(awsId);
  });

  it('shows each connection failure with its error code: wrong kmsuser password, no active HSM', async () => {
    const c = await cluster(t);
    const wrong = ok(
      await post(t, STORES, hsmBody('wrong-password', c, { key_store_password: 'not-the-Passw0rd' })),
      201,
    );
    ok(await post(t, `${STORES}/${wrong.id}/connect`), 202);
    const failed = await pollState(t, wrong.id, ['FAILED', 'CONNECTED']);
    expect(failed.aws_param).toMatchObject({
      connection_state: 'FAILED',
      connection_error_code: 'INVALID_CREDENTIALS',
    });
    const health = ok(await get(t, `${STORES}/${wrong.id}/health`));
    expect(health).toMatchObject({
      healthy: false,
      connection_state: 'FAILED',
      connection_error_code: 'INVALID_CREDENTIALS',
    });
    expect(health.reason).toContain('INVALID_CREDENTIALS');
    // A FAILED store must be disconnected before it is connected again (AWS's rule).
    ok(await post(t, `${STORES}/${wrong.id}/disconnect`));
    ok(await post(t, `${STORES}/${wrong.id}/connect`, { key_store_password: c.kmsuserPassword }), 202);
    expect((await pollState(t, wrong.id, ['CONNECTED', 'FAILED'])).aws_param.connection_state).toBe('CONNECTED');
    expect(ok(await get(t, `${STORES}/${wrong.id}/health`))).toMatchObject({ healthy: true, reason: null });

    const thin = await cluster(t);
    const store = ok(await post(t, STORES, hsmBody('thin-cluster', thin)), 201);
    const hsmApi = t.composed.emulator!.cloudHsm;
    const ctx = { accountId: ACCOUNT_ID, region: REGION };
    // AWS connects a store whose cluster has at least one active HSM; none is INSUFFICIENT_CLOUDHSM_HSMS.
    for (const h of thin.hsms) await hsmApi.call(ctx, 'DeleteHsm', { ClusterId: thin.clusterId, HsmId: h.hsmId });
    const active = async () =>
      (
        await hsmApi.call(ctx, 'DescribeClusters', { Filters: { clusterIds: [thin.clusterId] } })
      ).Clusters![0]!.Hsms!.filter((h) => h.State === 'ACTIVE').length;
    await until(async () => (await active()) === 0, 10_000, 'no active HSM');
    ok(await post(t, `${STORES}/${store.id}/connect`), 202);
    const short = await pollState(t, store.id, ['FAILED', 'CONNECTED']);
    expect(short.aws_param).toMatchObject({
      connection_state: 'FAILED',
      connection_error_code: 'INSUFFICIENT_CLOUDHSM_HSMS',
    });
    expect(short.aws_param.number_of_hsms_in_cloudhsm_cluster).toBe(0);
  });
});
