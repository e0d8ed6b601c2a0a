/**
 * Bulk jobs: validation naming the field, per-key results (successes, AWS refusals,
 * unknown and other-account ids, skipped keys) verified in the record and in the
 * emulator, applying a policy template, cancellation, roles and isolation.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, emulator, expectBadRequest, expectError, storedPolicy } from '../keys/helpers.js';
import { as, BULK, JOB_ENV, waitForJob, type Body } from '../sync/helpers.js';

const REGION = 'us-east-1';

describe('bulk jobs', () => {
  let t: TestApp;
  let keys: Body[];
  let template: Body;

  beforeAll(async () => {
    t = await startTestApp('bulk', { env: JOB_ENV });
    keys = [];
    for (let i = 0; i < 5; i++)
      keys.push(await createKeyOk(t, { kms: 'kms', region: REGION, aws_param: { Description: `bulk ${i}` } }));
    const tpl = await as(t, t.adminToken).post('/api/v1/cckm/aws/templates', {
      name: 'bulk-tpl',
      kms: 'kms',
      key_admins: ['admin'],
      key_users: ['app'],
    });
    expect(tpl.status).toBe(201);
    template = tpl.body;
  });
  afterAll(() => t?.close());

  const admin = () => as(t, t.adminToken);
  const run = async (body: object): Promise<Body> => {
    const res = await admin().post(BULK, body);
    if (res.status !== 201) throw new Error(`bulk: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body).toMatchObject({ overall_status: 'in_progress', uri: `kylo:kylo:cckm:bulkjob:${res.body.id}` });
    return waitForJob(t, `${BULK}/${res.body.id}`);
  };
  const describeKey = async (k: Body) =>
    (await emulator(t, REGION, 'DescribeKey', { KeyId: k.aws_param.KeyId })).KeyMetadata!;
  const record = async (k: Body) => (await admin().get(`/api/v1/cckm/aws/keys/${k.id}`)).body;
  /** 60 new keys (ten at a time): enough that a slowed-down job is still running when a test steps in. */
  const sixtyKeys = async (): Promise<string[]> => {
    const many: string[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => createKeyOk(t, { kms: 'kms', region: REGION })));
      many.push(...batch.map((k) => k.id as string));
    }
    return many;
  };

  it.each([
    ['keys', { operation: 'enablekey' }],
    ['keys', { keys: [], operation: 'enablekey' }],
    ['keys[0]', { keys: ['not-a-uuid'], operation: 'enablekey' }],
    ['operation', { keys: [randomUUID()], operation: 'rotatekey' }],
    ['days', { keys: [randomUUID()], operation: 'schedulekeydeletion' }],
    ['days', { keys: [randomUUID()], operation: 'schedulekeydeletion', days: 6 }],
    ['days', { keys: [randomUUID()], operation: 'enablekey', days: 7 }],
    ['policy_template_id', { keys: [randomUUID()], operation: 'applypolicytemplate' }],
    [
      'policy_template_id',
      { keys: [randomUUID()], operation: 'applypolicytemplate', policy_template_id: 'no-such-template' },
    ],
    ['policy_template_id', { keys: [randomUUID()], operation: 'disablekey', policy_template_id: 'bulk-tpl' }],
  ])('400 naming %s', async (field, body) => {
    expectBadRequest(await admin().post(BULK, body), field);
  });

  it("400 naming the repeated key, and a key outside the template's KMS account", async () => {
    expectBadRequest(
      await admin().post(BULK, { keys: [keys[0]!.id, keys[1]!.id, keys[0]!.id], operation: 'enablekey' }),
      'keys[2]',
    );
    const other = await admin().post('/api/v1/cckm/aws/kms', {
      name: 'bulk-other',
      account_id: '123456789012',
      connection: 'emulator',
      regions: [REGION],
    });
    expect(other.status).toBe(201);
    const elsewhere = await createKeyOk(t, { kms: 'bulk-other', region: REGION });
    expectBadRequest(
      await admin().post(BULK, {
        keys: [keys[0]!.id, elsewhere.id],
        operation: 'applypolicytemplate',
        policy_template_id: template.id,
      }),
      'keys[1]',
      'bulk-tpl',
    );
  });

  it('disables keys; unknown and other-account ids are per-key failures, not a failed job', async () => {
    const stranger = as(t, await t.userToken('bulk-stranger', ['admin'], 'bulk-other-account'));
    const unknown = randomUUID();
    const job = await run({ keys: [keys[0]!.id, unknown, keys[1]!.id], operation: 'disablekey' });
    expect(job).toMatchObject({
      overall_status: 'completed',
      operation: 'disablekey',
      progress: { total: 3, succeeded: 2, failed: 1, skipped: 0, pending: 0 },
    });
    expect(job.results).toEqual([
      { key_id: keys[0]!.id, status: 'succeeded' },
      { key_id: unknown, status: 'failed', error: `Key ${unknown} not found` },
      { key_id: keys[1]!.id, status: 'succeeded' },
    ]);
    for (const k of [keys[0]!, keys[1]!]) {
      expect((await describeKey(k)).Enabled).toBe(false);
      expect((await record(k)).aws_param).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    }
    expect((await describeKey(keys[2]!)).Enabled).toBe(true);
    // The stranger cannot see the job, nor act on the keys through a job of their own.
    expectError(await stranger.get(`${BULK}/${job.id}`), 404, 'NCERRResourceNotFound');
    expect((await stranger.get(BULK)).body.total).toBe(0);
    const theirs = await stranger.post(BULK, { keys: [keys[2]!.id], operation: 'disablekey' });
    expect(theirs.status).toBe(201);
    expectError(await admin().get(`${BULK}/${theirs.body.id}`), 404, 'NCERRResourceNotFound');
    let their = (await stranger.get(`${BULK}/${theirs.body.id}`)).body;
    while (their.overall_status === 'in_progress') {
      await new Promise((r) => setTimeout(r, 100));
      their = (await stranger.get(`${BULK}/${theirs.body.id}`)).body;
    }
    expect(their.results).toEqual([{ key_id: keys[2]!.id, status: 'failed', error: `Key ${keys[2]!.id} not found` }]);
    expect((await describeKey(keys[2]!)).Enabled).toBe(true);
  });

  it('schedules and cancels deletion, skipping keys already in the wanted state; AWS refusing is a failed result', async () => {
    const scheduled = await run({ keys: [keys[0]!.id, keys[2]!.id], operation: 'schedulekeydeletion', days: 7 });
    expect(scheduled).toMatchObject({ overall_status: 'completed', days: 7, progress: { succeeded: 2, failed: 0 } });
    const m = await describeKey(keys[2]!);
    expect(m.KeyState).toBe('PendingDeletion');
    const deletionDay = Math.round((m.DeletionDate!.getTime() - Date.now()) / 86_400_000);
    expect(deletionDay).toBe(7);
    expect((await record(keys[2]!)).aws_param.KeyState).toBe('PendingDeletion');

    const again = await run({ keys: [keys[2]!.id, keys[3]!.id], operation: 'schedulekeydeletion', days: 10 });
    expect(again.results).toEqual([
      { key_id: keys[2]!.id, status: 'skipped', error: 'already pending deletion' },
      { key_id: keys[3]!.id, status: 'succeeded' },
    ]);
    expect((await describeKey(keys[2]!)).DeletionDate).toEqual(m.DeletionDate);

    const enable = await run({ keys: [keys[3]!.id], operation: 'enablekey' });
    expect(enable.overall_status).toBe('completed');
    expect(enable.results[0]).toMatchObject({
      key_id: keys[3]!.id,
      status: 'failed',
      error: expect.stringContaining('KMSInvalidStateException'),
    });

    const cancelled = await run({
      keys: [keys[0]!.id, keys[2]!.id, keys[3]!.id, keys[4]!.id],
      operation: 'cancelkeydeletion',
    });
    expect(cancelled.results.map((r: Body) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped']);
    for (const k of [keys[0]!, keys[2]!, keys[3]!]) expect((await describeKey(k)).KeyState).toBe('Disabled');
    expect((await describeKey(keys[4]!)).KeyState).toBe('Enabled');
  });

  it('applies a policy template: the policy in AWS, the link in the record', async () => {
    const job = await run({
      keys: [keys[3]!.id, keys[4]!.id],
      operation: 'applypolicytemplate',
      policy_template_id: 'bulk-tpl',
    });
    expect(job).toMatchObject({
      overall_status: 'completed',
      policy_template_id: template.id,
      progress: { succeeded: 2 },
    });
    for (const k of [keys[3]!, keys[4]!]) {
      const r = await record(k);
      expect(r.cckm_policy_template_id).toBe(template.id);
      expect(await storedPolicy(t, REGION, k.aws_param.KeyId)).toEqual(r.aws_param.Policy);
      expect(JSON.stringify(r.aws_param.Policy)).toContain(':user/app');
    }
  });

  it('cancels a running job: processed keys keep their results, the rest are skipped', async () => {
    const many = await sixtyKeys();
    // Slow AWS down so the job is still running when the cancel arrives.
    // 60 keys, 8 at a time, each ≥ 250 ms: the job needs ≥ 2 s, the cancel comes after 200 ms.
    t.composed.emulator!.setFaults([{ operation: 'DescribeKey', kind: 'latency', latencyMs: 250 }]);
    try {
      const res = await admin().post(BULK, { keys: many, operation: 'disablekey' });
      expect(res.status).toBe(201);
      await new Promise((r) => setTimeout(r, 200));
      const cancel = await admin().post(`${BULK}/${res.body.id}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.cancel_requested).toBe(true);
      const done = await waitForJob(t, `${BULK}/${res.body.id}`);
      expect(done.overall_status).toBe('cancelled');
      expect(done.results.map((r: Body) => r.key_id)).toEqual(many);
      const succeeded = done.results.filter((r: Body) => r.status === 'succeeded');
      const skipped = done.results.filter((r: Body) => r.status === 'skipped');
      expect(succeeded.length).toBeGreaterThan(0);
      expect(skipped.length).toBeGreaterThan(0);
      expect(succeeded.length + skipped.length).toBe(60);
      for (const r of skipped) expect(r.error).toBe('the job was cancelled before this key');
      expect(done.progress).toEqual({
        total: 60,
        succeeded: succeeded.length,
        failed: 0,
        skipped: skipped.length,
        pending: 0,
      });
      // Exactly the succeeded keys were disabled in AWS.
      t.composed.emulator!.setFaults([]);
      for (const r of done.results as Body[]) {
        const m = (
          await emulator(t, REGION, 'DescribeKey', { KeyId: (await record({ id: r.key_id })).aws_param.KeyId })
        ).KeyMetadata!;
        expect({ key: r.key_id, enabled: m.Enabled }).toEqual({ key: r.key_id, enabled: r.status !== 'succeeded' });
      }
      expectError(await admin().post(`${BULK}/${res.body.id}/cancel`), 409, 'NCERRConflict', 'already finished');
    } finally {
      t.composed.emulator!.setFaults([]);
    }
  });

  it('stops a running job once its creator is disabled: the rest of the keys are skipped and stay as they were', async () => {
    const user = await admin().post('/api/v1/usermgmt/users', {
      username: 'bulk-operator',
      password: 'bulk-operator-password',
      groups: ['cckm_admins'],
    });
    expect(user.status).toBe(201);
    const operator = as(t, await t.login('bulk-operator', 'bulk-operator-password'));
    const many = await sixtyKeys();
    // 60 keys, 8 at a time, each ≥ 250 ms: the job needs ≥ 2 s; the creator is disabled after 300 ms.
    t.composed.emulator!.setFaults([{ operation: 'DescribeKey', kind: 'latency', latencyMs: 250 }]);
    try {
      const res = await operator.post(BULK, { keys: many, operation: 'disablekey' });
      expect(res.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      expect((await admin().patch(`/api/v1/usermgmt/users/${user.body.id}`, { disabled: true })).status).toBe(200);
      const done = await waitForJob(t, `${BULK}/${res.body.id}`);
      expect(done.overall_status).toBe('failed');
      const skipped = done.results.filter((r: Body) => r.status === 'skipped');
      expect(skipped.length).toBeGreaterThan(0);
      for (const r of skipped) expect(r.error).toBe("the job's creator may no longer change keys");
      t.composed.emulator!.setFaults([]);
      for (const r of skipped as Body[]) {
        const m = (
          await emulator(t, REGION, 'DescribeKey', { KeyId: (await record({ id: r.key_id })).aws_param.KeyId })
        ).KeyMetadata!;
        expect({ key: r.key_id, enabled: m.Enabled }).toEqual({ key: r.key_id, enabled: true });
      }
    } finally {
      t.composed.emulator!.setFaults([]);
    }
  });

  it('lets cckm_users read jobs but not start or cancel them', async () => {
    const list = await admin().get(`${BULK}?limit=100&overall_status=completed`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(3);
    for (const j of list.body.resources) expect(j.results).toBeUndefined();
    const reader = as(t, await t.userToken('bulk-reader', ['cckm_users']));
    const one = list.body.resources[0] as Body;
    expect((await reader.get(`${BULK}/${one.id}`)).status).toBe(200);
    expectError(await reader.post(BULK, { keys: [keys[0]!.id], operation: 'enablekey' }), 403, 'NCERRForbidden');
    expectError(await reader.post(`${BULK}/${one.id}/cancel`), 403, 'NCERRForbidden');
  });
});
