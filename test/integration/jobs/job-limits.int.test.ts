/**
 * Robustness finding 6 (jobs): a per-account quota of jobs in progress, retention of
 * finished jobs, job lists computed in SQL without unit payloads, and claims fair across
 * accounts.
 */
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../../src/auth/principal.js';
import type { NewUnit } from '../../../src/cckm/jobs/job.repository.js';
import { PostgresJobRepository } from '../../../src/db/repositories/postgres-job.repository.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, BULK, type Body } from '../sync/helpers.js';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

const principal = (account: string): Principal => ({ userId: 'u', username: 'u', account, groups: ['admin'] });

describe('job quotas, retention, summaries and fair claiming', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No workers: jobs stay in progress until the test says otherwise.
    t = await startTestApp('job-limits', { env: { CCKM_JOB_WORKERS: '0', CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT: '2' } });
  });
  afterAll(() => t?.close());

  it('an account at its quota of jobs in progress gets 429 naming the limit; another account is unaffected', async () => {
    const kylo = as(t, t.adminToken);
    expect((await kylo.post(BULK, { keys: [randomUUID()], operation: 'enablekey' })).status).toBe(201);
    expect((await kylo.post(BULK, { keys: [randomUUID()], operation: 'enablekey' })).status).toBe(201);
    const third = await kylo.post(BULK, { keys: [randomUUID()], operation: 'enablekey' });
    expect(third.status).toBe(429);
    expect(third.body.message).toContain('CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT=2');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const acme = as(t, await t.userToken('quota-acme', ['admin'], 'quota-acme'));
    expect((await acme.post(BULK, { keys: [randomUUID()], operation: 'enablekey' })).status).toBe(201);
    // Once a job finishes, there is room again.
    await t.db.db
      .updateTable('jobs')
      .set({ status: 'completed', completedAt: new Date() })
      .where('account', '=', 'kylo')
      .execute();
    expect((await kylo.post(BULK, { keys: [randomUUID()], operation: 'enablekey' })).status).toBe(201);
  });

  it('finished jobs older than the retention are pruned with their units; jobs in progress and recent ones stay', async () => {
    await t.db.db.deleteFrom('jobs').execute();
    const repo = new PostgresJobRepository(t.db.db);
    const ids: Record<string, string> = {};
    for (const name of ['old-done', 'old-running', 'recent-done']) {
      ids[name] = randomUUID();
      await repo.create(
        {
          id: ids[name]!,
          account: 'kylo',
          kind: 'bulk',
          params: { operation: 'enablekey', total: 1 },
          principal: principal('kylo'),
          createdBy: 'u',
        },
        [{ label: 'keys 1-1', payload: { keys: ['x'] } }],
      );
    }
    await t.db.db
      .updateTable('jobs')
      .set({ status: 'completed', completedAt: daysAgo(40), createdAt: daysAgo(41) })
      .where('id', '=', ids['old-done']!)
      .execute();
    await t.db.db
      .updateTable('jobs')
      .set({ createdAt: daysAgo(90) })
      .where('id', '=', ids['old-running']!)
      .execute();
    await t.db.db
      .updateTable('jobs')
      .set({ status: 'failed', completedAt: daysAgo(2) })
      .where('id', '=', ids['recent-done']!)
      .execute();
    expect(await t.composed.services.pruneFinishedJobs()).toBe(1);
    const left = await t.db.db.selectFrom('jobs').select('id').orderBy('createdAt').execute();
    expect(left.map((r) => r.id).sort()).toEqual([ids['old-running'], ids['recent-done']].sort());
    expect(await t.db.db.selectFrom('jobUnits').select('seq').where('jobId', '=', ids['old-done']!).execute()).toEqual(
      [],
    );
  });

  it('the job list returns summaries computed in SQL: 200 jobs of 100 units with large payloads list quickly, without results', async () => {
    await t.db.db.deleteFrom('jobs').execute();
    await sql`INSERT INTO jobs (id, account, kind, status, params)
      SELECT gen_random_uuid(), 'kylo', 'bulk', 'completed', '{"operation":"enablekey","total":10000}'::jsonb FROM generate_series(1, 200)`.execute(
      t.db.db,
    );
    const keys = JSON.stringify(Array.from({ length: 100 }, () => randomUUID()));
    const results = JSON.stringify(
      Array.from({ length: 100 }, () => ({ key_id: randomUUID(), status: 'failed', error: 'x'.repeat(40) })),
    );
    await sql`INSERT INTO job_units (job_id, seq, label, status, payload, progress, results)
      SELECT j.id, s, 'keys', 'completed', jsonb_build_object('keys', ${keys}::jsonb), '{"succeeded": 99, "failed": 1}'::jsonb, ${results}::jsonb
      FROM jobs j, generate_series(0, 99) s`.execute(t.db.db);
    const started = Date.now();
    const res = await as(t, t.adminToken).get(`${BULK}?limit=200`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.resources).toHaveLength(200);
    const first = res.body.resources[0] as Body;
    expect(first.results).toBeUndefined();
    expect(first.progress).toEqual({ total: 10000, succeeded: 9900, failed: 100, skipped: 0, pending: 0 });
    // 20 000 units × ~8 KB of payload and results would be ~160 MB to load; the summaries are small.
    expect(JSON.stringify(res.body).length).toBeLessThan(200 * 1000);
    expect(elapsed).toBeLessThan(10_000);
    // One job read on its own still carries every key's result.
    const one = await as(t, t.adminToken).get(`${BULK}/${first.id}`);
    expect({
      status: one.status,
      results: one.body.results?.length,
      error: one.status === 200 ? undefined : one.body,
    }).toEqual({ status: 200, results: 10000, error: undefined });
  }, 60_000);

  it('claims are fair across accounts: one account’s backlog does not starve another’s single unit', async () => {
    await t.db.db.deleteFrom('jobs').execute();
    const repo = new PostgresJobRepository(t.db.db);
    const units = (n: number): NewUnit[] =>
      Array.from({ length: n }, (_, i) => ({ label: `keys ${i}`, payload: { keys: [`k${i}`] } }));
    const a = randomUUID();
    const b = randomUUID();
    await repo.create(
      {
        id: a,
        account: 'fair-a',
        kind: 'bulk',
        params: { operation: 'enablekey', total: 50 },
        principal: principal('fair-a'),
        createdBy: 'u',
      },
      units(50),
    );
    await repo.create(
      {
        id: b,
        account: 'fair-b',
        kind: 'bulk',
        params: { operation: 'enablekey', total: 1 },
        principal: principal('fair-b'),
        createdBy: 'u',
      },
      units(1),
    );
    await t.db.db
      .updateTable('jobs')
      .set({ createdAt: new Date(Date.now() - 3_600_000) })
      .where('id', '=', a)
      .execute();
    const first = await repo.claim('w1', 60_000);
    const second = await repo.claim('w2', 60_000);
    expect(first?.account).toBe('fair-a');
    // A already has a unit running, B none: B's unit comes before A's 49 others.
    expect(second?.account).toBe('fair-b');
    const third = await repo.claim('w3', 60_000);
    expect(third?.jobId).toBe(a);
  });
});
