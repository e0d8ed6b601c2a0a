import type { Response } from 'supertest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from '../api/helpers.js';
import { ACCESS_KEY, closedPort, SECRET, WIRE_ACCOUNT, WireEndpoint } from './wire-endpoint.js';

/**
 * AWS faults seen through the REST API: the app reaches a separate emulator only over
 * its AWS wire endpoint (SigV4-verified, as AWS), through a connection `provider: aws`
 * with `endpoint_url`. Faults are injected through the endpoint's admin API.
 */
const KEYS = '/cckm/aws/keys';
const REGION = 'us-east-1';
const TIMEOUT_MS = 4000;

describe('AWS faults through the REST API', () => {
  let t: TestApp;
  let wire: WireEndpoint;
  let admin: ReturnType<typeof as>;
  let connectionId: string;

  const createKey = (body: object = {}) => admin.post(KEYS, { kms: 'wire-kms', region: REGION, ...body });
  const records = async () =>
    (await admin.get(`${KEYS}?kms=wire-kms&limit=-1`)).body.resources as Record<string, unknown>[];
  const connection = async () => (await admin.get(`${CONNECTIONS}/${connectionId}`)).body as Record<string, unknown>;
  /** The records a failed request may have left, found by what is new since `before`. */
  const newRecords = async (before: Record<string, unknown>[]) =>
    (await records()).filter((r) => !before.some((b) => b.id === r.id));
  const expectAwsFault = (res: Response, status: number, awsName: string) => {
    expectError(res, status);
    expect(res.body.message).toContain(awsName);
  };

  beforeAll(async () => {
    wire = await WireEndpoint.start();
    t = await startTestApp('faults', {
      env: {
        CCKM_PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
        CCKM_PROVIDER_MAX_ATTEMPTS: '3',
        CCKM_OUTBOUND_ALLOW: '127.0.0.1',
      },
    });
    admin = as(t, t.adminToken);
    const c = await admin.post(CONNECTIONS, {
      name: 'wire',
      provider: 'aws',
      endpoint_url: wire.url,
      access_key_id: ACCESS_KEY,
      secret_access_key: SECRET,
    });
    expectStatus(c, 201);
    connectionId = c.body.id;
    expectStatus(
      await admin.post('/cckm/aws/kms', {
        name: 'wire-kms',
        account_id: WIRE_ACCOUNT,
        connection: 'wire',
        regions: [REGION],
      }),
      201,
    );
  });
  afterEach(() => wire.faults([]));
  afterAll(async () => {
    await t?.close();
    await wire?.close();
  });

  it('creates keys in the wire account through SigV4-signed calls', async () => {
    const res = await createKey();
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ status: 'ready', last_error: null });
    expect(res.body.aws_param.Arn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${WIRE_ACCOUNT}:key/`));
    // Never tested and never failed: unknown, and successes write nothing.
    expect(await connection()).toMatchObject({ last_connection_ok: null, last_connection_at: null });
  });

  it('a single ThrottlingException is absorbed by the SDK retry and the create succeeds', async () => {
    await wire.faults([{ operation: 'CreateKey', kind: 'throttle', count: 1 }]);
    const res = await createKey();
    expectStatus(res, 201);
    expect(res.body.status).toBe('ready');
    expect(await wire.activeFaults()).toEqual([]); // the throttle did hit
  });

  it('persistent throttling answers 429 with ThrottlingException and leaves no record', async () => {
    const before = await records();
    const awsBefore = (await wire.keys(REGION)).length;
    await wire.faults([{ operation: 'CreateKey', kind: 'throttle' }]);
    const res = await createKey();
    expectAwsFault(res, 429, 'ThrottlingException');
    expect(await newRecords(before)).toEqual([]);
    expect(await wire.keys(REGION)).toHaveLength(awsBefore);
    expect((await connection()).last_connection_ok).not.toBe(false);
  });

  it('a persistent KMSInternalException answers 502; the record stays creating with last_error, and refresh settles it', async () => {
    const before = await records();
    await wire.faults([{ operation: 'CreateKey', kind: 'error' }]);
    const res = await createKey();
    expectAwsFault(res, 502, 'KMSInternalException');
    const left = await newRecords(before);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({
      status: 'creating',
      last_error: expect.stringContaining('Creation outcome unknown'),
    });
    await wire.faults([]);
    const refreshed = await admin.post(`${KEYS}/${left[0]!.id as string}/refresh`);
    expectStatus(refreshed, 200);
    // The fault hit before the key was created: nothing to adopt, and the record says so;
    // within the provider time budget the create might still land, so it stays creating ...
    expect(refreshed.body).toMatchObject({
      status: 'creating',
      last_error: expect.stringContaining('not found in AWS'),
    });
    // ... and once the reservation is older than that, refresh marks it failed.
    await t.db.db
      .updateTable('awsKeys')
      .set({ createdAt: sql<Date>`now() - interval '1 minute'` })
      .where('id', '=', String(left[0]!.id))
      .execute();
    const settled = await admin.post(`${KEYS}/${left[0]!.id as string}/refresh`);
    expectStatus(settled, 200);
    expect(settled.body).toMatchObject({
      status: 'failed',
      last_error: expect.stringContaining('AWS has no key for this reservation'),
    });
    expect((await connection()).last_connection_ok).not.toBe(false);
  });

  it('latency beyond CCKM_PROVIDER_TIMEOUT_MS answers 504 in time; the key AWS created late is adopted by refresh', async () => {
    const before = await records();
    await wire.faults([{ operation: 'CreateKey', kind: 'latency', latencyMs: TIMEOUT_MS + 1500 }]);
    const started = Date.now();
    const res = await createKey();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    expectError(res, 504);
    const [record] = await newRecords(before);
    expect(record).toMatchObject({
      status: 'creating',
      last_error: expect.stringContaining('Creation outcome unknown'),
    });
    // The emulator finishes the CreateKey after its delay: exactly one key carries the record's tag
    // (the call's time budget left no room for a retry that would have created a second one).
    const tagged = async () => (await wire.keys(REGION)).filter((k) => k.tags.cckm_record_id === record!.id);
    for (let i = 0; i < 40 && (await tagged()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const keys = await tagged();
    expect(keys).toHaveLength(1);
    const refreshed = await admin.post(`${KEYS}/${record!.id as string}/refresh`);
    expectStatus(refreshed, 200);
    expect(refreshed.body).toMatchObject({ status: 'ready', last_error: null });
    expect(refreshed.body.aws_param.KeyId).toBe(keys[0]!.keyId);
    expect((await connection()).last_connection_ok).not.toBe(false);
  }, 30_000);

  it('a refused connection answers 503 at once and marks the connection not ok until it works again', async () => {
    const port = await closedPort();
    expectStatus(
      await admin.patch(`${CONNECTIONS}/${connectionId}`, { endpoint_url: `http://127.0.0.1:${port}` }),
      200,
    );
    const before = await records();
    const started = Date.now();
    const res = await createKey();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expectError(res, 503);
    expect(res.body.message).toMatch(/unreachable/);
    const left = await newRecords(before);
    expect(left.filter((r) => r.status === 'ready')).toEqual([]);
    expect(left.every((r) => r.status === 'creating' && typeof r.last_error === 'string')).toBe(true);
    expect(await connection()).toMatchObject({
      last_connection_ok: false,
      last_connection_error: expect.stringContaining('ECONNREFUSED'),
    });

    expectStatus(await admin.patch(`${CONNECTIONS}/${connectionId}`, { endpoint_url: wire.url }), 200);
    expectStatus(await createKey(), 201);
    expect(await connection()).toMatchObject({ last_connection_ok: true, last_connection_error: null });
  });

  it("rotated AWS credentials: calls fail with AWS's error name and the connection shows it; /test answers connection_ok false", async () => {
    const rotated = 'rotated/K7MDENG/bPxRfiCYEXAMPLEKEYrotated';
    await wire.restart(rotated);
    try {
      const before = await records();
      const res = await createKey();
      // AWS refusing the connection's credentials is an upstream failure, not the caller's 401.
      expectError(res, 502);
      expect(res.body.codeDesc).toMatch(/^NCERRBadGateway: /);
      expect(res.body.message).toContain('InvalidSignatureException');
      expect(await newRecords(before)).toEqual([]);
      const c = await connection();
      expect(c).toMatchObject({
        last_connection_ok: false,
        last_connection_error: expect.stringContaining('InvalidSignatureException'),
      });
      const at = c.last_connection_at;

      // Failing again writes nothing: the state did not change.
      expectError(await createKey(), 502);
      expect((await connection()).last_connection_at).toBe(at);

      const test = await admin.post(`${CONNECTIONS}/${connectionId}/test`);
      expectStatus(test, 200);
      expect(test.body).toMatchObject({
        connection_ok: false,
        connection_error: expect.stringContaining('SignatureDoesNotMatch'),
      });

      // The new secret fixes it; the next call records the connection as ok again.
      expectStatus(await admin.patch(`${CONNECTIONS}/${connectionId}`, { secret_access_key: rotated }), 200);
      expectStatus(await createKey(), 201);
      expect(await connection()).toMatchObject({ last_connection_ok: true, last_connection_error: null });
      const ok = await admin.post(`${CONNECTIONS}/${connectionId}/test`);
      expect(ok.body).toMatchObject({ connection_ok: true, account_id: WIRE_ACCOUNT });
    } finally {
      await wire.restart(SECRET);
      await admin.patch(`${CONNECTIONS}/${connectionId}`, { secret_access_key: SECRET });
    }
  });

  it("a wrong secret on connection-test answers connection_ok false with AWS's error name", async () => {
    const res = await admin.post('/connectionmgmt/services/aws/connection-test', {
      provider: 'aws',
      endpoint_url: wire.url,
      access_key_id: ACCESS_KEY,
      secret_access_key: 'not/the/secretEXAMPLEKEYnot/the/secret00',
    });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      connection_ok: false,
      connection_error: expect.stringContaining('SignatureDoesNotMatch'),
    });
  });
});
