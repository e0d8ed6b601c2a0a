import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';

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
    const body = { kms: 'kms', region: 'ap-south-1', aws_param: { Alias: 'aws-test-key', MultiRegion: true, Tags: [{ TagKey: 'key', TagValue: 'value' }] } };
    const res = await request(t.http).post('/api/v1/cckm/aws/keys').set('Authorization', bearer(t.adminToken)).send(body);
    expect(res.status).toBe(201);
    const r = res.body;
    expect(r.uri).toBe(`kylo:kylo:cckm:aws-key:${r.id}`);
    expect(r).toMatchObject({
      account: 'kylo:kylo:admin:accounts:kylo',
      application: 'ncryptify:gemalto:admin:apps:kylo',
      devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
      kms: 'kms',
      rotation_status: '',
      cloud_name: 'aws',
      key_type: 'symmetric',
      basic_view_enabled: false,
      region: 'ap-south-1',
      gone: false,
      key_material_origin: 'native',
    });
    expect(Date.parse(r.synced_at)).not.toBeNaN();
    const a = r.aws_param;
    expect(a).toMatchObject({
      AWSAccountId: '123456789012',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      Enabled: true,
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Origin: 'AWS_KMS',
      Alias: ['alias/aws-test-key'],
      KeyRotationEnabled: false,
      MultiRegion: true,
      Policy: {
        Version: '2012-10-17',
        Id: 'key-default-1',
        Statement: [
          { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' },
        ],
      },
    });
    expect(a.KeyID).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(a.Arn).toBe(`arn:aws:kms:ap-south-1:123456789012:key/${a.KeyID}`);
    expect(a.CreationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.Tags).toEqual(expect.arrayContaining([{ TagKey: 'key', TagValue: 'value' }]));
    expect(a.MultiRegionConfiguration).toMatchObject({ MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: a.Arn, Region: 'ap-south-1' } });

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
