import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

/**
 * Groups decide what a user may do: cckm_users read, cckm_admins also change key manager
 * resources, admin also manages users; a user in no group may do nothing. Refusals are
 * 403 with the error body, and change nothing.
 */
describe('role checks', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let viewer: ReturnType<typeof as>;
  let keyAdmin: ReturnType<typeof as>;
  let nobody: ReturnType<typeof as>;
  let connId: string;
  let kmsId: string;
  let tplId: string;
  let keyId: string;
  let viewerId: string;

  beforeAll(async () => {
    t = await startTestApp('api_roles');
    admin = as(t, t.adminToken);
    viewer = as(t, await t.userToken('role-viewer', ['cckm_users']));
    keyAdmin = as(t, await t.userToken('role-keyadmin', ['cckm_admins']));
    nobody = as(t, await t.userToken('role-nobody', []));
    viewerId = (await admin.get('/usermgmt/users?username=role-viewer')).body.resources[0].id;

    const conn = await admin.post(CONNECTIONS, { name: 'role-conn', provider: 'emulator' });
    expectStatus(conn, 201);
    connId = conn.body.id;
    kmsId = (await admin.get('/cckm/aws/kms/kms')).body.id;
    const tpl = await admin.post('/cckm/aws/templates', { name: 'role-tpl', kms: 'kms', key_admins: ['alice'] });
    expectStatus(tpl, 201);
    tplId = tpl.body.id;
    const key = await admin.post('/cckm/aws/keys', { kms: 'kms', region: 'us-east-1' });
    expectStatus(key, 201);
    keyId = key.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const reads = () => [
    [CONNECTIONS],
    [`${CONNECTIONS}/role-conn`],
    ['/cckm/aws/kms'],
    ['/cckm/aws/kms/kms'],
    ['/cckm/aws/templates'],
    ['/cckm/aws/templates/role-tpl'],
    ['/cckm/aws/keys'],
    [`/cckm/aws/keys/${keyId}`],
  ];

  describe('cckm_users (read-only)', () => {
    it('reads every list and record', async () => {
      for (const [path] of reads()) {
        const res = await viewer.get(path!);
        expectStatus(res, 200);
        if (res.body.resources) expect(res.body.total).toBeGreaterThan(0);
        else expect(typeof res.body.id).toBe('string');
      }
    });

    it.each([
      ['create a connection', 'post', CONNECTIONS, { name: 'viewer-conn', provider: 'emulator' }],
      ['change a connection', 'patch', `${CONNECTIONS}/role-conn`, { description: 'changed' }],
      ['delete a connection', 'delete', `${CONNECTIONS}/role-conn`, undefined],
      ['test a connection', 'post', `${CONNECTIONS}/role-conn/test`, undefined],
      ['test connection parameters', 'post', '/connectionmgmt/services/aws/connection-test', { provider: 'emulator' }],
      [
        'create a KMS account',
        'post',
        '/cckm/aws/kms',
        { name: 'viewer-kms', account_id: '123456789012', connection: 'emulator', regions: ['us-east-1'] },
      ],
      ['change a KMS account', 'patch', '/cckm/aws/kms/kms', { regions: ['us-east-1'] }],
      ['delete a KMS account', 'delete', '/cckm/aws/kms/kms', undefined],
      ['create a template', 'post', '/cckm/aws/templates', { name: 'viewer-tpl', kms: 'kms', key_users: ['bob'] }],
      ['change a template', 'patch', '/cckm/aws/templates/role-tpl', { key_users: ['bob'] }],
      ['delete a template', 'delete', '/cckm/aws/templates/role-tpl', undefined],
      ['create a key', 'post', '/cckm/aws/keys', { kms: 'kms', region: 'us-east-1' }],
      ['create a user', 'post', '/usermgmt/users', { username: 'viewer-made', password: 'password-123' }],
      ['list users', 'get', '/usermgmt/users', undefined],
      ['create a group', 'post', '/usermgmt/groups', { name: 'viewer-group' }],
    ])('403 to %s', async (_what, method, path, body) => {
      const client = viewer as unknown as Record<
        string,
        (p: string, b?: object) => Promise<import('supertest').Response>
      >;
      const res = await client[method as string]!(path as string, body as object | undefined);
      expectError(res, 403);
    });

    it('403 to deleting or refreshing a key, which stays', async () => {
      expectError(await viewer.delete(`/cckm/aws/keys/${keyId}`), 403);
      expectError(await viewer.post(`/cckm/aws/keys/${keyId}/refresh`), 403);
      expectStatus(await admin.get(`/cckm/aws/keys/${keyId}`), 200);
    });

    it('403 to user management: deleting a user, changing own groups, group membership', async () => {
      const other = (await admin.get('/usermgmt/users?username=role-keyadmin')).body.resources[0].id;
      expectError(await viewer.delete(`/usermgmt/users/${other}`), 403);
      expectError(await viewer.patch(`/usermgmt/users/${viewerId}`, { groups: ['admin'] }), 403);
      expectError(await viewer.patch(`/usermgmt/users/${viewerId}`, { disabled: true }), 403);
      expectError(await viewer.post(`/usermgmt/groups/admin/users/${viewerId}`), 403);
      expectError(await viewer.delete('/usermgmt/groups/cckm_users'), 403);
      const me = await admin.get(`/usermgmt/users/${viewerId}`);
      expect(me.body).toMatchObject({ groups: ['cckm_users'], disabled: false });
    });

    it('the refused writes changed nothing', async () => {
      expectStatus(await admin.get(`${CONNECTIONS}/role-conn`), 200);
      expect((await admin.get(`${CONNECTIONS}/role-conn`)).body.description).toBeNull();
      expectError(await admin.get(`${CONNECTIONS}/viewer-conn`), 404);
      expectError(await admin.get('/cckm/aws/kms/viewer-kms'), 404);
      expectError(await admin.get('/cckm/aws/templates/viewer-tpl'), 404);
      expect((await admin.get('/cckm/aws/templates/role-tpl')).body.key_users).toEqual([]);
      expect((await admin.get('/usermgmt/users?username=viewer-made')).body.total).toBe(0);
      expect((await admin.get('/cckm/aws/keys')).body.total).toBe(1);
    });
  });

  describe('cckm_admins (key administrators)', () => {
    it('manage connections, KMS accounts, templates and keys', async () => {
      const c = await keyAdmin.post(CONNECTIONS, { name: 'ka-conn', provider: 'emulator' });
      expectStatus(c, 201);
      expectStatus(await keyAdmin.patch(`${CONNECTIONS}/ka-conn`, { description: 'mine' }), 200);
      const test = await keyAdmin.post(`${CONNECTIONS}/ka-conn/test`);
      expectStatus(test, 200);
      expect(test.body.connection_ok).toBe(true);
      const k = await keyAdmin.post('/cckm/aws/kms', {
        name: 'ka-kms',
        account_id: '123456789012',
        connection: 'ka-conn',
        regions: ['eu-west-1'],
      });
      expectStatus(k, 201);
      expectStatus(
        await keyAdmin.post('/cckm/aws/templates', { name: 'ka-tpl', kms: 'ka-kms', key_users: ['carol'] }),
        201,
      );
      const key = await keyAdmin.post('/cckm/aws/keys', {
        kms: 'ka-kms',
        region: 'eu-west-1',
        policytemplate: 'ka-tpl',
      });
      expectStatus(key, 201);
      expectStatus(await keyAdmin.post(`/cckm/aws/keys/${key.body.id}/refresh`), 200);
      expectStatus(await keyAdmin.delete(`/cckm/aws/keys/${key.body.id}`), 204);
      expectStatus(await keyAdmin.delete('/cckm/aws/templates/ka-tpl'), 204);
      expectStatus(await keyAdmin.delete('/cckm/aws/kms/ka-kms'), 204);
      expectStatus(await keyAdmin.delete(`${CONNECTIONS}/ka-conn`), 204);
      expectError(await admin.get(`${CONNECTIONS}/ka-conn`), 404);
    });

    it('403 on user and group management', async () => {
      expectError(await keyAdmin.get('/usermgmt/users'), 403);
      expectError(await keyAdmin.post('/usermgmt/users', { username: 'ka-made', password: 'password-123' }), 403);
      expectError(await keyAdmin.delete(`/usermgmt/users/${viewerId}`), 403);
      expectError(await keyAdmin.post('/usermgmt/groups', { name: 'ka-group' }), 403);
      expectError(await keyAdmin.post(`/usermgmt/groups/admin/users/${viewerId}`), 403);
      expectStatus(await admin.get(`/usermgmt/users/${viewerId}`), 200);
      expect((await admin.get('/usermgmt/groups/admin')).body.users_count).toBe(1);
    });
  });

  describe('a user in no group', () => {
    it('403 on every read of key manager resources; lists of ACL-governed resources are empty (they filter)', async () => {
      // KMS accounts and keys are governed by per-account ACLs: a list shows what the caller may view.
      const filtered = new Set(['/cckm/aws/kms', '/cckm/aws/keys']);
      for (const [path] of reads()) {
        const res = await nobody.get(path!);
        if (!filtered.has(path!)) {
          expectError(res, 403);
          continue;
        }
        expectStatus(res, 200);
        expect(res.body).toMatchObject({ total: 0, resources: [] });
      }
    });

    it('403 on reading groups', async () => {
      expectError(await nobody.get('/usermgmt/groups'), 403);
      expectError(await nobody.get('/usermgmt/groups/admin'), 403);
    });

    it('403 on writes', async () => {
      expectError(await nobody.post(CONNECTIONS, { name: 'nobody-conn', provider: 'emulator' }), 403);
      expectError(await nobody.post('/cckm/aws/keys', { kms: 'kms', region: 'us-east-1' }), 403);
      expectError(await nobody.delete(`/cckm/aws/kms/${kmsId}`), 403);
      expectError(await nobody.delete(`/cckm/aws/templates/${tplId}`), 403);
      expectError(await nobody.delete(`${CONNECTIONS}/${connId}`), 403);
    });
  });
});
