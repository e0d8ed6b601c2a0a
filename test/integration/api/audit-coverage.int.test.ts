import request from 'supertest';
import { readApiDocument } from '../../../src/http/openapi/api-document.js';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, expectStatus } from './helpers.js';

type Spec = { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>> };

const SPEC = readApiDocument([new URL('../../../openapi/cckm.yaml', import.meta.url)]).document as Spec;
const MUTATING = ['post', 'put', 'patch', 'delete'];
/** Routes authenticated by SigV4 over the raw body (the XKS proxy), not by JWT; audited by their own log. */
const SIGV4_ROUTES = /^\/cckm\/aws\/xks-proxy-endpoints\//;
/** Operations that end the caller's own sessions: each case runs them with a token of its own. */
const ENDS_SESSION = new Set(['logout']);

/** Every mutating operation of the contract, with its path ids filled with ids that exist nowhere. */
function mutatingOperations(): { method: string; path: string; operationId: string }[] {
  const out: { method: string; path: string; operationId: string }[] = [];
  for (const [path, item] of Object.entries(SPEC.paths)) {
    if (SIGV4_ROUTES.test(path)) continue;
    for (const method of MUTATING) {
      const op = item[method];
      if (!op) continue;
      out.push({
        method,
        path: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
        operationId: op.operationId ?? `${method} ${path}`,
      });
    }
  }
  return out;
}

/** `/cckm/aws/kms` → `/CCKM/Aws/KMS`: the same route as routing sees it, another string as a prefix check sees it. */
const shout = (path: string) =>
  path.replace(/[a-z]+/g, (w, i: number) => (i % 2 ? w.toUpperCase() : w[0]!.toUpperCase() + w.slice(1)));

/**
 * No write route can act without an audit event: the audit trail hangs off the matched
 * API mount, so a path spelled in another case (which routing, authentication and
 * validation all accept) is audited like the canonical one.
 */
describe('audit coverage', () => {
  let t: TestApp;

  /** Logout ends every session of its caller: it runs as an admin of its own, logged in afresh each time. */
  const LOGOUT_USER = { username: 'cover-logout', password: 'cover-logout-password-1' };

  beforeAll(async () => {
    t = await startTestApp('api_audit_cover');
    expectStatus(await as(t, t.adminToken).post('/usermgmt/users', { ...LOGOUT_USER, groups: ['admin'] }), 201);
  });
  afterAll(() => t.close());

  async function eventsOf(requestId: string) {
    await t.composed.app.flushAudit();
    const res = await as(t, t.adminToken).get(`/audit/records?request_id=${encodeURIComponent(requestId)}`);
    expectStatus(res, 200);
    return res.body.resources as { action: string; resource_type: string; result: string }[];
  }

  it('a KMS account created through /API/V1 in capitals is audited and answered no-store', async () => {
    const res = await request(t.http)
      .post('/API/V1/CCKM/AWS/KMS')
      .set('Authorization', bearer(t.adminToken))
      .send({ name: 'shouted', account_id: '123456789012', connection: 'emulator', regions: ['us-east-1'] });
    expectStatus(res, 201);
    expect(res.headers['cache-control']).toBe('no-store');
    const events = await eventsOf(res.headers['x-request-id'] as string);
    expect(events).toEqual([expect.objectContaining({ action: 'createKms', resource_type: 'kms', result: 'success' })]);
  });

  it('records XKS proxy key and account discovery actions with their own resource types', async () => {
    const key = await as(t, t.adminToken).post('/cckm/aws/xks-keys', { name: 'audited-xks-key' });
    expectStatus(key, 201);
    expect(await eventsOf(key.headers['x-request-id'] as string)).toEqual([
      expect.objectContaining({ action: 'createXksKey', resource_type: 'xks-key', result: 'success' }),
    ]);
    const found = await as(t, t.adminToken).post('/cckm/aws/accounts', { connection: 'emulator' });
    expectStatus(found, 200);
    expect(await eventsOf(found.headers['x-request-id'] as string)).toEqual([
      expect.objectContaining({ resource_type: 'aws-account', result: 'success' }),
    ]);
  });

  const operations = mutatingOperations();
  it('covers the contract', () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  it.each(operations)('$operationId leaves one audit event, in either case', async ({ method, path, operationId }) => {
    for (const spelled of [path, shout(path)]) {
      const token = ENDS_SESSION.has(operationId)
        ? await t.login(LOGOUT_USER.username, LOGOUT_USER.password)
        : t.adminToken;
      const rid = `cover-${Math.random().toString(36).slice(2)}`;
      const res = await (request(t.http) as unknown as Record<string, (p: string) => request.Test>)[method]!(
        `/api/v1${spelled}`.replace('/api/v1', spelled === path ? '/api/v1' : '/Api/V1'),
      )
        .set('Authorization', bearer(token))
        .set('X-Request-ID', rid)
        .send({});
      expect(res.status).toBeLessThan(500);
      const events = await eventsOf(rid);
      expect({ spelled, status: res.status, events: events.length }).toEqual({
        spelled,
        status: res.status,
        events: 1,
      });
    }
  });
});
