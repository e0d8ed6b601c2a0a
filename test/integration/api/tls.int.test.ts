import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:tls';
import { createApiServer } from '../../../src/http/api-server.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { expectError, STORES, REGION, post } from '../custom-key-stores/helpers.js';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function makePki(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ext = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=opencckm test CA',
  );
  ext('server.ext', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ext('client.ext', 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    run(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    );
    run(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '1',
      '-extfile',
      `${who}.ext`,
    );
  }
  const file = (name: string) => path.join(dir, name);
  return { file, read: (name: string) => readFileSync(file(name)) };
}

type Pki = ReturnType<typeof makePki>;

function get(
  port: number,
  pki: Pki,
  urlPath: string,
  client = false,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method,
        ca: pki.read('ca.pem'),
        ...(client ? { cert: pki.read('client.pem'), key: pki.read('client.key') } : {}),
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/**
 * TLS on the REST API (CCKM_TLS_CERT/KEY): HTTPS with HSTS; and mutual TLS for the XKS
 * proxy of hosted stores with `mtls_enabled`, which only a service verifying client
 * certificates (CCKM_TLS_CLIENT_CA) may create.
 */
describe('TLS', () => {
  let dir: string;
  let pki: Pki;
  let t: TestApp;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'opencckm-tls-'));
    pki = makePki(dir);
    t = await startTestApp('api_tls', {
      env: {
        CCKM_TLS_CERT: pki.file('server.pem'),
        CCKM_TLS_KEY: pki.file('server.key'),
        CCKM_TLS_CLIENT_CA: pki.file('ca.pem'),
      },
    });
    server = createApiServer(t.http, t.config.tls) as unknown as Server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over HTTPS with Strict-Transport-Security, with or without a client certificate', async () => {
    for (const client of [false, true]) {
      const res = await get(port, pki, '/healthz', client);
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('a hosted store with mtls_enabled: its proxy refuses calls without a verified client certificate', async () => {
    const created = await post(t, STORES, {
      name: 'mtls',
      kms: 'kms',
      region: REGION,
      aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      local_hosted_params: { mtls_enabled: true },
    });
    expect(created.status).toBe(201);
    const health = `/api/v1/cckm/aws/xks-proxy-endpoints/${created.body.id}/kms/xks/v1/health`;

    const anonymous = await get(port, pki, health, false, 'POST');
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toEqual({
      errorName: 'AuthenticationFailedException',
      errorMessage: expect.stringContaining('mutual TLS'),
    });

    // With a client certificate the call passes the mTLS gate and meets the SigV4 check (it is unsigned).
    const withCert = await get(port, pki, health, true, 'POST');
    expect(withCert.status).toBe(401);
    expect(JSON.parse(withCert.body).errorMessage).not.toContain('mutual TLS');

    // Plain HTTP (no TLS socket at all) is refused the same way.
    const plain = await (
      await import('supertest')
    )
      .default(t.http)
      .post(health)
      .set('content-type', 'application/json')
      .send('{}');
    expect(plain.status).toBe(401);
    expect(plain.body.errorMessage).toContain('mutual TLS');
  });
});

describe('TLS settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('api_no_mtls');
  });
  afterAll(() => t?.close());

  it('mtls_enabled is refused, naming the field, when the service verifies no client certificates', async () => {
    const res = await post(t, STORES, {
      name: 'mtls-off',
      kms: 'kms',
      region: REGION,
      aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      local_hosted_params: { mtls_enabled: true },
    });
    expectError(res, 400, 'local_hosted_params.mtls_enabled');
  });

  it('a plain-HTTP service sends no HSTS header', async () => {
    const res = await (await import('supertest')).default(t.http).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});
