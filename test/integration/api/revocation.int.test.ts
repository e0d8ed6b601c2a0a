import request from 'supertest';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

/**
 * Access tokens lose their powers as soon as the user changes: deleted, disabled, a new
 * password, any group change, logout. Checked on the next request, not when the token expires.
 */
describe('revocation of access tokens', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp('api_revocation');
    admin = as(t, t.adminToken);
  });
  afterAll(async () => {
    await t.close();
  });

  const grant = (username: string, password: string) =>
    request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'password', username, password });

  /** A new user of the root account with a fresh login. */
  async function user(groups: string[]) {
    const username = `rev-${++n}`;
    const password = `rev-password-${n}`;
    const created = await admin.post('/usermgmt/users', { username, password, groups });
    expectStatus(created, 201);
    const login = await grant(username, password);
    expectStatus(login, 200);
    return {
      id: created.body.id as string,
      username,
      password,
      token: login.body.jwt as string,
      refresh: login.body.refresh_token as string,
    };
  }
  /** A write a cckm_admins member may make. */
  const write = (token: string) => as(t, token).post(CONNECTIONS, { name: `rev-conn-${++n}`, provider: 'emulator' });
  const read = (token: string) => as(t, token).get('/cckm/aws/kms');

  it('a deleted user’s token is refused on the next request', async () => {
    const u = await user(['cckm_admins']);
    expectStatus(await write(u.token), 201);
    expectStatus(await admin.delete(`/usermgmt/users/${u.id}`), 204);
    expectError(await write(u.token), 401);
    expectError(await read(u.token), 401);
  });

  it('a disabled user’s token is refused; enabled again, a fresh login works', async () => {
    const u = await user(['cckm_admins']);
    expectStatus(await admin.patch(`/usermgmt/users/${u.id}`, { disabled: true }), 200);
    expectError(await write(u.token), 401);
    expectError(await read(u.token), 401);
    expectStatus(await admin.patch(`/usermgmt/users/${u.id}`, { disabled: false }), 200);
    expectError(await read(u.token), 401);
    const fresh = await grant(u.username, u.password);
    expectStatus(fresh, 200);
    expectStatus(await write(fresh.body.jwt), 201);
  });

  it('a password change (by an admin or by the user) refuses the tokens issued before it', async () => {
    const u = await user(['cckm_users']);
    expectStatus(await admin.patch(`/usermgmt/users/${u.id}`, { password: 'rev-new-password-1' }), 200);
    expectError(await read(u.token), 401);
    expectError(await grant(u.username, u.password), 401);
    const second = (await grant(u.username, 'rev-new-password-1')).body.jwt as string;
    expectStatus(await read(second), 200);
    // By the user themselves: the token that made the change is revoked with the others.
    expectStatus(await as(t, second).patch(`/usermgmt/users/${u.id}`, { password: 'rev-new-password-2' }), 200);
    expectError(await read(second), 401);
    const third = await grant(u.username, 'rev-new-password-2');
    expectStatus(third, 200);
    expectStatus(await read(third.body.jwt), 200);
  });

  it('a user removed from every group loses access at once', async () => {
    const u = await user(['cckm_admins']);
    expectStatus(await admin.delete(`/usermgmt/groups/cckm_admins/users/${u.id}`), 200);
    const res = await write(u.token);
    expect([401, 403]).toContain(res.status);
    expect([401, 403]).toContain((await read(u.token)).status);
    // A fresh token reflects no group: authenticated, allowed nothing (lists filter to nothing,
    // a record is refused, a change is refused).
    const fresh = (await grant(u.username, u.password)).body.jwt as string;
    const listed = await read(fresh);
    expectStatus(listed, 200);
    expect(listed.body).toMatchObject({ total: 0, resources: [] });
    expectError(await as(t, fresh).get('/cckm/aws/kms/kms'), 403);
    expectError(await write(fresh), 403);
  });

  it('a demoted administrator cannot create an administrator with the old token', async () => {
    const u = await user(['admin']);
    const boss = as(t, u.token);
    expectStatus(
      await boss.post('/usermgmt/users', {
        username: `rev-made-${++n}`,
        password: 'rev-made-password',
        groups: ['admin'],
      }),
      201,
    );
    expectStatus(await admin.patch(`/usermgmt/users/${u.id}`, { groups: ['cckm_users'] }), 200);
    const res = await boss.post('/usermgmt/users', {
      username: `rev-made-${++n}`,
      password: 'rev-made-password',
      groups: ['admin'],
    });
    expect([401, 403]).toContain(res.status);
    const fresh = (await grant(u.username, u.password)).body.jwt as string;
    expectStatus(await read(fresh), 200);
    expectError(
      await as(t, fresh).post('/usermgmt/users', {
        username: `rev-made-${++n}`,
        password: 'rev-made-password',
        groups: ['admin'],
      }),
      403,
    );
  });

  it('being added to a group or losing a deleted group also refuses older tokens', async () => {
    const u = await user(['cckm_users']);
    expectStatus(await admin.post('/usermgmt/groups', { name: 'rev-auditors' }), 201);
    expectStatus(await admin.post(`/usermgmt/groups/rev-auditors/users/${u.id}`), 200);
    expectError(await read(u.token), 401);
    const second = (await grant(u.username, u.password)).body.jwt as string;
    expectStatus(await read(second), 200);
    expectStatus(await admin.delete('/usermgmt/groups/rev-auditors'), 204);
    expectError(await read(second), 401);
    expectStatus(await read((await grant(u.username, u.password)).body.jwt), 200);
  });

  it('a demotion takes effect from the user row even when the version was not bumped (another instance, within the cache time)', async () => {
    const u = await user(['cckm_admins']);
    expectStatus(await write(u.token), 201);
    // Changed behind this instance's back, as another instance (or an operator) would.
    await t.db.db
      .updateTable('users')
      .set({ groups: ['cckm_users'] })
      .where('id', '=', u.id)
      .execute();
    await new Promise((r) => setTimeout(r, 1100));
    expectError(await write(u.token), 403);
    expectStatus(await read(u.token), 200);
  });

  it('a second instance over the same database refuses a token revoked through the first within the cache time', async () => {
    const other = await startTestApp('api_revocation_b', {
      database: t.db,
      env: { CCKM_MASTER_KEY: t.config.masterKey!, EMULATOR_ENABLED: 'false' },
    });
    try {
      const u = await user(['cckm_admins']);
      expectStatus(await as(other, u.token).get('/cckm/aws/kms'), 200);
      expectStatus(await admin.patch(`/usermgmt/users/${u.id}`, { disabled: true }), 200);
      expectError(await read(u.token), 401);
      await new Promise((r) => setTimeout(r, 1100));
      expectError(await as(other, u.token).get('/cckm/aws/kms'), 401);
    } finally {
      await other.close();
    }
  });

  describe('POST /auth/revoke and POST /auth/logout', () => {
    const refresh = (token: string) =>
      request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'refresh_token', refresh_token: token });
    const revoke = (body: object) => request(t.http).post('/api/v1/auth/revoke').send(body);

    it('revokes one refresh token (204); it no longer refreshes, other sessions go on', async () => {
      const u = await user(['cckm_users']);
      const other = await grant(u.username, u.password);
      expectStatus(await revoke({ refresh_token: u.refresh }), 204);
      expectError(await refresh(u.refresh), 401);
      expectStatus(await refresh(other.body.refresh_token), 200);
      // Unknown or already revoked: the same 204, revealing nothing.
      expectStatus(await revoke({ refresh_token: u.refresh }), 204);
      expectStatus(await revoke({ refresh_token: 'not-a-refresh-token' }), 204);
    });

    it('400 without a refresh_token', async () => {
      expectError(await revoke({}), 400, 'refresh_token');
    });

    it('logout ends every session of the caller: access and refresh tokens; a fresh login works', async () => {
      const u = await user(['cckm_users']);
      const second = await grant(u.username, u.password);
      expectStatus(await as(t, u.token).post('/auth/logout'), 204);
      expectError(await read(u.token), 401);
      expectError(await read(second.body.jwt), 401);
      expectError(await refresh(u.refresh), 401);
      expectError(await refresh(second.body.refresh_token), 401);
      const fresh = await grant(u.username, u.password);
      expectStatus(fresh, 200);
      expectStatus(await read(fresh.body.jwt), 200);
      expectStatus(await refresh(fresh.body.refresh_token), 200);
    });

    it('logout needs a valid access token (401)', async () => {
      expectError(await request(t.http).post('/api/v1/auth/logout'), 401);
      const u = await user(['cckm_users']);
      expectStatus(await as(t, u.token).post('/auth/logout'), 204);
      expectError(await as(t, u.token).post('/auth/logout'), 401);
    });
  });
});
