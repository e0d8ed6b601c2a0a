/**
 * The synchronization job API: bad input names the field, an overlapping job is refused
 * with 409 naming the running one, cancellation (before start and mid-region), list
 * filters, roles and account isolation.
 */
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { expectBadRequest, expectError } from '../keys/helpers.js';
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

const REGIONS = ['us-east-1', 'us-west-2'];
/** Pages of 100 keys: a region of 150 keys spans two pages, as 1 100 keys would with AWS's 1 000. */
const PAGED_ENV = { ...JOB_ENV, CCKM_SYNC_PAGE_SIZE: '100' };

describe('synchronization jobs API', () => {
  let endpoint: SyncEndpoint;
  /** An instance without job workers: its jobs stay queued until a worker appears. */
  let idle: TestApp;
  let kms: { a: Body; b: Body };

  beforeAll(async () => {
    endpoint = await SyncEndpoint.start();
    idle = await startTestApp('sync-api', { env: { ...PAGED_ENV, CCKM_JOB_WORKERS: '0' } });
    kms = await addWireAccounts(idle, endpoint, REGIONS);
  });
  afterAll(async () => {
    await idle?.close();
    await endpoint?.close();
  });

  const admin = () => as(idle, idle.adminToken);

  it.each([
    ['kms', {}],
    ['kms', { kms: [] }],
    ['synchronize_all', { kms: ['acct-a'], synchronize_all: true }],
    ['synchronize_all', { synchronize_all: false }],
    ['regions', { synchronize_all: true, regions: ['us-east-1'] }],
    ['kms[1]', { kms: ['acct-a', 'no-such-kms'] }],
    ['regions[1]', { kms: ['acct-a'], regions: ['us-east-1', 'ap-south-1'] }],
    ['regions', { kms: ['acct-a'], regions: [] }],
    ['color', { kms: ['acct-a'], color: 'blue' }],
  ])('400 naming %s', async (field, body) => {
    expectBadRequest(await admin().post(SYNC, body), field);
  });

  it('refuses a job over a KMS account and region an in-progress job covers (409 naming it), until it is cancelled', async () => {
    const first = await admin().post(SYNC, { kms: ['acct-a'], regions: ['us-east-1'] });
    expect(first.status).toBe(201);
    expect(first.body.detailed_status).toEqual({ [`${ACCOUNTS.a.id}/us-east-1`]: 'pending' });

    const overlapping = await admin().post(SYNC, { kms: [kms.a.id] });
    expectError(overlapping, 409, 'NCERRConflict', first.body.id, `${ACCOUNTS.a.id}/us-east-1`);
    // Nothing of the refused job was stored.
    expect((await admin().get(`${SYNC}?limit=100`)).body.total).toBe(1);

    const disjoint = await admin().post(SYNC, { kms: ['acct-a'], regions: ['us-west-2'] });
    expect(disjoint.status).toBe(201);
    const otherAccount = await admin().post(SYNC, { kms: ['acct-b'] });
    expect(otherAccount.status).toBe(201);

    const cancelled = await admin().post(`${SYNC}/${first.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      overall_status: 'cancelled',
      cancel_requested: true,
      detailed_status: { [`${ACCOUNTS.a.id}/us-east-1`]: 'cancelled before it started' },
      progress: { regions_total: 1, regions_cancelled: 1 },
    });
    expect(typeof cancelled.body.completed_at).toBe('string');
    expectError(await admin().post(`${SYNC}/${first.body.id}/cancel`), 409, 'NCERRConflict', 'already finished');

    const again = await admin().post(SYNC, { kms: ['acct-a'], regions: ['us-east-1'] });
    expect(again.status).toBe(201);

    // List filters: status, kms (name or id), id, paging.
    const list = async (q: string) => (await admin().get(`${SYNC}?${q}`)).body;
    expect((await list('limit=100')).total).toBe(4);
    expect((await list('overall_status=cancelled')).resources.map((j: Body) => j.id)).toEqual([first.body.id]);
    expect((await list('overall_status=in_progress&limit=100')).total).toBe(3);
    expect((await list('kms=acct-b')).resources.map((j: Body) => j.id)).toEqual([otherAccount.body.id]);
    expect((await list(`kms=${kms.a.id}&limit=100`)).total).toBe(3);
    expect((await list('kms=no-such-kms')).total).toBe(0);
    expect((await list(`id=${disjoint.body.id}`)).resources).toHaveLength(1);
    const page = await list('limit=2&skip=1&sort=createdAt');
    expect(page).toMatchObject({ skip: 1, limit: 2, total: 4 });
    expect(page.resources.map((j: Body) => j.id)).toEqual([disjoint.body.id, otherAccount.body.id]);
    expectBadRequest(await admin().get(`${SYNC}?sort=name`), 'sort');
    expectError(await admin().get(`${SYNC}/00000000-0000-4000-8000-000000000000`), 404, 'NCERRResourceNotFound');
  });

  it('lets cckm_users read but not start or cancel jobs; another account sees none of them', async () => {
    const job = (await admin().get(`${SYNC}?limit=1`)).body.resources[0] as Body;
    const reader = as(idle, await idle.userToken('sync-reader', ['cckm_users']));
    expect((await reader.get(`${SYNC}/${job.id}`)).status).toBe(200);
    expectError(await reader.post(SYNC, { kms: ['acct-b'] }), 403, 'NCERRForbidden');
    expectError(await reader.post(`${SYNC}/${job.id}/cancel`), 403, 'NCERRForbidden');

    const stranger = as(idle, await idle.userToken('sync-stranger', ['admin'], 'other-account'));
    expectError(await stranger.get(`${SYNC}/${job.id}`), 404, 'NCERRResourceNotFound');
    expectError(await stranger.post(`${SYNC}/${job.id}/cancel`), 404, 'NCERRResourceNotFound');
    expect((await stranger.get(SYNC)).body.total).toBe(0);
    // The other account's KMS accounts are not reachable by name either.
    expectBadRequest(await stranger.post(SYNC, { kms: ['acct-a'] }), 'kms[0]');
  });

  it('a worker instance runs the queued jobs; a cancelled region stops after its current page of keys', async () => {
    for (let i = 0; i < 150; i++) await endpoint.call('b', 'us-west-2', 'CreateKey', { Description: `bulk ${i}` });
    // Slow AWS down so the region's first page is still being read when the cancel arrives (≥ 1 s).
    endpoint.emulator.setFaults([{ operation: 'ListResourceTags', kind: 'latency', latencyMs: 200 }]);
    const queued = (await admin().get(`${SYNC}?overall_status=in_progress&limit=100`)).body.resources as Body[];
    expect(queued).toHaveLength(3);
    const b = queued.find((j) => j.kms.includes('acct-b'))!;
    // Watch the job from the idle instance while the worker instance starts (and starts working).
    const starting = startTestApp('sync-api-worker', {
      database: idle.db,
      env: { ...PAGED_ENV, EMULATOR_ENABLED: 'false' },
    });
    let worker: TestApp | undefined;
    try {
      const deadline = Date.now() + 20_000;
      let current: Body = b;
      while (current.detailed_status[`${ACCOUNTS.b.id}/us-west-2`] === 'pending' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        current = (await admin().get(`${SYNC}/${b.id}`)).body;
      }
      const cancel = await admin().post(`${SYNC}/${b.id}/cancel`);
      expect(cancel.status).toBe(200);
      worker = await starting;
      const done = await waitForJob(idle, `${SYNC}/${b.id}`, 60_000);
      expect(done.overall_status).toBe('cancelled');
      // The region stopped at the end of its first page (100 keys): those records are stored,
      // the rest was not read, and nothing was marked gone.
      expect(done.detailed_status[`${ACCOUNTS.b.id}/us-west-2`]).toBe('cancelled after 100 keys');
      const records = await allRecords(idle, 'kms=acct-b&region=us-west-2');
      expect(records).toHaveLength(100);
      expect(records.every((r) => !r.gone)).toBe(true);
      endpoint.emulator.setFaults([]);
      for (const j of queued.filter((x) => x.id !== b.id))
        expect((await waitForJob(idle, `${SYNC}/${j.id}`, 60_000)).overall_status).toBe('completed');
    } finally {
      endpoint.emulator.setFaults([]);
      await (worker ?? (await starting)).close();
    }
  }, 120_000);
});
