import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from '../api/helpers.js';

/**
 * Account discovery (`POST /cckm/aws/accounts {connection}`), the step before adding a KMS
 * account: the AWS account id the connection reaches (STS GetCallerIdentity) and the regions
 * enabled for it (the emulator's configured regions for an emulator connection).
 */
describe('account discovery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('account_discovery', { env: { EMULATOR_REGIONS: 'us-east-1,eu-west-1,ap-south-1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the account id and the regions of a connection, by name or id', async () => {
    const admin = as(t, t.adminToken);
    const conn = await admin.post(CONNECTIONS, { name: 'discover-me', provider: 'emulator' });
    expectStatus(conn, 201);
    for (const ref of ['discover-me', conn.body.id as string]) {
      const res = await admin.post('/cckm/aws/accounts', { connection: ref });
      expectStatus(res, 200);
      expect(res.body).toEqual({
        account_id: '123456789012',
        arn: expect.stringMatching(/^arn:aws:(iam|sts)::123456789012:/),
        regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
      });
    }
    // What it answers is what a KMS account is then created with.
    const kms = await admin.post('/cckm/aws/kms', {
      name: 'discovered',
      connection: 'discover-me',
      account_id: '123456789012',
      regions: ['eu-west-1'],
    });
    expectStatus(kms, 201);
  });

  it('refuses bad input naming the field, readers, and other accounts’ connections', async () => {
    const admin = as(t, t.adminToken);
    expectError(await admin.post('/cckm/aws/accounts', {}), 400, 'connection');
    expectError(await admin.post('/cckm/aws/accounts', { connection: 'nope' }), 400, 'connection');
    expectError(
      await admin.post('/cckm/aws/accounts', { connection: 'discover-me', assume_role_arn: 'not-an-arn' }),
      400,
      'assume_role_arn',
    );
    expectError(
      await admin.post('/cckm/aws/accounts', {
        connection: 'discover-me',
        assume_role_arn: 'arn:aws:iam::123456789012:role/x',
        assume_role_external_id: 'opencckm-00000000000000000000000000000000',
      }),
      400,
      'assume_role_external_id',
    );
    const reader = as(t, await t.userToken('discover-reader', ['cckm_users']));
    expectError(await reader.post('/cckm/aws/accounts', { connection: 'discover-me' }), 403);
    const acme = as(t, await t.userToken('discover-acme', ['admin'], 'acme'));
    expectError(await acme.post('/cckm/aws/accounts', { connection: 'discover-me' }), 400, 'connection');
  });
});
