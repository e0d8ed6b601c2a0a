import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { cluster, del, emulator, expectError, get, hsmBody, ok, post, REGION, STORES, type Body } from './helpers.js';

const JOBS = `${STORES}/synchronization-jobs`;

/** Polls a store synchronization job until it is no longer in progress. */
async function finished(t: TestApp, id: string): Promise<Body> {
  const until = Date.now() + 30_000;
  for (;;) {
    const job = ok(await get(t, `${JOBS}/${id}`));
    if (job.overall_status !== 'in_progress') return job;
    if (Date.now() > until) throw new Error(`store sync ${id} still in progress`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Custom key store synchronization jobs (`/custom-key-stores/synchronization-jobs`) on the
 * shared job queue: stores created outside opencckm get records, renamed ones follow AWS,
 * deleted ones are marked gone.
 */
describe('custom key stores: synchronization jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('cks_sync_jobs');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('adopts stores made outside opencckm, follows renames, and marks deleted ones gone', async () => {
    const [outside, ours] = [await cluster(t), await cluster(t)];
    const known = ok(await post(t, STORES, hsmBody('made-here', ours)), 201);
    const created = await emulator(t, REGION, 'CreateCustomKeyStore', {
      CustomKeyStoreName: 'made-outside',
      CloudHsmClusterId: outside.clusterId,
      KeyStorePassword: outside.kmsuserPassword,
      TrustAnchorCertificate: outside.trustAnchorPem,
    });
    await emulator(t, REGION, 'UpdateCustomKeyStore', {
      CustomKeyStoreId: known.aws_param.custom_key_store_id,
      NewCustomKeyStoreName: 'renamed-in-aws',
    });

    const job = ok(await post(t, JOBS, { kms: ['kms'], regions: [REGION] }), 201);
    expect(job).toMatchObject({ overall_status: 'in_progress', kms: ['kms'], regions: [REGION] });
    const done = await finished(t, job.id);
    expect(done).toMatchObject({
      overall_status: 'completed',
      progress: { regions_total: 1, regions_completed: 1, stores_seen: 2, stores_created: 1, stores_updated: 1 },
    });
    expect(Object.values(done.detailed_status)).toEqual([expect.stringContaining('completed: 2 stores (1 new')]);

    const list = ok(await get(t, `${STORES}?limit=-1`)).resources as Body[];
    const adopted = list.find((s) => s.aws_param.custom_key_store_id === created.CustomKeyStoreId);
    expect(adopted).toMatchObject({
      name: 'made-outside',
      linked_state: true,
      local_hosted_params: null,
      aws_param: { custom_key_store_type: 'AWS_CLOUDHSM', cloud_hsm_cluster_id: outside.clusterId },
    });
    expect(list.find((s) => s.id === known.id)!.name).toBe('renamed-in-aws');

    // Deleted in AWS: the next synchronization marks the record gone (and a third changes nothing more).
    await emulator(t, REGION, 'DeleteCustomKeyStore', { CustomKeyStoreId: created.CustomKeyStoreId });
    const again = await finished(t, ok(await post(t, JOBS, { synchronize_all: true }), 201).id);
    expect(again.progress).toMatchObject({ stores_seen: 1, stores_created: 0, stores_gone: 1 });
    expect(ok(await get(t, `${STORES}/${adopted!.id}`)).gone).toBe(true);
    const third = await finished(t, ok(await post(t, JOBS, { kms: ['kms'] }), 201).id);
    expect(third.progress).toMatchObject({ stores_created: 0, stores_gone: 0 });
    expect(ok(await get(t, `${STORES}?limit=-1`)).total).toBe(2);

    // Listed newest first, filterable by status; key synchronization jobs are not store jobs.
    const jobs = ok(await get(t, `${JOBS}?overall_status=completed&limit=-1`));
    expect(jobs.total).toBe(3);
    expect(jobs.resources[0].id).toBe(third.id);
    expectError(await get(t, `/api/v1/cckm/aws/synchronization-jobs/${third.id}`), 404);
    expectError(await post(t, `${JOBS}/${third.id}/cancel`), 409);
    ok(await del(t, `${STORES}/${adopted!.id}`), 204);
  });

  it('validates the scope naming the field, keeps readers from starting jobs, and other accounts out', async () => {
    expectError(await post(t, JOBS, {}), 400, 'kms');
    expectError(await post(t, JOBS, { kms: ['kms'], synchronize_all: true }), 400, 'kms');
    expectError(await post(t, JOBS, { kms: ['nope'] }), 400, 'kms[0]');
    expectError(await post(t, JOBS, { kms: ['kms'], regions: ['eu-central-1'] }), 400, 'regions[0]');
    const reader = await t.userToken('cks-sync-reader', ['cckm_users']);
    expectError(await post(t, JOBS, { kms: ['kms'] }, reader), 403);
    const mine = ok(await get(t, `${JOBS}?limit=-1`));
    expect(ok(await get(t, `${JOBS}?limit=-1`, reader)).total).toBe(mine.total);
    const acme = await t.userToken('cks-sync-acme', ['admin'], 'acme');
    expect(ok(await get(t, `${JOBS}?limit=-1`, acme)).total).toBe(0);
    expectError(await get(t, `${JOBS}/${mine.resources[0].id}`, acme), 404);
    expectError(await get(t, `${JOBS}/00000000-0000-4000-8000-000000000000`), 404);
  });
});
