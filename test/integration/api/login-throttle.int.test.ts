import request from 'supertest';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../../fixtures/app.js';
import { expectError } from './helpers.js';

/** Brute-force protection: failed logins per username lock it for a while, across instances. */
describe('login throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('api_login_throttle', {
      env: { CCKM_LOGIN_MAX_FAILURES: '3', CCKM_LOGIN_LOCK_SECONDS: '2' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (username: string, password: string) =>
    request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'password', username, password });

  it('locks a username after 3 failures in a row, refusing even the right password, until the lock expires', async () => {
    const password = 'victim-password-1';
    await request(t.http)
      .post('/api/v1/usermgmt/users')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ username: 'victim', password, groups: ['cckm_users'] })
      .expect(201);
    for (let i = 0; i < 3; i++) expectError(await login('victim', 'wrong'), 401);
    const locked = await login('victim', password);
    expectError(locked, 429);
    expect(locked.body.codeDesc).toMatch(/^NCERRTooManyRequests: /);
    expect(locked.body.message).toMatch(/Too many failed logins/);
    await new Promise((r) => setTimeout(r, 2200));
    expect((await login('victim', password)).status).toBe(200);
  });

  it('a successful login resets the count', async () => {
    for (let i = 0; i < 2; i++) expectError(await login('admin', 'wrong'), 401);
    expect((await login('admin', ADMIN_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 2; i++) expectError(await login('admin', 'wrong'), 401);
    expect((await login('admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  it('locks unknown usernames the same way, so a lock reveals nothing', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await login('nobody-here', 'x');
      expectError(res, 401);
      expect(res.body.message).toBe('Invalid username or password');
    }
    expectError(await login('nobody-here', 'x'), 429);
  });

  it('counts concurrent failures atomically (no lost updates)', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => login('raced', 'x')));
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expectError(await login('raced', 'x'), 429);
    const row = await t.db.db
      .selectFrom('loginFailures')
      .selectAll()
      .where('account', '=', '')
      .where('username', '=', 'raced')
      .executeTakeFirst();
    expect(row?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
  });
});
