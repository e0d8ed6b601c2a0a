import type { Response } from 'supertest';
import { deriveKey, SecretBox } from '../../../src/auth/secret-box.js';
import { secretPurpose } from '../../../src/cckm/connections/provider-target.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SECRET2 = 'second-secret-value/NEVER-to-be-seen-again';
const AKID = 'AKIAIOSFODNN7EXAMPLE';

/** The secret access key never appears in a response, under any field name. */
function expectNoSecret(res: Response): void {
  expect(res.text).not.toContain(SECRET);
  expect(res.text).not.toContain(SECRET2);
  expect(res.text).not.toMatch(/secret_access_key"\s*:/);
}

describe('AWS connections', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;

  beforeAll(async () => {
    // One attempt per provider call: a closed port fails at once instead of after retries.
    t = await startTestApp('api_connections', {
      env: { CCKM_PROVIDER_MAX_ATTEMPTS: '1', CCKM_PROVIDER_TIMEOUT_MS: '3000', CCKM_OUTBOUND_ALLOW: '127.0.0.1' },
    });
    admin = as(t, t.adminToken);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, reads (by id and name), lists, changes and deletes an aws connection; the secret is never returned', async () => {
    // The ExternalId is the server's, per account; a request may repeat it (the original's scripts send one).
    const externalId = (await admin.get('/connectionmgmt/services/aws/external-id')).body.external_id;
    const created = await admin.post(CONNECTIONS, {
      name: 'prod-aws',
      description: 'production',
      provider: 'aws',
      access_key_id: AKID,
      secret_access_key: SECRET,
      assume_role_arn: 'arn:aws:iam::210987654321:role/cckm',
      assume_role_external_id: externalId,
      aws_sts_regional_endpoints: 'regional',
      aws_region: 'eu-west-1',
      labels: { env: 'prod' },
    });
    expectStatus(created, 201);
    expectNoSecret(created);
    const c = created.body;
    expect(c).toMatchObject({
      uri: `kylo:kylo:connectionmgmt:connections:prod-aws-${c.id}`,
      account: 'kylo:kylo:admin:accounts:kylo',
      name: 'prod-aws',
      description: 'production',
      service: 'aws',
      category: 'cloud',
      provider: 'aws',
      cloud_name: 'aws',
      access_key_id: AKID,
      assume_role_arn: 'arn:aws:iam::210987654321:role/cckm',
      assume_role_external_id: externalId,
      aws_sts_regional_endpoints: 'regional',
      aws_region: 'eu-west-1',
      endpoint_url: null,
      labels: { env: 'prod' },
      products: ['cckm'],
      resource_url: `/api/v1/connectionmgmt/services/aws/connections/${c.id}`,
      last_connection_ok: null,
      last_connection_error: null,
      last_connection_at: null,
    });

    for (const ref of [c.id, 'prod-aws']) {
      const got = await admin.get(`${CONNECTIONS}/${ref}`);
      expectStatus(got, 200);
      expectNoSecret(got);
      expect(got.body).toEqual(c);
    }
    const list = await admin.get(`${CONNECTIONS}?limit=-1`);
    expectStatus(list, 200);
    expectNoSecret(list);
    expect(list.body.resources.map((x: { name: string }) => x.name).sort()).toEqual(['emulator', 'prod-aws']);
    expect(
      (await admin.get(`${CONNECTIONS}?provider=aws`)).body.resources.map((x: { name: string }) => x.name),
    ).toEqual(['prod-aws']);

    const patched = await admin.patch(`${CONNECTIONS}/prod-aws`, {
      description: 'still production',
      secret_access_key: SECRET2,
    });
    expectStatus(patched, 200);
    expectNoSecret(patched);
    expect(patched.body).toMatchObject({ description: 'still production', access_key_id: AKID, name: 'prod-aws' });

    expectStatus(await admin.delete(`${CONNECTIONS}/prod-aws`), 204);
    expectError(await admin.get(`${CONNECTIONS}/${c.id}`), 404);
    expectError(await admin.delete(`${CONNECTIONS}/${c.id}`), 404);
  });

  it('stores the secret sealed: the row holds no plaintext, and opens only under the server key for that row', async () => {
    const created = await admin.post(CONNECTIONS, {
      name: 'sealed',
      provider: 'aws',
      access_key_id: AKID,
      secret_access_key: SECRET,
    });
    expectStatus(created, 201);
    const row = await t.db.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirst();
    const sealed = Buffer.from(row!.secretAccessKeyEnc!);
    expect(sealed.length).toBeGreaterThan(SECRET.length);
    expect(sealed.includes(Buffer.from(SECRET))).toBe(false);
    expect(sealed.toString('latin1')).not.toContain(SECRET);
    expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(SECRET);
    const box = new SecretBox(deriveKey(Buffer.from(t.config.masterKey!, 'base64'), 'secrets'));
    expect(box.open(sealed, secretPurpose(created.body.id))).toBe(SECRET);
    expect(() => box.open(sealed, secretPurpose('00000000-0000-4000-8000-000000000000'))).toThrow();

    // A new secret is sealed afresh.
    expectStatus(await admin.patch(`${CONNECTIONS}/sealed`, { secret_access_key: SECRET2 }), 200);
    const after = await t.db.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirst();
    expect(box.open(Buffer.from(after!.secretAccessKeyEnc!), secretPurpose(created.body.id))).toBe(SECRET2);
  });

  it('creates an emulator connection; its test reaches the emulator account', async () => {
    const created = await admin.post(CONNECTIONS, { name: 'emu2', provider: 'emulator' });
    expectStatus(created, 201);
    expect(created.body).toMatchObject({
      provider: 'emulator',
      cloud_name: 'aws',
      access_key_id: null,
      endpoint_url: null,
    });
    const res = await admin.post(`${CONNECTIONS}/${created.body.id}/test`);
    expectStatus(res, 200);
    expect(res.body).toEqual({
      connection_ok: true,
      account_id: '123456789012',
      arn: expect.stringContaining('123456789012'),
    });
    const after = (await admin.get(`${CONNECTIONS}/emu2`)).body;
    expect(after).toMatchObject({ last_connection_ok: true, last_connection_error: null });
    expect(Date.parse(after.last_connection_at)).not.toBeNaN();
  });

  it('the bootstrap emulator connection tests ok by name', async () => {
    const res = await admin.post(`${CONNECTIONS}/emulator/test`);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ connection_ok: true, account_id: '123456789012' });
  });

  it('a failed test answers 200 connection_ok false, and the record remembers it', async () => {
    const created = await admin.post(CONNECTIONS, {
      name: 'closed-port',
      provider: 'aws',
      access_key_id: AKID,
      secret_access_key: SECRET,
      endpoint_url: 'http://127.0.0.1:1',
    });
    expectStatus(created, 201);
    const res = await admin.post(`${CONNECTIONS}/closed-port/test`);
    expectStatus(res, 200);
    expectNoSecret(res);
    expect(res.body.connection_ok).toBe(false);
    expect(res.body.connection_error).toEqual(expect.any(String));
    expect(res.body.connection_error.length).toBeGreaterThan(0);
    expect(res.body.account_id).toBeUndefined();
    const after = await admin.get(`${CONNECTIONS}/closed-port`);
    expect(after.body).toMatchObject({ last_connection_ok: false, last_connection_error: res.body.connection_error });
    expect(Date.parse(after.body.last_connection_at)).not.toBeNaN();
    expectNoSecret(after);
  });

  it('POST /connection-test tries parameters without storing anything', async () => {
    const before = (await admin.get(CONNECTIONS)).body.total;
    const ok = await admin.post('/connectionmgmt/services/aws/connection-test', { provider: 'emulator' });
    expectStatus(ok, 200);
    expect(ok.body).toMatchObject({ connection_ok: true, account_id: '123456789012' });
    const bad = await admin.post('/connectionmgmt/services/aws/connection-test', {
      provider: 'aws',
      access_key_id: AKID,
      secret_access_key: SECRET,
      endpoint_url: 'http://127.0.0.1:1',
    });
    expectStatus(bad, 200);
    expectNoSecret(bad);
    expect(bad.body).toMatchObject({ connection_ok: false, connection_error: expect.any(String) });
    expectError(
      await admin.post('/connectionmgmt/services/aws/connection-test', { provider: 'aws', access_key_id: AKID }),
      400,
      'secret_access_key',
    );
    expectError(
      await admin.post('/connectionmgmt/services/aws/connection-test', { provider: 'emulator', name: 'x' }),
      400,
      'name',
    );
    expect((await admin.get(CONNECTIONS)).body.total).toBe(before);
  });

  it('409 for a name already used, whatever the provider', async () => {
    const res = await admin.post(CONNECTIONS, {
      name: 'emulator',
      provider: 'aws',
      access_key_id: AKID,
      secret_access_key: SECRET,
    });
    expectError(res, 409);
    expect(res.body.message).toContain('emulator');
    expectNoSecret(res);
    expect((await admin.get(`${CONNECTIONS}/emulator`)).body.provider).toBe('emulator');
  });

  it('400 naming the missing half of a key pair', async () => {
    const res = await admin.post(CONNECTIONS, { name: 'half', provider: 'aws', access_key_id: AKID });
    expectError(res, 400, 'secret_access_key');
    const other = await admin.post(CONNECTIONS, { name: 'half', provider: 'aws', secret_access_key: SECRET });
    expectError(other, 400, 'access_key_id');
    expectNoSecret(other);
    expectError(await admin.get(`${CONNECTIONS}/half`), 404);
  });

  it('400 naming endpoint_url for the emulator provider', async () => {
    expectError(
      await admin.post(CONNECTIONS, { name: 'emu-url', provider: 'emulator', endpoint_url: 'http://localhost:4599' }),
      400,
      'endpoint_url',
    );
    expectError(
      await admin.patch(`${CONNECTIONS}/emulator`, { endpoint_url: 'http://localhost:4599' }),
      400,
      'endpoint_url',
    );
    expect((await admin.get(`${CONNECTIONS}/emulator`)).body.endpoint_url).toBeNull();
  });

  it.each([
    ['name', { name: 'bad name', provider: 'emulator' }],
    ['provider', { name: 'badprov', provider: 'gcp' }],
    ['cloud_name', { name: 'badcloud', cloud_name: 'azure' }],
    ['access_key_id', { name: 'badakid', access_key_id: 'lower-case', secret_access_key: SECRET }],
    ['endpoint_url', { name: 'badurl', endpoint_url: 'ftp://example.com' }],
    ['aws_region', { name: 'badregion', aws_region: 'cn-north-1', access_key_id: AKID, secret_access_key: SECRET }],
    ['unexpected', { name: 'extra', unexpected: true }],
  ])('400 naming %s', async (field, body) => {
    const res = await admin.post(CONNECTIONS, body);
    expectError(res, 400, field);
    expectNoSecret(res);
  });

  it('400 naming name for a rename (the name is immutable)', async () => {
    expectError(await admin.patch(`${CONNECTIONS}/emulator`, { name: 'renamed' }), 400, 'name');
    expectStatus(await admin.get(`${CONNECTIONS}/emulator`), 200);
  });

  it('409 naming the connection when a KMS account uses it; deletable once the account is gone', async () => {
    expectStatus(await admin.post(CONNECTIONS, { name: 'in-use', provider: 'emulator' }), 201);
    expectStatus(
      await admin.post('/cckm/aws/kms', {
        name: 'uses-it',
        account_id: '123456789012',
        connection: 'in-use',
        regions: ['us-east-1'],
      }),
      201,
    );
    const res = await admin.delete(`${CONNECTIONS}/in-use`);
    expectError(res, 409);
    expect(res.body.message).toContain('in-use');
    expect(res.body.message).toMatch(/KMS account/);
    expectStatus(await admin.get(`${CONNECTIONS}/in-use`), 200);
    expectStatus(await admin.delete('/cckm/aws/kms/uses-it'), 204);
    expectStatus(await admin.delete(`${CONNECTIONS}/in-use`), 204);
  });

  it('404 for an unknown connection on every operation', async () => {
    expectError(await admin.get(`${CONNECTIONS}/nope`), 404);
    expectError(await admin.patch(`${CONNECTIONS}/nope`, { description: 'x' }), 404);
    expectError(await admin.delete(`${CONNECTIONS}/nope`), 404);
    expectError(await admin.post(`${CONNECTIONS}/nope/test`), 404);
  });
});
