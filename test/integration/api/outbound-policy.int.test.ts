import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

/**
 * Security finding 5 (SSRF through endpoint_url and XKS proxy URIs): without an allow-list
 * entry, tenants' endpoints reach AWS hosts only; what an endpoint answers is never echoed.
 * Only one loopback port (the echo server's) is allow-listed here.
 */
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const LEAK = 'internal-secret-7f3a9c';
const keys = { provider: 'aws', access_key_id: AKID, secret_access_key: SECRET };
const CALLER_IDENTITY =
  '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
  '<Arn>arn:aws:iam::123456789012:user/echo</Arn><UserId>AIDAECHO</UserId><Account>123456789012</Account>' +
  '</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>';

describe('outbound policy for tenants’ endpoints', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  let echo: Server;
  let echoUrl: string;
  /** What the endpoint answers KMS calls (`X-Amz-Target`) and, when set, STS calls; STS otherwise succeeds. */
  let answer: { status: number; type: string; body: string };
  let stsAnswer: { status: number; type: string; body: string } | undefined;

  beforeAll(async () => {
    echo = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const a = req.headers['x-amz-target']
          ? answer
          : (stsAnswer ?? { status: 200, type: 'text/xml', body: CALLER_IDENTITY });
        res.writeHead(a.status, { 'content-type': a.type }).end(a.body);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    t = await startTestApp('api_outbound', {
      env: {
        CCKM_PROVIDER_MAX_ATTEMPTS: '1',
        CCKM_PROVIDER_TIMEOUT_MS: '3000',
        CCKM_OUTBOUND_ALLOW: new URL(echoUrl).host,
      },
    });
    admin = as(t, t.adminToken);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => echo?.close(r));
  });

  it.each([
    'http://127.0.0.1:8080',
    'https://127.0.0.1',
    'http://localhost:6379',
    'https://[::1]:8443',
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'https://10.0.0.12',
    'https://192.168.1.1:8443',
    'https://172.16.0.5',
    'https://100.64.0.1',
    'https://0.0.0.0',
    'https://[fd00::1]',
    'http://kms.us-east-1.amazonaws.com',
    'https://internal.example.com',
    'https://kms.us-east-1.amazonaws.com:8443',
  ])('400 naming endpoint_url for %s at create, update and connection-test', async (url) => {
    expectError(await admin.post(CONNECTIONS, { ...keys, name: 'ssrf', endpoint_url: url }), 400, 'endpoint_url');
    expectError(
      await admin.post('/connectionmgmt/services/aws/connection-test', { ...keys, endpoint_url: url }),
      400,
      'endpoint_url',
    );
    expectError(await admin.get(`${CONNECTIONS}/ssrf`), 404);
  });

  it('PATCH to a refused endpoint is 400 and leaves the connection as it was', async () => {
    expectStatus(await admin.post(CONNECTIONS, { ...keys, name: 'patched', endpoint_url: echoUrl }), 201);
    expectError(
      await admin.patch(`${CONNECTIONS}/patched`, { endpoint_url: 'http://127.0.0.1:5432' }),
      400,
      'endpoint_url',
    );
    expect((await admin.get(`${CONNECTIONS}/patched`)).body.endpoint_url).toBe(echoUrl);
  });

  it('accepts https AWS endpoints (VPC endpoint names included) and allow-listed hosts', async () => {
    for (const [name, url] of [
      ['aws-kms', 'https://kms.us-east-1.amazonaws.com'],
      ['aws-vpce', 'https://vpce-0123456789abcdef0-abcdefgh.kms.us-east-1.vpce.amazonaws.com'],
      ['aws-cn', 'https://kms.cn-north-1.amazonaws.com.cn'],
      ['allowed', echoUrl],
    ] as const) {
      const res = await admin.post(CONNECTIONS, { ...keys, name, endpoint_url: url });
      expectStatus(res, 201);
      expect(res.body.endpoint_url).toBe(url);
    }
  });

  it.each([
    ['an HTML page', 500, 'text/html', `<html><body><h1>Admin</h1>${LEAK}</body></html>`],
    [
      'a JSON message under an unknown name',
      400,
      'application/x-amz-json-1.1',
      JSON.stringify({ __type: 'InternalThing', message: LEAK }),
    ],
    [
      'a JSON message under an unknown name (5xx)',
      503,
      'application/json',
      JSON.stringify({ __type: 'Unavailable', message: LEAK }),
    ],
    [
      'markup under an AWS name',
      400,
      'application/x-amz-json-1.1',
      JSON.stringify({ __type: 'NotFoundException', message: `<b>${LEAK}</b>` }),
    ],
    ['a 200 that is not AWS', 200, 'text/plain', `redis_version:7 ${LEAK}`],
  ])('a KMS call answered with %s: nothing of the body reaches the client', async (_what, status, type, body) => {
    stsAnswer = undefined;
    if ((await admin.get('/cckm/aws/kms/echo-kms')).status === 404) {
      expectStatus(
        await admin.post('/cckm/aws/kms', {
          name: 'echo-kms',
          account_id: '123456789012',
          connection: 'allowed',
          regions: ['us-east-1'],
        }),
        201,
      );
    }
    answer = { status, type, body };
    const res = await admin.post('/cckm/aws/keys', { kms: 'echo-kms', region: 'us-east-1' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.text).not.toContain(LEAK);
    expect((await admin.get('/cckm/aws/keys?kms=echo-kms&limit=-1')).text).not.toContain(LEAK);
  });

  it.each([
    ['an HTML page', 500, 'text/html', `<html><body>${LEAK}</body></html>`],
    [
      'an XML error under an unknown name',
      400,
      'text/xml',
      `<ErrorResponse><Error><Type>Sender</Type><Code>InternalThing</Code><Message>${LEAK}</Message></Error></ErrorResponse>`,
    ],
  ])(
    'a connection test answered with %s: nothing of the body reaches the client',
    async (_what, status, type, body) => {
      stsAnswer = { status, type, body };
      const test = await admin.post('/connectionmgmt/services/aws/connection-test', { ...keys, endpoint_url: echoUrl });
      expectStatus(test, 200);
      expect(test.body.connection_ok).toBe(false);
      expect(test.text).not.toContain(LEAK);
      const stored = await admin.post(`${CONNECTIONS}/allowed/test`);
      expect(stored.text).not.toContain(LEAK);
      expect((await admin.get(`${CONNECTIONS}/allowed`)).text).not.toContain(LEAK);
      stsAnswer = undefined;
    },
  );

  it.each(['https://127.0.0.1', 'https://10.1.2.3', 'https://169.254.169.254', 'https://localhost'])(
    'an external key store proxy at %s is refused (400 naming aws_param.xks_proxy_uri_endpoint)',
    async (endpoint) => {
      const res = await admin.post('/cckm/aws/custom-key-stores', {
        name: 'ssrf-store',
        kms: 'kms',
        region: 'us-east-1',
        aws_param: {
          custom_key_store_type: 'EXTERNAL_KEY_STORE',
          xks_proxy_connectivity: 'PUBLIC_ENDPOINT',
          xks_proxy_uri_endpoint: endpoint,
          xks_proxy_uri_path: '/kms/xks/v1',
          xks_proxy_authentication_credential: {
            access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
            raw_secret_access_key: 'a'.repeat(43),
          },
        },
      });
      expectError(res, 400, 'aws_param.xks_proxy_uri_endpoint');
    },
  );
});
