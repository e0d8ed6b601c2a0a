import request from 'supertest';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectError, expectStatus } from './helpers.js';

type Rec = { actor: string; action: string; result: string; request_id: string };

/**
 * Usernames are unique per account (tenant): one tenant cannot learn another's usernames
 * from a 409, a login names its account with `domain` (or `auth_domain`), and failed logins
 * are audited and throttled in the account they belong to.
 */
describe('logins across tenants', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let acmeAdmin: ReturnType<typeof as>;
  const flush = () => t.composed.app.flushAudit();
  const grant = (username: string, password: string, extra: object = {}) =>
    request(t.http)
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username, password, ...extra });
  const accountOf = (jwt: string) =>
    (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { acc: string }).acc;

  beforeAll(async () => {
    t = await startTestApp('api_tenant_logins', {
      env: { CCKM_LOGIN_MAX_FAILURES: '3', CCKM_LOGIN_LOCK_SECONDS: '60' },
    });
    admin = as(t, t.adminToken);
    acmeAdmin = as(t, await t.userToken('acme-boss', ['admin'], 'acme'));
    for (const account of ['acme', 'beta']) {
      expectStatus(
        await admin.post('/usermgmt/users', {
          username: 'shared',
          password: `shared-${account}-pw`,
          account,
          groups: ['cckm_users'],
        }),
        201,
      );
    }
    expectStatus(
      await admin.post('/usermgmt/users', {
        username: 'only-acme',
        password: 'only-acme-pw',
        account: 'acme',
        groups: ['cckm_users'],
      }),
      201,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('a username taken in another account can be created (201); in the same account it is a 409', async () => {
    expectStatus(
      await acmeAdmin.post('/usermgmt/users', { username: 'admin', password: 'acme-admin-pw', groups: ['cckm_users'] }),
      201,
    );
    expectError(await acmeAdmin.post('/usermgmt/users', { username: 'only-acme', password: 'only-acme-pw2' }), 409);
    expectError(
      await admin.post('/usermgmt/users', { username: 'shared', password: 'x-long-enough', account: 'beta' }),
      409,
    );
  });

  it('domain (or auth_domain) names the account of the login', async () => {
    const a = await grant('shared', 'shared-acme-pw', { domain: 'acme' });
    expectStatus(a, 200);
    expect(accountOf(a.body.jwt)).toBe('acme');
    const b = await grant('shared', 'shared-beta-pw', { auth_domain: 'beta' });
    expectStatus(b, 200);
    expect(accountOf(b.body.jwt)).toBe('beta');
    // The right password of the other tenant's user is not enough.
    expectError(await grant('shared', 'shared-beta-pw', { domain: 'acme' }), 401);
  });

  it('without a domain: a username unique across accounts logs in; an ambiguous one gets the generic 401', async () => {
    const only = await grant('only-acme', 'only-acme-pw');
    expectStatus(only, 200);
    expect(accountOf(only.body.jwt)).toBe('acme');
    const ambiguous = await grant('shared', 'shared-acme-pw');
    expectError(ambiguous, 401);
    expect(ambiguous.body.message).toBe('Invalid username or password');
    // acme has an `admin` too now: the root account's admin names its domain.
    expectStatus(await grant('admin', 'admin-password-for-tests', { domain: 'kylo' }), 200);
  });

  it('a failed login is audited in the account of the user it names, an unknown username in the root account', async () => {
    const failed = await grant('only-acme', 'wrong-password');
    expectError(failed, 401);
    const unknown = await grant('nobody-anywhere', 'wrong-password');
    expectError(unknown, 401);
    const named = await grant('nobody-in-beta', 'wrong-password', { domain: 'beta' });
    expectError(named, 401);
    await flush();
    const find = async (c: ReturnType<typeof as>, id: string) => {
      const res = await c.get(`/audit/records?request_id=${encodeURIComponent(id)}`);
      expectStatus(res, 200);
      return res.body.resources as Rec[];
    };
    const failedId = failed.headers['x-request-id'] as string;
    expect(await find(acmeAdmin, failedId)).toEqual([
      expect.objectContaining({ actor: 'only-acme', result: 'failure' }),
    ]);
    expect(await find(admin, failedId)).toEqual([]);
    const unknownId = unknown.headers['x-request-id'] as string;
    expect(await find(admin, unknownId)).toHaveLength(1);
    expect(await find(acmeAdmin, unknownId)).toEqual([]);
    expect(await find(admin, named.headers['x-request-id'] as string)).toEqual([]);
  });

  it('locks per account and username: a lock of acme’s `shared` leaves beta’s alone, with or without the domain', async () => {
    expectStatus(await grant('shared', 'shared-acme-pw', { domain: 'acme' }), 200); // resets the count
    for (let i = 0; i < 3; i++) expectError(await grant('shared', 'wrong', { domain: 'acme' }), 401);
    expectError(await grant('shared', 'shared-acme-pw', { domain: 'acme' }), 429);
    expectStatus(await grant('shared', 'shared-beta-pw', { domain: 'beta' }), 200);
    // Failures counted without the domain count for the user the username resolves to.
    expectStatus(
      await admin.post('/usermgmt/users', { username: 'lock-acme', password: 'lock-acme-pw', account: 'acme' }),
      201,
    );
    for (let i = 0; i < 3; i++) expectError(await grant('lock-acme', 'wrong', i === 1 ? { domain: 'acme' } : {}), 401);
    expectError(await grant('lock-acme', 'lock-acme-pw'), 429);
    expectError(await grant('lock-acme', 'lock-acme-pw', { domain: 'acme' }), 429);
  });
});
