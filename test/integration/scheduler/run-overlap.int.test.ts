/**
 * Runs never overlap: with no job worker (runs stay in progress), a second run-now of a config
 * is refused naming the run in progress, a tick that comes meanwhile is stored with its units
 * skipped, and a scheduled synchronization skips the regions a synchronization job holds.
 */
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { expectError } from '../keys/helpers.js';
import { JOB_ENV, SYNC } from '../sync/helpers.js';
import { as, CONFIGS, rotation, type Body } from './helpers.js';

describe('scheduler runs do not overlap', () => {
  let t: TestApp;
  const admin = () => as(t, t.adminToken);

  beforeAll(async () => {
    t = await startTestApp('scheduler_overlap', {
      env: { ...JOB_ENV, CCKM_JOB_WORKERS: '0', CCKM_SCHEDULER_CHECK_MS: '50' },
    });
  });
  afterAll(() => t?.close());

  const runs = async (c: Body): Promise<Body[]> =>
    (await admin().get(`${CONFIGS}/${c.id}/runs?limit=-1`)).body.resources;

  it('refuses a second run-now while one is in progress; a tick meanwhile is stored skipped', async () => {
    const c = (await admin().post(CONFIGS, rotation('overlap', { run_at: '0 0 1 1 *' }))).body as Body;
    const first = await admin().post(`${CONFIGS}/${c.id}/run-now`);
    expect(first.status).toBe(201);
    expect(first.body.overall_status).toBe('in_progress');
    expectError(await admin().post(`${CONFIGS}/${c.id}/run-now`), 409, 'NCERRConflict', first.body.id);

    const tick = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await t.db.db.updateTable('jobConfigs').set({ nextRunAt: tick }).where('id', '=', c.id).execute();
    const until = Date.now() + 20_000;
    while ((await runs(c)).length < 2) {
      if (Date.now() > until) throw new Error('the tick was not fired');
      await new Promise((r) => setTimeout(r, 50));
    }
    const scheduled = (await runs(c)).find((r) => r.trigger === 'schedule')!;
    expect(scheduled).toMatchObject({
      scheduled_at: tick.toISOString(),
      overall_status: 'cancelled',
      units: [
        { status: 'cancelled', message: `skipped: run ${first.body.id} of this job config is still in progress` },
      ],
    });
    const left = await t.db.db
      .selectFrom('jobConfigs')
      .select('id')
      .where('id', '=', c.id)
      .where('nextRunAt', '<=', sql<Date>`now()`)
      .execute();
    expect(left).toEqual([]);
  });

  it('a synchronization run skips the regions a synchronization job in progress holds', async () => {
    const job = await admin().post(SYNC, { kms: ['kms'], regions: ['us-east-1'] });
    expect(job.status).toBe(201);
    const c = (
      await admin().post(CONFIGS, {
        name: 'sync-overlap',
        operation: 'cckm_synchronization',
        run_at: '0 0 1 1 *',
        cckm_synchronization_params: { kms: ['kms'], regions: ['us-east-1', 'us-west-2'] },
      })
    ).body as Body;
    const run = await admin().post(`${CONFIGS}/${c.id}/run-now`);
    expect(run.status).toBe(201);
    const byRegion = Object.fromEntries((run.body.units as Body[]).map((u) => [u.label.split(/[/ ]/)[1], u]));
    expect(byRegion['us-east-1']).toMatchObject({
      status: 'cancelled',
      message: 'skipped: a synchronization job in progress already covers this region',
    });
    expect(byRegion['us-west-2']).toMatchObject({ status: 'pending', message: null });
    expect(run.body.overall_status).toBe('in_progress');
  });
});
