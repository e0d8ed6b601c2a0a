import request, { type Response } from 'supertest';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectError, expectStatus } from './helpers.js';

/** No response ever carries a password, its hash, or a password field. */
function expectNoSecrets(res: Response, ...passwords: string[]): void {
  expect(res.text).not.toMatch(/scrypt\$|"password(_?hash)?"\s*:/i);
  for (const p of passwords) expect(res.text).not.toContain(p);
}

describe('users and groups', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp('api_users');
    admin = as(t, t.adminToken);
    adminId = (await admin.get('/usermgmt/users?username=admin')).body.resources[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  const tokenFor = (username: string, password: string) =>
    request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'password', username, password });

  it('creates, reads, lists, changes and deletes a user; no response carries a password or hash', async () => {
    const created = await admin.post('/usermgmt/users', {
      username: 'ursula',
      password: 'ursula-pass-1',
      name: 'Ursula',
      email: 'ursula@example.com',
      groups: ['cckm_admins'],
    });
    expectStatus(created, 201);
    expectNoSecrets(created, 'ursula-pass-1');
    const u = created.body;
    expect(u).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      uri: `kylo:kylo:usermgmt:users:${u.id}`,
      account: 'kylo:kylo:admin:accounts:kylo',
      application: 'ncryptify:gemalto:admin:apps:kylo',
      devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      username: 'ursula',
      name: 'Ursula',
      email: 'ursula@example.com',
      groups: ['cckm_admins'],
      disabled: false,
      last_login: null,
    });

    const got = await admin.get(`/usermgmt/users/${u.id}`);
    expectStatus(got, 200);
    expectNoSecrets(got);
    expect(got.body).toEqual(u);

    expectStatus(await tokenFor('ursula', 'ursula-pass-1'), 200);
    const afterLogin = await admin.get(`/usermgmt/users/${u.id}`);
    expect(Date.parse(afterLogin.body.last_login)).not.toBeNaN();

    const list = await admin.get('/usermgmt/users?limit=-1');
    expectStatus(list, 200);
    expectNoSecrets(list);
    expect(list.body.resources.map((x: { username: string }) => x.username)).toEqual(
      expect.arrayContaining(['admin', 'ursula']),
    );
    const filtered = await admin.get('/usermgmt/users?group=cckm_admins');
    expect(filtered.body.resources.map((x: { username: string }) => x.username)).toEqual(['ursula']);

    const patched = await admin.patch(`/usermgmt/users/${u.id}`, { name: 'Ursula K', groups: ['cckm_users'] });
    expectStatus(patched, 200);
    expectNoSecrets(patched);
    expect(patched.body).toMatchObject({ name: 'Ursula K', email: 'ursula@example.com', groups: ['cckm_users'] });

    expectStatus(await admin.delete(`/usermgmt/users/${u.id}`), 204);
    expectError(await admin.get(`/usermgmt/users/${u.id}`), 404);
    expectError(await admin.delete(`/usermgmt/users/${u.id}`), 404);
    expectError(await tokenFor('ursula', 'ursula-pass-1'), 401);
  });

  it('new users are cckm_users unless groups are given', async () => {
    const res = await admin.post('/usermgmt/users', { username: 'plain', password: 'plain-pass-1' });
    expectStatus(res, 201);
    expect(res.body.groups).toEqual(['cckm_users']);
  });

  it('409 for a username already taken', async () => {
    expectStatus(await admin.post('/usermgmt/users', { username: 'dup', password: 'dup-pass-11' }), 201);
    const res = await admin.post('/usermgmt/users', { username: 'dup', password: 'other-pass-1', groups: ['admin'] });
    expectError(res, 409);
    expect(res.body.message).toContain('dup');
    expect((await admin.get('/usermgmt/users?username=dup')).body.resources[0].groups).toEqual(['cckm_users']);
  });

  it('400 naming groups[i] for a group that does not exist; nothing is created', async () => {
    expectError(
      await admin.post('/usermgmt/users', { username: 'gless', password: 'gless-pass-1', groups: ['no-such-group'] }),
      400,
      'groups[0]',
    );
    expectError(
      await admin.post('/usermgmt/users', {
        username: 'gless',
        password: 'gless-pass-1',
        groups: ['cckm_users', 'no-such-group'],
      }),
      400,
      'groups[1]',
    );
    expect((await admin.get('/usermgmt/users?username=gless')).body.total).toBe(0);
    const id = (await admin.post('/usermgmt/users', { username: 'gless2', password: 'gless-pass-2' })).body.id;
    expectError(await admin.patch(`/usermgmt/users/${id}`, { groups: ['nope'] }), 400, 'groups[0]');
  });

  it.each([
    ['username', { username: 'bad name!', password: 'long-enough-1' }],
    ['password', { username: 'shortpw', password: 'short' }],
    ['email', { username: 'bademail', password: 'long-enough-1', email: 'not-an-email' }],
    ['is_admin', { username: 'extra', password: 'long-enough-1', is_admin: true }],
    ['account', { username: 'badacct', password: 'long-enough-1', account: 'Bad Account' }],
  ])('400 naming %s for invalid input', async (field, body) => {
    const res = await admin.post('/usermgmt/users', body);
    expectError(res, 400, field);
    expectNoSecrets(res, body.password);
  });

  it('400 for a user id that is not a uuid', async () => {
    expectError(await admin.get('/usermgmt/users/not-a-uuid'), 400, 'id');
  });

  it('an administrator cannot delete or disable themselves, nor leave the admin group (409)', async () => {
    expectError(await admin.delete(`/usermgmt/users/${adminId}`), 409);
    expectError(await admin.patch(`/usermgmt/users/${adminId}`, { disabled: true }), 409);
    expectError(await admin.patch(`/usermgmt/users/${adminId}`, { groups: ['cckm_admins'] }), 409);
    expectError(await admin.delete(`/usermgmt/groups/admin/users/${adminId}`), 409);
    const me = await admin.get(`/usermgmt/users/${adminId}`);
    expect(me.body).toMatchObject({ disabled: false, groups: ['admin'] });
    expectStatus(await admin.get('/cckm/aws/kms'), 200);
  });

  it('an administrator may delete or disable another administrator', async () => {
    const other = await admin.post('/usermgmt/users', {
      username: 'admin2',
      password: 'admin2-pass-1',
      groups: ['admin'],
    });
    expectStatus(await admin.patch(`/usermgmt/users/${other.body.id}`, { disabled: true }), 200);
    expectError(await tokenFor('admin2', 'admin2-pass-1'), 401);
    expectStatus(await admin.delete(`/usermgmt/users/${other.body.id}`), 204);
  });

  it('a password change revokes the refresh tokens and replaces the password', async () => {
    const created = await admin.post('/usermgmt/users', { username: 'pwchange', password: 'first-pass-1' });
    const login = await tokenFor('pwchange', 'first-pass-1');
    expectStatus(login, 200);
    const row = () =>
      t.db.db.selectFrom('refreshTokens').selectAll().where('id', '=', login.body.refresh_token_id).executeTakeFirst();
    expect((await row())?.revokedAt).toBeNull();

    // A user may change their own password.
    const self = as(t, login.body.jwt);
    const changed = await self.patch(`/usermgmt/users/${created.body.id}`, { password: 'second-pass-2' });
    expectStatus(changed, 200);
    expectNoSecrets(changed, 'second-pass-2');
    expect((await row())?.revokedAt).toBeInstanceOf(Date);
    expectError(await tokenFor('pwchange', 'first-pass-1'), 401);
    expectStatus(await tokenFor('pwchange', 'second-pass-2'), 200);
  });
  it('a password change makes the refresh token unusable (HTTP)', async () => {
    const created = await admin.post('/usermgmt/users', { username: 'pwchange2', password: 'first-pass-1' });
    const login = await tokenFor('pwchange2', 'first-pass-1');
    expectStatus(await admin.patch(`/usermgmt/users/${created.body.id}`, { password: 'second-pass-2' }), 200);
    const res = await request(t.http)
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    expectError(res, 401);
  });

  it('a user reads themselves but no other user', async () => {
    const a = await admin.post('/usermgmt/users', { username: 'self-a', password: 'self-a-pass' });
    const b = await admin.post('/usermgmt/users', { username: 'self-b', password: 'self-b-pass' });
    const token = (await tokenFor('self-a', 'self-a-pass')).body.jwt;
    const me = await as(t, token).get(`/usermgmt/users/${a.body.id}`);
    expectStatus(me, 200);
    expectNoSecrets(me);
    expectError(await as(t, token).get(`/usermgmt/users/${b.body.id}`), 404);
  });

  describe('groups', () => {
    it('lists the built-in groups with member counts', async () => {
      const res = await admin.get('/usermgmt/groups?limit=-1');
      expectStatus(res, 200);
      const byName = Object.fromEntries(res.body.resources.map((g: { name: string }) => [g.name, g]));
      expect(byName.admin).toMatchObject({ built_in: true, users_count: 1 });
      expect(byName.cckm_admins).toMatchObject({ built_in: true });
      expect(byName.cckm_users).toMatchObject({ built_in: true });
    });

    it('creates a group, adds and removes members (idempotently), deletes it', async () => {
      const g = await admin.post('/usermgmt/groups', { name: 'auditors', description: 'read the audit trail' });
      expectStatus(g, 201);
      expect(g.body).toMatchObject({
        name: 'auditors',
        description: 'read the audit trail',
        built_in: false,
        users_count: 0,
      });
      expectError(await admin.post('/usermgmt/groups', { name: 'auditors' }), 409);

      const u = await admin.post('/usermgmt/users', {
        username: 'member',
        password: 'member-pass-1',
        groups: ['cckm_users'],
      });
      for (let i = 0; i < 2; i++) {
        const add = await admin.post(`/usermgmt/groups/auditors/users/${u.body.id}`);
        expectStatus(add, 200);
        expect(add.body.users_count).toBe(1);
      }
      expect((await admin.get(`/usermgmt/users/${u.body.id}`)).body.groups).toEqual(['cckm_users', 'auditors']);
      for (let i = 0; i < 2; i++) {
        const remove = await admin.delete(`/usermgmt/groups/auditors/users/${u.body.id}`);
        expectStatus(remove, 200);
        expect(remove.body.users_count).toBe(0);
      }

      expectStatus(await admin.post(`/usermgmt/groups/auditors/users/${u.body.id}`), 200);
      // Members lose the group when it is deleted (the contract), they are not a reason to refuse.
      expectStatus(await admin.delete('/usermgmt/groups/auditors'), 204);
      expectError(await admin.get('/usermgmt/groups/auditors'), 404);
      expect((await admin.get(`/usermgmt/users/${u.body.id}`)).body.groups).toEqual(['cckm_users']);
    });

    it.each(['admin', 'cckm_admins', 'cckm_users'])('409 for deleting the built-in group %s', async (name) => {
      const res = await admin.delete(`/usermgmt/groups/${name}`);
      expectError(res, 409);
      expect(res.body.message).toContain(name);
      expectStatus(await admin.get(`/usermgmt/groups/${name}`), 200);
    });

    it('404 for an unknown group or user in membership calls', async () => {
      expectError(await admin.get('/usermgmt/groups/nope'), 404);
      expectError(await admin.post(`/usermgmt/groups/nope/users/${adminId}`), 404);
      expectError(await admin.post('/usermgmt/groups/cckm_users/users/00000000-0000-4000-8000-000000000000'), 404);
    });
  });
});
