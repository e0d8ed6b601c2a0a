import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request, { type Response } from 'supertest';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { OwnCluster } from '../../support/own-cluster.js';
import { expectError } from '../api/helpers.js';
import { waitForJob } from '../sync/helpers.js';

/**
 * PostgreSQL stopped under a create load (finding 3), on a cluster of this file's own: every
 * failure answers 503 with Retry-After and the error body, /readyz follows the database,
 * the service recovers without a restart, no audit event is lost, and one synchronization
 * leaves no record `creating` (finding 4).
 */
const KEYS = '/api/v1/cckm/aws/keys';
const SYNC = '/api/v1/cckm/aws/synchronization-jobs';
const TOTAL = 200;
const INTERVAL_MS = 50; // 200 requests over 10 s
const STOP_AT = 60; // PostgreSQL stops after the 60th request is sent ...
const START_AT = 130; // ... and starts again after the 130th

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeWithPg = OwnCluster.available() ? describe : describe.skip;

describeWithPg('database outage under a create load', () => {
  let cluster: OwnCluster;
  let db: Database;
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    cluster = await OwnCluster.start('outage');
    dataDir = mkdtempSync(path.join(process.env.OPENCCKM_TEST_RUN_DIR ?? os.tmpdir(), 'outage-data-'));
    db = await openDatabase({ url: cluster.url, dataDir });
    t = await startTestApp('db-outage', {
      database: db,
      env: {
        CCKM_DATA_DIR: dataDir,
        CCKM_PROVIDER_TIMEOUT_MS: '1000',
        CCKM_JOB_POLL_MS: '100',
        CCKM_USER_STATE_CACHE_MS: '0',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
    await cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers only 503 with Retry-After while the database is down, recovers, loses no audit event, and sync settles every reservation', async () => {
    const responses: Response[] = [];
    const readyDuring: number[] = [];
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < TOTAL; i++) {
      inFlight.push(
        request(t.http)
          .post(KEYS)
          .set('Authorization', bearer(t.adminToken))
          .send({ kms: 'kms', region: 'us-east-1' })
          .then((res) => void responses.push(res)),
      );
      if (i === STOP_AT) {
        await cluster.stop('fast');
        const started = Date.now();
        for (;;) {
          const ready = await request(t.http).get('/readyz');
          if (ready.status === 503 || Date.now() - started > 5000) {
            readyDuring.push(ready.status);
            break;
          }
          await sleep(20);
        }
      }
      if (i === START_AT) await cluster.restart();
      await sleep(INTERVAL_MS);
    }
    await Promise.all(inFlight);
    expect(readyDuring).toEqual([503]);
    expect((await request(t.http).get('/readyz')).status).toBe(200);

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(STOP_AT / 2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const res of responses.filter((r) => r.status !== 201)) {
      expectError(res, 503);
      expect(res.body.codeDesc).toMatch(/^NCERRServiceUnavailable: /);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Recovered without a restart: a create now succeeds.
    expect(
      (
        await request(t.http)
          .post(KEYS)
          .set('Authorization', bearer(t.adminToken))
          .send({ kms: 'kms', region: 'us-east-1' })
      ).status,
    ).toBe(201);

    // Every request that was answered has its audit event (spooled ones replayed after recovery).
    await t.composed.app.flushAudit();
    const ids = responses.map((r) => r.headers['x-request-id'] as string);
    expect(new Set(ids).size).toBe(TOTAL);
    let missing: string[] = ids;
    for (const until = Date.now() + 30_000; missing.length && Date.now() < until; await sleep(200)) {
      const rows = await db.db.selectFrom('auditEvents').select('requestId').where('requestId', 'in', ids).execute();
      const found = new Set(rows.map((r) => r.requestId));
      missing = ids.filter((id) => !found.has(id));
    }
    expect(missing).toEqual([]);
    const counted = await db.db
      .selectFrom('auditEvents')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('requestId', 'in', ids)
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(TOTAL); // replays are idempotent: one event per request

    // Reservations older than the provider time budget; one synchronization settles them all.
    await sleep(1500);
    const job = await request(t.http)
      .post(SYNC)
      .set('Authorization', bearer(t.adminToken))
      .send({ synchronize_all: true });
    expect(job.status).toBe(201);
    const done = await waitForJob(t, `${SYNC}/${job.body.id}`);
    expect(done.overall_status).toBe('completed');
    const creating = await db.db
      .selectFrom('awsKeys')
      .select(['id', 'lastError'])
      .where('status', '=', 'creating')
      .execute();
    expect(creating).toEqual([]);
  }, 180_000);
});
