import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { cluster, expectBadRequest, expectError, hsmBody, ok, post, REGION, STORES, type Body } from './helpers.js';

const UNUSED = `${STORES}/get-unused-cloudhsm-clusters`;

/**
 * `POST /custom-key-stores/get-unused-cloudhsm-clusters {kms, region}`: the account's CloudHSM
 * clusters that no custom key store uses (AWS's view, so a store made outside opencckm counts).
 */
describe('custom key stores: unused CloudHSM clusters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('cks_unused_clusters');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the clusters no store uses, with their HSM counts', async () => {
    const used = await cluster(t);
    const free = await cluster(t, { hsms: 3 });
    const other = await cluster(t, {}, 'us-west-2');
    ok(await post(t, STORES, hsmBody('uses-a-cluster', used)), 201);

    const answer = ok(await post(t, UNUSED, { kms: 'kms', region: REGION }));
    const ids = (answer.clusters as Body[]).map((c) => c.cluster_id);
    expect(ids).toContain(free.clusterId);
    expect(ids).not.toContain(used.clusterId);
    expect(ids).not.toContain(other.clusterId);
    expect(answer).toMatchObject({ kms: 'kms', region: REGION, total: ids.length });
    expect((answer.clusters as Body[]).find((c) => c.cluster_id === free.clusterId)).toMatchObject({
      state: 'ACTIVE',
      hsm_count: 3,
      active_hsm_count: 3,
    });
    const west = ok(await post(t, UNUSED, { kms: 'kms', region: 'us-west-2' }));
    expect((west.clusters as Body[]).map((c) => c.cluster_id)).toEqual([other.clusterId]);
  });

  it('validates the request, naming the field, and keeps other accounts out', async () => {
    expectBadRequest(await post(t, UNUSED, { region: REGION }), 'kms');
    expectBadRequest(await post(t, UNUSED, { kms: 'kms' }), 'region');
    expectError(await post(t, UNUSED, { kms: 'no-such-kms', region: REGION }), 400, 'kms');
    expectError(await post(t, UNUSED, { kms: 'kms', region: 'eu-central-1' }), 400, 'region');
    const reader = await t.userToken('clusters-reader', ['cckm_users']);
    expect((await post(t, UNUSED, { kms: 'kms', region: REGION }, reader)).status).toBe(200);
    const acme = await t.userToken('clusters-acme', ['admin'], 'acme');
    expectError(await post(t, UNUSED, { kms: 'kms', region: REGION }, acme), 400, 'kms');
  });
});
