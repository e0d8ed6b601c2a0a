import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

type Client = ReturnType<typeof as>;

interface Owned {
  conn: { id: string; name: string };
  kms: { id: string; name: string };
  tpl: { id: string; name: string };
  key: { id: string };
}

/** Creates a connection, KMS account, template and key named `<prefix>-*` as `c`. */
async function seed(c: Client, prefix: string, region: string): Promise<Owned> {
  const conn = await c.post(CONNECTIONS, { name: `${prefix}-conn`, provider: 'emulator' });
  expectStatus(conn, 201);
  // Each account's emulator connections reach that account's own emulator account (asked
  // with a one-off test, so the stored connection keeps last_connection_at null).
  const reached = await c.post('/connectionmgmt/services/aws/connection-test', { provider: 'emulator' });
  expectStatus(reached, 200);
  const kms = await c.post('/cckm/aws/kms', {
    name: `${prefix}-kms`,
    account_id: reached.body.account_id,
    connection: `${prefix}-conn`,
    regions: [region],
  });
  expectStatus(kms, 201);
  const tpl = await c.post('/cckm/aws/templates', {
    name: `${prefix}-tpl`,
    kms: `${prefix}-kms`,
    key_users: ['someone'],
  });
  expectStatus(tpl, 201);
  const key = await c.post('/cckm/aws/keys', { kms: `${prefix}-kms`, region });
  expectStatus(key, 201);
  return {
    conn: { id: conn.body.id, name: conn.body.name },
    kms: { id: kms.body.id, name: kms.body.name },
    tpl: { id: tpl.body.id, name: tpl.body.name },
    key: { id: key.body.id },
  };
}

/**
 * Every record belongs to an account. Another account's records are invisible: 404 by
 * id and by name, absent from lists, unusable as references (400 naming the field), in
 * both directions.
 */
describe('account isolation', () => {
  let t: TestApp;
  let kylo: Client;
  let acme: Client;
  let kyloRecs: Owned;
  let acmeRecs: Owned;

  beforeAll(async () => {
    t = await startTestApp('api_isolation');
    kylo = as(t, t.adminToken);
    acme = as(t, await t.userToken('acme-admin', ['admin'], 'acme'));
    kyloRecs = await seed(kylo, 'kylo', 'us-west-2');
    acmeRecs = await seed(acme, 'acme', 'eu-west-1');
    // The same name in both accounts is allowed: names are unique per account.
    expectStatus(
      await acme.post(CONNECTIONS, { name: 'kylo-conn', provider: 'emulator', description: 'acme own' }),
      201,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('a user created in another account carries that account', async () => {
    const me = await acme.get('/usermgmt/users?username=acme-admin');
    expectStatus(me, 200);
    expect(me.body.resources[0]).toMatchObject({
      username: 'acme-admin',
      account: 'kylo:kylo:admin:accounts:acme',
      groups: ['admin'],
    });
    const conn = await acme.get(`${CONNECTIONS}/${acmeRecs.conn.id}`);
    expect(conn.body.account).toBe('kylo:kylo:admin:accounts:acme');
  });

  for (const [who, other] of [
    ['acme', 'kylo'],
    ['kylo', 'acme'],
  ] as const) {
    describe(`${who} cannot see ${other}'s records`, () => {
      const me = () => (who === 'acme' ? acme : kylo);
      const theirs = () => (other === 'kylo' ? kyloRecs : acmeRecs);

      it('404 by id and by name on connection, KMS account and template; 404 on the key', async () => {
        const r = theirs();
        for (const path of [
          `${CONNECTIONS}/${r.conn.id}`,
          `/cckm/aws/kms/${r.kms.id}`,
          `/cckm/aws/kms/${r.kms.name}`,
          `/cckm/aws/templates/${r.tpl.id}`,
          `/cckm/aws/templates/${r.tpl.name}`,
          `/cckm/aws/keys/${r.key.id}`,
        ]) {
          const res = await me().get(path);
          expectError(res, 404);
          expect(res.body.message).not.toContain(other === 'kylo' ? 'kylo:kylo:admin:accounts:kylo' : 'accounts:acme');
        }
        if (who === 'kylo') expectError(await me().get(`${CONNECTIONS}/${r.conn.name}`), 404);
      });

      it('404 on changing, testing, refreshing or deleting them, which changes nothing', async () => {
        const r = theirs();
        expectError(await me().patch(`${CONNECTIONS}/${r.conn.id}`, { description: 'hijacked' }), 404);
        expectError(await me().post(`${CONNECTIONS}/${r.conn.id}/test`), 404);
        expectError(await me().delete(`${CONNECTIONS}/${r.conn.id}`), 404);
        expectError(await me().patch(`/cckm/aws/kms/${r.kms.id}`, { regions: ['us-east-1'] }), 404);
        expectError(await me().delete(`/cckm/aws/kms/${r.kms.name}`), 404);
        expectError(await me().patch(`/cckm/aws/templates/${r.tpl.id}`, { key_users: ['mallory'] }), 404);
        expectError(await me().delete(`/cckm/aws/templates/${r.tpl.id}`), 404);
        expectError(await me().post(`/cckm/aws/keys/${r.key.id}/refresh`), 404);
        expectError(await me().delete(`/cckm/aws/keys/${r.key.id}`), 404);

        const owner = other === 'kylo' ? kylo : acme;
        const conn = await owner.get(`${CONNECTIONS}/${r.conn.id}`);
        expectStatus(conn, 200);
        expect(conn.body.description).toBeNull();
        expect(conn.body.last_connection_at).toBeNull();
        expect((await owner.get(`/cckm/aws/kms/${r.kms.id}`)).body.regions).toEqual([
          other === 'kylo' ? 'us-west-2' : 'eu-west-1',
        ]);
        expect((await owner.get(`/cckm/aws/templates/${r.tpl.id}`)).body.key_users).toEqual(['someone']);
        expectStatus(await owner.get(`/cckm/aws/keys/${r.key.id}`), 200);
      });

      it('never lists them', async () => {
        const r = theirs();
        const ids = async (path: string) =>
          ((await me().get(path)).body.resources as { id: string }[]).map((x) => x.id);
        const connections = await ids(`${CONNECTIONS}?limit=-1`);
        const kms = await ids('/cckm/aws/kms?limit=-1');
        const templates = await ids('/cckm/aws/templates?limit=-1');
        const keys = await ids('/cckm/aws/keys?limit=-1');
        expect(connections).not.toContain(r.conn.id);
        expect(kms).not.toContain(r.kms.id);
        expect(templates).not.toContain(r.tpl.id);
        expect(keys).not.toContain(r.key.id);
        // The caller's own records are listed (the lists work at all).
        const mine = who === 'acme' ? acmeRecs : kyloRecs;
        expect(connections).toContain(mine.conn.id);
        expect(kms).toContain(mine.kms.id);
        expect(templates).toContain(mine.tpl.id);
        expect(keys).toContain(mine.key.id);
        // Filters by the other account's names find nothing.
        expect((await me().get(`/cckm/aws/kms?name=${r.kms.name}`)).body.total).toBe(0);
        expect((await me().get(`/cckm/aws/keys?kms=${r.kms.name}`)).body.total).toBe(0);
        expect((await me().get(`/cckm/aws/keys?kms_id=${r.kms.id}`)).body.total).toBe(0);
      });

      it("400 naming the field when a create refers to the other account's KMS account, template or connection", async () => {
        const r = theirs();
        for (const kms of [r.kms.id, r.kms.name]) {
          expectError(
            await me().post('/cckm/aws/keys', { kms, region: other === 'kylo' ? 'us-west-2' : 'eu-west-1' }),
            400,
            'kms',
          );
          expectError(
            await me().post('/cckm/aws/templates', { name: `steal-${who}`, kms, key_users: ['x'] }),
            400,
            'kms',
          );
        }
        const mine = who === 'acme' ? acmeRecs : kyloRecs;
        const region = who === 'acme' ? 'eu-west-1' : 'us-west-2';
        expectError(
          await me().post('/cckm/aws/keys', { kms: mine.kms.name, region, policytemplate: r.tpl.id }),
          400,
          'policytemplate',
        );
        expectError(
          await me().post('/cckm/aws/kms', {
            name: `steal-${who}`,
            account_id: '123456789012',
            connection: r.conn.id,
            regions: [region],
          }),
          400,
          'connection',
        );
        expectError(await me().patch(`/cckm/aws/kms/${mine.kms.id}`, { connection: r.conn.id }), 400, 'connection');
      });
    });
  }

  it('a name used in both accounts resolves to the caller’s own record', async () => {
    const mine = await acme.get(`${CONNECTIONS}/kylo-conn`);
    expectStatus(mine, 200);
    expect(mine.body.description).toBe('acme own');
    expect(mine.body.id).not.toBe(kyloRecs.conn.id);
    const theirs = await kylo.get(`${CONNECTIONS}/kylo-conn`);
    expect(theirs.body.id).toBe(kyloRecs.conn.id);
  });

  it('users: each admin lists only their account, and reads no user of the other', async () => {
    const acmeUsers = (await acme.get('/usermgmt/users?limit=-1')).body.resources.map(
      (u: { username: string }) => u.username,
    );
    expect(acmeUsers).toEqual(['acme-admin']);
    const kyloUsers = (await kylo.get('/usermgmt/users?limit=-1')).body.resources.map(
      (u: { username: string }) => u.username,
    );
    expect(kyloUsers).toContain('admin');
    expect(kyloUsers).not.toContain('acme-admin');
    const kyloAdminId = (await kylo.get('/usermgmt/users?username=admin')).body.resources[0].id;
    const acmeAdminId = (await acme.get('/usermgmt/users?username=acme-admin')).body.resources[0].id;
    expectError(await acme.get(`/usermgmt/users/${kyloAdminId}`), 404);
    expectError(await acme.patch(`/usermgmt/users/${kyloAdminId}`, { disabled: true }), 404);
    expectError(await acme.delete(`/usermgmt/users/${kyloAdminId}`), 404);
    expectError(await kylo.get(`/usermgmt/users/${acmeAdminId}`), 404);
    expectError(await acme.post(`/usermgmt/groups/admin/users/${kyloAdminId}`), 404);
    expect((await kylo.get(`/usermgmt/users/${kyloAdminId}`)).body.disabled).toBe(false);
  });

  it('only admins of the root account create users in another account', async () => {
    expectError(
      await acme.post('/usermgmt/users', { username: 'acme-into-kylo', password: 'password-123', account: 'kylo' }),
      403,
    );
    expectError(
      await acme.post('/usermgmt/users', { username: 'acme-into-other', password: 'password-123', account: 'other' }),
      403,
    );
    expect((await kylo.get('/usermgmt/users?username=acme-into-kylo')).body.total).toBe(0);
    // Within its own account an acme admin may create users.
    const own = await acme.post('/usermgmt/users', {
      username: 'acme-viewer',
      password: 'password-123',
      account: 'acme',
    });
    expectStatus(own, 201);
    expect(own.body.account).toBe('kylo:kylo:admin:accounts:acme');
  });
});
