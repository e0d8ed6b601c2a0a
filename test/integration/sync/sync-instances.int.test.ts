/**
 * Several service instances over one PostgreSQL (and one AWS, the emulator's wire
 * endpoint): they share the job queue without duplicating a record, also while keys are
 * being created through the API; a job whose instance stops, or dies holding a lease,
 * completes on another instance or after a restart.
 */
import { sql } from 'kysely';
import type { Database } from '../../../src/db/database.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createTestDatabase } from '../../support/test-db.js';
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
/** Every instance, the emulator and the test share this process's CPU: fewer parallel reads, more time per call. */
const ENV = { ...JOB_ENV, CCKM_SYNC_CONCURRENCY: '4', CCKM_PROVIDER_TIMEOUT_MS: '60000', CCKM_SYNC_PAGE_SIZE: '100' };
/** Instances after the first: one emulator writer per database, and these tests reach AWS through the wire endpoint only. */
const PEER_ENV = { ...ENV, EMULATOR_ENABLED: 'false' };

describe('synchronization jobs across service instances', () => {
  let endpoint: SyncEndpoint;
  let one: TestApp;
  let two: TestApp;
  /** Owned by the test, so that instances can stop and start over it. */
  let db: Database;

  beforeAll(async () => {
    endpoint = await SyncEndpoint.start();
    db = await createTestDatabase('sync-instances');
    one = await startTestApp('sync-instances', { database: db, env: ENV });
    two = await startTestApp('sync-instances-2', { database: db, env: PEER_ENV });
    await addWireAccounts(one, endpoint, REGIONS);
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await db?.close();
    await endpoint?.close();
  });

  async function expectOneRecordPerKey(t: TestApp): Promise<void> {
    const records = await allRecords(t, 'kms=acct-a&kms=acct-b');
    let keys = 0;
    for (const acct of ['a', 'b'] as const) {
      for (const region of REGIONS) {
        const ids = (await endpoint.keyIds(acct, region)).sort();
        keys += ids.length;
        const recorded = records
          .filter((r) => r.aws_param.KeyId && r.region === region && r.kms === `acct-${acct}`)
          .map((r) => r.aws_param.KeyId)
          .sort();
        expect({ acct, region, recorded }).toEqual({ acct, region, recorded: ids });
      }
    }
    expect(records).toHaveLength(keys);
    expect(records.filter((r) => r.status !== 'ready')).toEqual([]);
    const dupes = await one.db.db
      .selectFrom('awsKeys')
      .select(['kmsId', 'region', 'kmsKeyId'])
      .groupBy(['kmsId', 'region', 'kmsKeyId'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(dupes).toEqual([]);
  }

  it('two instances run jobs at once, while keys are created through the API, without a duplicate record', async () => {
    for (const acct of ['a', 'b'] as const) {
      for (const region of REGIONS) {
        for (let i = 0; i < 25; i++) await endpoint.call(acct, region, 'CreateKey', { Description: `pre ${i}` });
      }
    }
    const [jobA, jobB] = await Promise.all([
      as(one, one.adminToken).post(SYNC, { kms: ['acct-a'] }),
      as(two, two.adminToken).post(SYNC, { kms: ['acct-b'] }),
    ]);
    expect([jobA.status, jobB.status]).toEqual([201, 201]);
    // Creates through both instances in the regions being synchronized.
    const creates = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        as(i % 2 ? one : two, (i % 2 ? one : two).adminToken).post('/api/v1/cckm/aws/keys', {
          kms: i % 4 < 2 ? 'acct-a' : 'acct-b',
          region: REGIONS[i % 3],
          aws_param: { Description: `api ${i}` },
        }),
      ),
    );
    expect(creates.map((r) => r.status)).toEqual(Array(16).fill(201));
    const [doneA, doneB] = await Promise.all([
      waitForJob(one, `${SYNC}/${jobA.body.id}`, 120_000),
      waitForJob(two, `${SYNC}/${jobB.body.id}`, 120_000),
    ]);
    expect([doneA.overall_status, doneB.overall_status]).toEqual(['completed', 'completed']);
    await expectOneRecordPerKey(one);
    // The records created through the API kept their ids.
    const records = await allRecords(two, 'kms=acct-a&kms=acct-b');
    for (const c of creates) expect(records.filter((r) => r.id === c.body.id)).toHaveLength(1);
  }, 180_000);

  it('of two identical jobs posted to two instances at the same moment, exactly one is accepted', async () => {
    const results = await Promise.all(
      [one, two].map((t) => as(t, t.adminToken).post(SYNC, { kms: ['acct-a', 'acct-b'] })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const accepted = results.find((r) => r.status === 201)!;
    expect(results.find((r) => r.status === 409)!.body.message).toContain(accepted.body.id);
    const done = await waitForJob(one, `${SYNC}/${accepted.body.id}`, 120_000);
    expect(done.overall_status).toBe('completed');
    expect(done.progress).toMatchObject({ regions_completed: 6, keys_created: 0, keys_gone: 0 });
    await expectOneRecordPerKey(two);
  }, 180_000);

  it('a job whose instance stops mid-region completes on another instance; one whose instance died is taken over when its lease expires', async () => {
    // Three pages of 100 (CCKM_SYNC_PAGE_SIZE), each ≥ 0.5 s: time to stop the instance mid-region.
    for (let i = 0; i < 250; i++) await endpoint.call('b', 'eu-west-1', 'CreateKey', { Description: `late ${i}` });
    endpoint.emulator.setFaults([{ operation: 'ListResourceTags', kind: 'latency', latencyMs: 20 }]);
    try {
      // Stop the second instance; the first keeps no workers so the job waits for a restart.
      await two.close();
      const idle = await startTestApp('sync-instances-idle', {
        database: db,
        env: { ...PEER_ENV, CCKM_JOB_WORKERS: '0' },
      });
      await one.close();
      one = idle;
      const worker = await startTestApp('sync-instances-3', { database: db, env: PEER_ENV });
      const job = await as(one, one.adminToken).post(SYNC, { kms: ['acct-b'], regions: ['eu-west-1'] });
      expect(job.status).toBe(201);
      const label = `${ACCOUNTS.b.id}/eu-west-1`;
      let state: Body = job.body;
      while (!/^in progress: \d+ keys/.test(state.detailed_status[label]) && state.overall_status === 'in_progress') {
        await new Promise((r) => setTimeout(r, 50));
        state = (await as(one, one.adminToken).get(`${SYNC}/${job.body.id}`)).body;
      }
      expect(state.overall_status).toBe('in_progress');
      // The instance running it shuts down: the unit is released, not lost, and not finished.
      await worker.close();
      state = (await as(one, one.adminToken).get(`${SYNC}/${job.body.id}`)).body;
      expect(state).toMatchObject({
        overall_status: 'in_progress',
        detailed_status: { [label]: expect.stringMatching(/^in progress/) },
      });
      // A restarted instance finishes it.
      two = await startTestApp('sync-instances-4', { database: db, env: PEER_ENV });
      const done = await waitForJob(one, `${SYNC}/${job.body.id}`, 120_000);
      expect(done.overall_status).toBe('completed');
      expect(done.detailed_status[label]).toBe(
        `completed: ${(await endpoint.keyIds('b', 'eu-west-1')).length} keys (${done.progress.keys_created} created, 0 adopted, 0 updated, 0 gone)`,
      );
      await expectOneRecordPerKey(one);

      // An instance that died holding a lease: its unit is taken over once the lease expires.
      endpoint.emulator.setFaults([]);
      await two.close();
      const orphan = await as(one, one.adminToken).post(SYNC, { kms: ['acct-a'], regions: ['us-east-1'] });
      expect(orphan.status).toBe(201);
      await one.db.db
        .updateTable('jobUnits')
        .set({
          status: 'running',
          leaseOwner: 'dead-instance/0',
          leaseUntil: sql<Date>`now() + interval '2 seconds'`,
          attempts: 1,
          startedAt: sql<Date>`now()`,
        })
        .where('jobId', '=', orphan.body.id)
        .execute();
      two = await startTestApp('sync-instances-5', { database: db, env: PEER_ENV });
      const taken = await waitForJob(one, `${SYNC}/${orphan.body.id}`, 60_000);
      expect(taken.overall_status).toBe('completed');
      const attempts = await one.db.db
        .selectFrom('jobUnits')
        .select('attempts')
        .where('jobId', '=', orphan.body.id)
        .execute();
      expect(attempts[0]!.attempts).toBe(2);
    } finally {
      endpoint.emulator.setFaults([]);
    }
  }, 300_000);
});
