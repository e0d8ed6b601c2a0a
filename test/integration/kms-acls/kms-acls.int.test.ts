import { KMS_PERMISSIONS } from '../../../src/cckm/kms/kms-acls.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectError, expectStatus } from '../api/helpers.js';

type Client = ReturnType<typeof as>;
type Body = Record<string, unknown>;

const REGION = 'us-east-1';
const STORES = '/cckm/aws/custom-key-stores';

/**
 * Permissions per KMS account (issue 15 item 2) through the REST API: a KMS account
 * without ACL entries keeps the role behaviour (cckm_users read), one with entries gives
 * users outside admin/cckm_admins exactly what the entries grant, lists filter instead of
 * failing, and each permission opens exactly its own routes.
 */
describe('KMS account ACLs', () => {
  let t: TestApp;
  let admin: Client;
  let keyAdmin: Client;
  let user: Client;
  let other: Client;
  let teamer: Client;
  let userId: string;
  let kmsB: Body;
  let nativeKey: string;
  let byokKey: string;
  let deletable: string;
  let openKey: string;

  const acls = (body: object) => admin.post(`/cckm/aws/kms/${kmsB.id}/update-acls`, body);
  /** Leaves the user exactly `perms` on KMS account B (revoke everything, then grant). */
  async function only(...perms: string[]): Promise<void> {
    const changes: object[] = [{ user_id: userId, actions: [...KMS_PERMISSIONS], permit: false }];
    if (perms.length) changes.push({ user_id: userId, actions: perms, permit: true });
    expectStatus(await acls({ acls: changes }), 200);
  }
  const created = async (res: Promise<import('supertest').Response>, status = 201): Promise<Body> => {
    const r = await res;
    expectStatus(r, status);
    return r.body as Body;
  };

  beforeAll(async () => {
    t = await startTestApp('kms_acls');
    admin = as(t, t.adminToken);
    keyAdmin = as(t, await t.userToken('acl-keyadmin', ['cckm_admins']));
    user = as(t, await t.userToken('acl-user', ['cckm_users']));
    other = as(t, await t.userToken('acl-other', ['cckm_users']));
    await created(admin.post('/usermgmt/groups', { name: 'acl-team' }));
    teamer = as(t, await t.userToken('acl-teamer', ['acl-team']));
    userId = (await admin.get('/usermgmt/users?username=acl-user')).body.resources[0].id;
    const home = (await admin.get('/cckm/aws/kms/kms')).body as Body;
    kmsB = await created(
      admin.post('/cckm/aws/kms', {
        name: 'acl-b',
        account_id: home.account_id,
        connection: 'emulator',
        regions: [REGION],
      }),
    );
    nativeKey = (await created(admin.post('/cckm/aws/keys', { kms: 'acl-b', region: REGION }))).id as string;
    deletable = (await created(admin.post('/cckm/aws/keys', { kms: 'acl-b', region: REGION }))).id as string;
    const byok = { kms: 'acl-b', region: REGION, aws_param: { Origin: 'EXTERNAL' } };
    byokKey = (await created(admin.post('/cckm/aws/keys', byok))).id as string;
    openKey = (await created(admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION }))).id as string;
    // B is governed by ACLs from here on: the team may view its native keys.
    const team = await acls({ acls: [{ group: 'acl-team', actions: ['viewnative'], permit: true }] });
    expectStatus(team, 200);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('update-acls', () => {
    it('grants, expands the legacy view, revokes with permit false, and shows acls on the record', async () => {
      const res = await acls({ acls: [{ user_id: userId, actions: ['view', 'keyupdate'], permit: true }] });
      expectStatus(res, 200);
      expect(res.body.acls).toEqual(
        expect.arrayContaining([
          { group: 'acl-team', actions: ['viewnative'] },
          { user_id: userId, actions: ['keyupdate', 'viewbyok', 'viewnative'] },
        ]),
      );
      const revoked = await acls({ acls: [{ user_id: userId, actions: ['keyupdate', 'viewbyok'], permit: false }] });
      expect(revoked.body.acls).toContainEqual({ user_id: userId, actions: ['viewnative'] });
      const gone = await acls({ acls: [{ user_id: userId, actions: ['viewnative'], permit: false }] });
      expect((gone.body.acls as Body[]).some((e) => e.user_id === userId)).toBe(false);
      expect((await admin.get(`/cckm/aws/kms/${kmsB.id}`)).body.acls).toEqual([
        { group: 'acl-team', actions: ['viewnative'] },
      ]);
    });

    it.each([
      [
        'an unknown permission',
        { user_id: 'U', actions: ['viewnative', 'keysteal'], permit: true },
        'acls[0].actions[1]',
      ],
      [
        'an unknown user',
        { user_id: '00000000-0000-4000-8000-000000000001', actions: ['viewnative'], permit: true },
        'acls[0].user_id',
      ],
      ['an unknown group', { group: 'no-such-team', actions: ['viewnative'], permit: true }, 'acls[0].group'],
      [
        'both a user and a group',
        { user_id: 'U', group: 'acl-team', actions: ['viewnative'], permit: true },
        'acls[0]',
      ],
      ['no permit', { user_id: 'U', actions: ['viewnative'] }, 'acls[0].permit'],
    ])('refuses %s with 400 naming the field, changing nothing', async (_what, entry, field) => {
      const body = JSON.parse(JSON.stringify(entry).replace('"U"', JSON.stringify(userId)));
      expectError(await acls({ acls: [body] }), 400, field);
      expect((await admin.get(`/cckm/aws/kms/${kmsB.id}`)).body.acls).toEqual([
        { group: 'acl-team', actions: ['viewnative'] },
      ]);
    });

    it('is for admin and cckm_admins only, and is audited', async () => {
      expectError(
        await user.post(`/cckm/aws/kms/${kmsB.id}/update-acls`, {
          acls: [{ user_id: userId, actions: ['keycreate'], permit: true }],
        }),
        403,
      );
      const ok = await keyAdmin.post(`/cckm/aws/kms/${kmsB.id}/update-acls`, {
        acls: [{ group: 'acl-team', actions: ['viewbyok'], permit: false }],
      });
      expectStatus(ok, 200);
      await t.composed.app.flushAudit();
      const trail = await admin.get(`/audit/records?request_id=${ok.headers['x-request-id']}`);
      expectStatus(trail, 200);
      expect(trail.body.resources).toEqual([
        expect.objectContaining({ action: 'updateKmsAcls', result: 'success', resource_id: kmsB.id }),
      ]);
    });
  });

  describe('who holds what', () => {
    it('keeps role behaviour on a KMS account without entries, and admins keep full rights everywhere', async () => {
      expectStatus(await other.get(`/cckm/aws/keys/${openKey}`), 200);
      expectError(await other.post('/cckm/aws/keys', { kms: 'kms', region: REGION }), 403);
      expectStatus(await keyAdmin.get(`/cckm/aws/keys/${nativeKey}`), 200);
      expectStatus(await keyAdmin.post(`/cckm/aws/keys/${nativeKey}/update-description`, { description: 'a' }), 200);
    });

    it('gives a cckm_users member without an entry nothing on an ACL-governed account: lists filter, reads are 403', async () => {
      const list = await other.get('/cckm/aws/keys?limit=-1');
      expectStatus(list, 200);
      const ids = (list.body.resources as Body[]).map((k) => k.id);
      expect(ids).toContain(openKey);
      expect(ids).not.toContain(nativeKey);
      expect(ids).not.toContain(byokKey);
      const kmsList = (await other.get('/cckm/aws/kms?limit=-1')).body.resources as Body[];
      expect(kmsList.map((k) => k.name)).toEqual(['kms']);
      const denied = await other.get(`/cckm/aws/keys/${nativeKey}`);
      expectError(denied, 403);
      expect(denied.body.message).toContain('viewnative');
      expect(denied.body.message).toContain('acl-b');
    });

    it('grants through a group, by key origin: the team sees B native keys only', async () => {
      const list = (await teamer.get('/cckm/aws/keys?limit=-1')).body.resources as Body[];
      expect(list.map((k) => k.id).sort()).toEqual([deletable, nativeKey].sort());
      expectStatus(await teamer.get(`/cckm/aws/keys/${nativeKey}`), 200);
      expectError(await teamer.get(`/cckm/aws/keys/${byokKey}`), 403);
      expectError(await teamer.get(`/cckm/aws/keys/${openKey}`), 403);
      expect(((await teamer.get('/cckm/aws/kms')).body.resources as Body[]).map((k) => k.name)).toEqual(['acl-b']);
      const stats = await teamer.get('/cckm/aws/keys/stats?group_by=region');
      if (stats.status === 200) expect(stats.body.total).toBe(2);
    });
  });

  /** Each permission, with only it held: the route it opens answers (allowed), and without it 403 naming it. */
  const MATRIX: [perm: string, call: () => Promise<import('supertest').Response>, allowed: number | 'not403'][] = [
    ['viewnative', () => user.get(`/cckm/aws/keys/${nativeKey}`), 200],
    ['viewbyok', () => user.get(`/cckm/aws/keys/${byokKey}`), 200],
    ['keycreate', () => user.post('/cckm/aws/keys', { kms: 'acl-b', region: REGION }), 201],
    [
      'keyupload',
      () => user.post('/cckm/aws/keys', { kms: 'acl-b', region: REGION, aws_param: { Origin: 'EXTERNAL' } }),
      201,
    ],
    ['keyupdate', () => user.post(`/cckm/aws/keys/${nativeKey}/update-description`, { description: 'b' }), 200],
    ['keyrotate', () => user.post(`/cckm/aws/keys/${nativeKey}/enable-auto-rotation`, {}), 200],
    ['keydelete', () => user.post(`/cckm/aws/keys/${deletable}/schedule-deletion`, { days: 7 }), 200],
    ['keycanceldelete', () => user.post(`/cckm/aws/keys/${deletable}/cancel-deletion`), 200],
    ['keymaterialimport', () => user.post(`/cckm/aws/keys/${byokKey}/import-material`, {}), 'not403'],
    ['keymaterialdelete', () => user.post(`/cckm/aws/keys/${byokKey}/delete-material`, {}), 'not403'],
    ['keysynchronize', () => user.post(`/cckm/aws/keys/${nativeKey}/refresh`), 200],
    ['keysynchronize', () => user.post('/cckm/aws/synchronization-jobs', { kms: ['acl-b'] }), 201],
    ['keybulkoperation', () => user.post('/cckm/aws/bulkjob', { keys: [nativeKey], operation: 'enablekey' }), 201],
    ['keyrotationjob', () => user.post(`/cckm/aws/keys/${nativeKey}/disable-rotation-job`), 200],
    [
      'keystoreadd',
      () =>
        user.post(STORES, {
          name: 'acl-hosted',
          kms: 'acl-b',
          region: REGION,
          aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
          local_hosted_params: { health_check_key_id: 'hc-key' },
        }),
      201,
    ],
    ['viewkeystore', () => user.get(`${STORES}?kms=acl-b`), 200],
  ];

  describe.each(MATRIX)('%s', (perm, call, allowed) => {
    it('without it: 403 naming the permission and the KMS account', async () => {
      await only(...KMS_PERMISSIONS.filter((p) => p !== perm));
      const res = await call();
      if (perm === 'viewkeystore') {
        // A list filters: no store of B is shown.
        expectStatus(res, 200);
        expect(res.body.total).toBe(0);
        return;
      }
      expectError(res, 403);
      expect(res.body.message).toContain(perm);
      expect(res.body.message).toContain('acl-b');
    });

    it('with only it: allowed', async () => {
      await only(perm);
      const res = await call();
      if (allowed === 'not403') expect(res.status).not.toBe(403);
      else expectStatus(res, allowed);
      if (perm === 'viewkeystore') expect(res.body.total).toBe(1);
    });
  });

  describe('jobs', () => {
    it('lists and reads synchronization jobs only where the caller may view or synchronize', async () => {
      // The keysynchronize row of the matrix started one on acl-b.
      const job = ((await admin.get('/cckm/aws/synchronization-jobs?kms=acl-b')).body.resources as Body[])[0]!;
      await created(admin.post('/cckm/aws/synchronization-jobs', { kms: ['kms'] }));
      const seen = ((await other.get('/cckm/aws/synchronization-jobs?limit=100')).body.resources as Body[]).map(
        (j) => j.id,
      );
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).not.toContain(job.id);
      expectError(await other.get(`/cckm/aws/synchronization-jobs/${job.id}`), 403);
      expectStatus(await teamer.get(`/cckm/aws/synchronization-jobs/${job.id}`), 200);
      const cancel = await teamer.post(`/cckm/aws/synchronization-jobs/${job.id}/cancel`);
      expectError(cancel, 403);
      expect(cancel.body.message).toContain('keysynchronize');
    });
  });
});
