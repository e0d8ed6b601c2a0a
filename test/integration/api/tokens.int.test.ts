import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { deriveKey } from '../../../src/auth/secret-box.js';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectError, expectStatus } from './helpers.js';

/** Bearer tokens and the token endpoint: every bad token is a 401 with the error body. */
describe('authentication: bearer tokens and POST /auth/tokens', () => {
  let t: TestApp;
  let signingKey: Buffer;
  let adminId: string;
  const now = () => Math.floor(Date.now() / 1000);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

  beforeAll(async () => {
    t = await startTestApp('api_tokens');
    // The same derivation compose() uses for the HS256 key.
    signingKey = deriveKey(Buffer.from(t.config.masterKey!, 'base64'), 'jwt-hs256');
    const users = await as(t, t.adminToken).get('/usermgmt/users?username=admin');
    adminId = users.body.resources[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  /** Admin claims as we issue them; `over` replaces claims (undefined removes one). */
  function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
    const base: Record<string, unknown> = {
      sub: adminId,
      acc: 'kylo',
      preferred_username: 'admin',
      ver: 0,
      cust: { groups: ['admin'] },
      iss: t.config.jwt.issuer,
      aud: t.config.jwt.audience,
      iat: now(),
      exp: now() + 300,
    };
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) delete base[k];
      else base[k] = v;
    }
    return base;
  }
  const hs256 = (payload: object, key: Buffer = signingKey) => jwt.sign(payload, key, { algorithm: 'HS256' });
  /** A token by hand: any header, HMAC-SHA256 of `header.payload` under `key`. */
  function handMade(header: object, payload: object, key: Buffer | null): string {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${key ? createHmac('sha256', key).update(input).digest('base64url') : ''}`;
  }
  const listKms = (authorization?: string) => {
    const r = request(t.http).get('/api/v1/cckm/aws/kms');
    return authorization === undefined ? r : r.set('Authorization', authorization);
  };

  it('accepts a token signed by hand with the right key and claims (the control for every 401 below)', async () => {
    const res = await listKms(bearer(hs256(claims())));
    expectStatus(res, 200);
    expect(res.body.resources.map((k: { name: string }) => k.name)).toEqual(['kms']);
  });

  it('issues a token carrying acc, cust.groups, sub, iss, aud and a 300 s lifetime', async () => {
    const res = await request(t.http)
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD });
    expectStatus(res, 200);
    expect(res.body).toEqual({
      jwt: expect.any(String),
      token_type: 'Bearer',
      duration: 300,
      refresh_token: expect.any(String),
      refresh_token_id: expect.any(String),
    });
    const header = JSON.parse(Buffer.from(res.body.jwt.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const c = jwt.verify(res.body.jwt, signingKey, { algorithms: ['HS256'] }) as Record<string, unknown> & {
      exp: number;
      iat: number;
    };
    expect(c).toMatchObject({
      sub: adminId,
      acc: 'kylo',
      iss: 'opencckm',
      aud: 'opencckm',
      cust: { groups: ['admin'] },
    });
    expect(c.exp - c.iat).toBe(300);
    expect(Math.abs(c.iat - now())).toBeLessThan(30);
  });

  it('401 without an Authorization header', async () => {
    const res = await listKms();
    expectError(res, 401);
    expect(res.body.message).toMatch(/Authorization/);
  });

  it.each([
    ['another scheme', 'Basic YWRtaW46cGFzc3dvcmQ='],
    ['no token after Bearer', 'Bearer '],
    ['not a JWT', 'Bearer not-a-jwt'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('401 for a malformed header (%s)', async (_what, header) => {
    const res = await listKms(header);
    expectError(res, 401);
  });

  it('401 for a garbage JWT of the right shape', async () => {
    expectError(await listKms('Bearer aaaa.bbbb.cccc'), 401);
  });

  it('401 for an expired token signed with the right key', async () => {
    const res = await listKms(bearer(hs256(claims({ iat: now() - 900, exp: now() - 600 }))));
    expectError(res, 401);
    expect(res.body.message).toMatch(/expired/i);
  });

  it('401 for a token signed with another key', async () => {
    const res = await listKms(bearer(hs256(claims(), randomBytes(32))));
    expectError(res, 401);
    expect(res.body.message).toMatch(/signature/i);
  });

  it('401 for alg none (unsigned)', async () => {
    expectError(await listKms(bearer(handMade({ alg: 'none', typ: 'JWT' }, claims(), null))), 401);
    // Also with a signature part present, and spelled differently.
    expectError(await listKms(bearer(handMade({ alg: 'None', typ: 'JWT' }, claims(), signingKey))), 401);
  });

  it('401 for another audience', async () => {
    const res = await listKms(bearer(hs256(claims({ aud: 'someone-else' }))));
    expectError(res, 401);
    expect(res.body.message).toMatch(/aud/);
  });

  it('401 for another issuer', async () => {
    const res = await listKms(bearer(hs256(claims({ iss: 'https://evil.example' }))));
    expectError(res, 401);
    expect(res.body.message).toMatch(/iss/);
  });

  it('401 for a tampered payload (groups raised, signature kept)', async () => {
    const viewer = await t.userToken('tok-viewer', ['cckm_users']);
    expectStatus(await as(t, viewer).get('/cckm/aws/kms'), 200);
    expectError(
      await as(t, viewer).post('/connectionmgmt/services/aws/connections', { name: 'x1', provider: 'emulator' }),
      403,
    );
    const [h, p, s] = viewer.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.cust.groups = ['admin'];
    const forged = `${h}.${b64(payload)}.${s}`;
    const res = await request(t.http)
      .post('/api/v1/connectionmgmt/services/aws/connections')
      .set('Authorization', bearer(forged))
      .send({ name: 'forged', provider: 'emulator' });
    expectError(res, 401);
    expectError(await as(t, t.adminToken).get('/connectionmgmt/services/aws/connections/forged'), 404);
  });

  it('401 for a token not valid yet (nbf in the future)', async () => {
    const res = await listKms(bearer(hs256(claims({ nbf: now() + 600 }))));
    expectError(res, 401);
    expect(res.body.message).toMatch(/nbf/);
  });

  it('401 for alg confusion: an RS256 header with an HMAC under our key', async () => {
    expectError(await listKms(bearer(handMade({ alg: 'RS256', typ: 'JWT' }, claims(), signingKey))), 401);
    expectError(await listKms(bearer(handMade({ alg: 'HS512', typ: 'JWT' }, claims(), signingKey))), 401);
  });

  it('401 for a genuine RS256 token with our issuer and audience', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign(claims(), privateKey, { algorithm: 'RS256' });
    expectError(await listKms(bearer(token)), 401);
  });

  it('401 for a token lacking the account or groups claim', async () => {
    expectError(await listKms(bearer(hs256(claims({ acc: undefined })))), 401);
    expectError(await listKms(bearer(hs256(claims({ cust: undefined })))), 401);
    expectError(await listKms(bearer(hs256(claims({ exp: undefined })))), 401);
  });

  describe('password grant', () => {
    const grant = (username: string, password: string) =>
      request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'password', username, password });

    it('answers the same 401 for a wrong password and an unknown user', async () => {
      const wrong = await grant('admin', 'not-the-password');
      const unknown = await grant('nobody-here', 'whatever-password');
      expectError(wrong, 401);
      expectError(unknown, 401);
      expect(unknown.body.message).toBe(wrong.body.message);
      expect(wrong.body.message).not.toMatch(/nobody|admin|exist/i);
    });

    it('401 for a disabled user, with the same message', async () => {
      const created = await as(t, t.adminToken).post('/usermgmt/users', {
        username: 'tok-disabled',
        password: 'disabled-pass-1',
        groups: ['cckm_users'],
      });
      expectStatus(created, 201);
      expectStatus(await grant('tok-disabled', 'disabled-pass-1'), 200);
      expectStatus(await as(t, t.adminToken).patch(`/usermgmt/users/${created.body.id}`, { disabled: true }), 200);
      const res = await grant('tok-disabled', 'disabled-pass-1');
      expectError(res, 401);
      expect(res.body.message).toBe((await grant('admin', 'wrong-password')).body.message);
    });

    it('400 naming the field for a request without a password', async () => {
      const res = await request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'password', username: 'admin' });
      expectError(res, 400, 'password');
    });

    it('400 for an unknown grant type', async () => {
      const res = await request(t.http)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'client_credentials', username: 'admin', password: 'x' });
      expectError(res, 400);
      expect(res.body.message).toContain('grant_type');
    });
  });

  describe('refresh grant', () => {
    const refresh = (token: string) =>
      request(t.http).post('/api/v1/auth/tokens').send({ grant_type: 'refresh_token', refresh_token: token });
    const password = () =>
      request(t.http)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD });
    it('exchanges a refresh token once; the spent one is refused, the new one works', async () => {
      const first = (await password()).body.refresh_token as string;
      const second = await refresh(first);
      expectStatus(second, 200);
      expect(second.body.refresh_token).not.toBe(first);
      expectStatus(await listKms(bearer(second.body.jwt)), 200);
      const c = jwt.decode(second.body.jwt) as { sub: string; acc: string; cust: { groups: string[] } };
      expect(c).toMatchObject({ sub: adminId, acc: 'kylo', cust: { groups: ['admin'] } });

      const replay = await refresh(first);
      expectError(replay, 401);
      expect(replay.body.message).toMatch(/refresh token/i);
      expectStatus(await refresh(second.body.refresh_token), 200);
    });
    it('401 for an unknown refresh token', async () => {
      expectError(await refresh(randomBytes(32).toString('base64url')), 401);
    });
    it('refuses the refresh token of a user disabled since (through the API)', async () => {
      const created = await as(t, t.adminToken).post('/usermgmt/users', {
        username: 'tok-refresh-off',
        password: 'refresh-pass-1',
      });
      expectStatus(created, 201);
      const login = await request(t.http)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'password', username: 'tok-refresh-off', password: 'refresh-pass-1' });
      expectStatus(login, 200);
      expectStatus(await as(t, t.adminToken).patch(`/usermgmt/users/${created.body.id}`, { disabled: true }), 200);
      expectError(await refresh(login.body.refresh_token), 401);
    });
    it('refuses the refresh token of a user disabled since (row changed directly, token not revoked)', async () => {
      const created = await as(t, t.adminToken).post('/usermgmt/users', {
        username: 'tok-refresh-db',
        password: 'refresh-pass-2',
      });
      const login = await request(t.http)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'password', username: 'tok-refresh-db', password: 'refresh-pass-2' });
      expectStatus(login, 200);
      await t.db.db.updateTable('users').set({ disabled: true }).where('id', '=', created.body.id).execute();
      expectError(await refresh(login.body.refresh_token), 401);
    });
  });
});
