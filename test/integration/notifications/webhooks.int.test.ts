/**
 * Webhooks end to end: subscriptions through the API (validation, the secret shown once and
 * sealed at rest, tenancy, audit), and deliveries to a receiver on loopback that verifies
 * every signature: the key, job and rotation events the services publish, retries after a
 * 500 with the same event id, attempts exhausted, and no delivery to a refused address.
 */
import { sql } from 'kysely';
import { defaultKeyPolicy } from '../../../src/cckm/policy/key-policy.js';
import { later, startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, emulator, expectBadRequest, expectError } from '../keys/helpers.js';
import { as, CONFIGS, KEYS, rotation, waitForRun } from '../scheduler/helpers.js';
import { JOB_ENV, SYNC, waitForJob } from '../sync/helpers.js';
import { Receiver, verifySignature, type Body, type Received } from './receiver.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../src/xks/standalone-proxy.js';
import {
  asProxyCredential,
  pollState,
  STORES,
  THIRD_PARTY_XKS_CREDENTIAL,
  wireXks,
} from '../custom-key-stores/helpers.js';

const HOOKS = '/api/v1/cckm/notifications/webhooks';
const REGION = 'us-east-1';
const SECRET = 'a-receiver-chosen-secret-0123456789';
/** A third-party XKS proxy's credentials (the standalone proxy), for the store connection event. */
const CRED = THIRD_PARTY_XKS_CREDENTIAL;

/** The account root's statement of a default key policy (the emulator's account). */
const root = defaultKeyPolicy({ accountId: '123456789012', partition: 'aws' }).Statement[0]!;

describe('webhooks', () => {
  let t: TestApp;
  const receiver = new Receiver();
  let base: string;
  let proxy: StandaloneXksProxy;
  const xksStores = new InMemoryXksStores();
  const admin = () => as(t, t.adminToken);
  const hook = async (path: string, events: string[], extra: object = {}): Promise<Body> => {
    const res = await admin().post(HOOKS, { url: `${base}${path}`, events, secret: SECRET, ...extra });
    if (res.status !== 201) throw new Error(`webhook: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const deliveries = async (h: Body, query = ''): Promise<Body[]> => {
    const res = await admin().get(`${HOOKS}/${h.id}/deliveries?limit=100${query}`);
    expect(res.status).toBe(200);
    return res.body.resources;
  };
  const settled = async (h: Body, n: number): Promise<Body[]> => {
    const end = Date.now() + 20_000;
    for (;;) {
      const all = await deliveries(h);
      if (all.length >= n && all.every((d) => d.status !== 'pending' && d.status !== 'running')) return all;
      if (Date.now() > end) throw new Error(`deliveries not settled: ${JSON.stringify(all)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Every request signed with SECRET, its event id header equal to the body's id. */
  const expectSigned = (rs: Received[]) => {
    for (const r of rs) {
      expect(verifySignature(SECRET, r.headers['x-opencckm-signature'] as string, r.raw)).toBe(true);
      expect(r.headers['x-opencckm-event-id']).toBe(r.body.id);
      expect(r.headers['x-opencckm-event']).toBe(r.body.type);
    }
  };

  beforeAll(async () => {
    const port = await receiver.start();
    base = `http://127.0.0.1:${port}`;
    proxy = await startStandaloneXksProxy({ stores: xksStores, vault: new InMemoryXksKeyVault() });
    const xksEndpoints = `https://xks.example.com=${proxy.baseUrl}`;
    t = await startTestApp('webhooks', {
      env: {
        EMULATOR_XKS_ENDPOINTS: xksEndpoints,
        ...JOB_ENV,
        CCKM_SCHEDULER_CHECK_MS: '0',
        // Only the receiver's port on loopback is allowed: any other loopback port stays refused.
        CCKM_WEBHOOK_ALLOW: `127.0.0.1:${port}`,
        CCKM_WEBHOOK_POLL_MS: '50',
        CCKM_WEBHOOK_BACKOFF_MS: '100',
        CCKM_WEBHOOK_MAX_ATTEMPTS: '3',
        CCKM_WEBHOOK_TIMEOUT_MS: '2000',
        CCKM_WEBHOOK_EXPIRY_CHECK_MS: '300',
        CCKM_WEBHOOK_EXPIRY_WARNING_DAYS: '30',
      },
    });
    wireXks(t, xksEndpoints);
  });
  afterAll(async () => {
    await t?.close();
    await receiver.close();
    await proxy?.close();
  });

  describe('subscriptions', () => {
    it('creates a webhook, answers a generated secret once and stores it sealed', async () => {
      const res = await admin().post(HOOKS, { url: `${base}/generated`, events: ['key.created'] });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        url: `${base}/generated`,
        events: ['key.created'],
        disabled: false,
        description: null,
        created_by: 'admin',
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      });
      const secret = res.body.secret as string;
      const read = await admin().get(`${HOOKS}/${res.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('secret');
      expect(JSON.stringify((await admin().get(`${HOOKS}?limit=-1`)).body)).not.toContain(secret);
      const row = await t.db.db
        .selectFrom('webhooks')
        .select('sealedSecret')
        .where('id', '=', res.body.id)
        .executeTakeFirstOrThrow();
      expect(Buffer.from(row.sealedSecret).toString('latin1')).not.toContain(secret);
      expect((await admin().delete(`${HOOKS}/${res.body.id}`)).status).toBe(204);
      expect((await admin().get(`${HOOKS}/${res.body.id}`)).status).toBe(404);
    });

    it('refuses bad input naming the field, never echoing a secret', async () => {
      const post = (body: object) => admin().post(HOOKS, body);
      expectBadRequest(await post({ url: 'ftp://example.com/x', events: ['key.created'] }), 'url');
      expectBadRequest(await post({ url: 'https://user:pw@example.com/', events: ['key.created'] }), 'url');
      expectBadRequest(await post({ url: `${base}/x`, events: ['key.exploded'] }), 'events[0]');
      expectBadRequest(await post({ url: `${base}/x`, events: [] }), 'events');
      expectBadRequest(await post({ url: `${base}/x` }), 'events');
      expectBadRequest(await post({ events: ['key.created'] }), 'url');
      expectBadRequest(await post({ url: `${base}/x`, events: ['key.created'], surprise: 1 }), 'surprise');
      const weak = await post({ url: `${base}/x`, events: ['key.created'], secret: 'short secret' });
      expectBadRequest(weak, 'secret');
      expect(JSON.stringify(weak.body)).not.toContain('short secret');
      const created = await hook('/patch', ['key.created']);
      expectBadRequest(
        await admin().patch(`${HOOKS}/${created.id}`, { events: ['key.created', 'key.created'] }),
        'events',
      );
      expectBadRequest(await admin().patch(`${HOOKS}/${created.id}`, { url: 'http://10.0.0.8/hook' }), 'url');
      expect((await admin().get(`${HOOKS}/${created.id}`)).body.url).toBe(`${base}/patch`);
      expectError(await admin().get(`${HOOKS}/not-a-webhook`), 404, 'NCERRResourceNotFound');
      await admin().delete(`${HOOKS}/${created.id}`);
    });

    it('refuses private, loopback and link-local targets the operator did not allow', async () => {
      for (const url of [
        'http://127.0.0.1:1/hook',
        `http://localhost:${receiver.port + 1}/hook`,
        'http://169.254.169.254/latest/meta-data',
        'https://10.1.2.3/hook',
        'http://[::1]:8080/hook',
      ]) {
        const res = await admin().post(HOOKS, { url, events: ['key.created'] });
        expectBadRequest(res, 'url', 'private, loopback or link-local');
      }
    });

    it('is for admin and cckm_admins only, and each account sees only its own', async () => {
      const viewer = await t.userToken('hook-viewer', ['cckm_users']);
      expectError(await as(t, viewer).get(HOOKS), 403, 'NCERRForbidden');
      expectError(
        await as(t, viewer).post(HOOKS, { url: `${base}/v`, events: ['key.created'] }),
        403,
        'NCERRForbidden',
      );
      const mine = await hook('/mine', ['key.created']);
      const other = as(t, await t.userToken('acme-hooks', ['admin'], 'acme'));
      expect((await other.get(`${HOOKS}/${mine.id}`)).status).toBe(404);
      expect((await other.patch(`${HOOKS}/${mine.id}`, { disabled: true })).status).toBe(404);
      expect((await other.delete(`${HOOKS}/${mine.id}`)).status).toBe(404);
      expect((await other.get(`${HOOKS}/${mine.id}/deliveries`)).status).toBe(404);
      expect((await other.get(HOOKS)).body.total).toBe(0);
      await admin().delete(`${HOOKS}/${mine.id}`);
    });

    it('audits create, update and delete', async () => {
      const h = await hook('/audited', ['key.created']);
      expect(
        (await admin().patch(`${HOOKS}/${h.id}`, { description: 'audited', secret: 'another-secret-0123456789' }))
          .status,
      ).toBe(200);
      expect((await admin().delete(`${HOOKS}/${h.id}`)).status).toBe(204);
      await t.composed.app.flushAudit();
      const records = (await admin().get('/api/v1/audit/records?limit=-1')).body.resources as Body[];
      const actions = records.filter((r) => r.resource_id === h.id).map((r) => r.action);
      expect(actions).toEqual(expect.arrayContaining(['createWebhook', 'updateWebhook', 'deleteWebhook']));
      expect(JSON.stringify(records)).not.toContain('another-secret-0123456789');
      expect(JSON.stringify(records)).not.toContain(SECRET);
    });
  });

  describe('deliveries', () => {
    it('delivers signed key events: created, state changes, pending deletion, rotation', async () => {
      const h = await hook('/keys', ['key.created', 'key.state_changed', 'key.pending_deletion', 'key.rotated']);
      const key = await createKeyOk(t, { kms: 'kms', region: REGION });
      expect((await admin().post(`${KEYS}/${key.id}/disable`)).status).toBe(200);
      expect((await admin().post(`${KEYS}/${key.id}/enable`)).status).toBe(200);
      expect((await admin().post(`${KEYS}/${key.id}/rotate-material`)).status).toBe(200);
      expect((await admin().post(`${KEYS}/${key.id}/schedule-deletion`, { days: 7 })).status).toBe(200);
      const ofKey = (rs: Received[]) => rs.filter((r) => r.body.data?.key?.id === key.id);
      await receiver.until((all) => ofKey(all.filter((r) => r.path === '/keys')).length >= 6, 'key events');
      const got = ofKey(receiver.at('/keys'));
      expectSigned(got);
      // Events of one request are delivered concurrently (no order among them); requests follow each other.
      expect(got.slice(0, 4).map((r) => r.body.type)).toEqual([
        'key.created',
        'key.state_changed',
        'key.state_changed',
        'key.rotated',
      ]);
      const deletion = got.slice(4);
      expect(deletion.map((r) => r.body.type).sort()).toEqual(['key.pending_deletion', 'key.state_changed']);
      expect(got[0]!.body).toMatchObject({
        id: expect.any(String),
        created_at: expect.any(String),
        data: { key: { id: key.id, key_id: key.aws_param.KeyId, region: REGION, key_state: 'Enabled' } },
      });
      expect(got.slice(1, 3).map((r) => [r.body.data.previous_key_state, r.body.data.key.key_state])).toEqual([
        ['Enabled', 'Disabled'],
        ['Disabled', 'Enabled'],
      ]);
      expect(got[3]!.body.data).toMatchObject({ trigger: 'api' });
      expect(deletion.find((r) => r.body.type === 'key.pending_deletion')!.body.data).toMatchObject({
        key: { key_state: 'PendingDeletion' },
        deletion_date: expect.any(String),
      });
      expect(deletion.find((r) => r.body.type === 'key.state_changed')!.body.data.previous_key_state).toBe('Enabled');
      const listed = await settled(h, 6);
      expect(listed.every((d) => d.status === 'delivered' && d.attempts === 1 && d.response_code === 200)).toBe(true);
      expect(JSON.stringify(listed)).not.toContain(SECRET);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers drift and deletion that a refresh finds (changes made outside opencckm)', async () => {
      const h = await hook('/outside', ['key.policy_drift_detected', 'key.deleted']);
      const tpl = await admin().post('/api/v1/cckm/aws/templates', {
        name: 'hooked-template',
        kms: 'kms',
        policy: { Version: '2012-10-17', Statement: [root] },
      });
      expect(tpl.status).toBe(201);
      const key = await createKeyOk(t, { kms: 'kms', region: REGION, policytemplate: tpl.body.id });
      const intruder = { ...root, Sid: 'Intruder', Principal: { AWS: 'arn:aws:iam::111122223333:root' } };
      await emulator(t, REGION, 'PutKeyPolicy', {
        KeyId: key.aws_param.KeyId,
        PolicyName: 'default',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [root, intruder] }),
      });
      expect((await admin().post(`${KEYS}/${key.id}/refresh`)).body.policy_drift).toBe(true);
      // Refreshed again while still drifted: no second event.
      expect((await admin().post(`${KEYS}/${key.id}/refresh`)).status).toBe(200);
      expect((await admin().post(`${KEYS}/${key.id}/schedule-deletion`, { days: 7 })).status).toBe(200);
      await later(t, 8 * 86_400_000);
      expect((await admin().post(`${KEYS}/${key.id}/refresh`)).body.gone).toBe(true);
      await receiver.until((all) => all.filter((r) => r.path === '/outside').length >= 2, 'drift and deletion');
      await settled(h, 2);
      const got = receiver.at('/outside');
      expectSigned(got);
      expect(got.map((r) => [r.body.type, r.body.data.key.id])).toEqual([
        ['key.policy_drift_detected', key.id],
        ['key.deleted', key.id],
      ]);
      expect(got[0]!.body.data.policy_template_id).toBe(tpl.body.id);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers custom_key_store.connection_failed when a store is read back FAILED', async () => {
      const h = await hook('/stores', ['custom_key_store.connection_failed']);
      xksStores.put('hooked', {
        region: REGION,
        credentials: [asProxyCredential(CRED)],
        blocked: false,
        ownerAccount: 'proxy-owner',
      });
      const store = await admin().post(STORES, {
        name: 'hooked-store',
        kms: 'kms',
        region: REGION,
        aws_param: {
          custom_key_store_type: 'EXTERNAL_KEY_STORE',
          xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
          xks_proxy_uri_endpoint: 'https://xks.example.com',
          xks_proxy_uri_path: '/hooked/kms/xks/v1',
          xks_proxy_authentication_credential: CRED,
        },
      });
      expect(store.status).toBe(201);
      // The proxy stops accepting the credential KMS holds: the connection attempt fails.
      xksStores.put('hooked', {
        region: REGION,
        credentials: [{ accessKeyId: 'ZYXWVUTSRQPONMLKJIHGFEDC', secretAccessKey: CRED.raw_secret_access_key }],
        blocked: false,
        ownerAccount: 'proxy-owner',
      });
      expect((await admin().post(`${STORES}/${store.body.id}/connect`)).status).toBe(202);
      expect((await pollState(t, store.body.id, ['FAILED', 'CONNECTED'])).aws_param.connection_state).toBe('FAILED');
      // Read again while still FAILED: no second event.
      expect((await admin().get(`${STORES}/${store.body.id}`)).status).toBe(200);
      await settled(h, 1);
      const got = receiver.at('/stores');
      expectSigned(got);
      expect(got.map((r) => r.body.data.custom_key_store)).toEqual([
        expect.objectContaining({
          id: store.body.id,
          name: 'hooked-store',
          connection_state: 'FAILED',
          connection_error_code: 'XKS_PROXY_ACCESS_DENIED',
        }),
      ]);
      expect(JSON.stringify(got[0]!.body)).not.toContain(CRED.raw_secret_access_key);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers key.rotated and job.completed of a scheduled rotation run', async () => {
      const h = await hook('/runs', ['key.rotated', 'key.rotation_failed', 'job.completed', 'job.failed']);
      const key = await createKeyOk(t, { kms: 'kms', region: REGION });
      const config = (await admin().post(CONFIGS, rotation('hooked'))).body;
      expect((await admin().post(`${KEYS}/${key.id}/enable-rotation-job`, { job_config_id: config.id })).status).toBe(
        200,
      );
      const run = (await admin().post(`${CONFIGS}/${config.id}/run-now`)).body;
      expect((await waitForRun(t, config.id, run.id)).overall_status).toBe('completed');
      await receiver.until(
        (all) => all.some((r) => r.path === '/runs' && r.body.type === 'job.completed'),
        'job.completed',
      );
      await receiver.until(
        (all) => all.some((r) => r.path === '/runs' && r.body.type === 'key.rotated'),
        'key.rotated',
      );
      const got = receiver.at('/runs');
      expectSigned(got);
      expect(got.find((r) => r.body.type === 'key.rotated')!.body.data).toMatchObject({
        key: { id: key.id },
        trigger: 'scheduler',
      });
      expect(got.find((r) => r.body.type === 'job.completed')!.body.data).toEqual({
        job: { id: run.id, kind: 'rotation', status: 'completed', job_config_id: config.id },
      });
      expect(got.filter((r) => r.body.type === 'job.completed')).toHaveLength(1);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers key.rotation_failed when AWS refuses a scheduled rotation', async () => {
      const h = await hook('/refused', ['key.rotated', 'key.rotation_failed']);
      const key = await createKeyOk(t, { kms: 'kms', region: REGION });
      const config = (await admin().post(CONFIGS, rotation('refused'))).body;
      expect((await admin().post(`${KEYS}/${key.id}/enable-rotation-job`, { job_config_id: config.id })).status).toBe(
        200,
      );
      t.composed.emulator!.setFaults([{ operation: 'RotateKeyOnDemand', kind: 'error' }]);
      try {
        const run = (await admin().post(`${CONFIGS}/${config.id}/run-now`)).body;
        expect((await waitForRun(t, config.id, run.id)).progress).toMatchObject({ failed: 1, rotated: 0 });
      } finally {
        t.composed.emulator!.setFaults([]);
      }
      await receiver.until((all) => all.some((r) => r.path === '/refused'), 'key.rotation_failed');
      await settled(h, 1);
      const got = receiver.at('/refused');
      expectSigned(got);
      expect(got.map((r) => r.body.type)).toEqual(['key.rotation_failed']);
      expect(got[0]!.body.data).toMatchObject({
        key: { id: key.id },
        reason: expect.stringContaining('KMSInternalException'),
      });
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers the state changes and drift a synchronization finds, once each, however often it runs', async () => {
      const h = await hook('/synced', ['key.state_changed', 'key.pending_deletion', 'key.policy_drift_detected']);
      const tpl = await admin().post('/api/v1/cckm/aws/templates', {
        name: 'synced-template',
        kms: 'kms',
        policy: { Version: '2012-10-17', Statement: [root] },
      });
      expect(tpl.status).toBe(201);
      const linked = await createKeyOk(t, { kms: 'kms', region: REGION, policytemplate: tpl.body.id });
      const other = await createKeyOk(t, { kms: 'kms', region: REGION });
      // Changed in AWS, not through opencckm: only a synchronization can see these.
      await emulator(t, REGION, 'PutKeyPolicy', {
        KeyId: linked.aws_param.KeyId,
        PolicyName: 'default',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [root, { ...root, Sid: 'Intruder' }] }),
      });
      await emulator(t, REGION, 'DisableKey', { KeyId: other.aws_param.KeyId });
      await emulator(t, REGION, 'ScheduleKeyDeletion', { KeyId: linked.aws_param.KeyId, PendingWindowInDays: 7 });
      const sync = async () => {
        const job = await admin().post(SYNC, { kms: ['kms'], regions: [REGION] });
        expect(job.status).toBe(201);
        expect((await waitForJob(t, `${SYNC}/${job.body.id}`)).overall_status).toBe('completed');
      };
      await sync();
      await sync(); // nothing changed since: no second event
      await receiver.until((all) => all.filter((r) => r.path === '/synced').length >= 4, 'sync events');
      await settled(h, 4);
      const got = receiver.at('/synced');
      expectSigned(got);
      const seen = got.map((r) => [r.body.type, r.body.data.key.id, r.body.data.previous_key_state ?? null]);
      expect(seen).toEqual(
        expect.arrayContaining([
          ['key.state_changed', other.id, 'Enabled'],
          ['key.state_changed', linked.id, 'Enabled'],
          ['key.pending_deletion', linked.id, null],
          ['key.policy_drift_detected', linked.id, null],
        ]),
      );
      expect(seen).toHaveLength(4);
      expect(got.find((r) => r.body.data.key.id === other.id)!.body.data.key.key_state).toBe('Disabled');
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers job.failed when a synchronization fails', async () => {
      const h = await hook('/failed', ['job.failed', 'job.completed']);
      const CONNS = '/api/v1/connectionmgmt/services/aws/connections';
      const conn = (await admin().post(CONNS, { name: 'doomed-emu', provider: 'emulator' })).body;
      const reached = (await admin().post(`${CONNS}/${conn.id}/test`)).body;
      const kms = await admin().post('/api/v1/cckm/aws/kms', {
        name: 'doomed-kms',
        account_id: reached.account_id,
        connection: conn.id,
        regions: [REGION],
      });
      expect(kms.status).toBe(201);
      // Credentials the emulator does not know: every call of the sync is refused, so the job fails.
      const patched = await admin().patch(`${CONNS}/${conn.id}`, {
        access_key_id: 'AKIAUNKNOWNUNKNOWN00',
        secret_access_key: 'not-a-secret-the-emulator-knows',
      });
      expect(patched.status).toBe(200);
      const job = await admin().post(SYNC, { kms: [kms.body.id] });
      expect(job.status).toBe(201);
      expect((await waitForJob(t, `${SYNC}/${job.body.id}`)).overall_status).toBe('failed');
      await receiver.until((all) => all.some((r) => r.path === '/failed'), 'job.failed');
      const got = receiver.at('/failed');
      expectSigned(got);
      expect(got.map((r) => r.body.data.job)).toEqual([
        { id: job.body.id, kind: 'sync', status: 'failed', job_config_id: null },
      ]);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('delivers key.material_expiring once per key and ValidTo, within the warning window only', async () => {
      const h = await hook('/expiring', ['key.material_expiring']);
      const upload = (days: number) =>
        admin().post('/api/v1/cckm/aws/upload-key', {
          kms: 'kms',
          region: REGION,
          source_key_tier: 'local',
          key_expiration: true,
          aws_param: { ValidTo: new Date(Date.now() + days * 86_400_000).toISOString() },
        });
      const soon = await upload(3);
      const later = await upload(60);
      expect([soon.status, later.status]).toEqual([201, 201]);
      await receiver.until((all) => all.some((r) => r.path === '/expiring'), 'key.material_expiring');
      // Several more checks run meanwhile (every 300 ms): the notice is not repeated.
      await new Promise((r) => setTimeout(r, 1500));
      const got = receiver.at('/expiring');
      expectSigned(got);
      expect(got.map((r) => r.body.data.key.id)).toEqual([soon.body.id]);
      expect(got[0]!.body.data).toMatchObject({
        valid_to: new Date(soon.body.aws_param.ValidTo).toISOString(),
        days_left: 2,
      });
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('retries after a 500 with the same event id, with backoff, until the receiver answers 2xx', async () => {
      receiver.answer = (r, seen) =>
        r.path === '/flaky' && seen < 3 ? { status: 500, body: 'x'.repeat(1000) } : { status: 200, body: 'ok' };
      const h = await hook('/flaky', ['key.created']);
      const key = await createKeyOk(t, { kms: 'kms', region: REGION });
      await receiver.until((all) => all.filter((r) => r.path === '/flaky').length >= 3, 'three attempts');
      const got = receiver.at('/flaky');
      expectSigned(got);
      expect(got.map((r) => r.body.id)).toEqual([got[0]!.body.id, got[0]!.body.id, got[0]!.body.id]);
      expect(got.map((r) => r.headers['x-opencckm-attempt'])).toEqual(['1', '2', '3']);
      expect(got[0]!.body.data.key.id).toBe(key.id);
      const [d] = await settled(h, 1);
      expect(d).toMatchObject({ status: 'delivered', attempts: 3, response_code: 200, last_error: null });
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('fails a delivery once the attempts are used up, keeping a bounded excerpt of the answer', async () => {
      receiver.answer = (r) => (r.path === '/down' ? { status: 503, body: 'y'.repeat(5000) } : { status: 200 });
      const h = await hook('/down', ['key.created']);
      await createKeyOk(t, { kms: 'kms', region: REGION });
      const [d] = await settled(h, 1);
      expect(d).toMatchObject({
        status: 'failed',
        attempts: 3,
        response_code: 503,
        last_error: 'answered 503',
        next_attempt_at: null,
        finished_at: expect.any(String),
      });
      expect(d!.response_excerpt).toBe('y'.repeat(256));
      expect(receiver.at('/down')).toHaveLength(3);
      expect((await deliveries(h, '&status=failed')).map((x) => x.id)).toEqual([d!.id]);
      expect(await deliveries(h, '&status=delivered')).toEqual([]);
      await admin().delete(`${HOOKS}/${h.id}`);
    });

    it('sends nothing to an address refused at delivery time, nor for a disabled webhook', async () => {
      receiver.answer = () => ({ status: 200 });
      const refused = new Receiver();
      const refusedPort = await refused.start();
      try {
        const h = await hook('/moved', ['key.created']);
        // The name now leads elsewhere (rebinding, or the operator narrowed the allow-list): checked again at delivery.
        await sql`UPDATE webhooks SET url = ${`http://127.0.0.1:${refusedPort}/moved`} WHERE id = ${h.id}`.execute(
          t.db.db,
        );
        const off = await hook('/off', ['key.created'], { disabled: true });
        await createKeyOk(t, { kms: 'kms', region: REGION });
        const [d] = await settled(h, 1);
        expect(d).toMatchObject({ status: 'failed', attempts: 3, response_code: null });
        expect(d!.last_error).toMatch(/^target refused: resolves to a private, loopback or link-local address/);
        expect(refused.received).toEqual([]);
        expect(await deliveries(off)).toEqual([]);
        expect(receiver.at('/off')).toEqual([]);
        await admin().delete(`${HOOKS}/${h.id}`);
        await admin().delete(`${HOOKS}/${off.id}`);
      } finally {
        await refused.close();
      }
    });

    it('delivers to an account only the events about its own records', async () => {
      const acme = as(t, await t.userToken('acme-events', ['admin'], 'acme'));
      const theirs = (await acme.post(HOOKS, { url: `${base}/acme`, events: ['key.created'], secret: SECRET })).body;
      const conn = (
        await acme.post('/api/v1/connectionmgmt/services/aws/connections', { name: 'acme-emu', provider: 'emulator' })
      ).body;
      const reached = (await acme.post(`/api/v1/connectionmgmt/services/aws/connections/${conn.id}/test`)).body;
      const kms = (
        await acme.post('/api/v1/cckm/aws/kms', {
          name: 'acme-kms',
          account_id: reached.account_id,
          connection: conn.id,
          regions: [REGION],
        })
      ).body;
      const mine = await hook('/kylo', ['key.created']);
      const kyloKey = await createKeyOk(t, { kms: 'kms', region: REGION });
      const acmeKey = await acme.post(KEYS, { kms: kms.id, region: REGION });
      expect(acmeKey.status).toBe(201);
      await receiver.until((all) => all.some((r) => r.path === '/acme'), 'acme key.created');
      await receiver.until((all) => all.some((r) => r.path === '/kylo'), 'kylo key.created');
      await settled(mine, 1);
      expect(receiver.at('/acme').map((r) => r.body.data.key.id)).toEqual([acmeKey.body.id]);
      expect(receiver.at('/kylo').map((r) => r.body.data.key.id)).toEqual([kyloKey.id]);
      await acme.delete(`${HOOKS}/${theirs.id}`);
      await admin().delete(`${HOOKS}/${mine.id}`);
    });
  });
});
