/**
 * Cron ticks across service instances on one PostgreSQL: two instances checking every 50 ms
 * race for the same due ticks and each tick queues exactly one run; a tick missed while every
 * instance was down (days of ticks) runs once when an instance starts again, not once per tick.
 */
import { sql } from 'kysely';
import type { Database } from '../../../src/db/database.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createTestDatabase } from '../../support/test-db.js';
import { JOB_ENV } from '../sync/helpers.js';
import { as, CONFIGS, rotation, waitForRun, type Body } from './helpers.js';

const ENV = { ...JOB_ENV, CCKM_SCHEDULER_CHECK_MS: '50' };
/** Instances after the first: one emulator writer per database. */
const PEER_ENV = { ...ENV, EMULATOR_ENABLED: 'false' };

describe('scheduler ticks across instances', () => {
  let db: Database;
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('scheduler-ticks');
    one = await startTestApp('scheduler-ticks', { database: db, env: ENV });
    two = await startTestApp('scheduler-ticks-2', { database: db, env: PEER_ENV });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await db?.close();
  });

  const runsOf = async (t: TestApp, id: string): Promise<Body[]> => {
    const res = await as(t, t.adminToken).get(`${CONFIGS}/${id}/runs?limit=-1`);
    expect(res.status).toBe(200);
    return res.body.resources;
  };
  const configOf = async (t: TestApp, id: string): Promise<Body> =>
    (await as(t, t.adminToken).get(`${CONFIGS}/${id}`)).body;
  /** Waits until no config of `ids` still holds a tick in the past (every due tick was fired). */
  async function waitFired(t: TestApp, ids: string[]): Promise<void> {
    const until = Date.now() + 30_000;
    for (;;) {
      const rows = await t.db.db
        .selectFrom('jobConfigs')
        .select('id')
        .where('id', 'in', ids)
        .where('nextRunAt', '<=', sql<Date>`now()`)
        .execute();
      if (!rows.length) return;
      if (Date.now() > until) throw new Error(`${rows.length} ticks still not fired`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('two instances, one due tick per config: exactly one run per tick, fired once in the audit trail', async () => {
    const admin = as(one, one.adminToken);
    const configs: Body[] = [];
    // A tick far away: nothing fires until the test moves next_run_at into the past.
    for (let i = 0; i < 12; i++) {
      const res = await admin.post(CONFIGS, rotation(`race-${i}`, { run_at: '0 0 1 1 *' }));
      expect(res.status).toBe(201);
      configs.push(res.body);
    }
    const ids = configs.map((c) => c.id as string);
    const tick = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await one.db.db.updateTable('jobConfigs').set({ nextRunAt: tick }).where('id', 'in', ids).execute();
    await waitFired(one, ids);
    // Both instances keep checking for a while longer: nothing more may be queued.
    await new Promise((r) => setTimeout(r, 500));
    const year = new Date(tick).getUTCFullYear();
    for (const c of configs) {
      const runs = await runsOf(two, c.id);
      expect(runs.map((r) => [r.scheduled_at, r.trigger])).toEqual([[tick.toISOString(), 'schedule']]);
      const done = await waitForRun(one, c.id, runs[0]!.id);
      expect(done).toMatchObject({ overall_status: 'completed', kind: 'rotation', created_by: 'scheduler' });
      expect(await configOf(one, c.id)).toMatchObject({
        last_run_at: tick.toISOString(),
        next_run_at: new Date(Date.UTC(year + 1, 0, 1)).toISOString(),
      });
      const fired = (await admin.get(`/api/v1/audit/records?resource_id=${c.id}&action=fireJobConfig&limit=-1`)).body
        .resources as Body[];
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ actor: 'scheduler', resource_type: 'job-config', result: 'success' });
    }
  });

  it('a tick missed while every instance was down runs once when an instance is back, and the schedule resumes', async () => {
    const res = await as(one, one.adminToken).post(CONFIGS, rotation('daily-missed', { run_at: '0 0 * * *' }));
    expect(res.status).toBe(201);
    const c = res.body as Body;
    await two.close();
    await one.close();
    // Every instance down for three days: the first missed midnight is the tick still held.
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const missed = new Date(today.getTime() - 2 * 86_400_000);
    await db.db.updateTable('jobConfigs').set({ nextRunAt: missed }).where('id', '=', c.id).execute();
    one = await startTestApp('scheduler-ticks-3', { database: db, env: ENV });
    two = await startTestApp('scheduler-ticks-4', { database: db, env: PEER_ENV });
    await waitFired(one, [c.id]);
    await new Promise((r) => setTimeout(r, 500));
    const runs = await runsOf(one, c.id);
    expect(runs.map((r) => r.scheduled_at)).toEqual([missed.toISOString()]);
    expect((await waitForRun(one, c.id, runs[0]!.id)).overall_status).toBe('completed');
    expect(await configOf(two, c.id)).toMatchObject({
      last_run_at: missed.toISOString(),
      next_run_at: new Date(today.getTime() + 86_400_000).toISOString(),
    });
  });

  it('a disabled config does not fire; run-now still runs it without moving its schedule', async () => {
    const admin = as(one, one.adminToken);
    const c = (await admin.post(CONFIGS, rotation('paused', { run_at: '* * * * *', disabled: true }))).body as Body;
    expect(c.next_run_at).toBeNull();
    // Even a tick left in the past by a direct edit is not fired while disabled.
    await one.db.db
      .updateTable('jobConfigs')
      .set({ nextRunAt: new Date(Date.now() - 60_000) })
      .where('id', '=', c.id)
      .execute();
    await new Promise((r) => setTimeout(r, 400));
    expect(await runsOf(one, c.id)).toEqual([]);
    const now = await admin.post(`${CONFIGS}/${c.id}/run-now`);
    expect(now.status).toBe(201);
    expect((await waitForRun(one, c.id, now.body.id)).overall_status).toBe('completed');
    expect((await runsOf(two, c.id)).map((r) => r.trigger)).toEqual(['run-now']);
  });
});
