/**
 * Periodic synchronization (CCKM_SYNC_INTERVAL_MINUTES): two instances check every 200 ms
 * which KMS accounts are due; each account gets exactly one job, run on the shared queue.
 */
import type { Database } from '../../../src/db/database.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createTestDatabase } from '../../support/test-db.js';
import { addWireAccounts, allRecords, as, JOB_ENV, SYNC, SyncEndpoint, type Body } from './helpers.js';

const ENV = { ...JOB_ENV, CCKM_SYNC_INTERVAL_MINUTES: '60', CCKM_SYNC_CHECK_MS: '200' };

describe('periodic synchronization', () => {
  let endpoint: SyncEndpoint;
  let db: Database;
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    endpoint = await SyncEndpoint.start();
    db = await createTestDatabase('sync-periodic');
    one = await startTestApp('sync-periodic', { database: db, env: ENV });
    // The second instance has no emulator (one writer per database) and so runs no job units:
    // the root account's `kms` is an emulator connection only the first instance can serve.
    // Its scheduler still looks for due accounts, which is what this test is about.
    two = await startTestApp('sync-periodic-2', {
      database: db,
      env: { ...ENV, EMULATOR_ENABLED: 'false', CCKM_JOB_WORKERS: '0' },
    });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await db?.close();
    await endpoint?.close();
  });

  it('queues one job per KMS account, as the scheduler, and none again within the interval', async () => {
    const keyIds: string[] = [];
    for (let i = 0; i < 5; i++)
      keyIds.push(
        (await endpoint.call('a', 'us-east-1', 'CreateKey', { Description: `periodic ${i}` })).KeyMetadata!.KeyId!,
      );
    await addWireAccounts(one, endpoint, ['us-east-1', 'eu-west-1']);
    const admin = as(one, one.adminToken);
    const jobs = async () => (await admin.get(`${SYNC}?limit=100`)).body.resources as Body[];
    const until = Date.now() + 60_000;
    let list = await jobs();
    while ((list.length < 3 || list.some((j) => j.overall_status === 'in_progress')) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      list = await jobs();
    }
    expect(list.map((j) => j.kms[0]).sort()).toEqual(['acct-a', 'acct-b', 'kms']);
    for (const j of list)
      expect(j).toMatchObject({ overall_status: 'completed', created_by: 'scheduler', synchronize_all: false });
    expect(list.find((j) => j.kms[0] === 'acct-a')!.regions).toEqual(['us-east-1', 'eu-west-1']);
    const records = await allRecords(one, 'kms=acct-a');
    expect(records.map((r) => r.aws_param.KeyId).sort()).toEqual([...keyIds].sort());

    // Both instances keep checking: nothing is due again for an hour.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await jobs()).toHaveLength(3);
  }, 120_000);
});
