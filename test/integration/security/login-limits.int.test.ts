/**
 * Robustness finding 6 (login): the login route's token buckets answer 429 with
 * Retry-After before any hashing, and stale login_failures rows are pruned.
 */
import request from 'supertest';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../../fixtures/app.js';

describe('login limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('login-limits', {
      env: {
        CCKM_LOGIN_IP_RATE_PER_SECOND: '1',
        CCKM_LOGIN_IP_BURST: '4',
        CCKM_LOGIN_RATE_PER_SECOND: '1000',
        CCKM_PASSWORD_SCRYPT_LOG_N: '10',
      },
    });
  });
  afterAll(() => t?.close());

  it('a burst of logins beyond the client’s bucket is answered 429 with Retry-After', async () => {
    // The bucket holds 4 and refills one a second: a quick burst of 6 ends refused.
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await request(t.http)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD, domain: 'kylo' });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses[5]).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.body.message).toContain('Too many login attempts');
  });

  it('prunes failure counts whose last failure is old and whose lock is over; keeps locks in force and recent ones', async () => {
    const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    await t.db.db
      .insertInto('loginFailures')
      .values([
        { account: 'kylo', username: 'old', failures: 1, lockedUntil: null, updatedAt: ago(48) },
        { account: 'kylo', username: 'old-lock-over', failures: 0, lockedUntil: ago(24), updatedAt: ago(48) },
        { account: 'kylo', username: 'old-still-locked', failures: 0, lockedUntil: ago(-1), updatedAt: ago(48) },
        { account: 'kylo', username: 'recent', failures: 2, lockedUntil: null, updatedAt: ago(1) },
      ])
      .execute();
    expect(await t.composed.services.auth.pruneLoginFailures()).toBe(2);
    const left = await t.db.db
      .selectFrom('loginFailures')
      .select('username')
      .where('account', '=', 'kylo')
      .orderBy('username')
      .execute();
    expect(left.map((r) => r.username)).toEqual(['old-still-locked', 'recent']);
  });
});
