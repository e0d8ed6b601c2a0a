/**
 * The essential checks of AWS's public XKS proxy test client (aws-samples/aws-kms-xksproxy-test-client,
 * `./test-xks-proxy -a`) that opencckm's proxy once failed, kept here so they stay fixed without the
 * external script: GetHealthStatus with exactly the spec's body (no principal), the validation of
 * health bodies, restricted key usages (encrypt-only, decrypt-only, none, and CDIV needing DECRYPT),
 * the deep health check, and the client side sending exactly what AWS KMS sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpXksClient } from '../../../src/xks/client.js';
import { XksProxy } from '../../../src/xks/proxy.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { InMemoryXksKeyVault, InMemoryXksStores } from '../../../src/xks/standalone-proxy.js';

const ACCOUNT = '111122223333';
const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 'x'.repeat(44) };
const PREFIX = '/api/v1/cckm/aws/xks-proxy-endpoints/s1/kms/xks/v1';
/** The test client's requestMetadata of key operations. */
const MD = (kmsOperation: string) => ({
  awsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice',
  kmsKeyArn: 'arn:aws:kms:us-east-2:123456789012:/key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsOperation,
  kmsRequestId: 'b9a5e3b8-6f54-4a47-9a4e-0c1f2a3b4c5d',
  kmsViaService: 'ebs',
});
const PLAINTEXT = 'cGxhaW50ZXh0Cg==';
const AAD = 'cHJvamVjdD1uaWxlLGRlcGFydG1lbnQ9bWFya2V0aW5n';

function setup(healthCheckKeyId?: string) {
  const stores = new InMemoryXksStores();
  stores.put('s1', {
    region: 'us-east-1',
    credentials: [CRED],
    blocked: false,
    ownerAccount: ACCOUNT,
    ...(healthCheckKeyId ? { healthCheckKeyId } : {}),
  });
  const vault = new InMemoryXksKeyVault();
  vault.createKey(ACCOUNT, 'foo');
  vault.createKey(ACCOUNT, 'encrypt_only_key', ['ENCRYPT']);
  vault.createKey(ACCOUNT, 'decrypt_only_key', ['DECRYPT']);
  vault.createKey(ACCOUNT, 'impotent_key', []);
  const proxy = new XksProxy(stores, vault);
  const call = async (path: string, body: unknown) => {
    const rawBody = Buffer.from(JSON.stringify(body));
    const url = new URL(`https://cckm.example.com${PREFIX}${path}`);
    const headers = signXksRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: rawBody,
      credential: CRED,
      region: 'us-east-1',
    });
    return proxy.handle({ storeId: 's1', method: 'POST', path, requestUrl: url.pathname, headers, rawBody });
  };
  return { vault, call };
}

const errorName = (r: { body: Record<string, unknown> }) => r.body.errorName;

describe('XKS proxy: the checks of AWS’s test client', () => {
  it('GetHealthStatus with exactly the spec’s body (kmsRequestId and kmsOperation only) answers 200', async () => {
    const { call } = setup();
    const r = await call('/health', {
      requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'b9a5e3b8-6f54-4a47-9a4e-0c1f2a3b4c5d' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ xksProxyFleetSize: 1, ekmFleetDetails: [{ healthStatus: 'ACTIVE' }] });
    // Any kmsOperation is accepted (the spec forbids rejecting unknown ones).
    const other = await call('/health', { requestMetadata: { kmsOperation: 'SomeFutureOp', kmsRequestId: 'r' } });
    expect(other.status).toBe(200);
  });

  it('GetHealthStatus without requestMetadata, or with an empty one, is a ValidationException naming the member', async () => {
    const { call } = setup();
    const none = await call('/health', {});
    expect([none.status, errorName(none)]).toEqual([400, 'ValidationException']);
    const empty = await call('/health', { requestMetadata: {} });
    expect([empty.status, errorName(empty)]).toEqual([400, 'ValidationException']);
    expect(empty.body.errorMessage).toContain('requestMetadata.kmsRequestId');
    const noOp = await call('/health', { requestMetadata: { kmsRequestId: 'r' } });
    expect(noOp.body.errorMessage).toContain('requestMetadata.kmsOperation');
  });

  it('key operations still require the principal (awsPrincipalArn)', async () => {
    const { call } = setup();
    const r = await call('/keys/foo/metadata', { requestMetadata: { kmsOperation: 'DescribeKey', kmsRequestId: 'r' } });
    expect([r.status, errorName(r)]).toEqual([400, 'ValidationException']);
    expect(r.body.errorMessage).toContain('requestMetadata.awsPrincipalArn');
  });

  it('GetKeyMetadata answers each key’s own usages', async () => {
    const { call } = setup();
    const usage = async (k: string) => (await call(`/keys/${k}/metadata`, { requestMetadata: MD('DescribeKey') })).body;
    expect(await usage('foo')).toEqual({ keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' });
    expect((await usage('encrypt_only_key')).keyUsage).toEqual(['ENCRYPT']);
    expect((await usage('decrypt_only_key')).keyUsage).toEqual(['DECRYPT']);
    expect((await usage('impotent_key')).keyUsage).toEqual([]);
  });

  it('an encrypt-only key encrypts, refuses to decrypt, and refuses a CDIV (which is verified by decrypting)', async () => {
    const { call } = setup();
    const enc = await call('/keys/encrypt_only_key/encrypt', {
      requestMetadata: MD('Encrypt'),
      plaintext: PLAINTEXT,
      additionalAuthenticatedData: AAD,
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(enc.status).toBe(200);
    const { ciphertext, initializationVector, authenticationTag } = enc.body;
    const dec = await call('/keys/encrypt_only_key/decrypt', {
      requestMetadata: MD('Decrypt'),
      ciphertext,
      initializationVector,
      authenticationTag,
      additionalAuthenticatedData: AAD,
      encryptionAlgorithm: 'AES_GCM',
    });
    expect([dec.status, errorName(dec)]).toEqual([400, 'InvalidKeyUsageException']);
    for (const aad of [{ additionalAuthenticatedData: AAD }, {}]) {
      const cdiv = await call('/keys/encrypt_only_key/encrypt', {
        requestMetadata: MD('Encrypt'),
        plaintext: PLAINTEXT,
        ...aad,
        ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
        encryptionAlgorithm: 'AES_GCM',
      });
      expect([cdiv.status, errorName(cdiv)]).toEqual([400, 'InvalidKeyUsageException']);
    }
  });

  it.each(['decrypt_only_key', 'impotent_key'])('%s refuses every encrypt with InvalidKeyUsageException', async (k) => {
    const { call } = setup();
    for (const extra of [
      {},
      { additionalAuthenticatedData: AAD },
      { ciphertextDataIntegrityValueAlgorithm: 'SHA_256' },
    ]) {
      const r = await call(`/keys/${k}/encrypt`, {
        requestMetadata: MD('Encrypt'),
        plaintext: PLAINTEXT,
        ...extra,
        encryptionAlgorithm: 'AES_GCM',
      });
      expect([r.status, errorName(r)]).toEqual([400, 'InvalidKeyUsageException']);
    }
  });

  it('a disabled key answers InvalidStateException before any usage check', async () => {
    const { call, vault } = setup();
    vault.setEnabled(ACCOUNT, 'impotent_key', false);
    const r = await call('/keys/impotent_key/encrypt', {
      requestMetadata: MD('Encrypt'),
      plaintext: PLAINTEXT,
      encryptionAlgorithm: 'AES_GCM',
    });
    expect([r.status, errorName(r)]).toEqual([400, 'InvalidStateException']);
  });

  it('a CDIV request on a full key is answered with a CDIV over AAD || IV || ciphertext || tag', async () => {
    const { call } = setup();
    const r = await call('/keys/foo/encrypt', {
      requestMetadata: MD('Encrypt'),
      plaintext: PLAINTEXT,
      additionalAuthenticatedData: AAD,
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(r.status).toBe(200);
    const f = (k: string) => Buffer.from(r.body[k] as string, 'base64');
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update(
        Buffer.concat([Buffer.from(AAD, 'base64'), f('initializationVector'), f('ciphertext'), f('authenticationTag')]),
      )
      .digest('base64');
    expect(r.body.ciphertextDataIntegrityValue).toBe(expected);
  });

  it('the health check is deep: a health check key that cannot encrypt and decrypt reports UNAVAILABLE', async () => {
    const good = setup('foo');
    const ok = await good.call('/health', { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'r' } });
    expect(ok.body).toMatchObject({ ekmFleetDetails: [{ healthStatus: 'ACTIVE' }] });
    for (const bad of ['encrypt_only_key', 'impotent_key', 'no-such-key']) {
      const { call } = setup(bad);
      const r = await call('/health', { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'r' } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ekmFleetDetails: [{ healthStatus: 'UNAVAILABLE' }] });
    }
    good.vault.setEnabled(ACCOUNT, 'foo', false);
    const off = await good.call('/health', { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'r' } });
    expect(off.body).toMatchObject({ ekmFleetDetails: [{ healthStatus: 'UNAVAILABLE' }] });
  });
});

describe('HttpXksClient sends what AWS KMS sends', () => {
  it('GetHealthStatus carries only kmsRequestId and kmsOperation, even when given more', async () => {
    const bodies: unknown[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            xksProxyFleetSize: 1,
            xksProxyVendor: 'v',
            xksProxyModel: 'm',
            ekmVendor: 'e',
            ekmFleetDetails: [{ id: 'i', model: 'm', healthStatus: 'ACTIVE' }],
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const client = new HttpXksClient({ resolveBaseUrl: () => `http://127.0.0.1:${port}` });
      const target = {
        uriEndpoint: 'https://xks.example.com',
        uriPath: '/kms/xks/v1',
        credential: CRED,
        region: 'us-east-1',
      };
      const withPrincipal = { kmsRequestId: 'r-1', kmsOperation: 'ConnectCustomKeyStore', awsPrincipalArn: 'arn:x' };
      await client.health(target, withPrincipal);
      expect(bodies).toEqual([{ requestMetadata: { kmsRequestId: 'r-1', kmsOperation: 'ConnectCustomKeyStore' } }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
