import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectError, expectStatus } from '../api/helpers.js';
import { describe_, storedPolicy } from '../key-actions/helpers.js';
import { waitForJob } from '../sync/helpers.js';

type Client = ReturnType<typeof as>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

const REGION = 'us-east-1';
const KMS_NAME = 'appr-kms';
const APPROVALS = '/cckm/approvals';

const POLICY = {
  Version: '2012-10-17',
  Id: 'approved',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

/**
 * Approvals for destructive key changes (issue 15 item 5) through the REST API against the
 * emulator: on a KMS account with approvals_required 2, schedule-deletion, delete-material
 * and policy answer 202 with a pending approval and change nothing until two users other
 * than the requester, holding the action's permission, approved; then the action runs once,
 * as the requester's request, and the approval records the outcome.
 */
describe('approvals of destructive key changes', () => {
  let t: TestApp;
  let admin: Client;
  let requester: Client;
  let approver1: Client;
  let approver2: Client;
  let approver3: Client;
  let viewer: Client;
  let acme: Client;
  let kms: Body;

  const created = async (res: Promise<import('supertest').Response>, status = 201): Promise<Body> => {
    const r = await res;
    expectStatus(r, status);
    return r.body as Body;
  };
  const newKey = async (awsParam: object = {}): Promise<Body> =>
    created(admin.post('/cckm/aws/keys', { kms: KMS_NAME, region: REGION, aws_param: awsParam }));
  const audit = async (action: string, resourceId: string): Promise<Body[]> => {
    const r = await created(admin.get(`/audit/records?limit=-1&action=${action}`), 200);
    return (r.resources as Body[]).filter((e) => e.resource_id === resourceId);
  };

  beforeAll(async () => {
    t = await startTestApp('approvals', { env: { CCKM_JOB_POLL_MS: '100' } });
    admin = as(t, t.adminToken);
    requester = as(t, await t.userToken('appr-requester', ['cckm_admins']));
    approver1 = as(t, await t.userToken('appr-one', ['cckm_admins']));
    approver2 = as(t, await t.userToken('appr-two', ['cckm_admins']));
    approver3 = as(t, await t.userToken('appr-three', ['cckm_admins']));
    viewer = as(t, await t.userToken('appr-viewer', ['cckm_users']));
    acme = as(t, await t.userToken('appr-acme', ['admin'], 'acme'));
    const home = await created(admin.get('/cckm/aws/kms/kms'), 200);
    kms = await created(
      admin.post('/cckm/aws/kms', {
        name: KMS_NAME,
        account_id: home.account_id,
        connection: 'emulator',
        regions: [REGION],
        approvals_required: 2,
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows approvals_required on the KMS account, changes it with PATCH, and refuses values outside 0..10 naming the field', async () => {
    expect(kms.approvals_required).toBe(2);
    expect((await created(admin.get('/cckm/aws/kms/kms'), 200)).approvals_required).toBe(0);
    for (const bad of [11, -1, 1.5, '2']) {
      expectError(await admin.patch(`/cckm/aws/kms/${kms.id}`, { approvals_required: bad }), 400, 'approvals_required');
    }
    const body = { name: 'appr-bad', account_id: kms.account_id, connection: 'emulator', regions: [REGION] };
    expectError(await admin.post('/cckm/aws/kms', { ...body, approvals_required: 11 }), 400, 'approvals_required');
    expect((await created(admin.get(`/cckm/aws/kms/${kms.id}`), 200)).approvals_required).toBe(2);
  });

  it('schedule-deletion: 202 pending and the key untouched until the second approver; then PendingDeletion in the emulator', async () => {
    const key = await newKey();
    const awsId = key.aws_param.KeyID as string;
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`, { days: 7 }), 202);
    expect(pending).toMatchObject({
      action: 'schedule-deletion',
      key_id: key.id,
      kms_id: kms.id,
      request_body: { days: 7 },
      requester: 'appr-requester',
      required: 2,
      approvals: 0,
      status: 'pending',
      result: null,
      decisions: [],
    });
    const ttl = Date.parse(pending.expires_at) - Date.parse(pending.createdAt);
    expect(Math.abs(ttl - 72 * 3_600_000)).toBeLessThan(60_000);
    expect((await describe_(t, REGION, awsId)).KeyState).toBe('Enabled');

    // The requester cannot approve their own request.
    const own = await requester.post(`${APPROVALS}/${pending.id}/approve`, {});
    expectError(own, 403);
    expect(own.body.message).toMatch(/requester .* cannot approve their own/);

    const first = await created(approver1.post(`${APPROVALS}/${pending.id}/approve`, { comment: 'ok by me' }), 200);
    expect(first).toMatchObject({ status: 'pending', approvals: 1 });
    expect(first.decisions).toEqual([
      expect.objectContaining({ username: 'appr-one', decision: 'approve', comment: 'ok by me' }),
    ]);
    expect((await describe_(t, REGION, awsId)).KeyState).toBe('Enabled');

    // One decision per user.
    expectError(await approver1.post(`${APPROVALS}/${pending.id}/approve`, {}), 409);

    const second = await created(approver2.post(`${APPROVALS}/${pending.id}/approve`), 200);
    expect(second).toMatchObject({ status: 'executed', approvals: 2, result: null });
    expect(second.decided_at).not.toBeNull();
    const state = await describe_(t, REGION, awsId);
    expect(state.KeyState).toBe('PendingDeletion');
    expect(state.DeletionDate!.getTime() - Date.now()).toBeLessThan(8 * 86_400_000);
    expect((await created(admin.get(`/cckm/aws/keys/${key.id}`), 200)).aws_param.KeyState).toBe('PendingDeletion');

    // Decided: no further approval or rejection.
    expectError(await approver3.post(`${APPROVALS}/${pending.id}/approve`), 409);
    expectError(await approver3.post(`${APPROVALS}/${pending.id}/reject`), 409);

    // Audited: the request (202), each decision, and the execution with the approvers.
    await t.composed.app.flushAudit();
    const requested = await audit('scheduleAwsKeyDeletion', key.id);
    expect(requested).toEqual([
      expect.objectContaining({
        actor: 'appr-requester',
        status_code: 202,
        details: expect.objectContaining({ approval_id: pending.id }),
      }),
    ]);
    expect((await audit('approveApproval', pending.id)).map((e) => [e.actor, e.status_code]).sort()).toEqual([
      ['appr-one', 200],
      ['appr-one', 409],
      ['appr-requester', 403],
      ['appr-three', 409],
      ['appr-two', 200],
    ]);
    expect(await audit('executeApproval', pending.id)).toEqual([
      expect.objectContaining({
        actor: 'appr-requester',
        result: 'success',
        details: expect.objectContaining({ approvers: ['appr-one', 'appr-two'], key_id: key.id }),
      }),
    ]);
  });

  it('policy: applied only after two approvals, exactly the stored body', async () => {
    const key = await newKey();
    const awsId = key.aws_param.KeyID as string;
    const before = await storedPolicy(t, REGION, awsId);
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/policy`, { policy: POLICY }), 202);
    expect(pending.action).toBe('policy');
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    expect(await storedPolicy(t, REGION, awsId)).toEqual(before);
    expect((await created(approver2.post(`${APPROVALS}/${pending.id}/approve`), 200)).status).toBe('executed');
    expect(await storedPolicy(t, REGION, awsId)).toEqual(POLICY);
  });

  it('a requester deleted before the last approval: the action does not run; failed with the reason, audited as a failure', async () => {
    const gone = as(t, await t.userToken('appr-leaver', ['cckm_admins']));
    const key = await newKey();
    const pending = await created(gone.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    const leaverId = (await created(admin.get('/usermgmt/users?username=appr-leaver'), 200)).resources[0].id;
    expectStatus(await admin.delete(`/usermgmt/users/${leaverId}`), 204);
    const done = await created(approver2.post(`${APPROVALS}/${pending.id}/approve`), 200);
    expect(done.status).toBe('failed');
    expect(done.result).toMatch(/appr-leaver is no longer an enabled user/);
    expect((await describe_(t, REGION, key.aws_param.KeyID)).KeyState).toBe('Enabled');
    await t.composed.app.flushAudit();
    expect(await audit('executeApproval', pending.id)).toEqual([
      expect.objectContaining({ actor: 'appr-leaver', result: 'failure', status_code: 403 }),
    ]);
  });

  it("an action AWS refuses once approved ends failed with AWS's error, and the key is unchanged", async () => {
    const key = await newKey();
    const awsId = key.aws_param.KeyID as string;
    const before = await storedPolicy(t, REGION, awsId);
    // It would lock the caller out of the key (no PutKeyPolicy for them): AWS's lockout safety check refuses it.
    const bad = {
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:role/Reader' },
            Action: 'kms:DescribeKey',
            Resource: '*',
          },
        ],
      },
    };
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/policy`, bad), 202);
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    const done = await created(approver2.post(`${APPROVALS}/${pending.id}/approve`), 200);
    expect(done.status).toBe('failed');
    expect(done.result).toMatch(/MalformedPolicyDocumentException/);
    expect(await storedPolicy(t, REGION, awsId)).toEqual(before);
  });

  it('delete-material: executed after approvals removes the imported material', async () => {
    const key = await newKey({ Origin: 'EXTERNAL' });
    const material = randomBytes(32).toString('base64');
    await created(admin.post(`/cckm/aws/keys/${key.id}/import-material`, { key_material: material }), 200);
    const awsId = key.aws_param.KeyID as string;
    expect((await describe_(t, REGION, awsId)).KeyState).toBe('Enabled');
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/delete-material`, {}), 202);
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    expect((await describe_(t, REGION, awsId)).KeyState).toBe('Enabled');
    expect((await created(approver2.post(`${APPROVALS}/${pending.id}/approve`), 200)).status).toBe('executed');
    expect((await describe_(t, REGION, awsId)).KeyState).toBe('PendingImport');
  });

  it('reject ends the approval: the key stays, nobody can approve it afterwards', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    const rejected = await created(
      approver2.post(`${APPROVALS}/${pending.id}/reject`, { comment: 'still in use' }),
      200,
    );
    expect(rejected).toMatchObject({ status: 'rejected', approvals: 1 });
    expect(rejected.decisions).toContainEqual(
      expect.objectContaining({ username: 'appr-two', decision: 'reject', comment: 'still in use' }),
    );
    expectError(await approver3.post(`${APPROVALS}/${pending.id}/approve`), 409);
    expect((await describe_(t, REGION, key.aws_param.KeyID)).KeyState).toBe('Enabled');
  });

  it('the requester may withdraw their own request by rejecting it', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    expect((await created(requester.post(`${APPROVALS}/${pending.id}/reject`), 200)).status).toBe('rejected');
  });

  it('an expired approval shows expired, cannot be approved (409), and the key stays', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    await created(approver1.post(`${APPROVALS}/${pending.id}/approve`), 200);
    // Move the approval's clock: its expiry is now past (the database clock decides).
    await t.db.db
      .updateTable('approvals')
      .set({ expiresAt: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', pending.id)
      .execute();
    expect((await created(admin.get(`${APPROVALS}/${pending.id}`), 200)).status).toBe('expired');
    const late = await approver2.post(`${APPROVALS}/${pending.id}/approve`);
    expectError(late, 409);
    expect(late.body.message).toMatch(/expired/);
    expectError(await approver2.post(`${APPROVALS}/${pending.id}/reject`), 409);
    expect((await describe_(t, REGION, key.aws_param.KeyID)).KeyState).toBe('Enabled');
    const listed = await created(admin.get(`${APPROVALS}?status=expired&key_id=${key.id}`), 200);
    expect((listed.resources as Body[]).map((a) => a.id)).toEqual([pending.id]);
    expect((await created(admin.get(`${APPROVALS}?status=pending&key_id=${key.id}`), 200)).total).toBe(0);
  });

  it('a user without the action permission cannot approve (403 naming it); an ACL grant lets them', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    const refused = await viewer.post(`${APPROVALS}/${pending.id}/approve`);
    expectError(refused, 403);
    expect(refused.body.message).toContain('keydelete');
    // A view-only user cannot request either: the action's own permission is checked first.
    expectError(await viewer.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 403);

    const other = await newKey();
    const viewerId = (await created(admin.get('/usermgmt/users?username=appr-viewer'), 200)).resources[0].id;
    const grant = { acls: [{ user_id: viewerId, actions: ['viewnative', 'keyupdate'], permit: true }] };
    await created(admin.post(`/cckm/aws/kms/${kms.id}/update-acls`, grant), 200);
    try {
      const policy = await created(requester.post(`/cckm/aws/keys/${other.id}/policy`, { policy: POLICY }), 202);
      // keyupdate approves a policy change, not a deletion.
      expect((await created(viewer.post(`${APPROVALS}/${policy.id}/approve`), 200)).approvals).toBe(1);
      expectError(await viewer.post(`${APPROVALS}/${pending.id}/approve`), 403);
    } finally {
      const revoke = { acls: [{ user_id: viewerId, actions: ['viewnative', 'keyupdate'], permit: false }] };
      await created(admin.post(`/cckm/aws/kms/${kms.id}/update-acls`, revoke), 200);
    }
  });

  it('approvers at the same moment run the action exactly once', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    // required 2, four approvers at once: the one whose approval reaches the count runs it;
    // a vote arriving after the run was claimed finds the approval no longer pending (409).
    const answers = await Promise.all(
      [approver1, approver2, approver3, admin].map((c) => c.post(`${APPROVALS}/${pending.id}/approve`)),
    );
    for (const r of answers) expect([200, 409]).toContain(r.status);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    const final = await created(admin.get(`${APPROVALS}/${pending.id}`), 200);
    expect(final.status).toBe('executed');
    expect(final.approvals).toBe(answers.filter((r) => r.status === 200).length);
    await t.composed.app.flushAudit();
    expect(await audit('executeApproval', pending.id)).toHaveLength(1);
    expect((await describe_(t, REGION, key.aws_param.KeyID)).KeyState).toBe('PendingDeletion');
  });

  it('lists filter by status, kms and key id, page, and hide approvals of KMS accounts the caller may not view', async () => {
    const key = await newKey();
    const a = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    const b = await created(requester.post(`/cckm/aws/keys/${key.id}/policy`, { policy: POLICY }), 202);
    const byKey = await created(admin.get(`${APPROVALS}?key_id=${key.id}&sort=createdAt`), 200);
    expect(byKey.total).toBe(2);
    expect((byKey.resources as Body[]).map((x) => x.id)).toEqual([a.id, b.id]);
    const paged = await created(admin.get(`${APPROVALS}?key_id=${key.id}&limit=1&skip=1&sort=createdAt`), 200);
    expect(paged).toMatchObject({ skip: 1, limit: 1, total: 2 });
    expect((paged.resources as Body[]).map((x) => x.id)).toEqual([b.id]);
    const byKms = await created(admin.get(`${APPROVALS}?kms=${KMS_NAME}&status=pending&limit=-1`), 200);
    expect((byKms.resources as Body[]).map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await created(admin.get(`${APPROVALS}?kms=kms&key_id=${key.id}`), 200)).total).toBe(0);
    const executed = await created(admin.get(`${APPROVALS}?status=executed&limit=-1`), 200);
    expect((executed.resources as Body[]).every((x) => x.status === 'executed')).toBe(true);

    // An ACL entry fences the account off: a user without an entry sees none of its approvals.
    const fence = { acls: [{ group: 'admin', actions: ['viewnative'], permit: true }] };
    await created(admin.post(`/cckm/aws/kms/${kms.id}/update-acls`, fence), 200);
    try {
      const seen = await created(viewer.get(`${APPROVALS}?limit=-1`), 200);
      expect(seen.total).toBe(0);
      expectError(await viewer.get(`${APPROVALS}/${a.id}`), 403);
    } finally {
      const open = { acls: [{ group: 'admin', actions: ['viewnative'], permit: false }] };
      await created(admin.post(`/cckm/aws/kms/${kms.id}/update-acls`, open), 200);
    }
    expect((await created(viewer.get(`${APPROVALS}?key_id=${key.id}`), 200)).total).toBe(2);
  });

  it('another account gets 404 for the approval and sees none of them', async () => {
    const key = await newKey();
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    expectError(await acme.get(`${APPROVALS}/${pending.id}`), 404);
    expectError(await acme.post(`${APPROVALS}/${pending.id}/approve`), 404);
    expectError(await acme.post(`${APPROVALS}/${pending.id}/reject`), 404);
    expect((await created(acme.get(`${APPROVALS}?limit=-1`), 200)).total).toBe(0);
    expect((await created(admin.get(`${APPROVALS}/${pending.id}`), 200)).status).toBe('pending');
  });

  it('a KMS account with approvals_required 0 runs the actions at once', async () => {
    const key = await created(admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION }));
    const done = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`, { days: 7 }), 200);
    expect(done.aws_param.KeyState).toBe('PendingDeletion');
    expect((await describe_(t, REGION, key.aws_param.KeyID)).KeyState).toBe('PendingDeletion');
    expect((await created(admin.get(`${APPROVALS}?key_id=${key.id}`), 200)).total).toBe(0);
  });

  it('bulk deletion: a key of an account with approvals waits for them, the others run at once', async () => {
    const gated = await newKey();
    const open = await created(admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION }));
    const job = await created(
      requester.post('/cckm/aws/bulkjob', { keys: [gated.id, open.id], operation: 'schedulekeydeletion', days: 7 }),
    );
    const done = await waitForJob(t, `/api/v1/cckm/aws/bulkjob/${job.id}`);
    const listed = await created(admin.get(`${APPROVALS}?key_id=${gated.id}`), 200);
    expect(listed.total).toBe(1);
    const approval = listed.resources[0] as Body;
    expect(approval).toMatchObject({
      action: 'schedule-deletion',
      requester: 'appr-requester',
      request_body: { days: 7 },
    });
    expect(done.results).toEqual([
      { key_id: gated.id, status: 'skipped', error: `waiting for approval ${approval.id} (approvals_required)` },
      { key_id: open.id, status: 'succeeded' },
    ]);
    expect((await describe_(t, REGION, gated.aws_param.KeyID)).KeyState).toBe('Enabled');
    expect((await describe_(t, REGION, open.aws_param.KeyID)).KeyState).toBe('PendingDeletion');
    await created(approver1.post(`${APPROVALS}/${approval.id}/approve`), 200);
    expect((await created(approver2.post(`${APPROVALS}/${approval.id}/approve`), 200)).status).toBe('executed');
    expect((await describe_(t, REGION, gated.aws_param.KeyID)).KeyState).toBe('PendingDeletion');
  });

  it('bulk policy template: the policy change of a key of an account with approvals waits for them too', async () => {
    const key = await newKey();
    const tpl = await created(
      admin.post('/cckm/aws/templates', { name: 'appr-tpl', kms: KMS_NAME, key_admins: ['admin'], key_users: ['app'] }),
    );
    const job = await created(
      requester.post('/cckm/aws/bulkjob', {
        keys: [key.id],
        operation: 'applypolicytemplate',
        policy_template_id: tpl.id,
      }),
    );
    const done = await waitForJob(t, `/api/v1/cckm/aws/bulkjob/${job.id}`);
    const approval = (await created(admin.get(`${APPROVALS}?key_id=${key.id}`), 200)).resources[0] as Body;
    expect(approval).toMatchObject({ action: 'policy', request_body: { policytemplate: tpl.id } });
    expect(done.results).toEqual([
      { key_id: key.id, status: 'skipped', error: `waiting for approval ${approval.id} (approvals_required)` },
    ]);
    expect((await created(admin.get(`/cckm/aws/keys/${key.id}`), 200)).cckm_policy_template_id).toBeNull();
    await created(approver1.post(`${APPROVALS}/${approval.id}/approve`), 200);
    expect((await created(approver2.post(`${APPROVALS}/${approval.id}/approve`), 200)).status).toBe('executed');
    expect((await created(admin.get(`/cckm/aws/keys/${key.id}`), 200)).cckm_policy_template_id).toBe(tpl.id);
  });

  it('refuses bad input with 400 naming the field, storing no approval', async () => {
    const key = await newKey();
    expectError(await requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`, { days: 3 }), 400, 'days');
    expect((await created(admin.get(`${APPROVALS}?key_id=${key.id}`), 200)).total).toBe(0);
    const pending = await created(requester.post(`/cckm/aws/keys/${key.id}/schedule-deletion`), 202);
    expectError(
      await approver1.post(`${APPROVALS}/${pending.id}/approve`, { comment: 'x'.repeat(1025) }),
      400,
      'comment',
    );
    expectError(await approver1.post(`${APPROVALS}/${pending.id}/approve`, { vote: 'yes' }), 400);
    expectError(await admin.get(`${APPROVALS}?status=maybe`), 400, 'status[0]');
    expectError(await admin.get(`${APPROVALS}?key_id=not-a-uuid`), 400, 'key_id');
    expectError(await admin.get(`${APPROVALS}?kms=no-such-kms`), 400, 'kms');
    expectError(await admin.get(`${APPROVALS}/00000000-0000-4000-8000-000000000000`), 404);
    expect((await created(admin.get(`${APPROVALS}/${pending.id}`), 200)).approvals).toBe(0);
  });
});
