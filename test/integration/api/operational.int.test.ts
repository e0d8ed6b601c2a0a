import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { CONNECTIONS, expectError, expectStatus } from './helpers.js';

const BODY_LIMIT = 4096;
const METRICS_TOKEN = 'scrape-token-0123456789-abcdefghijklmnop';

/** Health, metrics, the contract and its docs, and how the edge answers bad requests. */
describe('operational endpoints and the HTTP edge', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('api_operational', {
      env: { CCKM_BODY_LIMIT_BYTES: String(BODY_LIMIT), CCKM_METRICS_TOKEN: METRICS_TOKEN },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('/healthz answers 200 without a token', async () => {
    const res = await request(t.http).get('/healthz');
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with the database ok', async () => {
    const res = await request(t.http).get('/readyz');
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'ready', database: 'ok' });
  });

  it('/metrics exposes the request duration histogram in Prometheus text, to the scrape token', async () => {
    await request(t.http).get('/api/v1/cckm/aws/kms').set('Authorization', bearer(t.adminToken));
    const res = await request(t.http).get('/metrics').set('Authorization', bearer(METRICS_TOKEN));
    expectStatus(res, 200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# TYPE opencckm_http_request_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^opencckm_http_request_duration_seconds_bucket\{.*\} \d+/m);
  });

  it('/metrics answers 401 without credentials or with a wrong token, 403 to a non-admin, 200 to an admin', async () => {
    expectError(await request(t.http).get('/metrics'), 401);
    expectError(
      await request(t.http)
        .get('/metrics')
        .set('Authorization', bearer(`${METRICS_TOKEN}x`)),
      401,
    );
    expectError(await request(t.http).get('/metrics').set('Authorization', 'Basic YWRtaW46YWRtaW4='), 401);
    const viewer = await t.userToken('metrics-viewer', ['cckm_users']);
    expectError(await request(t.http).get('/metrics').set('Authorization', bearer(viewer)), 403);
    expectStatus(await request(t.http).get('/metrics').set('Authorization', bearer(t.adminToken)), 200);
  });

  it('/api/v1/openapi.yaml is served without a token', async () => {
    const res = await request(t.http).get('/api/v1/openapi.yaml');
    expectStatus(res, 200);
    expect(res.headers['content-type']).toMatch(/yaml/);
    expect(res.text).toMatch(/^openapi: 3\.1\.0$/m);
    expect(res.text).toContain('/connectionmgmt/services/aws/connections:');
  });

  it('/api/docs is an HTML page rendering the contract', async () => {
    const res = await request(t.http).get('/api/docs');
    expectStatus(res, 200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
    const init = await request(t.http).get('/api/docs/init.js');
    expectStatus(init, 200);
    expect(init.text).toContain('/api/v1/openapi.yaml');
    expectStatus(await request(t.http).get('/api/docs/assets/swagger-ui-bundle.js'), 200);
  });

  it('413 with a JSON error for a body over CCKM_BODY_LIMIT_BYTES; nothing is created', async () => {
    const res = await request(t.http)
      .post(`/api/v1${CONNECTIONS}`)
      .set('Authorization', bearer(t.adminToken))
      .send({ name: 'too-big', provider: 'emulator', description: 'x'.repeat(BODY_LIMIT * 2) });
    expectError(res, 413);
    const tokenRes = await request(t.http)
      .post('/api/v1/auth/tokens')
      .send({ grant_type: 'password', username: 'admin', password: 'y'.repeat(BODY_LIMIT * 2) });
    expectError(tokenRes, 413);
    expectError(
      await request(t.http).get(`/api/v1${CONNECTIONS}/too-big`).set('Authorization', bearer(t.adminToken)),
      404,
    );
  });

  it('400 naming body for invalid JSON', async () => {
    const res = await request(t.http)
      .post(`/api/v1${CONNECTIONS}`)
      .set('Authorization', bearer(t.adminToken))
      .set('Content-Type', 'application/json')
      .send('{"name": "broken",');
    expectError(res, 400, 'body');
    const tokenRes = await request(t.http)
      .post('/api/v1/auth/tokens')
      .set('Content-Type', 'application/json')
      .send('{not json');
    expectError(tokenRes, 400, 'body');
  });

  it('400 for a body that is not JSON at all', async () => {
    const res = await request(t.http)
      .post(`/api/v1${CONNECTIONS}`)
      .set('Authorization', bearer(t.adminToken))
      .set('Content-Type', 'text/plain')
      .send('name=plain');
    expectError(res, 400);
  });

  it('404 JSON for an unknown path inside the API', async () => {
    expectError(await request(t.http).get('/api/v1/no/such/thing').set('Authorization', bearer(t.adminToken)), 404);
    expectError(
      await request(t.http).post('/api/v1/cckm/aws/kms/kms/explode').set('Authorization', bearer(t.adminToken)),
      404,
    );
  });
  it('404 JSON for an unknown path outside the API', async () => {
    expectError(await request(t.http).get('/no-such-page'), 404);
    expectError(await request(t.http).post('/healthz/x').send({}), 404);
  });

  it('a method the path does not have answers a JSON error', async () => {
    const res = await request(t.http)
      .put('/api/v1/cckm/aws/kms/kms')
      .set('Authorization', bearer(t.adminToken))
      .send({});
    expect([404, 405]).toContain(res.status);
    expectError(res, res.status);
  });

  it('echoes a client X-Request-ID on success and in the error body', async () => {
    const ok = await request(t.http)
      .get('/api/v1/cckm/aws/kms')
      .set('Authorization', bearer(t.adminToken))
      .set('X-Request-ID', 'client-req-42');
    expectStatus(ok, 200);
    expect(ok.headers['x-request-id']).toBe('client-req-42');
    const err = await request(t.http)
      .get('/api/v1/cckm/aws/kms/nope')
      .set('Authorization', bearer(t.adminToken))
      .set('X-Request-ID', 'client-req-43');
    expectError(err, 404);
    expect(err.body.requestID).toBe('client-req-43');
    const unauth = await request(t.http).get('/api/v1/cckm/aws/kms').set('X-Request-ID', 'client-req-44');
    expectError(unauth, 401);
    expect(unauth.body.requestID).toBe('client-req-44');
  });

  it('replaces a malformed X-Request-ID with its own, still equal in header and body', async () => {
    const res = await request(t.http)
      .get('/api/v1/cckm/aws/kms/nope')
      .set('Authorization', bearer(t.adminToken))
      .set('X-Request-ID', 'bad id <script>');
    expectError(res, 404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('every request gets a distinct request id', async () => {
    const a = await request(t.http).get('/healthz');
    const b = await request(t.http).get('/healthz');
    expect(a.headers['x-request-id']).toEqual(expect.any(String));
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});
