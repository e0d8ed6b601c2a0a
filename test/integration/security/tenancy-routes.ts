import type { Response } from 'supertest';
import { readApiDocument } from '../../../src/http/openapi/api-document.js';
import type { Principal } from '../../../src/auth/principal.js';
import type { TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectStatus } from '../api/helpers.js';
import { get404, keyAction, not404, post404, type Expectation } from './tenancy-probes.js';
import { STORE_AND_SCHEDULER_ROUTES } from './tenancy-routes-stores.js';

/** The tenancy walk's seeded tenants and its table of probes: every API operation, and what another account gets. */
export type Client = ReturnType<typeof as>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export { REGION } from './tenancy-probes.js';
import { REGION } from './tenancy-probes.js';
export const ROOT_EMULATOR_ACCOUNT = '123456789012';
export const PUBLIC_ENDPOINT = 'https://cckm.example.com';
export const OPENAPI = readApiDocument([new URL('../../../openapi/cckm.yaml', import.meta.url)]).document as {
  paths: Record<string, Record<string, unknown>>;
};

/** One account's records, seeded through the API. */
export interface Tenant {
  name: 'kylo' | 'acme';
  client: Client;
  principal: Principal;
  /** The emulator account its emulator connection reaches. */
  emulatorAccount: string;
  conn: Body;
  kms: Body;
  tpl: Body;
  key: Body;
  store: Body;
  xksKey: Body;
  /** A webhook subscription (a public address that receives nothing during the walk). */
  webhook: Body;
  storeSyncJob: Body;
  syncJob: Body;
  bulkJob: Body;
  /** A cckm_key_rotation job config with the tenant's key attached and one run. */
  jobConfig: Body;
  jobRun: Body;
  /** A completed key-report of the tenant's KMS account. */
  report: Body;
  /** A pending approval (schedule-deletion of its key, requested while approvals_required was 1). */
  approval: Body;
  user: Body;
  group: string;
  ownUserId: string;
}

export const created = (res: Response, status = 201): Body => {
  expectStatus(res, status);
  return res.body as Body;
};

/** Polls a report until it is no longer pending or running; it must complete. */
async function waitForReport(c: Client, id: string): Promise<Body> {
  const until = Date.now() + 30_000;
  for (;;) {
    const report = created(await c.get(`/cckm/aws/reports/${id}`), 200);
    if (!['pending', 'running'].includes(report.status)) {
      expect(report.status).toBe('completed');
      return report;
    }
    if (Date.now() > until) throw new Error(`report ${id} still ${report.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForJob(c: Client, path: string): Promise<Body> {
  const until = Date.now() + 30_000;
  for (;;) {
    const job = created(await c.get(path), 200);
    if (job.overall_status !== 'in_progress') return job;
    if (Date.now() > until) throw new Error(`${path} still in progress: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function seed(t: TestApp, name: Tenant['name'], client: Client): Promise<Tenant> {
  const conn = created(await client.post(CONNECTIONS, { name: `${name}-emu`, provider: 'emulator' }));
  const reached = created(await client.post(`${CONNECTIONS}/${conn.id}/test`), 200);
  const kms = created(
    await client.post('/cckm/aws/kms', {
      name: `${name}-kms`,
      account_id: reached.account_id,
      connection: conn.id,
      regions: [REGION],
    }),
  );
  const tpl = created(
    await client.post('/cckm/aws/templates', { name: `${name}-tpl`, kms: kms.id, key_users: ['someone'] }),
  );
  const key = created(
    await client.post('/cckm/aws/keys', {
      kms: kms.id,
      region: REGION,
      aws_param: { Alias: `${name}-key`, Description: `${name}'s key`, Tags: [{ TagKey: 'owner', TagValue: name }] },
    }),
  );
  const store = created(
    await client.post('/cckm/aws/custom-key-stores', {
      name: `${name}-store`,
      kms: kms.id,
      region: REGION,
      aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      local_hosted_params: {},
    }),
  );
  created(await client.post(`/cckm/aws/custom-key-stores/${store.id}/link`), 200);
  const xksKey = created(await client.post('/cckm/aws/xks-keys', { name: `${name}-xks`, key_usage: ['ENCRYPT'] }));
  const webhook = created(
    await client.post('/cckm/notifications/webhooks', {
      url: `https://203.0.113.10/${name}`,
      events: ['key.material_expiring'],
    }),
  );
  const storeSyncJob = created(
    await client.post('/cckm/aws/custom-key-stores/synchronization-jobs', { kms: [kms.id] }),
  );
  await waitForJob(client, `/cckm/aws/custom-key-stores/synchronization-jobs/${storeSyncJob.id}`);
  const syncJob = created(await client.post('/cckm/aws/synchronization-jobs', { kms: [kms.id] }));
  await waitForJob(client, `/cckm/aws/synchronization-jobs/${syncJob.id}`);
  const bulkJob = created(await client.post('/cckm/aws/bulkjob', { keys: [key.id], operation: 'enablekey' }));
  await waitForJob(client, `/cckm/aws/bulkjob/${bulkJob.id}`);
  const jobConfig = created(
    await client.post('/scheduler/job-configs', {
      name: `${name}-rotation`,
      operation: 'cckm_key_rotation',
      run_at: '0 3 * * *',
      cckm_key_rotation_params: { cloud_name: 'aws' },
    }),
  );
  created(await client.post(`/cckm/aws/keys/${key.id}/enable-rotation-job`, { job_config_id: jobConfig.id }), 200);
  const jobRun = created(await client.post(`/scheduler/job-configs/${jobConfig.id}/run-now`));
  await waitForJob(client, `/scheduler/job-configs/${jobConfig.id}/runs/${jobRun.id}`);
  const report = created(
    await client.post('/cckm/aws/reports', { name: `${name}-report`, report_type: 'key-report', kms: [kms.id] }),
  );
  await waitForReport(client, report.id as string);
  created(await client.patch(`/cckm/aws/kms/${kms.id}`, { approvals_required: 1 }), 200);
  const approval = created(await client.post(`/cckm/aws/keys/${key.id}/schedule-deletion`, { days: 7 }), 202);
  created(await client.patch(`/cckm/aws/kms/${kms.id}`, { approvals_required: 0 }), 200);
  const user = created(
    await client.post('/usermgmt/users', {
      username: `${name}-viewer`,
      password: `pw-${name}-viewer-123`,
      groups: ['cckm_users'],
    }),
  );
  const group = created(await client.post('/usermgmt/groups', { name: `${name}-team` })).name as string;
  const me = created(await client.get(`/usermgmt/users?username=${name === 'kylo' ? 'admin' : 'acme-admin'}`), 200)
    .resources[0].id as string;
  const principal: Principal = { userId: me, username: name, account: name, groups: ['admin'] };
  return {
    name,
    client,
    principal,
    emulatorAccount: reached.account_id,
    conn,
    kms,
    tpl,
    key,
    store,
    xksKey,
    webhook,
    storeSyncJob,
    syncJob,
    bulkJob,
    jobConfig,
    jobRun,
    report,
    approval,
    user,
    group,
    ownUserId: me,
  };
}

/**
 * Every operation of openapi/cckm.yaml, as `METHOD path`, with what another account's
 * admin gets when it names this account's records: 404 by path id, 400 naming the field
 * for a body reference, lists without them. A new operation fails the coverage test
 * until it is added here.
 */
export const ROUTES: Record<string, Expectation> = {
  'POST /auth/tokens': {
    exempt: 'issues tokens for the credentials sent; names no record (login isolation: api/tokens and users tests)',
  },
  'POST /auth/revoke': {
    exempt:
      'revokes the refresh token sent, whoever owns it, and answers 204 either way; names no record (api/revocation tests)',
  },
  'POST /auth/logout': { exempt: 'ends the caller’s own sessions; names no record (api/revocation tests)' },
  'GET /usermgmt/users': (_me, them) => [
    {
      method: 'get',
      path: `/usermgmt/users?limit=-1&username=${them.user.username}`,
      status: 200,
      check: (r) => expect(r.body.total).toBe(0),
    },
  ],
  'POST /usermgmt/users': (me, them) => [
    {
      method: 'post',
      path: '/usermgmt/users',
      body: { username: `${me.name}-probe`, password: 'password-123', groups: [them.group] },
      status: 400,
      field: 'groups[0]',
    },
    // Only the root account's admins create users in another account.
    ...(me.name === 'acme'
      ? [
          {
            method: 'post' as const,
            path: '/usermgmt/users',
            body: { username: 'acme-into-kylo', password: 'password-123', account: them.name },
            status: 403,
          },
        ]
      : []),
  ],
  'GET /usermgmt/users/{id}': (_me, them) => [
    get404(`/usermgmt/users/${them.user.id}`),
    get404(`/usermgmt/users/${them.ownUserId}`),
  ],
  'PATCH /usermgmt/users/{id}': (_me, them) => [
    {
      method: 'patch',
      path: `/usermgmt/users/${them.user.id}`,
      body: { disabled: true, groups: ['admin'] },
      status: 404,
    },
  ],
  'DELETE /usermgmt/users/{id}': (_me, them) => [
    { method: 'delete', path: `/usermgmt/users/${them.user.id}`, status: 404 },
  ],
  'GET /usermgmt/groups': (_me, them) => [
    {
      method: 'get',
      path: '/usermgmt/groups?limit=-1',
      status: 200,
      check: (r) => expect(r.body.resources.map((g: Body) => g.name)).not.toContain(them.group),
    },
  ],
  'POST /usermgmt/groups': {
    exempt: 'creates a group in the caller’s account; names no record (names are per account)',
  },
  'GET /usermgmt/groups/{name}': (_me, them) => [get404(`/usermgmt/groups/${them.group}`)],
  'DELETE /usermgmt/groups/{name}': (_me, them) => [
    { method: 'delete', path: `/usermgmt/groups/${them.group}`, status: 404 },
  ],
  'POST /usermgmt/groups/{name}/users/{userId}': (me, them) => [
    post404(`/usermgmt/groups/${them.group}/users/${me.user.id}`),
    post404(`/usermgmt/groups/admin/users/${them.user.id}`),
  ],
  'DELETE /usermgmt/groups/{name}/users/{userId}': (me, them) => [
    { method: 'delete', path: `/usermgmt/groups/${them.group}/users/${me.user.id}`, status: 404 },
    { method: 'delete', path: `/usermgmt/groups/cckm_users/users/${them.user.id}`, status: 404 },
  ],
  'GET /connectionmgmt/services/aws/connections': (_me, them) => [
    { method: 'get', path: `${CONNECTIONS}?limit=-1`, status: 200, check: not404([them.conn.id]) },
  ],
  'POST /connectionmgmt/services/aws/connections': {
    exempt: 'creates a connection in the caller’s account; names no record',
  },
  'GET /connectionmgmt/services/aws/connections/{id}': (_me, them) => [
    get404(`${CONNECTIONS}/${them.conn.id}`),
    get404(`${CONNECTIONS}/${them.conn.name}`),
  ],
  'PATCH /connectionmgmt/services/aws/connections/{id}': (_me, them) => [
    { method: 'patch', path: `${CONNECTIONS}/${them.conn.id}`, body: { description: 'hijacked' }, status: 404 },
  ],
  'DELETE /connectionmgmt/services/aws/connections/{id}': (_me, them) => [
    { method: 'delete', path: `${CONNECTIONS}/${them.conn.id}`, status: 404 },
  ],
  'POST /connectionmgmt/services/aws/connections/{id}/test': (_me, them) => [
    post404(`${CONNECTIONS}/${them.conn.id}/test`),
  ],
  'GET /connectionmgmt/services/aws/external-id': (_me, them) => [
    {
      // The caller's own generated ExternalId, never another account's.
      method: 'get',
      path: '/connectionmgmt/services/aws/external-id',
      status: 200,
      check: async (r) =>
        expect(r.body).not.toEqual(created(await them.client.get('/connectionmgmt/services/aws/external-id'), 200)),
    },
  ],
  'POST /connectionmgmt/services/aws/connection-test': (me) => [
    // Trying emulator parameters reaches the caller's own emulator account, never another's.
    {
      method: 'post',
      path: '/connectionmgmt/services/aws/connection-test',
      body: { provider: 'emulator' },
      status: 200,
      check: (r) => expect(r.body).toMatchObject({ connection_ok: true, account_id: me.emulatorAccount }),
    },
  ],
  'GET /cckm/aws/kms': (_me, them) => [
    { method: 'get', path: '/cckm/aws/kms?limit=-1', status: 200, check: not404([them.kms.id]) },
  ],
  'POST /cckm/aws/accounts': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/accounts',
      body: { connection: them.conn.id },
      status: 400,
      field: 'connection',
    },
  ],
  'POST /cckm/aws/kms': (me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/kms',
      body: { name: 'steal', account_id: them.emulatorAccount, connection: them.conn.id, regions: [REGION] },
      status: 400,
      field: 'connection',
    },
    {
      method: 'post',
      path: '/cckm/aws/kms',
      body: { name: 'steal', account_id: them.emulatorAccount, connection: me.conn.id, regions: [REGION] },
      status: 400,
      field: 'account_id',
    },
  ],
  'GET /cckm/aws/kms/{id}': (_me, them) => [
    get404(`/cckm/aws/kms/${them.kms.id}`),
    get404(`/cckm/aws/kms/${them.kms.name}`),
  ],
  'PATCH /cckm/aws/kms/{id}': (_me, them) => [
    { method: 'patch', path: `/cckm/aws/kms/${them.kms.id}`, body: { regions: ['us-west-2'] }, status: 404 },
  ],
  'POST /cckm/aws/kms/{id}/update-acls': (me, them) => [
    post404(`/cckm/aws/kms/${them.kms.id}/update-acls`, {
      acls: [{ group: 'cckm_users', actions: ['keycreate'], permit: true }],
    }),
    {
      method: 'post',
      path: `/cckm/aws/kms/${me.kms.id}/update-acls`,
      body: { acls: [{ user_id: them.user.id, actions: ['viewnative'], permit: true }] },
      status: 400,
      field: 'acls[0].user_id',
    },
  ],
  'DELETE /cckm/aws/kms/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/kms/${them.kms.name}`, status: 404 },
  ],
  'GET /cckm/aws/templates': (_me, them) => [
    { method: 'get', path: '/cckm/aws/templates?limit=-1', status: 200, check: not404([them.tpl.id]) },
  ],
  'POST /cckm/aws/templates': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/templates',
      body: { name: 'steal', kms: them.kms.id, key_users: ['x'] },
      status: 400,
      field: 'kms',
    },
  ],
  'GET /cckm/aws/templates/{id}': (_me, them) => [
    get404(`/cckm/aws/templates/${them.tpl.id}`),
    get404(`/cckm/aws/templates/${them.tpl.name}`),
  ],
  'PATCH /cckm/aws/templates/{id}': (_me, them) => [
    {
      method: 'patch',
      path: `/cckm/aws/templates/${them.tpl.id}`,
      body: { key_users: ['mallory'], auto_push: true },
      status: 404,
    },
  ],
  'DELETE /cckm/aws/templates/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/templates/${them.tpl.id}`, status: 404 },
  ],
  'GET /cckm/aws/keys': (_me, them) => [
    {
      method: 'get',
      path: '/cckm/aws/keys?limit=-1',
      status: 200,
      check: not404([them.key.id, them.key.aws_param.KeyID]),
    },
    {
      method: 'get',
      path: `/cckm/aws/keys?kms_id=${them.kms.id}`,
      status: 200,
      check: (r) => expect(r.body.total).toBe(0),
    },
  ],
  'GET /cckm/aws/keys/stats': (_me, them) => [
    {
      method: 'get',
      path: `/cckm/aws/keys/stats?group_by=region&kms_id=${them.kms.id}`,
      status: 200,
      check: (r) => expect(r.body).toEqual({ group_by: 'region', total: 0, counts: [] }),
    },
    {
      method: 'get',
      path: `/cckm/aws/keys/stats?group_by=state&search=${encodeURIComponent(them.key.aws_param.KeyID)}`,
      status: 200,
      check: (r) => expect(r.body).toEqual({ group_by: 'state', total: 0, counts: [] }),
    },
  ],
  'POST /cckm/aws/keys': (me, them) => [
    { method: 'post', path: '/cckm/aws/keys', body: { kms: them.kms.id, region: REGION }, status: 400, field: 'kms' },
    {
      method: 'post',
      path: '/cckm/aws/keys',
      body: { kms: me.kms.id, region: REGION, policytemplate: them.tpl.id },
      status: 400,
      field: 'policytemplate',
    },
  ],
  'GET /cckm/aws/keys/{id}': (_me, them) => [get404(`/cckm/aws/keys/${them.key.id}`)],
  'DELETE /cckm/aws/keys/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/keys/${them.key.id}`, status: 404 },
  ],
  'POST /cckm/aws/keys/{id}/refresh': keyAction('refresh'),
  'POST /cckm/aws/keys/{id}/enable': keyAction('enable'),
  'POST /cckm/aws/keys/{id}/disable': keyAction('disable'),
  'POST /cckm/aws/keys/{id}/schedule-deletion': keyAction('schedule-deletion', { days: 7 }),
  'POST /cckm/aws/keys/{id}/cancel-deletion': keyAction('cancel-deletion'),
  'POST /cckm/aws/keys/{id}/enable-auto-rotation': keyAction('enable-auto-rotation', { rotation_period_in_days: 90 }),
  'POST /cckm/aws/keys/{id}/disable-auto-rotation': keyAction('disable-auto-rotation'),
  'POST /cckm/aws/keys/{id}/rotate-material': keyAction('rotate-material'),
  'GET /cckm/aws/keys/{id}/rotations': (_me, them) => [get404(`/cckm/aws/keys/${them.key.id}/rotations`)],
  'POST /cckm/aws/keys/{id}/policy': keyAction('policy', { key_users: ['mallory'] }),
  'POST /cckm/aws/keys/{id}/add-tags': keyAction('add-tags', { tags: [{ tag_key: 'stolen', tag_value: 'yes' }] }),
  'POST /cckm/aws/keys/{id}/remove-tags': keyAction('remove-tags', { tags: ['owner'] }),
  'POST /cckm/aws/keys/{id}/add-alias': keyAction('add-alias', { alias: 'stolen' }),
  'POST /cckm/aws/keys/{id}/delete-alias': keyAction('delete-alias', { alias: 'stolen' }),
  'POST /cckm/aws/keys/{id}/update-description': keyAction('update-description', { description: 'hijacked' }),
  'GET /cckm/aws/keys/{id}/download-public-key': (_me, them) => [
    get404(`/cckm/aws/keys/${them.key.id}/download-public-key`),
  ],
  'POST /cckm/aws/keys/{id}/simulate-access': keyAction('simulate-access', { principal: 'x', action: 'Decrypt' }),
  'POST /cckm/aws/keys/{id}/import-material': keyAction('import-material'),
  'POST /cckm/aws/keys/{id}/delete-material': keyAction('delete-material'),
  'POST /cckm/aws/keys/{id}/replicate-key': keyAction('replicate-key', { replica_region: 'us-west-2' }),
  'POST /cckm/aws/keys/{id}/update-primary-region': keyAction('update-primary-region', { PrimaryRegion: 'us-west-2' }),
  'POST /cckm/aws/upload-key': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/upload-key',
      body: { kms: them.kms.id, region: REGION },
      status: 400,
      field: 'kms',
    },
  ],
  'GET /cckm/aws/synchronization-jobs': (_me, them) => [
    { method: 'get', path: '/cckm/aws/synchronization-jobs?limit=-1', status: 200, check: not404([them.syncJob.id]) },
  ],
  'POST /cckm/aws/synchronization-jobs': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/synchronization-jobs',
      body: { kms: [them.kms.id] },
      status: 400,
      field: 'kms[0]',
    },
  ],
  'GET /cckm/aws/synchronization-jobs/{id}': (_me, them) => [
    get404(`/cckm/aws/synchronization-jobs/${them.syncJob.id}`),
  ],
  'POST /cckm/aws/synchronization-jobs/{id}/cancel': (_me, them) => [
    post404(`/cckm/aws/synchronization-jobs/${them.syncJob.id}/cancel`),
  ],
  'GET /cckm/aws/bulkjob': (_me, them) => [
    { method: 'get', path: '/cckm/aws/bulkjob?limit=-1', status: 200, check: not404([them.bulkJob.id]) },
  ],
  'POST /cckm/aws/bulkjob': (me, them) => [
    {
      // Another account's key ids are per-key failures that reveal nothing (as unknown ids are).
      method: 'post',
      path: '/cckm/aws/bulkjob',
      body: { keys: [them.key.id], operation: 'schedulekeydeletion', days: 7 },
      status: 201,
      check: async (r) => {
        const job = await waitForJob(me.client, `/cckm/aws/bulkjob/${r.body.id}`);
        expect(job.results).toEqual([{ key_id: them.key.id, status: 'failed', error: `Key ${them.key.id} not found` }]);
      },
    },
  ],
  'GET /cckm/aws/bulkjob/{id}': (_me, them) => [get404(`/cckm/aws/bulkjob/${them.bulkJob.id}`)],
  'POST /cckm/aws/bulkjob/{id}/cancel': (_me, them) => [post404(`/cckm/aws/bulkjob/${them.bulkJob.id}/cancel`)],
  'GET /cckm/aws/reports': (_me, them) => [
    { method: 'get', path: '/cckm/aws/reports?limit=-1', status: 200, check: not404([them.report.id]) },
  ],
  'POST /cckm/aws/reports': (_me, them) => [
    {
      method: 'post',
      path: '/cckm/aws/reports',
      body: { name: 'steal', report_type: 'key-usage', kms: [them.kms.id] },
      status: 400,
      field: 'kms[0]',
    },
  ],
  'GET /cckm/aws/reports/{id}': (_me, them) => [get404(`/cckm/aws/reports/${them.report.id}`)],
  'GET /cckm/aws/reports/{id}/contents': (_me, them) => [get404(`/cckm/aws/reports/${them.report.id}/contents`)],
  'GET /cckm/aws/reports/{id}/download': (_me, them) => [
    get404(`/cckm/aws/reports/${them.report.id}/download`),
    get404(`/cckm/aws/reports/${them.report.id}/download?format=json`),
  ],
  'DELETE /cckm/aws/reports/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/aws/reports/${them.report.id}`, status: 404 },
  ],
  ...STORE_AND_SCHEDULER_ROUTES,
  'POST /cckm/notifications/webhooks': {
    exempt:
      'creates a webhook in the caller’s account; names no record (only the account’s own events reach it: notifications tests)',
  },
  'GET /cckm/notifications/webhooks': (_me, them) => [
    { method: 'get', path: '/cckm/notifications/webhooks?limit=-1', status: 200, check: not404([them.webhook.id]) },
  ],
  'GET /cckm/notifications/webhooks/{id}': (_me, them) => [get404(`/cckm/notifications/webhooks/${them.webhook.id}`)],
  'PATCH /cckm/notifications/webhooks/{id}': (_me, them) => [
    {
      method: 'patch',
      path: `/cckm/notifications/webhooks/${them.webhook.id}`,
      body: { url: 'https://203.0.113.11/stolen', events: ['key.created'] },
      status: 404,
    },
  ],
  'DELETE /cckm/notifications/webhooks/{id}': (_me, them) => [
    { method: 'delete', path: `/cckm/notifications/webhooks/${them.webhook.id}`, status: 404 },
  ],
  'GET /cckm/notifications/webhooks/{id}/deliveries': (_me, them) => [
    get404(`/cckm/notifications/webhooks/${them.webhook.id}/deliveries`),
  ],
  'GET /cckm/approvals': (_me, them) => [
    { method: 'get', path: '/cckm/approvals?limit=-1', status: 200, check: not404([them.approval.id]) },
  ],
  'GET /cckm/approvals/{id}': (_me, them) => [get404(`/cckm/approvals/${them.approval.id}`)],
  'POST /cckm/approvals/{id}/approve': (_me, them) => [post404(`/cckm/approvals/${them.approval.id}/approve`)],
  'POST /cckm/approvals/{id}/reject': (_me, them) => [
    post404(`/cckm/approvals/${them.approval.id}/reject`, { comment: 'not yours' }),
  ],
  'GET /audit/records': (me, them) => [
    {
      method: 'get',
      path: '/audit/records?limit=-1',
      status: 200,
      check: (r) => {
        expect(r.body.resources.length).toBeGreaterThan(0);
        const theirIds = [
          them.conn.id,
          them.kms.id,
          them.tpl.id,
          them.key.id,
          them.store.id,
          them.syncJob.id,
          them.bulkJob.id,
          them.jobConfig.id,
          them.user.id,
        ];
        for (const rec of r.body.resources as Body[]) {
          expect(rec.account).toMatch(new RegExp(`:accounts:${me.name}$`));
          // The caller's own refused attempts name the other account's ids; nothing else does.
          if (theirIds.includes(rec.resource_id))
            expect(rec).toMatchObject({ result: 'failure', status_code: expect.any(Number) });
          if (theirIds.includes(rec.resource_id)) expect(rec.status_code).toBeGreaterThanOrEqual(400);
        }
      },
    },
  ],
};
