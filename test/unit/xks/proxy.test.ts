import { createDecipheriv, createHash } from 'node:crypto';
import { XksProxy, type XksKeyVault, type XksProxyOptions, type XksStoreResolver } from '../../../src/xks/proxy.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { InMemoryXksKeyVault, InMemoryXksStores } from '../../../src/xks/standalone-proxy.js';

const ACCOUNT = '111122223333';
const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 'x'.repeat(44) };
const NEXT = { accessKeyId: 'ZYXWVUTSRQPONMLKJIHG', secretAccessKey: 'y'.repeat(44) };
const PREFIX = '/api/v1/cckm/aws/xks-proxy-endpoints/s1/kms/xks/v1';
const MD = { awsPrincipalArn: `arn:aws:iam::${ACCOUNT}:root`, kmsOperation: 'Encrypt', kmsRequestId: 'r-1' };
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

interface CallOpts {
  storeId?: string;
  credential?: typeof CRED;
  rawBody?: Buffer;
  method?: string;
}

function setup(options: XksProxyOptions = {}, overrides: { stores?: XksStoreResolver; vault?: XksKeyVault } = {}) {
  const stores = new InMemoryXksStores();
  stores.put('s1', { region: 'us-east-1', credentials: [CRED, NEXT], blocked: false, ownerAccount: ACCOUNT });
  const vault = new InMemoryXksKeyVault();
  const keyId = vault.createKey(ACCOUNT, 'key-1');
  const proxy = new XksProxy(overrides.stores ?? stores, overrides.vault ?? vault, options);
  /** Signs and sends `body` to `path` (relative to the store's URI path) through the proxy core. */
  const call = async (path: string, body: unknown, o: CallOpts = {}) => {
    const rawBody = o.rawBody ?? Buffer.from(JSON.stringify(body));
    const url = new URL(`https://cckm.example.com${PREFIX}${path}`);
    const headers = signXksRequest({
      method: o.method ?? 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: rawBody,
      credential: o.credential ?? CRED,
      region: 'us-east-1',
    });
    return proxy.handle({
      storeId: o.storeId ?? 's1',
      method: o.method ?? 'POST',
      path,
      requestUrl: url.pathname,
      headers,
      rawBody,
    });
  };
  return { stores, vault, keyId, proxy, call };
}

describe('XksProxy core', () => {
  it('answers health and metadata for an enabled key', async () => {
    const { call } = setup();
    const health = await call('/health', { requestMetadata: MD });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ xksProxyFleetSize: 1, ekmFleetDetails: [{ healthStatus: 'ACTIVE' }] });
    expect(await call('/keys/key-1/metadata', { requestMetadata: MD })).toEqual({
      status: 200,
      body: { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' },
    });
  });

  it('encrypts with AES-256-GCM under the vault key (independently decryptable) and decrypts back', async () => {
    const { call, vault } = setup();
    const aad = b64('ctx');
    const enc = await call('/keys/key-1/encrypt', {
      requestMetadata: MD,
      plaintext: b64('hello'),
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: aad,
    });
    expect(enc.status).toBe(200);
    const { ciphertext, initializationVector, authenticationTag } = enc.body as Record<string, string>;
    const material = (await vault.getXksKey(ACCOUNT, 'key-1'))!.material;
    const d = createDecipheriv('aes-256-gcm', material, Buffer.from(initializationVector!, 'base64'));
    d.setAAD(Buffer.from('ctx'));
    d.setAuthTag(Buffer.from(authenticationTag!, 'base64'));
    expect(Buffer.concat([d.update(Buffer.from(ciphertext!, 'base64')), d.final()]).toString()).toBe('hello');
    const dec = await call('/keys/key-1/decrypt', {
      requestMetadata: MD,
      ciphertext,
      initializationVector,
      authenticationTag,
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: aad,
    });
    expect(dec).toEqual({ status: 200, body: { plaintext: b64('hello') } });
  });

  it('returns the SHA-256 integrity value over aad || iv || ciphertext || tag when asked', async () => {
    const { call } = setup();
    const enc = await call('/keys/key-1/encrypt', {
      requestMetadata: MD,
      plaintext: b64('p'),
      encryptionAlgorithm: 'AES_GCM',
      additionalAuthenticatedData: b64('a'),
      ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
    });
    const f = enc.body as Record<string, string>;
    const expected = createHash('sha256')
      .update(Buffer.from('a'))
      .update(Buffer.from(f.initializationVector!, 'base64'))
      .update(Buffer.from(f.ciphertext!, 'base64'))
      .update(Buffer.from(f.authenticationTag!, 'base64'))
      .digest('base64');
    expect(f.ciphertextDataIntegrityValue).toBe(expected);
    const plain = await call('/keys/key-1/encrypt', {
      requestMetadata: MD,
      plaintext: b64('p'),
      encryptionAlgorithm: 'AES_GCM',
    });
    expect(plain.body).not.toHaveProperty('ciphertextDataIntegrityValue');
  });

  it('answers InvalidCiphertextException (400) for an AAD mismatch, a tampered tag and foreign ciphertextMetadata', async () => {
    const { call } = setup();
    const enc = (
      await call('/keys/key-1/encrypt', {
        requestMetadata: MD,
        plaintext: b64('hello'),
        encryptionAlgorithm: 'AES_GCM',
        additionalAuthenticatedData: b64('ctx'),
      })
    ).body as Record<string, string>;
    const base = {
      requestMetadata: MD,
      ciphertext: enc.ciphertext,
      initializationVector: enc.initializationVector,
      authenticationTag: enc.authenticationTag,
      encryptionAlgorithm: 'AES_GCM',
    };
    const cases = [
      { ...base, additionalAuthenticatedData: b64('other') },
      { ...base },
      { ...base, additionalAuthenticatedData: b64('ctx'), authenticationTag: b64(Buffer.alloc(16)) },
      { ...base, additionalAuthenticatedData: b64('ctx'), ciphertextMetadata: b64('meta') },
    ];
    for (const body of cases) {
      const r = await call('/keys/key-1/decrypt', body);
      expect(r).toEqual({
        status: 400,
        body: { errorName: 'InvalidCiphertextException', errorMessage: expect.any(String) },
      });
    }
  });

  it('validates bodies strictly and names the field', async () => {
    const { call } = setup();
    const enc = (body: Record<string, unknown>) =>
      call('/keys/key-1/encrypt', {
        requestMetadata: MD,
        encryptionAlgorithm: 'AES_GCM',
        plaintext: b64('x'),
        ...body,
      });
    const expectValidation = async (p: Promise<{ status: number; body: Record<string, unknown> }>, field: string) =>
      expect(await p).toEqual({
        status: 400,
        body: { errorName: 'ValidationException', errorMessage: expect.stringContaining(field) },
      });
    await expectValidation(enc({ plaintext: b64(Buffer.alloc(4301)) }), 'plaintext');
    await expectValidation(enc({ plaintext: 'not base64!' }), 'plaintext');
    await expectValidation(enc({ plaintext: 'aGk' }), 'plaintext');
    await expectValidation(enc({ plaintext: undefined }), 'plaintext');
    await expectValidation(enc({ additionalAuthenticatedData: 7 }), 'additionalAuthenticatedData');
    await expectValidation(
      enc({ ciphertextDataIntegrityValueAlgorithm: 'MD5' }),
      'ciphertextDataIntegrityValueAlgorithm',
    );
    await expectValidation(enc({ surprise: 1 }), 'surprise');
    await expectValidation(enc({ encryptionAlgorithm: undefined }), 'encryptionAlgorithm');
    await expectValidation(
      enc({ requestMetadata: { ...MD, kmsRequestId: undefined } }),
      'requestMetadata.kmsRequestId',
    );
    await expectValidation(enc({ requestMetadata: { ...MD, kmsKeyArn: 5 } }), 'requestMetadata.kmsKeyArn');
    await expectValidation(
      call('/keys/key-1/encrypt', undefined, { rawBody: Buffer.from('{"requestMetadata":') }),
      'JSON',
    );
    await expectValidation(call('/keys/key-1/encrypt', [1, 2]), 'object');
    const dec = {
      requestMetadata: MD,
      encryptionAlgorithm: 'AES_GCM',
      ciphertext: b64('c'),
      authenticationTag: b64(Buffer.alloc(16)),
    };
    await expectValidation(
      call('/keys/key-1/decrypt', { ...dec, initializationVector: b64(Buffer.alloc(16)) }),
      'initializationVector',
    );
    await expectValidation(
      call('/keys/key-1/decrypt', {
        ...dec,
        initializationVector: b64(Buffer.alloc(12)),
        authenticationTag: b64(Buffer.alloc(8)),
      }),
      'authenticationTag',
    );
    await expectValidation(
      call('/keys/key-1/decrypt', {
        ...dec,
        initializationVector: b64(Buffer.alloc(12)),
        ciphertextMetadata: b64(Buffer.alloc(21)),
      }),
      'ciphertextMetadata',
    );
    expect(await enc({ encryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).toMatchObject({
      status: 501,
      body: { errorName: 'UnsupportedOperationException' },
    });
  });

  it('refuses an oversized body before parsing it', async () => {
    const { call } = setup({ maxBodyBytes: 100 });
    expect(await call('/health', { requestMetadata: MD, pad: 'x'.repeat(200) })).toMatchObject({
      status: 400,
      body: { errorName: 'ValidationException', errorMessage: expect.stringContaining('100 bytes') },
    });
  });

  it('answers InvalidUriPathException (404) for an unknown store, path or method', async () => {
    const { call } = setup();
    expect(await call('/health', { requestMetadata: MD }, { storeId: 'nope' })).toMatchObject({
      status: 404,
      body: { errorName: 'InvalidUriPathException' },
    });
    expect(await call('/keys/key-1/rotate', { requestMetadata: MD })).toMatchObject({
      status: 404,
      body: { errorName: 'InvalidUriPathException' },
    });
    expect(await call('/keys/key-1/metadata', { requestMetadata: MD }, { method: 'PUT' })).toMatchObject({
      status: 404,
      body: { errorName: 'InvalidUriPathException' },
    });
  });

  it('answers AuthenticationFailedException (401) for a wrong credential and accepts the rotated one', async () => {
    const { call } = setup();
    const wrong = { accessKeyId: CRED.accessKeyId, secretAccessKey: 'z'.repeat(44) };
    expect(await call('/health', { requestMetadata: MD }, { credential: wrong })).toMatchObject({
      status: 401,
      body: { errorName: 'AuthenticationFailedException' },
    });
    expect(await call('/health', { requestMetadata: MD }, { credential: NEXT })).toMatchObject({ status: 200 });
  });

  it('answers InvalidStateException (400) for every operation of a blocked store, and serves again once unblocked', async () => {
    const { call, stores } = setup();
    stores.setBlocked('s1', true);
    const calls: Array<[string, Record<string, unknown>]> = [
      ['/health', { requestMetadata: MD }],
      ['/keys/key-1/metadata', { requestMetadata: MD }],
      ['/keys/key-1/encrypt', { requestMetadata: MD, plaintext: b64('x'), encryptionAlgorithm: 'AES_GCM' }],
    ];
    for (const [path, body] of calls) {
      expect(await call(path, body)).toMatchObject({ status: 400, body: { errorName: 'InvalidStateException' } });
    }
    stores.setBlocked('s1', false);
    expect(await call('/health', { requestMetadata: MD })).toMatchObject({ status: 200 });
  });

  it('answers KeyNotFoundException (404) for unknown and other-account keys, ValidationException for a malformed id', async () => {
    const { call, vault } = setup();
    vault.createKey('999999999999', 'theirs');
    expect(await call('/keys/nope/metadata', { requestMetadata: MD })).toMatchObject({
      status: 404,
      body: { errorName: 'KeyNotFoundException' },
    });
    expect(await call('/keys/theirs/metadata', { requestMetadata: MD })).toMatchObject({
      status: 404,
      body: { errorName: 'KeyNotFoundException' },
    });
    expect(await call(`/keys/${'k'.repeat(129)}/metadata`, { requestMetadata: MD })).toMatchObject({
      status: 400,
      body: { errorName: 'ValidationException' },
    });
  });

  it('reports a disabled key as DISABLED and refuses to use it with InvalidStateException (400)', async () => {
    const { call, vault } = setup();
    const enc = (
      await call('/keys/key-1/encrypt', { requestMetadata: MD, plaintext: b64('x'), encryptionAlgorithm: 'AES_GCM' })
    ).body as Record<string, string>;
    vault.setEnabled(ACCOUNT, 'key-1', false);
    expect((await call('/keys/key-1/metadata', { requestMetadata: MD })).body).toMatchObject({ keyStatus: 'DISABLED' });
    expect(
      await call('/keys/key-1/encrypt', { requestMetadata: MD, plaintext: b64('x'), encryptionAlgorithm: 'AES_GCM' }),
    ).toMatchObject({ status: 400, body: { errorName: 'InvalidStateException' } });
    expect(
      await call('/keys/key-1/decrypt', { requestMetadata: MD, encryptionAlgorithm: 'AES_GCM', ...enc }),
    ).toMatchObject({ status: 400, body: { errorName: 'InvalidStateException' } });
  });

  it('cannot decrypt once the key is deleted', async () => {
    const { call, vault } = setup();
    const enc = (
      await call('/keys/key-1/encrypt', { requestMetadata: MD, plaintext: b64('x'), encryptionAlgorithm: 'AES_GCM' })
    ).body as Record<string, string>;
    expect(vault.deleteKey(ACCOUNT, 'key-1')).toBe(true);
    expect(
      await call('/keys/key-1/decrypt', { requestMetadata: MD, encryptionAlgorithm: 'AES_GCM', ...enc }),
    ).toMatchObject({ status: 404, body: { errorName: 'KeyNotFoundException' } });
  });

  it('maps a failing lookup to InternalException (500), a slow one to DependencyTimeoutException (503), without leaking details', async () => {
    const failing: XksKeyVault = {
      getXksKey: async () => {
        throw new Error('db password=hunter2');
      },
    };
    const r = await setup({}, { vault: failing }).call('/keys/key-1/metadata', { requestMetadata: MD });
    expect(r).toEqual({
      status: 500,
      body: { errorName: 'InternalException', errorMessage: 'The XKS proxy failed to process the request' },
    });
    const slow: XksKeyVault = { getXksKey: () => new Promise((res) => setTimeout(() => res(undefined), 500)) };
    expect(
      await setup({ lookupTimeoutMs: 50 }, { vault: slow }).call('/keys/key-1/metadata', { requestMetadata: MD }),
    ).toMatchObject({ status: 503, body: { errorName: 'DependencyTimeoutException' } });
  });

  it('answers ThrottlingException (429) beyond its concurrency bound', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const vault = new InMemoryXksKeyVault();
    vault.createKey(ACCOUNT, 'key-1');
    const held: XksKeyVault = {
      getXksKey: async (a, k) => {
        await gate;
        return vault.getXksKey(a, k);
      },
    };
    const { call } = setup({ maxConcurrent: 1 }, { vault: held });
    const first = call('/keys/key-1/metadata', { requestMetadata: MD });
    expect(await call('/health', { requestMetadata: MD })).toMatchObject({
      status: 429,
      body: { errorName: 'ThrottlingException' },
    });
    release();
    expect(await first).toMatchObject({ status: 200 });
    expect(await call('/health', { requestMetadata: MD })).toMatchObject({ status: 200 });
  });
});
