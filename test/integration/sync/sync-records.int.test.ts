/**
 * The synchronization job of record (issue 7 "done when"): keys created, changed and
 * deleted directly in AWS (the emulator, reached over its wire endpoint) across two
 * accounts and three regions; one job; every record field checked against the emulator.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  ACCOUNTS,
  addWireAccounts,
  allRecords,
  as,
  JOB_ENV,
  SYNC,
  SyncEndpoint,
  waitForJob,
  type Body,
} from './helpers.js';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
type Acct = keyof typeof ACCOUNTS;

describe('synchronization job: records mirror AWS across two accounts and three regions', () => {
  let endpoint: SyncEndpoint;
  let t: TestApp;
  let kms: { a: Body; b: Body };

  beforeAll(async () => {
    endpoint = await SyncEndpoint.start();
    t = await startTestApp('sync-records', { env: JOB_ENV });
    kms = await addWireAccounts(t, endpoint, REGIONS);
  });
  afterAll(async () => {
    await t?.close();
    await endpoint?.close();
  });

  const admin = () => as(t, t.adminToken);
  const createIn = async (acct: Acct, region: string, input: Parameters<SyncEndpoint['call']>[3] & object) =>
    (await endpoint.call(acct, region, 'CreateKey', input as never)).KeyMetadata!.KeyId!;

  /** Every field of a record that comes from AWS, compared with what the emulator says now. */
  async function expectMirrors(record: Body, acct: Acct, region: string): Promise<void> {
    const keyId = record.aws_param.KeyId as string;
    const m = (await endpoint.call(acct, region, 'DescribeKey', { KeyId: keyId })).KeyMetadata!;
    const tags = (await endpoint.call(acct, region, 'ListResourceTags', { KeyId: keyId })).Tags ?? [];
    const aliases = ((await endpoint.call(acct, region, 'ListAliases', { KeyId: keyId })).Aliases ?? [])
      .map((a) => a.AliasName)
      .sort();
    const policy = JSON.parse(
      (await endpoint.call(acct, region, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy!,
    );
    const symmetric = m.KeySpec === 'SYMMETRIC_DEFAULT';
    const rotation =
      symmetric && m.KeyState !== 'PendingDeletion'
        ? await endpoint.call(acct, region, 'GetKeyRotationStatus', { KeyId: keyId })
        : undefined;
    expect(record).toMatchObject({
      kms_id: kms[acct].id,
      kms: kms[acct].name,
      region,
      cloud_name: 'aws',
      gone: false,
      status: 'ready',
      last_error: null,
      key_type: symmetric ? 'symmetric' : m.KeySpec!.startsWith('HMAC') ? 'hmac' : 'asymmetric',
      key_material_origin: 'native',
    });
    expect(typeof record.synced_at).toBe('string');
    expect(record.aws_param).toMatchObject({
      AWSAccountId: ACCOUNTS[acct].id,
      Arn: m.Arn,
      KeyId: m.KeyId,
      KeyState: m.KeyState,
      Enabled: m.Enabled,
      KeyUsage: m.KeyUsage,
      KeySpec: m.KeySpec,
      Origin: m.Origin,
      Description: m.Description,
      CreationDate: m.CreationDate!.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      MultiRegion: m.MultiRegion ?? false,
      Policy: policy,
      Alias: aliases,
      Tags: tags.map((x) => ({ TagKey: x.TagKey, TagValue: x.TagValue })),
      KeyRotationEnabled: rotation?.KeyRotationEnabled ?? false,
    });
    if (rotation?.KeyRotationEnabled) expect(record.aws_param.RotationPeriodInDays).toBe(rotation.RotationPeriodInDays);
    if (m.MultiRegion) {
      expect(record.aws_param.MultiRegionConfiguration).toEqual({
        MultiRegionKeyType: m.MultiRegionConfiguration!.MultiRegionKeyType,
        PrimaryKey: {
          Arn: m.MultiRegionConfiguration!.PrimaryKey!.Arn,
          Region: m.MultiRegionConfiguration!.PrimaryKey!.Region,
        },
        ReplicaKeys: (m.MultiRegionConfiguration!.ReplicaKeys ?? []).map((r) => ({ Arn: r.Arn, Region: r.Region })),
      });
    } else {
      expect(record.aws_param.MultiRegionConfiguration).toBeUndefined();
    }
  }

  it('creates, updates, adopts and marks gone; every record matches AWS; a second job changes nothing', async () => {
    // Keys made outside opencckm in every account and region: symmetric (alias, tag, rotation) and RSA.
    for (const acct of ['a', 'b'] as const) {
      for (const region of REGIONS) {
        const sym = await createIn(acct, region, {
          Description: `plain ${acct} ${region}`,
          Tags: [{ TagKey: 'env', TagValue: region }],
        });
        await endpoint.call(acct, region, 'CreateAlias', {
          AliasName: `alias/plain-${acct}-${region}`,
          TargetKeyId: sym,
        });
        await endpoint.call(acct, region, 'EnableKeyRotation', { KeyId: sym, RotationPeriodInDays: 180 });
        await createIn(acct, region, {
          KeySpec: 'RSA_2048',
          KeyUsage: 'SIGN_VERIFY',
          Description: `rsa ${acct} ${region}`,
        });
      }
    }
    // A multi-Region primary in us-east-1 with a replica in eu-west-1 (account a).
    const mrk = await createIn('a', 'us-east-1', { MultiRegion: true, Description: 'mrk' });
    await endpoint.call('a', 'us-east-1', 'ReplicateKey', {
      KeyId: mrk,
      ReplicaRegion: 'eu-west-1',
      Description: 'mrk replica',
    });
    // A key created through opencckm, then changed directly in AWS.
    const viaApi = await admin().post('/api/v1/cckm/aws/keys', {
      kms: 'acct-a',
      region: 'us-west-2',
      aws_param: { Description: 'via api' },
    });
    expect(viaApi.status).toBe(201);
    const apiKeyId = viaApi.body.aws_param.KeyId as string;
    await endpoint.call('a', 'us-west-2', 'DisableKey', { KeyId: apiKeyId });
    await endpoint.call('a', 'us-west-2', 'UpdateKeyDescription', { KeyId: apiKeyId, Description: 'changed outside' });
    await endpoint.call('a', 'us-west-2', 'TagResource', {
      KeyId: apiKeyId,
      Tags: [{ TagKey: 'owner', TagValue: 'ops' }],
    });
    // An interrupted create: the reservation exists, the key was made with its record tag.
    const reservation = randomUUID();
    await t.db.db
      .insertInto('awsKeys')
      .values({
        id: reservation,
        account: 'kylo',
        kmsId: kms.b.id,
        region: 'eu-west-1',
        status: 'creating',
        cloudName: 'aws',
        lastError: 'Creation outcome unknown',
        aliases: [],
        keyAdmins: [],
        keyAdminsRoles: [],
        keyUsers: [],
        keyUsersRoles: [],
        externalAccounts: [],
        updatedAt: new Date(),
      })
      .execute();
    const adoptedKey = await createIn('b', 'eu-west-1', {
      Description: 'interrupted',
      Tags: [{ TagKey: 'cckm_record_id', TagValue: reservation }],
    });
    // A key tagged with a template of its KMS account, and one tagged with an unknown template.
    const tpl = await admin().post('/api/v1/cckm/aws/templates', {
      name: 'sync-tpl',
      kms: 'acct-a',
      key_admins: ['admin'],
    });
    expect(tpl.status).toBe(201);
    const linked = await createIn('a', 'eu-west-1', {
      Description: 'linked',
      Tags: [{ TagKey: 'cckm_policy_template_id', TagValue: tpl.body.id }],
    });
    const unlinked = await createIn('a', 'eu-west-1', {
      Description: 'unlinked',
      Tags: [{ TagKey: 'cckm_policy_template_id', TagValue: randomUUID() }],
    });
    // A key that will be deleted after the first job.
    const doomed = await createIn('b', 'us-east-1', { Description: 'doomed' });

    const created = await admin().post(SYNC, { kms: ['acct-a', kms.b.id] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      overall_status: 'in_progress',
      kms: ['acct-a', 'acct-b'],
      regions: REGIONS,
      synchronize_all: false,
      completed_at: null,
      uri: `kylo:kylo:cckm:synchronize:${created.body.id}`,
    });
    const job = await waitForJob(t, `${SYNC}/${created.body.id}`);
    expect(job.overall_status).toBe('completed');
    expect(typeof job.completed_at).toBe('string');
    const expectedLabels = ['a', 'b'].flatMap((acct) => REGIONS.map((r) => `${ACCOUNTS[acct as Acct].id}/${r}`)).sort();
    expect(Object.keys(job.detailed_status).sort()).toEqual(expectedLabels);
    for (const message of Object.values(job.detailed_status)) expect(message).toMatch(/^completed: \d+ keys/);
    expect(job.progress).toMatchObject({
      regions_total: 6,
      regions_completed: 6,
      regions_failed: 0,
      keys_adopted: 1,
      keys_failed: 0,
      keys_gone: 0,
    });

    // Exactly one record per AWS key, each mirroring AWS field for field.
    const records = await allRecords(t, 'kms=acct-a&kms=acct-b');
    let awsKeys = 0;
    for (const acct of ['a', 'b'] as const) {
      for (const region of REGIONS) {
        const ids = ((await endpoint.call(acct, region, 'ListKeys', { Limit: 1000 })).Keys ?? []).map((k) => k.KeyId!);
        awsKeys += ids.length;
        for (const id of ids) {
          const matching = records.filter((r) => r.aws_param.KeyId === id && r.region === region);
          expect({ id, count: matching.length }).toEqual({ id, count: 1 });
          await expectMirrors(matching[0]!, acct, region);
        }
      }
    }
    expect(records).toHaveLength(awsKeys);
    expect(job.progress.keys_seen).toBe(awsKeys);
    expect(job.progress.keys_created).toBe(awsKeys - 2); // all but the API-created and the adopted key

    const byKeyId = (id: string) => records.find((r) => r.aws_param.KeyId === id)!;
    expect(byKeyId(apiKeyId)).toMatchObject({
      id: viaApi.body.id,
      aws_param: { Enabled: false, KeyState: 'Disabled', Description: 'changed outside' },
    });
    expect(byKeyId(adoptedKey)).toMatchObject({ id: reservation, status: 'ready', last_error: null });
    expect(byKeyId(linked).cckm_policy_template_id).toBe(tpl.body.id);
    expect(byKeyId(unlinked).cckm_policy_template_id).toBeNull();
    // The linked key was made outside opencckm with AWS's default policy, not its template's: drifted.
    expect(byKeyId(linked)).toMatchObject({ policy_drift: true, policy_drift_checked_at: expect.any(String) });
    expect(byKeyId(unlinked)).toMatchObject({ policy_drift: false, policy_drift_checked_at: null });
    expect(byKeyId(apiKeyId)).toMatchObject({ policy_drift: false, policy_drift_checked_at: null });
    // Applying the template through opencckm puts its policy on the key and clears the drift.
    const applied = await admin().post(`/api/v1/cckm/aws/keys/${byKeyId(linked).id}/policy`, {
      policytemplate: tpl.body.id,
    });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ policy_drift: false });
    const primary = records.find((r) => r.aws_param.KeyId === mrk && r.region === 'us-east-1')!;
    const replica = records.find((r) => r.aws_param.KeyId === mrk && r.region === 'eu-west-1')!;
    expect(primary.aws_param.MultiRegionConfiguration.MultiRegionKeyType).toBe('PRIMARY');
    expect(replica.aws_param.MultiRegionConfiguration).toMatchObject({
      MultiRegionKeyType: 'REPLICA',
      PrimaryKey: { Region: 'us-east-1' },
    });

    // The doomed key is deleted in AWS; a record wrongly marked gone has its key back.
    await endpoint.call('b', 'us-east-1', 'ScheduleKeyDeletion', { KeyId: doomed, PendingWindowInDays: 7 });
    await endpoint.advanceDays(8);
    await expect(endpoint.call('b', 'us-east-1', 'DescribeKey', { KeyId: doomed })).rejects.toMatchObject({
      awsName: 'NotFoundException',
    });
    await t.db.db.updateTable('awsKeys').set({ gone: true }).where('id', '=', byKeyId(linked).id).execute();

    // synchronize_all: every KMS account of the caller's account (the bootstrap one too).
    const second = await admin().post(SYNC, { synchronize_all: true });
    expect(second.status).toBe(201);
    const done = await waitForJob(t, `${SYNC}/${second.body.id}`);
    expect(done).toMatchObject({ overall_status: 'completed', synchronize_all: true });
    expect([...done.kms].sort()).toEqual(['acct-a', 'acct-b', 'kms']);
    expect(done.progress).toMatchObject({ keys_created: 0, keys_adopted: 0, keys_gone: 1, keys_updated: 1 });
    const after = await allRecords(t, 'kms=acct-a&kms=acct-b');
    expect(after).toHaveLength(records.length);
    expect(after.find((r) => r.aws_param.KeyId === doomed)).toMatchObject({ gone: true });
    expect(after.find((r) => r.aws_param.KeyId === linked)).toMatchObject({
      gone: false,
      policy_drift: false,
      policy_drift_checked_at: expect.any(String),
    });
    expect(after.filter((r) => r.gone).map((r) => r.aws_param.KeyId)).toEqual([doomed]);
  });

  it('stops a running synchronization once its creator is disabled: the units not yet started fail, naming why', async () => {
    const user = await admin().post('/api/v1/usermgmt/users', {
      username: 'sync-operator',
      password: 'sync-operator-password',
      groups: ['cckm_admins'],
    });
    expect(user.status).toBe(201);
    const operator = as(t, await t.login('sync-operator', 'sync-operator-password'));
    // Four regions, two workers, each ListKeys ≥ 600 ms: the last two units start after the creator is disabled at 200 ms.
    t.composed.emulator!.setFaults([{ operation: 'ListKeys', kind: 'latency', latencyMs: 600 }]);
    try {
      const job = await operator.post(SYNC, { kms: ['kms'] });
      expect(job.status).toBe(201);
      await new Promise((r) => setTimeout(r, 200));
      expect((await admin().patch(`/api/v1/usermgmt/users/${user.body.id}`, { disabled: true })).status).toBe(200);
      const done = await waitForJob(t, `${SYNC}/${job.body.id}`);
      expect(done.overall_status).toBe('failed');
      const stopped = Object.values(done.detailed_status as Record<string, string>).filter((m) =>
        m.includes("the job's creator was deleted, disabled or lost the right"),
      );
      expect(stopped.length).toBeGreaterThan(0);
    } finally {
      t.composed.emulator!.setFaults([]);
    }
  });
});
