/**
 * Half-made records (finding 4): a create interrupted after its reservation (an outage,
 * SIGKILL) leaves a record `creating`. Refresh and synchronization resolve every one: the
 * key tagged with the record's id is adopted; with no such key in the whole region, a
 * reservation older than the provider time budget is marked `failed` with `last_error`;
 * a younger one is left alone (its create may still be in flight).
 */
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { keyTypeOf, materialOriginOf } from '../../../src/cckm/keys/key-rules.js';
import { PostgresKeyRepository } from '../../../src/db/repositories/postgres-key.repository.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, SYNC, waitForJob, type Body } from './helpers.js';

const REGION = 'eu-west-1';
const KEYS = '/api/v1/cckm/aws/keys';
/** CCKM_PROVIDER_TIMEOUT_MS of this file: reservations older than it (plus a 2 s margin) may be judged. */
const TIMEOUT_MS = 1000;
const OLD_MS = 60_000;

describe('creating reservations are resolved by refresh and synchronization', () => {
  let t: TestApp;
  let kmsId: string;
  const admin = () => as(t, t.adminToken);

  beforeAll(async () => {
    t = await startTestApp('reservations', {
      env: { CCKM_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), CCKM_JOB_POLL_MS: '100' },
    });
    const kms = await admin().get('/api/v1/cckm/aws/kms?name=kms');
    kmsId = kms.body.resources[0].id;
  });
  afterAll(() => t?.close());

  /** A reservation as an interrupted create leaves it, reserved `ageMs` ago. */
  async function reserve(ageMs: number): Promise<string> {
    const id = randomUUID();
    await new PostgresKeyRepository(t.db.db).reserve({
      id,
      account: 'kylo',
      kmsId,
      region: REGION,
      cloudName: 'aws',
      policyTemplateId: null,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      keyType: keyTypeOf('SYMMETRIC_DEFAULT'),
      origin: 'AWS_KMS',
      keyMaterialOrigin: materialOriginOf('AWS_KMS'),
      keyAdmins: [],
      keyAdminsRoles: [],
      keyUsers: [],
      keyUsersRoles: [],
      externalAccounts: [],
      createdBy: 'admin',
    });
    await t.db.db
      .updateTable('awsKeys')
      .set({ createdAt: sql<Date>`now() - make_interval(secs => ${ageMs / 1000})` })
      .where('id', '=', id)
      .execute();
    return id;
  }

  /** The key an interrupted create did make in AWS: tagged with the record id, never recorded. */
  async function createTaggedKey(recordId: string): Promise<string> {
    const created = await t.composed.emulator!.call(
      { accountId: t.config.emulatorAccountId, region: REGION },
      'CreateKey',
      {
        Tags: [{ TagKey: 'cckm_record_id', TagValue: recordId }],
      },
    );
    return created.KeyMetadata!.KeyId!;
  }

  const record = async (id: string): Promise<Body> => (await admin().get(`${KEYS}/${id}`)).body;

  it('refresh marks an old reservation with no key in AWS failed, saying why', async () => {
    const id = await reserve(OLD_MS);
    const res = await admin().post(`${KEYS}/${id}/refresh`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'failed' });
    expect(res.body.last_error).toMatch(
      new RegExp(`AWS has no key for this reservation: no key in ${REGION} is tagged cckm_record_id=${id}`),
    );
    // Refresh again: still failed, nothing else changes.
    expect((await admin().post(`${KEYS}/${id}/refresh`)).body).toMatchObject({
      status: 'failed',
      last_error: res.body.last_error,
    });
  });

  it("refresh adopts the key tagged with an old reservation's id", async () => {
    const id = await reserve(OLD_MS);
    const keyId = await createTaggedKey(id);
    const res = await admin().post(`${KEYS}/${id}/refresh`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'ready', last_error: null });
    expect(res.body.aws_param.KeyId).toBe(keyId);
  });

  it('refresh leaves a reservation younger than the provider time budget creating', async () => {
    const id = await reserve(0);
    const res = await admin().post(`${KEYS}/${id}/refresh`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      status: 'creating',
      last_error: expect.stringContaining('may still be in flight'),
    });
  });

  it('one synchronization adopts, fails and leaves alone, each as its reservation deserves', async () => {
    const orphan = await reserve(OLD_MS);
    const made = await reserve(OLD_MS);
    const keyId = await createTaggedKey(made);
    const young = await reserve(0);
    const job = await admin().post(SYNC, { kms: ['kms'], regions: [REGION] });
    expect(job.status).toBe(201);
    const done = await waitForJob(t, `${SYNC}/${job.body.id}`);
    expect(done.overall_status).toBe('completed');
    expect(await record(orphan)).toMatchObject({
      status: 'failed',
      last_error: expect.stringContaining(`cckm_record_id=${orphan}`),
    });
    expect(await record(made)).toMatchObject({
      status: 'ready',
      last_error: null,
      aws_param: expect.objectContaining({ KeyId: keyId }),
    });
    expect(await record(young)).toMatchObject({ status: 'creating', last_error: null });
    // Once they are older than the time budget, the next synchronization settles the young ones too.
    await t.db.db
      .updateTable('awsKeys')
      .set({ createdAt: sql<Date>`now() - interval '1 minute'` })
      .where('status', '=', 'creating')
      .where('region', '=', REGION)
      .execute();
    const again = await admin().post(SYNC, { kms: ['kms'], regions: [REGION] });
    expect((await waitForJob(t, `${SYNC}/${again.body.id}`)).overall_status).toBe('completed');
    expect(await record(young)).toMatchObject({ status: 'failed' });
    const left = await t.db.db
      .selectFrom('awsKeys')
      .select('id')
      .where('status', '=', 'creating')
      .where('region', '=', REGION)
      .execute();
    expect(left).toEqual([]);
  });
});
