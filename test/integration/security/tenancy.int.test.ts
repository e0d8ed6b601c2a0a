import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request, { type Response } from 'supertest';
import { parse as parseYaml } from 'yaml';
import type { Principal } from '../../../src/auth/principal.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from '../api/helpers.js';
import { wireXks } from '../custom-key-stores/helpers.js';

/**
 * Security finding 2: cross-tenant control through the shared emulator. A second
 * account's admin created an emulator connection without credentials, registered the
 * emulator account 123456789012 (the root account's), synchronized it and then listed and
 * disabled the root account's keys. Each account's emulator connections now reach an
 * emulator account of its own; and no route of the API reaches another account's records.
 */

type Client = ReturnType<typeof as>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

const REGION = 'us-east-1';
const ROOT_EMULATOR_ACCOUNT = '123456789012';
const PUBLIC_ENDPOINT = 'https://cckm.example.com';
const OPENAPI = parseYaml(readFileSync(new URL('../../../openapi/cckm.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };

/** One account's records, seeded through the API. */
interface Tenant {
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
  syncJob: Body;
  bulkJob: Body;
  user: Body;
  group: string;
  ownUserId: string;
}

const created = (res: Response, status = 201): Body => {
  expectStatus(res, status);
  return res.body as Body;
};

async function waitForJob(c: Client, path: string): Promise<Body> {
  const until = Date.now() + 30_000;
  for (;;) {
    const job = created(await c.get(path), 200);
    if (job.overall_status !== 'in_progress') return job;
    if (Date.now() > until) throw new Error(`${path} still in progress: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function seed(t: TestApp, name: Tenant['name'], client: Client): Promise<Tenant> {
  const conn = created(await client.post(CONNECTIONS, { name: `${name}-emu`, provider: 'emulator' }));
  const reached = created(await client.post(`${CONNECTIONS}/${conn.id}/test`), 200);
  const kms = created(await client.post('/cckm/aws/kms', { name: `${name}-kms`, account_id: reached.account_id, connection: conn.id, regions: [REGION] }));
  const tpl = created(await client.post('/cckm/aws/templates', { name: `${name}-tpl`, kms: kms.id, key_users: ['someone'] }));
  const key = created(await client.post('/cckm/aws/keys', { kms: kms.id, region: REGION, aws_param: { Alias: `${name}-key`, Description: `${name}'s key`, Tags: [{ TagKey: 'owner', TagValue: name }] } }));
  const store = created(await client.post('/cckm/aws/custom-key-stores', { name: `${name}-store`, kms: kms.id, region: REGION, aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' }, local_hosted_params: {} }));
  created(await client.post(`/cckm/aws/custom-key-stores/${store.id}/link`), 200);
  const syncJob = created(await client.post('/cckm/aws/synchronization-jobs', { kms: [kms.id] }));
  await waitForJob(client, `/cckm/aws/synchronization-jobs/${syncJob.id}`);
  const bulkJob = created(await client.post('/cckm/aws/bulkjob', { keys: [key.id], operation: 'enablekey' }));
  await waitForJob(client, `/cckm/aws/bulkjob/${bulkJob.id}`);
  const user = created(await client.post('/usermgmt/users', { username: `${name}-viewer`, password: `pw-${name}-viewer-123`, groups: ['cckm_users'] }));
  const group = created(await client.post('/usermgmt/groups', { name: `${name}-team` })).name as string;
  const me = created(await client.get(`/usermgmt/users?username=${name === 'kylo' ? 'admin' : 'acme-admin'}`), 200).resources[0].id as string;
  const principal: Principal = { userId: me, username: name, account: name, groups: ['admin'] };
  return { name, client, principal, emulatorAccount: reached.account_id, conn, kms, tpl, key, store, syncJob, bulkJob, user, group, ownUserId: me };
}

/** What a probe sends and what it must answer. */
interface Probe {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: object;
  status: number;
  /** For 400: the field the message names. */
  field?: string;
  /** Further checks on the response. */
  check?: (res: Response) => void | Promise<void>;
}
type Expectation = { exempt: string } | ((me: Tenant, them: Tenant) => Probe[]);

const not404 = (ids: string[]) => (res: Response) => {
  expectStatus(res, 200);
  const listed = JSON.stringify(res.body.resources);
  for (const id of ids) expect(listed).not.toContain(id);
};
const get404 = (path: string): Probe => ({ method: 'get', path, status: 404 });
const post404 = (path: string, body: object = {}): Probe => ({ method: 'post', path, body, status: 404 });
const keyAction = (action: string, body: object = {}): Expectation => (_me, them) => [post404(`/cckm/aws/keys/${them.key.id}/${action}`, body)];
const storeAction = (action: string, body: object = {}): Expectation => (_me, them) => [post404(`/cckm/aws/custom-key-stores/${them.store.id}/${action}`, body)];
const XKS = 'SigV4 with the store’s proxy credential, not a JWT: see the XKS proxy test below';

/**
 * Every operation of openapi/cckm.yaml, as `METHOD path`, with what another account's
 * admin gets when it names this account's records: 404 by path id, 400 naming the field
 * for a body reference, lists without them. A new operation fails the coverage test
 * until it is added here.
 */
const ROUTES: Record<string, Expectation> = {
  'POST /auth/tokens': { exempt: 'issues tokens for the credentials sent; names no record (login isolation: api/tokens and users tests)' },
  'POST /auth/revoke': { exempt: 'revokes the refresh token sent, whoever owns it, and answers 204 either way; names no record (api/revocation tests)' },
  'POST /auth/logout': { exempt: 'ends the caller’s own sessions; names no record (api/revocation tests)' },
  'GET /usermgmt/users': (_me, them) => [{ method: 'get', path: `/usermgmt/users?limit=-1&username=${them.user.username}`, status: 200, check: (r) => expect(r.body.total).toBe(0) }],
  'POST /usermgmt/users': (me, them) => [
    { method: 'post', path: '/usermgmt/users', body: { username: `${me.name}-probe`, password: 'password-123', groups: [them.group] }, status: 400, field: 'groups[0]' },
    // Only the root account's admins create users in another account.
    ...(me.name === 'acme' ? [{ method: 'post' as const, path: '/usermgmt/users', body: { username: 'acme-into-kylo', password: 'password-123', account: them.name }, status: 403 }] : []),
  ],
  'GET /usermgmt/users/{id}': (_me, them) => [get404(`/usermgmt/users/${them.user.id}`), get404(`/usermgmt/users/${them.ownUserId}`)],
  'PATCH /usermgmt/users/{id}': (_me, them) => [{ method: 'patch', path: `/usermgmt/users/${them.user.id}`, body: { disabled: true, groups: ['admin'] }, status: 404 }],
  'DELETE /usermgmt/users/{id}': (_me, them) => [{ method: 'delete', path: `/usermgmt/users/${them.user.id}`, status: 404 }],
  'GET /usermgmt/groups': (_me, them) => [{ method: 'get', path: '/usermgmt/groups?limit=-1', status: 200, check: (r) => expect(r.body.resources.map((g: Body) => g.name)).not.toContain(them.group) }],
  'POST /usermgmt/groups': { exempt: 'creates a group in the caller’s account; names no record (names are per account)' },
  'GET /usermgmt/groups/{name}': (_me, them) => [get404(`/usermgmt/groups/${them.group}`)],
  'DELETE /usermgmt/groups/{name}': (_me, them) => [{ method: 'delete', path: `/usermgmt/groups/${them.group}`, status: 404 }],
  'POST /usermgmt/groups/{name}/users/{userId}': (me, them) => [post404(`/usermgmt/groups/${them.group}/users/${me.user.id}`), post404(`/usermgmt/groups/admin/users/${them.user.id}`)],
  'DELETE /usermgmt/groups/{name}/users/{userId}': (me, them) => [
    { method: 'delete', path: `/usermgmt/groups/${them.group}/users/${me.user.id}`, status: 404 },
    { method: 'delete', path: `/usermgmt/groups/cckm_users/users/${them.user.id}`, status: 404 },
  ],
  'GET /connectionmgmt/services/aws/connections': (_me, them) => [{ method: 'get', path: `${CONNECTIONS}?limit=-1`, status: 200, check: not404([them.conn.id]) }],
  'POST /connectionmgmt/services/aws/connections': { exempt: 'creates a connection in the caller’s account; names no record' },
  'GET /connectionmgmt/services/aws/connections/{id}': (_me, them) => [get404(`${CONNECTIONS}/${them.conn.id}`), get404(`${CONNECTIONS}/${them.conn.name}`)],
  'PATCH /connectionmgmt/services/aws/connections/{id}': (_me, them) => [{ method: 'patch', path: `${CONNECTIONS}/${them.conn.id}`, body: { description: 'hijacked' }, status: 404 }],
  'DELETE /connectionmgmt/services/aws/connections/{id}': (_me, them) => [{ method: 'delete', path: `${CONNECTIONS}/${them.conn.id}`, status: 404 }],
  'POST /connectionmgmt/services/aws/connections/{id}/test': (_me, them) => [post404(`${CONNECTIONS}/${them.conn.id}/test`)],
  'GET /connectionmgmt/services/aws/external-id': (_me, them) => [
    {
      // The caller's own generated ExternalId, never another account's.
      method: 'get',
      path: '/connectionmgmt/services/aws/external-id',
      status: 200,
      check: async (r) => expect(r.body).not.toEqual(created(await them.client.get('/connectionmgmt/services/aws/external-id'), 200)),
    },
  ],
  'POST /connectionmgmt/services/aws/connection-test': (me) => [
    // Trying emulator parameters reaches the caller's own emulator account, never another's.
    { method: 'post', path: '/connectionmgmt/services/aws/connection-test', body: { provider: 'emulator' }, status: 200, check: (r) => expect(r.body).toMatchObject({ connection_ok: true, account_id: me.emulatorAccount }) },
  ],
  'GET /cckm/aws/kms': (_me, them) => [{ method: 'get', path: '/cckm/aws/kms?limit=-1', status: 200, check: not404([them.kms.id]) }],
  'POST /cckm/aws/kms': (me, them) => [
    { method: 'post', path: '/cckm/aws/kms', body: { name: 'steal', account_id: them.emulatorAccount, connection: them.conn.id, regions: [REGION] }, status: 400, field: 'connection' },
    { method: 'post', path: '/cckm/aws/kms', body: { name: 'steal', account_id: them.emulatorAccount, connection: me.conn.id, regions: [REGION] }, status: 400, field: 'account_id' },
  ],
  'GET /cckm/aws/kms/{id}': (_me, them) => [get404(`/cckm/aws/kms/${them.kms.id}`), get404(`/cckm/aws/kms/${them.kms.name}`)],
  'PATCH /cckm/aws/kms/{id}': (_me, them) => [{ method: 'patch', path: `/cckm/aws/kms/${them.kms.id}`, body: { regions: ['us-west-2'] }, status: 404 }],
  'DELETE /cckm/aws/kms/{id}': (_me, them) => [{ method: 'delete', path: `/cckm/aws/kms/${them.kms.name}`, status: 404 }],
  'GET /cckm/aws/templates': (_me, them) => [{ method: 'get', path: '/cckm/aws/templates?limit=-1', status: 200, check: not404([them.tpl.id]) }],
  'POST /cckm/aws/templates': (_me, them) => [{ method: 'post', path: '/cckm/aws/templates', body: { name: 'steal', kms: them.kms.id, key_users: ['x'] }, status: 400, field: 'kms' }],
  'GET /cckm/aws/templates/{id}': (_me, them) => [get404(`/cckm/aws/templates/${them.tpl.id}`), get404(`/cckm/aws/templates/${them.tpl.name}`)],
  'PATCH /cckm/aws/templates/{id}': (_me, them) => [{ method: 'patch', path: `/cckm/aws/templates/${them.tpl.id}`, body: { key_users: ['mallory'], auto_push: true }, status: 404 }],
  'DELETE /cckm/aws/templates/{id}': (_me, them) => [{ method: 'delete', path: `/cckm/aws/templates/${them.tpl.id}`, status: 404 }],
  'GET /cckm/aws/keys': (_me, them) => [
    { method: 'get', path: '/cckm/aws/keys?limit=-1', status: 200, check: not404([them.key.id, them.key.aws_param.KeyId]) },
    { method: 'get', path: `/cckm/aws/keys?kms_id=${them.kms.id}`, status: 200, check: (r) => expect(r.body.total).toBe(0) },
  ],
  'POST /cckm/aws/keys': (me, them) => [
    { method: 'post', path: '/cckm/aws/keys', body: { kms: them.kms.id, region: REGION }, status: 400, field: 'kms' },
    { method: 'post', path: '/cckm/aws/keys', body: { kms: me.kms.id, region: REGION, policytemplate: them.tpl.id }, status: 400, field: 'policytemplate' },
  ],
  'GET /cckm/aws/keys/{id}': (_me, them) => [get404(`/cckm/aws/keys/${them.key.id}`)],
  'DELETE /cckm/aws/keys/{id}': (_me, them) => [{ method: 'delete', path: `/cckm/aws/keys/${them.key.id}`, status: 404 }],
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
  'GET /cckm/aws/keys/{id}/download-public-key': (_me, them) => [get404(`/cckm/aws/keys/${them.key.id}/download-public-key`)],
  'POST /cckm/aws/keys/{id}/import-material': keyAction('import-material'),
  'POST /cckm/aws/keys/{id}/delete-material': keyAction('delete-material'),
  'POST /cckm/aws/keys/{id}/replicate-key': keyAction('replicate-key', { replica_region: 'us-west-2' }),
  'POST /cckm/aws/keys/{id}/update-primary-region': keyAction('update-primary-region', { PrimaryRegion: 'us-west-2' }),
  'POST /cckm/aws/upload-key': (_me, them) => [{ method: 'post', path: '/cckm/aws/upload-key', body: { kms: them.kms.id, region: REGION }, status: 400, field: 'kms' }],
  'GET /cckm/aws/synchronization-jobs': (_me, them) => [{ method: 'get', path: '/cckm/aws/synchronization-jobs?limit=-1', status: 200, check: not404([them.syncJob.id]) }],
  'POST /cckm/aws/synchronization-jobs': (_me, them) => [{ method: 'post', path: '/cckm/aws/synchronization-jobs', body: { kms: [them.kms.id] }, status: 400, field: 'kms[0]' }],
  'GET /cckm/aws/synchronization-jobs/{id}': (_me, them) => [get404(`/cckm/aws/synchronization-jobs/${them.syncJob.id}`)],
  'POST /cckm/aws/synchronization-jobs/{id}/cancel': (_me, them) => [post404(`/cckm/aws/synchronization-jobs/${them.syncJob.id}/cancel`)],
  'GET /cckm/aws/bulkjob': (_me, them) => [{ method: 'get', path: '/cckm/aws/bulkjob?limit=-1', status: 200, check: not404([them.bulkJob.id]) }],
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
  'GET /cckm/aws/custom-key-stores': (_me, them) => [{ method: 'get', path: '/cckm/aws/custom-key-stores?limit=-1', status: 200, check: not404([them.store.id]) }],
  'POST /cckm/aws/custom-key-stores': (_me, them) => [
    { method: 'post', path: '/cckm/aws/custom-key-stores', body: { name: 'steal', kms: them.kms.id, region: REGION, aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' }, local_hosted_params: {} }, status: 400, field: 'kms' },
  ],
  'GET /cckm/aws/custom-key-stores/{id}': (_me, them) => [get404(`/cckm/aws/custom-key-stores/${them.store.id}`)],
  'PATCH /cckm/aws/custom-key-stores/{id}': (_me, them) => [{ method: 'patch', path: `/cckm/aws/custom-key-stores/${them.store.id}`, body: { name: 'stolen' }, status: 404 }],
  'DELETE /cckm/aws/custom-key-stores/{id}': (_me, them) => [{ method: 'delete', path: `/cckm/aws/custom-key-stores/${them.store.id}`, status: 404 }],
  'POST /cckm/aws/custom-key-stores/{id}/connect': storeAction('connect'),
  'POST /cckm/aws/custom-key-stores/{id}/disconnect': storeAction('disconnect'),
  'POST /cckm/aws/custom-key-stores/{id}/link': storeAction('link'),
  'POST /cckm/aws/custom-key-stores/{id}/block': storeAction('block'),
  'POST /cckm/aws/custom-key-stores/{id}/unblock': storeAction('unblock'),
  'GET /cckm/aws/custom-key-stores/{id}/health': (_me, them) => [get404(`/cckm/aws/custom-key-stores/${them.store.id}/health`)],
  'POST /cckm/aws/custom-key-stores/{id}/create-aws-key': storeAction('create-aws-key'),
  'POST /cckm/aws/create-hyok-key': (_me, them) => [
    { method: 'post', path: '/cckm/aws/create-hyok-key', body: { local_hosted_params: { custom_key_store_id: them.store.id, source_key_id: 'k' } }, status: 400, field: 'local_hosted_params.custom_key_store_id' },
  ],
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/health': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/metadata': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/encrypt': { exempt: XKS },
  'POST /cckm/aws/xks-proxy-endpoints/{storeId}/kms/xks/v1/keys/{keyId}/decrypt': { exempt: XKS },
  'GET /audit/records': (me, them) => [
    {
      method: 'get',
      path: '/audit/records?limit=-1',
      status: 200,
      check: (r) => {
        expect(r.body.resources.length).toBeGreaterThan(0);
        const theirIds = [them.conn.id, them.kms.id, them.tpl.id, them.key.id, them.store.id, them.syncJob.id, them.bulkJob.id, them.user.id];
        for (const rec of r.body.resources as Body[]) {
          expect(rec.account).toMatch(new RegExp(`:accounts:${me.name}$`));
          // The caller's own refused attempts name the other account's ids; nothing else does.
          if (theirIds.includes(rec.resource_id)) expect(rec).toMatchObject({ result: 'failure', status_code: expect.any(Number) });
          if (theirIds.includes(rec.resource_id)) expect(rec.status_code).toBeGreaterThanOrEqual(400);
        }
      },
    },
  ],
};

function send(c: Client, probe: Probe): Promise<Response> {
  if (probe.method === 'get' || probe.method === 'delete') return c[probe.method](probe.path);
  return c[probe.method](probe.path, probe.body ?? {});
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = Object.entries(OPENAPI.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));

/** A record's fields that only the owner's activity may change (timestamps of reads left out). */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !/(_at|At|_time)$/.test(k)).map(([k, v]) => [k, stable(v)]));
  }
  return value;
}

/** What the owner sees of its records, and what the emulator holds of its key. */
async function snapshot(t: TestApp, x: Tenant): Promise<unknown> {
  const paths = [
    `${CONNECTIONS}/${x.conn.id}`,
    `/cckm/aws/kms/${x.kms.id}`,
    `/cckm/aws/templates/${x.tpl.id}`,
    `/cckm/aws/keys/${x.key.id}`,
    `/cckm/aws/synchronization-jobs/${x.syncJob.id}`,
    `/cckm/aws/bulkjob/${x.bulkJob.id}`,
    `/usermgmt/users/${x.user.id}`,
    `/usermgmt/users/${x.ownUserId}`,
    `/usermgmt/groups/${x.group}`,
  ];
  const records = await Promise.all(paths.map(async (p) => stable(created(await x.client.get(p), 200))));
  const store = created(await x.client.get(`/cckm/aws/custom-key-stores/${x.store.id}`), 200);
  const at = { accountId: x.emulatorAccount, region: REGION };
  const keyId = x.key.aws_param.KeyId as string;
  const emulator = t.composed.emulator!;
  const inAws = {
    key: (await emulator.call(at, 'DescribeKey', { KeyId: keyId })).KeyMetadata,
    tags: (await emulator.call(at, 'ListResourceTags', { KeyId: keyId })).Tags,
    aliases: (await emulator.call(at, 'ListAliases', { KeyId: keyId })).Aliases?.map((a) => a.AliasName),
    rotation: await emulator.call(at, 'GetKeyRotationStatus', { KeyId: keyId }),
    policy: (await emulator.call(at, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy,
  };
  return { records, store: { name: store.name, linked: store.linked_state, hosted: store.local_hosted_params, state: store.aws_param.connection_state }, inAws };
}

describe('tenancy: two accounts on one server and one emulator', () => {
  let t: TestApp;
  let kylo: Tenant;
  let acme: Tenant;
  let proxyServer: Server;

  beforeAll(async () => {
    t = await startTestApp('security_tenancy', { env: { CCKM_XKS_PROXY_PUBLIC_ENDPOINT: PUBLIC_ENDPOINT, CCKM_JOB_POLL_MS: '100' } });
    // The whole service listens: linking a hosted store has the emulator reach opencckm's own proxy.
    proxyServer = await new Promise<Server>((resolve) => {
      const s = t.http.listen(0, '127.0.0.1', () => resolve(s));
    });
    wireXks(t, `${PUBLIC_ENDPOINT}=http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`);
    const kyloClient = as(t, t.adminToken);
    const acmeClient = as(t, await t.userToken('acme-admin', ['admin'], 'acme'));
    kylo = await seed(t, 'kylo', kyloClient);
    acme = await seed(t, 'acme', acmeClient);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => proxyServer?.close(r));
  });

  describe('finding 2: another account cannot take over the root account’s emulator keys', () => {
    it('each account’s emulator connection reaches an emulator account of its own; the root account keeps EMULATOR_ACCOUNT_ID', async () => {
      expect(kylo.emulatorAccount).toBe(ROOT_EMULATOR_ACCOUNT);
      expect(acme.emulatorAccount).toMatch(/^\d{12}$/);
      expect(acme.emulatorAccount).not.toBe(ROOT_EMULATOR_ACCOUNT);
      const res = created(await acme.client.post(`${CONNECTIONS}/${acme.conn.id}/test`), 200);
      expect(res).toEqual({ connection_ok: true, account_id: acme.emulatorAccount, arn: `arn:aws:iam::${acme.emulatorAccount}:root` });
      // The bootstrap connection of the root account is unchanged.
      expect(created(await kylo.client.post(`${CONNECTIONS}/emulator/test`), 200)).toMatchObject({ account_id: ROOT_EMULATOR_ACCOUNT });
    });

    it('registering the root account’s emulator account through an emulator connection without credentials is refused, and stores nothing', async () => {
      const conn = created(await acme.client.post(CONNECTIONS, { name: 'finding-2', provider: 'emulator' }));
      const res = await acme.client.post('/cckm/aws/kms', { name: 'kylo-takeover', account_id: ROOT_EMULATOR_ACCOUNT, connection: conn.id, regions: [REGION] });
      expectError(res, 400, 'account_id');
      expect(res.body.message).toContain(acme.emulatorAccount);
      expect(created(await acme.client.get('/cckm/aws/kms?name=kylo-takeover'), 200).total).toBe(0);
    });

    it('nor through a role in the root account’s emulator account, or credentials the emulator does not know', async () => {
      const role = `arn:aws:iam::${ROOT_EMULATOR_ACCOUNT}:role/cckm`;
      const withRole = await acme.client.post('/cckm/aws/kms', { name: 'via-role', account_id: ROOT_EMULATOR_ACCOUNT, connection: acme.conn.id, regions: [REGION], assume_role_arn: role });
      expect(withRole.status).toBeGreaterThanOrEqual(400);
      expect(withRole.status).toBeLessThan(500);
      expect(withRole.body.message).toContain('AccessDenied');
      const roleConn = created(await acme.client.post(CONNECTIONS, { name: 'role-conn', provider: 'emulator', assume_role_arn: role }));
      const tested = created(await acme.client.post(`${CONNECTIONS}/${roleConn.id}/test`), 200);
      expect(tested).toMatchObject({ connection_ok: false, connection_error: expect.stringContaining('AccessDenied') });
      // A role of acme's own emulator account is fine.
      const ownRole = created(await acme.client.post('/connectionmgmt/services/aws/connection-test', { provider: 'emulator', assume_role_arn: `arn:aws:iam::${acme.emulatorAccount}:role/cckm` }), 200);
      expect(ownRole).toMatchObject({ connection_ok: true, account_id: acme.emulatorAccount });

      const keyed = created(await acme.client.post(CONNECTIONS, { name: 'keyed', provider: 'emulator', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'guessed-secret' }));
      const refused = await acme.client.post('/cckm/aws/kms', { name: 'via-key', account_id: ROOT_EMULATOR_ACCOUNT, connection: keyed.id, regions: [REGION] });
      expectError(refused, 502);
      expect(refused.body.message).toContain('UnrecognizedClientException');
      expect(created(await acme.client.post(`${CONNECTIONS}/${keyed.id}/test`), 200)).toMatchObject({ connection_ok: false, connection_error: expect.stringContaining('UnrecognizedClientException') });
      expect(created(await acme.client.get('/cckm/aws/kms?limit=-1'), 200).resources.map((k: Body) => k.name)).toEqual(['acme-kms']);
    });

    it('a synchronization of acme’s account finds acme’s keys only; lists never cross', async () => {
      const job = created(await acme.client.post('/cckm/aws/synchronization-jobs', { synchronize_all: true }));
      expect((await waitForJob(acme.client, `/cckm/aws/synchronization-jobs/${job.id}`)).overall_status).toBe('completed');
      const acmeKeys = created(await acme.client.get('/cckm/aws/keys?limit=-1'), 200).resources as Body[];
      expect(acmeKeys.map((k) => k.id)).toEqual([acme.key.id]);
      expect(acmeKeys.every((k) => k.aws_param.Arn.includes(`:${acme.emulatorAccount}:key/`))).toBe(true);
      const kyloKeys = created(await kylo.client.get('/cckm/aws/keys?limit=-1'), 200).resources as Body[];
      expect(kyloKeys.map((k) => k.id)).toContain(kylo.key.id);
      expect(kyloKeys.map((k) => k.id)).not.toContain(acme.key.id);
      // In the emulator itself, each account holds only its own key.
      const emulator = t.composed.emulator!;
      const list = async (accountId: string) => ((await emulator.call({ accountId, region: REGION }, 'ListKeys', {})).Keys ?? []).map((k) => k.KeyId);
      expect(await list(acme.emulatorAccount)).toEqual([acme.key.aws_param.KeyId]);
      expect(await list(ROOT_EMULATOR_ACCOUNT)).toContain(kylo.key.aws_param.KeyId);
      expect(await list(ROOT_EMULATOR_ACCOUNT)).not.toContain(acme.key.aws_param.KeyId);
    });

    it('acme cannot disable (or otherwise act on) kylo’s key by its id: 404, and the key stays enabled', async () => {
      expectError(await acme.client.post(`/cckm/aws/keys/${kylo.key.id}/disable`, {}), 404);
      expectError(await acme.client.get(`/cckm/aws/keys/${kylo.key.id}`), 404);
      expect(created(await kylo.client.get(`/cckm/aws/keys/${kylo.key.id}`), 200).aws_param.KeyState).toBe('Enabled');
    });
  });

  it('the route table covers every operation of openapi/cckm.yaml', () => {
    expect(operations.length).toBeGreaterThan(70);
    const missing = operations.filter((op) => !(op in ROUTES));
    const stale = Object.keys(ROUTES).filter((op) => !operations.includes(op));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  for (const [me, them] of [
    ['acme', 'kylo'],
    ['kylo', 'acme'],
  ] as const) {
    it(`${me}'s admin reaches none of ${them}'s records on any route, and they are unchanged afterwards`, async () => {
      const attacker = me === 'acme' ? acme : kylo;
      const victim = them === 'acme' ? acme : kylo;
      const before = await snapshot(t, victim);
      for (const op of operations) {
        const expectation = ROUTES[op]!;
        if (typeof expectation !== 'function') continue;
        for (const probe of expectation(attacker, victim)) {
          const res = await send(attacker.client, probe);
          const context = `${op} → ${probe.method.toUpperCase()} ${probe.path}`;
          expect({ context, status: res.status, body: res.status === probe.status ? undefined : res.body }).toEqual({ context, status: probe.status, body: undefined });
          if (probe.status >= 400) {
            expectError(res, probe.status, probe.field);
            expect(res.body.message).not.toContain(`accounts:${them}`);
          }
          await probe.check?.(res);
        }
      }
      expect(await snapshot(t, victim)).toEqual(before);
    }, 120_000);
  }

  describe('the XKS proxy routes (SigV4 with a hosted store’s credential)', () => {
    const xks = async (storeId: string, path: string, credential: { accessKeyId: string; secretAccessKey: string }) => {
      const url = new URL(`${PUBLIC_ENDPOINT}/api/v1/cckm/aws/xks-proxy-endpoints/${storeId}/kms/xks/v1${path}`);
      const body = Buffer.from(JSON.stringify({ requestMetadata: { awsPrincipalArn: 'arn:aws:iam::111122223333:root', kmsOperation: 'DescribeKey', kmsRequestId: 'r-1' } }));
      const headers = signXksRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body, credential, region: REGION });
      return request(t.http).post(url.pathname).set(headers).send(body.toString('utf8'));
    };
    const credentialOf = async (x: Tenant) => (await t.composed.services.xksStores.resolveXksStore(x.store.id))!.credentials[0]!;

    it("one account's proxy credential opens neither another account's store (401) nor, through its own store, another account's source key (404)", async () => {
      const kyloSource = await t.composed.services.xksKeys.create(kylo.principal, { name: 'kylo-source' });
      const acmeSource = await t.composed.services.xksKeys.create(acme.principal, { name: 'acme-source' });
      const acmeCred = await credentialOf(acme);
      const kyloCred = await credentialOf(kylo);
      // The credentials work for their own store and key.
      expect((await xks(acme.store.id, `/keys/${acmeSource.id}/metadata`, acmeCred)).status).toBe(200);
      expect((await xks(kylo.store.id, '/health', kyloCred)).status).toBe(200);
      // Another account's store with this account's credential: refused before anything else.
      for (const path of ['/health', `/keys/${kyloSource.id}/metadata`, `/keys/${kyloSource.id}/encrypt`, `/keys/${kyloSource.id}/decrypt`]) {
        const res = await xks(kylo.store.id, path, acmeCred);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
      // This account's store, another account's source key: as if it did not exist.
      const res = await xks(acme.store.id, `/keys/${kyloSource.id}/metadata`, acmeCred);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('kylo');
    });
  });
});
