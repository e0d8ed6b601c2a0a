import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { expectSeed004Record, SEED_004_BODY } from '../../fixtures/seed-004.js';

/** Seed 004: the documented request, verbatim, creates a multi-Region key with alias and tag. */
describe('POST /api/v1/cckm/aws/keys — the seed 004 example', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('seed004');
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns the full key record of the documentation', async () => {
    const body = SEED_004_BODY;
    const res = await request(t.http)
      .post('/api/v1/cckm/aws/keys')
      .set('Authorization', bearer(t.adminToken))
      .send(body);
    expect(res.status).toBe(201);
    const r = res.body;
    expectSeed004Record(r);
    const a = r.aws_param;

    // The emulator really holds the key, with the alias and tag.
    const provider = await t.composed.services.kms.provider(
      await t.composed.services.kms.find({ userId: 'x', username: 'x', account: 'kylo', groups: ['admin'] }, 'kms'),
      'ap-south-1',
    );
    const described = await provider.provider.kms('DescribeKey', { KeyId: 'alias/aws-test-key' });
    expect(described.KeyMetadata?.KeyId).toBe(a.KeyID);
    const got = await request(t.http).get(`/api/v1/cckm/aws/keys/${r.id}`).set('Authorization', bearer(t.adminToken));
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r);
  });
});
