/**
 * Runs of job configs (run-now), checked against the emulator: AWS_KMS keys rotate on
 * demand, a BYOK key rotates to new imported material (its old ciphertexts still decrypt, its
 * ValidTo follows the config's expiration), keys that cannot rotate and keys the filters leave
 * out are reported per key, and synchronization and XKS credential rotation configs run too.
 */
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, emulator, expectError } from '../keys/helpers.js';
import { JOB_ENV } from '../sync/helpers.js';
import { as, CONFIGS, KEYS, rotation, waitForRun, type Body } from './helpers.js';

const REGION = 'us-east-1';
const DAY = 86_400_000;

describe('rotation runs', () => {
  let t: TestApp;
  const admin = () => as(t, t.adminToken);
  const config = async (body: object): Promise<Body> => {
    const res = await admin().post(CONFIGS, body);
    if (res.status !== 201) throw new Error(`config: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const attach = async (k: Body, c: Body) => {
    const res = await admin().post(`${KEYS}/${k.id}/enable-rotation-job`, { job_config_id: c.id });
    if (res.status !== 200) throw new Error(`attach: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const runNow = async (c: Body): Promise<Body> => {
    const res = await admin().post(`${CONFIGS}/${c.id}/run-now`);
    if (res.status !== 201) throw new Error(`run-now: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body).toMatchObject({ job_config_id: c.id, scheduled_at: null, trigger: 'run-now' });
    return waitForRun(t, c.id, res.body.id);
  };
  const rotations = async (k: Body) =>
    (await emulator(t, REGION, 'ListKeyRotations', { KeyId: k.aws_param.KeyId })).Rotations ?? [];
  const encrypt = async (k: Body, text: string) =>
    (await emulator(t, REGION, 'Encrypt', { KeyId: k.aws_param.KeyId, Plaintext: Buffer.from(text) })).CiphertextBlob!;
  const decrypt = async (blob: Uint8Array) =>
    Buffer.from((await emulator(t, REGION, 'Decrypt', { CiphertextBlob: blob })).Plaintext!).toString();
  const record = async (k: Body) => (await admin().get(`${KEYS}/${k.id}`)).body;

  beforeAll(async () => {
    t = await startTestApp('scheduler_runs', { env: { ...JOB_ENV, CCKM_SCHEDULER_CHECK_MS: '0' } });
  });
  afterAll(() => t?.close());

  it('rotates AWS_KMS keys on demand and reports keys that cannot rotate, per key', async () => {
    const c = await config(rotation('native'));
    const ok = await createKeyOk(t, { kms: 'kms', region: REGION });
    const disabled = await createKeyOk(t, { kms: 'kms', region: REGION });
    const deleting = await createKeyOk(t, { kms: 'kms', region: REGION });
    for (const k of [ok, disabled, deleting]) await attach(k, c);
    expect((await admin().post(`${KEYS}/${disabled.id}/disable`)).status).toBe(200);
    expect((await admin().post(`${KEYS}/${deleting.id}/schedule-deletion`, { days: 7 })).status).toBe(200);
    const before = await encrypt(ok, 'before rotation');

    const run = await runNow(c);
    expect(run).toMatchObject({
      kind: 'rotation',
      overall_status: 'completed',
      progress: { total: 3, rotated: 1, not_rotatable: 2, skipped: 0, failed: 0 },
      units: [{ label: 'keys 1-3', status: 'completed' }],
    });
    const byKey = Object.fromEntries((run.results as Body[]).map((r) => [r.key_id, r]));
    expect(byKey[ok.id]).toMatchObject({ status: 'rotated', key_material_id: expect.any(String) });
    expect(byKey[disabled.id]).toEqual({
      key_id: disabled.id,
      status: 'not_rotatable',
      reason: 'the key is Disabled; only Enabled keys can rotate',
    });
    expect(byKey[deleting.id]).toMatchObject({
      status: 'not_rotatable',
      reason: expect.stringContaining('PendingDeletion'),
    });

    const entries = await rotations(ok);
    expect(entries.map((e) => e.RotationType)).toEqual(['ON_DEMAND']);
    expect(entries[0]!.KeyMaterialId).toBe(byKey[ok.id].key_material_id);
    expect(await decrypt(before)).toBe('before rotation');
    expect(await rotations(disabled)).toEqual([]);
    const rotated = await record(ok);
    expect(rotated).toMatchObject({
      rotation_status: 'rotated',
      rotation_job_enabled: true,
      next_rotation_at: c.next_run_at,
    });
    expect(Date.now() - new Date(rotated.rotated_at).getTime()).toBeLessThan(60_000);
    expect(rotated.aws_param.CurrentKeyMaterialId).toBe(byKey[ok.id].key_material_id);
    expect(await record(disabled)).toMatchObject({ rotation_status: 'not_rotatable', rotated_at: null });
    const listed = (await admin().get(`${KEYS}?rotation_status=not_rotatable&limit=-1`)).body.resources as Body[];
    expect(listed.map((k) => k.id).sort()).toEqual([disabled.id, deleting.id].sort());

    // The run is listed under its config, newest first, with the same results.
    const runs = (await admin().get(`${CONFIGS}/${c.id}/runs`)).body;
    expect(runs).toMatchObject({ total: 1, resources: [{ id: run.id, overall_status: 'completed' }] });
    expect(runs.resources[0].results).toEqual(run.results);
  });

  it('rotates a BYOK key to new imported material: same key id, old ciphertexts decrypt, ValidTo from expiration', async () => {
    const c = await config(rotation('byok', { cckm_key_rotation_params: { cloud_name: 'aws', expiration: '30d' } }));
    const uploaded = await admin().post('/api/v1/cckm/aws/upload-key', {
      kms: 'kms',
      region: REGION,
      source_key_tier: 'local',
      key_expiration: false,
    });
    expect(uploaded.status).toBe(201);
    const k = uploaded.body as Body;
    expect(k.aws_param.Origin).toBe('EXTERNAL');
    await attach(k, c);
    const before = await encrypt(k, 'sealed with the first material');
    const firstMaterial = k.aws_param.CurrentKeyMaterialId;

    const run = await runNow(c);
    expect(run.progress).toMatchObject({ rotated: 1, failed: 0 });
    const result = (run.results as Body[])[0]!;
    expect(result).toMatchObject({ key_id: k.id, status: 'rotated' });
    const validTo = new Date(result.valid_to).getTime();
    expect(Math.abs(validTo - (Date.now() + 30 * DAY))).toBeLessThan(120_000);

    const after = await record(k);
    expect(after.aws_param.KeyId).toBe(k.aws_param.KeyId);
    expect(after.aws_param.CurrentKeyMaterialId).toBe(result.key_material_id);
    expect(after.aws_param.CurrentKeyMaterialId).not.toBe(firstMaterial);
    expect(after.aws_param).toMatchObject({ ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
    const entries = await rotations(k);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ RotationType: 'ON_DEMAND', KeyMaterialId: result.key_material_id });
    expect(await decrypt(before)).toBe('sealed with the first material');
    const sealedAfter = await encrypt(k, 'sealed with the new material');
    expect(await decrypt(sealedAfter)).toBe('sealed with the new material');

    // A second run rotates again, to yet another generated material.
    const second = await runNow(c);
    expect((second.results as Body[])[0]).toMatchObject({ status: 'rotated' });
    expect((second.results as Body[])[0]!.key_material_id).not.toBe(result.key_material_id);
    expect(await decrypt(before)).toBe('sealed with the first material');
    expect(await decrypt(sealedAfter)).toBe('sealed with the new material');
  });

  it('leaves out keys the filters exclude, with the reason', async () => {
    const recent = await config(
      rotation('recent', { cckm_key_rotation_params: { cloud_name: 'aws', rotation_after: '30d' } }),
    );
    const expiring = await config(
      rotation('expiring', { cckm_key_rotation_params: { cloud_name: 'aws', expire_in: '7d' } }),
    );
    const fresh = await createKeyOk(t, { kms: 'kms', region: REGION });
    await attach(fresh, recent);
    const a = await runNow(recent);
    expect(a.results).toEqual([
      { key_id: fresh.id, status: 'skipped', reason: 'rotated or created less than rotation_after (30d) ago' },
    ]);
    expect(await rotations(fresh)).toEqual([]);

    const soon = await admin().post('/api/v1/cckm/aws/upload-key', {
      kms: 'kms',
      region: REGION,
      source_key_tier: 'local',
      key_expiration: true,
      aws_param: { ValidTo: new Date(Date.now() + 3 * DAY).toISOString() },
    });
    const later = await admin().post('/api/v1/cckm/aws/upload-key', {
      kms: 'kms',
      region: REGION,
      source_key_tier: 'local',
      key_expiration: true,
      aws_param: { ValidTo: new Date(Date.now() + 60 * DAY).toISOString() },
    });
    expect([soon.status, later.status]).toEqual([201, 201]);
    const native = await createKeyOk(t, { kms: 'kms', region: REGION });
    for (const k of [soon.body, later.body, native]) await attach(k, expiring);
    const b = await runNow(expiring);
    const byKey = Object.fromEntries((b.results as Body[]).map((r) => [r.key_id, r]));
    expect(byKey[soon.body.id]).toMatchObject({ status: 'rotated' });
    expect(byKey[later.body.id]).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('expire_in window (7d)'),
    });
    expect(byKey[native.id]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('does not expire') });
    expect(b.progress).toMatchObject({ total: 3, rotated: 1, skipped: 2 });
  });

  it('a key detached after the run was queued is skipped; a config without keys completes with nothing to do', async () => {
    const empty = await config(rotation('empty'));
    const run = await runNow(empty);
    expect(run).toMatchObject({ overall_status: 'completed', results: [], units: [{ label: 'no keys attached' }] });
    expect(run.units[0].message).toContain('no key is attached');
  });

  it('runs a synchronization config as a synchronization job, and an XKS credential rotation config as its own run', async () => {
    const sync = await config({
      name: 'sync-now',
      operation: 'cckm_synchronization',
      run_at: '0 1 * * *',
      cckm_synchronization_params: { kms: ['kms'], regions: [REGION] },
    });
    const run = await runNow(sync);
    expect(run).toMatchObject({ kind: 'sync', overall_status: 'completed', units: [{ status: 'completed' }] });
    const job = (await admin().get(`/api/v1/cckm/aws/synchronization-jobs/${run.id}`)).body;
    expect(job).toMatchObject({ id: run.id, overall_status: 'completed', kms: ['kms'], regions: [REGION] });

    const xks = await config({ name: 'xks-creds', operation: 'cckm_xks_credential_rotation', run_at: '0 2 * * *' });
    // No store attached: the run completes with nothing to do (stores: xks-credential-rotation-runs.int.test.ts).
    const xksRun = await runNow(xks);
    expect(xksRun).toMatchObject({
      kind: 'xks_credential_rotation',
      overall_status: 'completed',
      results: [],
      units: [{ status: 'completed', message: expect.stringContaining('no custom key store is attached') }],
    });
    expectError(await admin().get(`${CONFIGS}/${xks.id}/runs/${run.id}`), 404, 'NCERRResourceNotFound');
  });
});
