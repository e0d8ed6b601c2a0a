/**
 * A rotation run over 250 keys: the keys are created in the emulator directly and brought
 * in by one synchronization job (fast), attached through the API, rotated by one run in three
 * units of up to 100 keys (the last one partial) shared by four job workers, with one result
 * per key; every key has a new material. Its speed over 1 000 keys is measured by
 * `npm run bench` (BENCH_ONLY=rotation), not here.
 */
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { mapLimit } from '../../../src/cckm/jobs/concurrency.js';
import { emulator } from '../keys/helpers.js';
import { JOB_ENV, SYNC, waitForJob } from '../sync/helpers.js';
import { as, CONFIGS, KEYS, rotation, waitForRun, type Body } from './helpers.js';

const REGION = 'eu-west-1';
const KEY_COUNT = 250;

describe('a rotation run over 250 keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('scheduler_scale', {
      env: { ...JOB_ENV, CCKM_SCHEDULER_CHECK_MS: '0', CCKM_JOB_WORKERS: '4' },
    });
  });
  afterAll(() => t?.close());

  it('rotates every key once, with a result per key and progress totals', async () => {
    const admin = as(t, t.adminToken);
    await mapLimit(Array.from({ length: KEY_COUNT }), 16, () =>
      emulator(t, REGION, 'CreateKey', { Description: 'scale' }),
    );
    const sync = await admin.post(SYNC, { kms: ['kms'], regions: [REGION] });
    expect(sync.status).toBe(201);
    expect((await waitForJob(t, `${SYNC}/${sync.body.id}`, 120_000)).overall_status).toBe('completed');
    const keys = (await admin.get(`${KEYS}?region=${REGION}&limit=-1`)).body.resources as Body[];
    expect(keys).toHaveLength(KEY_COUNT);

    const c = (await admin.post(CONFIGS, rotation('scale'))).body as Body;
    await mapLimit(keys, 16, async (k) => {
      const res = await admin.post(`${KEYS}/${k.id}/enable-rotation-job`, { job_config_id: c.id });
      if (res.status !== 200) throw new Error(`attach: ${res.status} ${JSON.stringify(res.body)}`);
    });
    expect((await admin.get(`${KEYS}?job_config_id=${c.id}&limit=1`)).body.total).toBe(KEY_COUNT);

    const started = Date.now();
    const queued = await admin.post(`${CONFIGS}/${c.id}/run-now`);
    expect(queued.status).toBe(201);
    expect(queued.body.units).toHaveLength(3);
    const run = await waitForRun(t, c.id, queued.body.id, 240_000);
    const seconds = (Date.now() - started) / 1000;
    expect(run).toMatchObject({
      overall_status: 'completed',
      progress: { total: KEY_COUNT, rotated: KEY_COUNT, skipped: 0, not_rotatable: 0, failed: 0 },
    });
    const results = run.results as Body[];
    expect(results).toHaveLength(KEY_COUNT);
    expect(new Set(results.map((r) => r.key_id))).toEqual(new Set(keys.map((k) => k.id)));
    expect(results.every((r) => r.status === 'rotated' && typeof r.key_material_id === 'string')).toBe(true);
    // Every key has exactly one on-demand rotation in the emulator (a sample of 20).
    for (const k of keys.slice(0, 20)) {
      const r = await emulator(t, REGION, 'ListKeyRotations', { KeyId: k.aws_param.KeyId });
      expect(r.Rotations?.map((e) => e.RotationType)).toEqual(['ON_DEMAND']);
    }
    const rotated = (await admin.get(`${KEYS}?rotation_status=rotated&limit=1`)).body.total;
    expect(rotated).toBe(KEY_COUNT);
    process.stdout.write(
      `rotation of ${KEY_COUNT} keys: ${seconds.toFixed(1)} s (${(KEY_COUNT / seconds).toFixed(0)} keys/s)\n`,
    );
  }, 600_000);
});
