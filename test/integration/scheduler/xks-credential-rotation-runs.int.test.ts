/**
 * XKS credential rotation jobs: hosted stores attach to a `cckm_xks_credential_rotation` job
 * config (`enable-credential-rotation-job`), and each run rotates every attached store's
 * proxy credential, one result per store, against the emulator and opencckm's own XKS proxy.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { XksProxy } from '../../../src/xks/proxy.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import {
  cluster,
  emulator,
  expectError,
  hsmBody,
  pollState,
  REGION,
  STORES,
  wireXks,
} from '../custom-key-stores/helpers.js';
import { JOB_ENV } from '../sync/helpers.js';
import { as, CONFIGS, rotation, waitForRun, type Body } from './helpers.js';

const PUBLIC_ENDPOINT = 'https://cckm.example.com';
const HEALTH_MD = { requestMetadata: { kmsRequestId: 'r-1', kmsOperation: 'KmsHealthCheck' } };

describe('scheduler: XKS credential rotation runs', () => {
  let t: TestApp;
  let proxyServer: Server;
  let proxy: XksProxy;
  let store: Body;
  let keyId: string;
  const admin = () => as(t, t.adminToken);
  const body = async (res: { status: number; body: Body }, status = 200): Promise<Body> => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const xksConfig = async (name: string) =>
    body(await admin().post(CONFIGS, { name, operation: 'cckm_xks_credential_rotation', run_at: '0 2 * * *' }), 201);
  const hostedStore = async (name: string, linked: boolean) =>
    body(
      await admin().post(STORES, {
        name,
        kms: 'kms',
        region: REGION,
        linked_state: linked,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
        local_hosted_params: {},
      }),
      201,
    );
  const enable = (s: Body, jobConfigId: unknown, token = t.adminToken) =>
    as(t, token).post(`${STORES}/${s.id}/enable-credential-rotation-job`, { job_config_id: jobConfigId });
  const disable = (s: Body, token = t.adminToken) =>
    as(t, token).post(`${STORES}/${s.id}/disable-credential-rotation-job`);
  const runNow = async (c: Body): Promise<Body> => {
    const queued = await body(await admin().post(`${CONFIGS}/${c.id}/run-now`), 201);
    return waitForRun(t, c.id, queued.id);
  };
  const credential = async (s: Body) => {
    const c = await body(await admin().get(`${STORES}/${s.id}/credentials`));
    return {
      accessKeyId: c.credentials[0].access_key_id as string,
      secretAccessKey: c.credentials[0].secret_access_key as string,
    };
  };
  /** The store's proxy health, called with `credential` as a client holding it would. */
  const health = async (s: Body, credential: { accessKeyId: string; secretAccessKey: string }) => {
    const path = `/api/v1/cckm/aws/xks-proxy-endpoints/${s.id}/kms/xks/v1/health`;
    const rawBody = Buffer.from(JSON.stringify(HEALTH_MD));
    const url = new URL(`${PUBLIC_ENDPOINT}${path}`);
    const headers = signXksRequest({ method: 'POST', url, body: rawBody, credential, region: REGION });
    return proxy.handle({ storeId: s.id, method: 'POST', path: '/health', requestUrl: path, headers, rawBody });
  };

  beforeAll(async () => {
    t = await startTestApp('xks_rotation_jobs', {
      env: { ...JOB_ENV, CCKM_SCHEDULER_CHECK_MS: '0', CCKM_XKS_PROXY_PUBLIC_ENDPOINT: PUBLIC_ENDPOINT },
    });
    proxy = new XksProxy(t.composed.services.xksStores, t.composed.services.xksKeys);
    proxyServer = await new Promise<Server>((resolve) => {
      const s = t.http.listen(0, '127.0.0.1', () => resolve(s));
    });
    wireXks(t, `${PUBLIC_ENDPOINT}=http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`);
    store = await hostedStore('scheduled', true);
    await body(await admin().post(`${STORES}/${store.id}/connect`), 202);
    await pollState(t, store.id, ['CONNECTED']);
    const source = await body(await admin().post('/api/v1/cckm/aws/xks-keys', { name: 'scheduled-source' }), 201);
    const key = await body(
      await admin().post('/api/v1/cckm/aws/create-hyok-key', {
        local_hosted_params: { custom_key_store_id: store.id, source_key_id: source.id },
      }),
      201,
    );
    keyId = key.aws_param.KeyID as string;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => proxyServer?.close(r));
  });

  it('attaches a hosted store to a credential rotation config of its account only, and detaches it', async () => {
    const c = await xksConfig('attach');
    const keyRotation = await body(await admin().post(CONFIGS, rotation('keys-only')), 201);
    expectError(await enable(store, undefined), 400, 'job_config_id');
    expectError(await enable(store, 'x'.repeat(65)), 400, 'job_config_id');
    expectError(await enable(store, '00000000-0000-4000-8000-000000000000'), 400, 'job_config_id');
    const wrongOp = await enable(store, keyRotation.id);
    expectError(wrongOp, 400, 'job_config_id');
    expect(wrongOp.body.message).toContain('cckm_key_rotation');
    const hsm = await body(await admin().post(STORES, hsmBody('cloudhsm', await cluster(t))), 201);
    expectError(await enable(hsm, c.id), 400, 'id');

    const reader = await t.userToken('xks-job-reader', ['cckm_users']);
    expectError(await enable(store, c.id, reader), 403);
    const other = await t.userToken('xks-job-other', ['admin'], 'acme');
    const theirs = await body(
      await as(t, other).post(CONFIGS, {
        name: 'theirs',
        operation: 'cckm_xks_credential_rotation',
        run_at: '0 2 * * *',
      }),
      201,
    );
    expectError(await enable(store, theirs.id, other), 404);
    expectError(await disable(store, other), 404);
    expectError(await enable(store, theirs.id), 400, 'job_config_id');

    const attached = await body(await enable(store, c.id));
    expect(attached).toMatchObject({ id: store.id, credential_rotation_job_enabled: true, job_config_id: c.id });
    expect(await body(await admin().get(`${STORES}/${store.id}`))).toMatchObject({
      credential_rotation_job_enabled: true,
      job_config_id: c.id,
    });
    const detached = await body(await disable(store));
    expect(detached).toMatchObject({ credential_rotation_job_enabled: false, job_config_id: null });
    // Each action is in the audit trail, the refused ones as failures.
    const audit = await body(await admin().get(`/api/v1/audit/records?limit=-1`));
    const events = (audit.resources as Body[]).filter((a) => /CredentialRotationJob$/.test(a.action as string));
    const onStore = events.filter((a) => a.resource_id === store.id).map((a) => [a.action, a.resource_type, a.result]);
    expect(onStore).toEqual(
      expect.arrayContaining([
        ['enableCustomKeyStoreCredentialRotationJob', 'custom-key-store', 'success'],
        ['disableCustomKeyStoreCredentialRotationJob', 'custom-key-store', 'success'],
      ]),
    );
    const refused = events.filter((a) => a.result === 'failure').map((a) => a.status_code);
    expect(refused).toEqual(expect.arrayContaining([400, 403]));
  });

  it('a run rotates every attached store: the old credential is refused afterwards, the new one works', async () => {
    const c = await xksConfig('nightly');
    await body(await enable(store, c.id));
    const before = await credential(store);
    const version = (await body(await admin().get(`${STORES}/${store.id}`))).local_hosted_params.credential_version;

    const run = await runNow(c);
    expect(run).toMatchObject({
      kind: 'xks_credential_rotation',
      overall_status: 'completed',
      progress: { total: 1, rotated: 1, not_rotatable: 0, failed: 0 },
      results: [{ custom_key_store_id: store.id, status: 'rotated', credential_version: version + 1 }],
    });
    const after = await credential(store);
    expect(after.accessKeyId).not.toBe(before.accessKeyId);
    const inAws = (await emulator(t, REGION, 'DescribeCustomKeyStores', {
      CustomKeyStoreId: store.aws_param.custom_key_store_id,
    }))!.CustomKeyStores![0]!;
    expect(inAws.XksProxyConfiguration!.AccessKeyId).toBe(after.accessKeyId);
    expect((await health(store, after)).status).toBe(200);
    expect(await health(store, before)).toMatchObject({
      status: 401,
      body: { errorName: 'AuthenticationFailedException' },
    });
    const sealed = await emulator(t, REGION, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('after the run') });
    const opened = await emulator(t, REGION, 'Decrypt', { CiphertextBlob: sealed.CiphertextBlob! });
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('after the run');
    await body(await disable(store));
  });

  it('reports stores that cannot rotate and rotations AWS refuses, per store, and rotates the rest', async () => {
    const c = await xksConfig('mixed');
    const unlinked = await hostedStore('never-linked', false);
    await body(await enable(store, c.id));
    await body(await enable(unlinked, c.id));
    const before = await credential(store);
    // A blocked store's proxy refuses AWS's check of the new credential: UpdateCustomKeyStore fails.
    await body(await admin().post(`${STORES}/${store.id}/block`));
    let run: Body;
    try {
      run = await runNow(c);
    } finally {
      await body(await admin().post(`${STORES}/${store.id}/unblock`));
    }
    expect(run.overall_status).toBe('completed');
    expect(run.progress).toMatchObject({ total: 2, rotated: 0, not_rotatable: 1, failed: 1 });
    const byStore = Object.fromEntries((run.results as Body[]).map((r) => [r.custom_key_store_id, r]));
    expect(byStore[unlinked.id]).toMatchObject({
      status: 'not_rotatable',
      reason: expect.stringMatching(/not linked/),
    });
    expect(byStore[store.id]).toMatchObject({ status: 'failed', reason: expect.any(String) });
    // Nothing was lost: the old credential is still the one in use.
    expect(await credential(store)).toEqual(before);
    expect((await health(store, before)).status).toBe(200);

    // A detached store is left out of the next run, which rotates the store still attached.
    await body(await disable(unlinked));
    const next = await runNow(c);
    expect(next.results).toEqual([expect.objectContaining({ custom_key_store_id: store.id, status: 'rotated' })]);
    await body(await disable(store));
  });

  it('a config with stores attached cannot be deleted; detached, it can', async () => {
    const c = await xksConfig('doomed');
    await body(await enable(store, c.id));
    const refused = await admin().delete(`${CONFIGS}/${c.id}`);
    expectError(refused, 409);
    expect(refused.body.message).toContain('disable-credential-rotation-job');
    expect((await admin().get(`${CONFIGS}/${c.id}`)).status).toBe(200);
    await body(await disable(store));
    expect((await admin().delete(`${CONFIGS}/${c.id}`)).status).toBe(204);
    expectError(await admin().get(`${CONFIGS}/${c.id}`), 404);
  });

  it('a run without stores completes with nothing to do', async () => {
    const run = await runNow(await xksConfig('empty'));
    expect(run).toMatchObject({
      overall_status: 'completed',
      results: [],
      units: [{ label: 'no custom key stores attached' }],
    });
  });
});
