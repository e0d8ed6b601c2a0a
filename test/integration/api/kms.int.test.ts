import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

const ACCOUNT = '123456789012';

describe('KMS accounts', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let emulatorId: string;

  beforeAll(async () => {
    t = await startTestApp('api_kms', {
      env: { CCKM_PROVIDER_MAX_ATTEMPTS: '1', CCKM_PROVIDER_TIMEOUT_MS: '3000', CCKM_OUTBOUND_ALLOW: '127.0.0.1' },
    });
    admin = as(t, t.adminToken);
    emulatorId = (await admin.get(`${CONNECTIONS}/emulator`)).body.id;
    // A provider-aws connection that reaches nothing: the partition check must answer before any call.
    const aws = await admin.post(CONNECTIONS, {
      name: 'aws-nowhere',
      provider: 'aws',
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: 'secret-of-nowhere',
      endpoint_url: 'http://127.0.0.1:1',
    });
    expectStatus(aws, 201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a KMS account with the connection by name, and reads it by name and id', async () => {
    const res = await admin.post('/cckm/aws/kms', {
      name: 'by-name',
      account_id: ACCOUNT,
      connection: 'emulator',
      regions: ['us-east-1', 'eu-west-1'],
    });
    expectStatus(res, 201);
    const k = res.body;
    expect(k).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      uri: `kylo:kylo:cckm:aws-kms:${k.id}`,
      account: 'kylo:kylo:admin:accounts:kylo',
      application: 'ncryptify:gemalto:admin:apps:kylo',
      devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      name: 'by-name',
      account_id: ACCOUNT,
      connection: 'emulator',
      connection_id: emulatorId,
      regions: ['us-east-1', 'eu-west-1'],
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      assume_role_arn: null,
      assume_role_external_id: null,
      auto_added: false,
      status: expect.any(String),
      acls: [],
      approvals_required: 0,
      cloud_name: 'aws',
    });
    for (const ref of ['by-name', k.id]) {
      const got = await admin.get(`/cckm/aws/kms/${ref}`);
      expectStatus(got, 200);
      expect(got.body).toEqual(k);
    }
    expect((await admin.get('/cckm/aws/kms?name=by-name')).body.resources.map((x: { id: string }) => x.id)).toEqual([
      k.id,
    ]);
    expect((await admin.get(`/cckm/aws/kms?account_id=${ACCOUNT}`)).body.total).toBe(2);
  });

  it('creates a KMS account with the connection by id', async () => {
    const res = await admin.post('/cckm/aws/kms', {
      name: 'by-id',
      account_id: ACCOUNT,
      connection: emulatorId,
      regions: ['ap-south-1'],
    });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ connection: 'emulator', connection_id: emulatorId, regions: ['ap-south-1'] });
  });

  it("400 naming account_id when the connection's credentials reach another account; nothing is stored", async () => {
    const res = await admin.post('/cckm/aws/kms', {
      name: 'wrong-acct',
      account_id: '999999999999',
      connection: 'emulator',
      regions: ['us-east-1'],
    });
    expectError(res, 400, 'account_id');
    expectError(await admin.get('/cckm/aws/kms/wrong-acct'), 404);
  });

  it('400 naming regions[i] for a region of another partition', async () => {
    expectError(
      await admin.post('/cckm/aws/kms', {
        name: 'cn',
        account_id: ACCOUNT,
        connection: 'aws-nowhere',
        regions: ['cn-north-1'],
      }),
      400,
      'regions[0]',
    );
    expectError(
      await admin.post('/cckm/aws/kms', {
        name: 'cn',
        account_id: ACCOUNT,
        connection: 'emulator',
        regions: ['us-east-1', 'us-gov-west-1'],
      }),
      400,
      'regions[1]',
    );
    expectError(await admin.get('/cckm/aws/kms/cn'), 404);
  });

  it('400 naming connection for a connection that does not exist', async () => {
    expectError(
      await admin.post('/cckm/aws/kms', {
        name: 'noconn',
        account_id: ACCOUNT,
        connection: 'nope',
        regions: ['us-east-1'],
      }),
      400,
      'connection',
    );
  });

  it('a connection that cannot be reached fails the create with a JSON error, not a hang or a 500', async () => {
    const res = await admin.post('/cckm/aws/kms', {
      name: 'unreachable',
      account_id: ACCOUNT,
      connection: 'aws-nowhere',
      regions: ['us-east-1'],
    });
    expect([502, 503, 504]).toContain(res.status);
    expectError(res, res.status);
    expectError(await admin.get('/cckm/aws/kms/unreachable'), 404);
  });

  it('409 for a name already used', async () => {
    const res = await admin.post('/cckm/aws/kms', {
      name: 'kms',
      account_id: ACCOUNT,
      connection: 'emulator',
      regions: ['us-west-2'],
    });
    expectError(res, 409);
    expect(res.body.message).toContain('kms');
    expect((await admin.get('/cckm/aws/kms/kms')).body.regions).toEqual([
      'us-east-1',
      'us-west-2',
      'eu-west-1',
      'ap-south-1',
    ]);
  });

  it.each([
    ['account_id', { name: 'bad1', account_id: '1234', connection: 'emulator', regions: ['us-east-1'] }],
    ['regions', { name: 'bad2', account_id: ACCOUNT, connection: 'emulator', regions: [] }],
    ['regions', { name: 'bad3', account_id: ACCOUNT, connection: 'emulator', regions: ['Mars-1'] }],
    ['name', { name: 'bad name', account_id: ACCOUNT, connection: 'emulator', regions: ['us-east-1'] }],
    ['connection', { name: 'bad4', account_id: ACCOUNT, regions: ['us-east-1'] }],
    [
      'assume_role_arn',
      {
        name: 'bad5',
        account_id: ACCOUNT,
        connection: 'emulator',
        regions: ['us-east-1'],
        assume_role_arn: 'not-an-arn',
      },
    ],
    ['color', { name: 'bad6', account_id: ACCOUNT, connection: 'emulator', regions: ['us-east-1'], color: 'blue' }],
  ])('400 naming %s for invalid input', async (field, body) => {
    const res = await admin.post('/cckm/aws/kms', body);
    expectError(res, 400);
    expect(res.body.message).toContain(field);
    expect(JSON.stringify(res.body.details)).toContain(field);
  });

  it('PATCH replaces the regions; a region of another partition is refused', async () => {
    expectStatus(
      await admin.post('/cckm/aws/kms', {
        name: 'patchme',
        account_id: ACCOUNT,
        connection: 'emulator',
        regions: ['us-east-1'],
      }),
      201,
    );
    const res = await admin.patch('/cckm/aws/kms/patchme', { regions: ['eu-west-1', 'ap-south-1'] });
    expectStatus(res, 200);
    expect(res.body.regions).toEqual(['eu-west-1', 'ap-south-1']);
    expect((await admin.get('/cckm/aws/kms/patchme')).body.regions).toEqual(['eu-west-1', 'ap-south-1']);
    expectError(
      await admin.patch('/cckm/aws/kms/patchme', { regions: ['eu-west-1', 'cn-northwest-1'] }),
      400,
      'regions[1]',
    );
    expect((await admin.get('/cckm/aws/kms/patchme')).body.regions).toEqual(['eu-west-1', 'ap-south-1']);
  });

  it('PATCH moves the account to another connection after checking it reaches the account', async () => {
    expectStatus(await admin.post(CONNECTIONS, { name: 'emu-b', provider: 'emulator' }), 201);
    const res = await admin.patch('/cckm/aws/kms/patchme', { connection: 'emu-b' });
    expectStatus(res, 200);
    expect(res.body.connection).toBe('emu-b');
    const refused = await admin.patch('/cckm/aws/kms/patchme', { connection: 'aws-nowhere' });
    expect([502, 503, 504]).toContain(refused.status);
    expectError(refused, refused.status);
    expect((await admin.get('/cckm/aws/kms/patchme')).body.connection).toBe('emu-b');
  });

  it('400 naming the field for a change of name or account (immutable)', async () => {
    expectError(await admin.patch('/cckm/aws/kms/patchme', { name: 'renamed' }), 400, 'name');
    expectError(await admin.patch('/cckm/aws/kms/patchme', { account_id: '999999999999' }), 400, 'account_id');
    expectStatus(await admin.get('/cckm/aws/kms/patchme'), 200);
    expectError(await admin.get('/cckm/aws/kms/renamed'), 404);
  });

  it('409 for deleting an account with key records or templates; 204 once they are gone', async () => {
    expectStatus(
      await admin.post('/cckm/aws/kms', {
        name: 'with-keys',
        account_id: ACCOUNT,
        connection: 'emulator',
        regions: ['us-west-2'],
      }),
      201,
    );
    const key = await admin.post('/cckm/aws/keys', { kms: 'with-keys', region: 'us-west-2' });
    expectStatus(key, 201);
    const res = await admin.delete('/cckm/aws/kms/with-keys');
    expectError(res, 409);
    expect(res.body.message).toContain('with-keys');
    expect(res.body.message).toMatch(/1 key record/);
    expectStatus(await admin.delete(`/cckm/aws/keys/${key.body.id}`), 204);

    expectStatus(
      await admin.post('/cckm/aws/templates', { name: 'tpl-on-it', kms: 'with-keys', key_users: ['u'] }),
      201,
    );
    const again = await admin.delete('/cckm/aws/kms/with-keys');
    expectError(again, 409);
    expect(again.body.message).toMatch(/1 policy template/);
    expectStatus(await admin.delete('/cckm/aws/templates/tpl-on-it'), 204);

    expectStatus(await admin.delete('/cckm/aws/kms/with-keys'), 204);
    expectError(await admin.get('/cckm/aws/kms/with-keys'), 404);
  });

  it('404 for an unknown KMS account', async () => {
    expectError(await admin.get('/cckm/aws/kms/nope'), 404);
    expectError(await admin.patch('/cckm/aws/kms/nope', { regions: ['us-east-1'] }), 404);
    expectError(await admin.delete('/cckm/aws/kms/00000000-0000-4000-8000-000000000000'), 404);
  });
});
