import request from 'supertest';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

type Client = ReturnType<typeof as>;
type Rec = Record<string, unknown> & { id: string; at: string };

const AUDIT = '/audit/records';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/AUDITxRfiCYEXAMPLEKEY';
const USER_PASSWORD = 'audit-user-password-NEVER-logged';
const WRONG_PASSWORD = 'audit-wrong-password-NEVER-logged';
const RECORD_KEYS = [
  'account',
  'action',
  'actor',
  'at',
  'details',
  'id',
  'request_id',
  'resource_id',
  'resource_type',
  'result',
  'status_code',
];

const reqId = (res: request.Response) => res.headers['x-request-id'] as string;
const ids = (rs: Rec[]) => rs.map((r) => r.id);

/**
 * The audit trail read API: every mutating request leaves one record (who, what, which
 * resource, outcome), secrets never reach it, it is filtered, paged and sorted like every
 * list, it is per account, and only admin and cckm_admins may read it.
 */
describe('audit trail', () => {
  let t: TestApp;
  let admin: Client;
  let keyAdmin: Client;
  let acme: Client;
  /** Request ids of the requests made in beforeAll, by name. */
  const rid: Record<string, string> = {};
  let connId: string;
  let keyId: string;
  let userId: string;
  let ka1Id: string;
  let ka2Id: string;

  /** Waits until the audit events of finished requests are written. */
  const flush = () => t.composed.app.flushAudit();

  async function list(
    c: Client,
    query = '',
  ): Promise<{ total: number; resources: Rec[]; skip: number; limit: number }> {
    const res = await c.get(`${AUDIT}${query ? `?${query}` : ''}`);
    expectStatus(res, 200);
    return res.body;
  }
  async function byRequest(id: string): Promise<Rec> {
    const page = await list(admin, `request_id=${encodeURIComponent(id)}`);
    expect(page.total).toBe(1);
    return page.resources[0]!;
  }

  beforeAll(async () => {
    t = await startTestApp('api_audit');
    admin = as(t, t.adminToken);
    keyAdmin = as(t, await t.userToken('audit-ka', ['cckm_admins']));
    acme = as(t, await t.userToken('audit-acme', ['admin'], 'acme'));
    await flush();

    const conn = await admin.post(CONNECTIONS, {
      name: 'audit-aws',
      provider: 'aws',
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: SECRET,
    });
    expectStatus(conn, 201);
    connId = conn.body.id;
    rid.conn = reqId(conn);

    const user = await admin.post('/usermgmt/users', {
      username: 'audit-bob',
      password: USER_PASSWORD,
      groups: ['cckm_users'],
    });
    expectStatus(user, 201);
    userId = user.body.id;
    rid.user = reqId(user);

    const key = await admin.post('/cckm/aws/keys', { kms: 'kms', region: 'us-east-1' });
    expectStatus(key, 201);
    keyId = key.body.id;
    rid.key = reqId(key);

    const badLogin = await request(t.http)
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username: 'audit-bob', password: WRONG_PASSWORD });
    expect(badLogin.status).toBe(401);
    rid.badLogin = reqId(badLogin);
    await flush();

    // audit-ka's own sequence, flushed after each step so every record has its own `at`.
    const ka1 = await keyAdmin.post(CONNECTIONS, { name: 'ka-1', provider: 'emulator' });
    expectStatus(ka1, 201);
    ka1Id = ka1.body.id;
    rid.ka1 = reqId(ka1);
    await flush();
    const ka2 = await keyAdmin.post(CONNECTIONS, { name: 'ka-2', provider: 'emulator' });
    expectStatus(ka2, 201);
    ka2Id = ka2.body.id;
    rid.ka2 = reqId(ka2);
    await flush();
    const dup = await keyAdmin.post(CONNECTIONS, { name: 'ka-1', provider: 'emulator' });
    expectStatus(dup, 409);
    rid.dup = reqId(dup);
    await flush();

    const acmeConn = await acme.post(CONNECTIONS, { name: 'acme-conn', provider: 'emulator' });
    expectStatus(acmeConn, 201);
    rid.acmeConn = reqId(acmeConn);
    await flush();
  });
  afterAll(async () => {
    await t.close();
  });

  it('records a connection creation: actor, action, resource, result, status', async () => {
    const r = await byRequest(rid.conn!);
    expect(Object.keys(r).sort()).toEqual(RECORD_KEYS);
    expect(r).toMatchObject({
      account: 'kylo:kylo:admin:accounts:kylo',
      actor: 'admin',
      action: 'createAwsConnection',
      resource_type: 'connection',
      resource_id: connId,
      result: 'success',
      status_code: 201,
      request_id: rid.conn,
      details: {},
    });
    expect(r.id).toMatch(/^[0-9]+$/);
    expect(new Date(r.at).toISOString()).toBe(r.at);
  });

  it('records a key creation and a user creation', async () => {
    expect(await byRequest(rid.key!)).toMatchObject({
      actor: 'admin',
      action: 'createAwsKey',
      resource_type: 'aws-key',
      resource_id: keyId,
      result: 'success',
      status_code: 201,
    });
    expect(await byRequest(rid.user!)).toMatchObject({
      actor: 'admin',
      action: 'createUser',
      resource_type: 'user',
      resource_id: userId,
      result: 'success',
      status_code: 201,
    });
  });

  it('records a failed login as a failure, with the username sent', async () => {
    expect(await byRequest(rid.badLogin!)).toMatchObject({
      actor: 'audit-bob',
      action: 'createToken',
      resource_type: 'token',
      resource_id: null,
      result: 'failure',
      status_code: 401,
    });
  });

  it('records a refused request as a failure', async () => {
    expect(await byRequest(rid.dup!)).toMatchObject({
      actor: 'audit-ka',
      action: 'createAwsConnection',
      resource_type: 'connection',
      resource_id: null,
      result: 'failure',
      status_code: 409,
    });
  });

  it('never holds a secret: not the secret access key, not a password', async () => {
    const res = await admin.get(`${AUDIT}?limit=-1`);
    expectStatus(res, 200);
    expect(res.body.total).toBe(res.body.resources.length);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(USER_PASSWORD);
    expect(text).not.toContain(WRONG_PASSWORD);
    expect(text).not.toContain('pw-audit-');
    for (const r of res.body.resources as Rec[]) expect(Object.keys(r).sort()).toEqual(RECORD_KEYS);
  });

  describe('filters, paging and sort', () => {
    /** audit-ka's records in time order: its login (made by the fixture), ka-1, ka-2, the 409. */
    let ka: Rec[];
    beforeAll(async () => {
      ka = (await list(admin, 'actor=audit-ka&sort=at&limit=-1')).resources;
    });

    it('actor selects exactly that user`s records', () => {
      expect(ka.map((r) => [r.action, r.result, r.status_code])).toEqual([
        ['createToken', 'success', 200],
        ['createAwsConnection', 'success', 201],
        ['createAwsConnection', 'success', 201],
        ['createAwsConnection', 'failure', 409],
      ]);
      expect(ka.slice(1).map((r) => r.request_id)).toEqual([rid.ka1, rid.ka2, rid.dup]);
      expect(ka.every((r) => r.actor === 'audit-ka')).toBe(true);
    });

    it('action, resource_type, resource_id, result and request_id each select exactly their records', async () => {
      expect(ids((await list(admin, 'actor=audit-ka&action=createAwsConnection&sort=at')).resources)).toEqual(
        ids(ka.slice(1)),
      );
      expect(ids((await list(admin, 'actor=audit-ka&resource_type=connection&sort=at')).resources)).toEqual(
        ids(ka.slice(1)),
      );
      expect(ids((await list(admin, 'actor=audit-ka&resource_type=token')).resources)).toEqual([ka[0]!.id]);
      expect(ids((await list(admin, 'actor=audit-ka&result=failure')).resources)).toEqual([ka[3]!.id]);
      expect(ids((await list(admin, 'actor=audit-ka&result=success&sort=at')).resources)).toEqual(ids(ka.slice(0, 3)));
      expect(ids((await list(admin, `resource_id=${ka1Id}`)).resources)).toEqual([ka[1]!.id]);
      expect(ids((await list(admin, `resource_id=${ka2Id}`)).resources)).toEqual([ka[2]!.id]);
      expect(ids((await list(admin, `request_id=${rid.ka2}`)).resources)).toEqual([ka[2]!.id]);
      expect((await list(admin, 'actor=nobody-at-all')).total).toBe(0);

      // Across the whole account, every filter agrees with filtering the full list.
      const all = (await list(admin, 'limit=-1')).resources;
      const failures = all.filter((r) => r.result === 'failure');
      expect(ids((await list(admin, 'result=failure&limit=-1')).resources)).toEqual(ids(failures));
      expect(failures.map((r) => r.request_id)).toEqual(expect.arrayContaining([rid.dup, rid.badLogin]));
      const creates = all.filter((r) => r.action === 'createAwsConnection');
      expect(ids((await list(admin, 'action=createAwsConnection&limit=-1')).resources)).toEqual(ids(creates));
      expect(creates).toHaveLength(4);
    });

    it('from is inclusive and to exclusive on `at`', async () => {
      const ats = ka.map((r) => r.at);
      expect(new Set(ats).size).toBe(4);
      const q = (extra: string) => list(admin, `actor=audit-ka&sort=at&${extra}`).then((p) => ids(p.resources));
      expect(await q(`from=${encodeURIComponent(ats[1]!)}`)).toEqual(ids(ka.slice(1)));
      expect(await q(`to=${encodeURIComponent(ats[2]!)}`)).toEqual(ids(ka.slice(0, 2)));
      expect(await q(`from=${encodeURIComponent(ats[1]!)}&to=${encodeURIComponent(ats[3]!)}`)).toEqual(
        ids(ka.slice(1, 3)),
      );
      expect(await q(`from=${encodeURIComponent(ats[3]!)}&to=${encodeURIComponent(ats[1]!)}`)).toEqual([]);
    });

    it('sorts by -at by default, and by at or -at when asked', async () => {
      const byDefault = await list(admin, 'actor=audit-ka');
      expect(ids(byDefault.resources)).toEqual(ids([...ka].reverse()));
      expect(ids((await list(admin, 'actor=audit-ka&sort=-at')).resources)).toEqual(ids([...ka].reverse()));
      const all = (await list(admin, 'limit=-1')).resources;
      const times = all.map((r) => Date.parse(r.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expectError(await admin.get(`${AUDIT}?sort=actor`), 400, 'sort');
    });

    it('skip and limit page through the records without overlap', async () => {
      const p1 = await list(admin, 'actor=audit-ka&sort=at&limit=3');
      expect(p1).toMatchObject({ skip: 0, limit: 3, total: 4 });
      const p2 = await list(admin, 'actor=audit-ka&sort=at&limit=3&skip=3');
      expect(p2).toMatchObject({ skip: 3, limit: 3, total: 4 });
      expect([...ids(p1.resources), ...ids(p2.resources)]).toEqual(ids(ka));
      const all = await list(admin, 'actor=audit-ka&limit=-1');
      expect(all).toMatchObject({ skip: 0, limit: -1, total: 4 });
      expect((await list(admin, 'actor=audit-ka&skip=10')).resources).toEqual([]);
      const byDefault = await list(admin);
      expect(byDefault.limit).toBe(10);
      expect(byDefault.resources).toHaveLength(Math.min(10, byDefault.total));
    });

    it('refuses unbounded or unknown inputs', async () => {
      expectError(await admin.get(`${AUDIT}?limit=1001`), 400, 'limit');
      expectError(await admin.get(`${AUDIT}?result=maybe`), 400, 'result');
      expectError(await admin.get(`${AUDIT}?from=yesterday`), 400, 'from');
      expectError(await admin.get(`${AUDIT}?actor=${'a'.repeat(257)}`), 400, 'actor');
      expectError(await admin.get(`${AUDIT}?colour=red`), 400, 'colour');
    });
  });

  it('is per account: another account sees none of these records, only its own', async () => {
    const kylo = (await list(admin, 'limit=-1')).resources;
    const mine = await list(acme, 'limit=-1');
    const kyloIds = new Set(ids(kylo));
    expect(mine.resources.filter((r) => kyloIds.has(r.id))).toEqual([]);
    expect(mine.resources.every((r) => r.account === 'kylo:kylo:admin:accounts:acme')).toBe(true);
    // Its own connection create, and its user's login (a login is filed under the user's account).
    expect(mine.resources.map((r) => r.request_id)).toContain(rid.acmeConn);
    expect(mine.resources.map((r) => r.action).sort()).toEqual(['createAwsConnection', 'createToken']);
    expect(kylo.map((r) => r.request_id)).not.toContain(rid.acmeConn);
    expect((await list(acme, `request_id=${rid.conn}`)).total).toBe(0);
    expect((await list(acme, `resource_id=${connId}`)).total).toBe(0);
  });

  it('admin and cckm_admins may read it; cckm_users and users in no group get 403', async () => {
    expect((await list(keyAdmin)).total).toBeGreaterThan(0);
    const viewer = as(t, await t.userToken('audit-viewer', ['cckm_users']));
    const nobody = as(t, await t.userToken('audit-nobody', []));
    expectError(await viewer.get(AUDIT), 403);
    expectError(await nobody.get(AUDIT), 403);
    expectError(await request(t.http).get(`/api/v1${AUDIT}`), 401);
  });

  it('is append-only: no method changes or removes records', async () => {
    await flush();
    const before = (await list(admin, 'limit=-1')).total;
    for (const res of [
      await admin.post(AUDIT, {}),
      await admin.patch(AUDIT, {}),
      await admin.delete(AUDIT),
      await request(t.http).put(`/api/v1${AUDIT}`).set('Authorization', `Bearer ${t.adminToken}`).send({}),
      await admin.delete(`${AUDIT}/1`),
    ]) {
      expect([404, 405]).toContain(res.status);
    }
    await flush();
    // The refused attempts are themselves recorded, as failures; nothing was removed.
    const after = await list(admin, 'limit=-1');
    expect(after.total).toBe(before + 5);
    expect(after.resources.slice(0, 5).every((r) => r.result === 'failure')).toBe(true);
  });
});
