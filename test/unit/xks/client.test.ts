import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpXksClient } from '../../../src/xks/client.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../src/xks/standalone-proxy.js';
import {
  XksCallError,
  type XksFailure,
  type XksProxyTarget,
  type XksRequestMetadata,
} from '../../../src/xks/xks-types.js';

const ACCOUNT = '111122223333';
const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 'a'.repeat(43) + 'Q' };
const MD: XksRequestMetadata = {
  awsPrincipalArn: `arn:aws:iam::${ACCOUNT}:role/app`,
  kmsOperation: 'Encrypt',
  kmsRequestId: 'req-1',
};

/** Runs `fn` and returns the XksFailure it throws. */
async function failure(fn: () => Promise<unknown>): Promise<XksFailure> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof XksCallError) return err.failure;
    throw err;
  }
  throw new Error('expected an XksCallError');
}

/** A raw HTTP server answering each request with `reply` (or never, when it returns undefined). */
async function rawServer(
  reply: (res: http.ServerResponse) => void | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => reply(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('HttpXksClient against the standalone proxy over HTTP', () => {
  let proxy: StandaloneXksProxy;
  const stores = new InMemoryXksStores();
  const vault = new InMemoryXksKeyVault();
  let keyId: string;
  const target: XksProxyTarget = {
    uriEndpoint: 'https://xks.example.com',
    uriPath: '/store1/kms/xks/v1',
    credential: CRED,
    region: 'us-east-1',
  };
  let client: HttpXksClient;

  beforeAll(async () => {
    stores.put('store1', { region: 'us-east-1', credentials: [CRED], blocked: false, ownerAccount: ACCOUNT });
    keyId = vault.createKey(ACCOUNT, 'client-key-1');
    proxy = await startStandaloneXksProxy({ stores, vault });
    client = new HttpXksClient({ resolveBaseUrl: () => proxy.baseUrl });
  });
  afterAll(() => proxy.close());

  it('reports health and key metadata', async () => {
    const health = await client.health(target, MD);
    expect(health.xksProxyFleetSize).toBe(1);
    expect(health.ekmFleetDetails[0]!.healthStatus).toBe('ACTIVE');
    expect(await client.getKeyMetadata(target, keyId, MD)).toEqual({
      keySpec: 'AES_256',
      keyUsage: ['ENCRYPT', 'DECRYPT'],
      keyStatus: 'ENABLED',
    });
  });

  it('encrypts and decrypts with AAD, and checks the integrity value', async () => {
    const plaintext = Buffer.from('top secret data key');
    const aad = Buffer.from('kms-context');
    const enc = await client.encrypt(
      target,
      keyId,
      { plaintext, additionalAuthenticatedData: aad, ciphertextDataIntegrityValueAlgorithm: 'SHA_256' },
      MD,
    );
    expect(enc.initializationVector).toHaveLength(12);
    expect(enc.authenticationTag).toHaveLength(16);
    expect(Buffer.from(enc.ciphertext).equals(plaintext)).toBe(false);
    expect(enc.ciphertextDataIntegrityValue).toHaveLength(32);
    const out = await client.decrypt(
      target,
      keyId,
      { ...enc, additionalAuthenticatedData: aad },
      { ...MD, kmsOperation: 'Decrypt' },
    );
    expect(Buffer.from(out).toString()).toBe('top secret data key');
    const wrongAad = await failure(() =>
      client.decrypt(target, keyId, { ...enc, additionalAuthenticatedData: Buffer.from('other') }, MD),
    );
    expect(wrongAad).toMatchObject({ kind: 'proxy-error', errorName: 'InvalidCiphertextException', httpStatus: 400 });
  });

  it('maps proxy errors to proxy-error failures with their XKS name and status', async () => {
    expect(await failure(() => client.getKeyMetadata(target, 'no-such-key', MD))).toMatchObject({
      kind: 'proxy-error',
      errorName: 'KeyNotFoundException',
      httpStatus: 404,
    });
    const wrongSecret = { ...target, credential: { ...CRED, secretAccessKey: 'b'.repeat(44) } };
    expect(await failure(() => client.health(wrongSecret, MD))).toMatchObject({
      kind: 'proxy-error',
      errorName: 'AuthenticationFailedException',
      httpStatus: 401,
    });
    const wrongRegion = { ...target, region: 'eu-west-1' };
    expect(await failure(() => client.health(wrongRegion, MD))).toMatchObject({
      errorName: 'AuthenticationFailedException',
    });
    const unknownStore = { ...target, uriPath: '/nostore/kms/xks/v1' };
    expect(await failure(() => client.health(unknownStore, MD))).toMatchObject({
      errorName: 'InvalidUriPathException',
      httpStatus: 404,
    });
  });

  it('refuses a malformed key id before sending anything', async () => {
    expect(await failure(() => client.getKeyMetadata(target, '../health', MD))).toMatchObject({
      kind: 'proxy-error',
      errorName: 'ValidationException',
    });
  });

  it('signs with a skewed clock and is refused', async () => {
    const skewed = new HttpXksClient({
      resolveBaseUrl: () => proxy.baseUrl,
      now: () => new Date(Date.now() - 10 * 60 * 1000),
    });
    expect(await failure(() => skewed.health(target, MD))).toMatchObject({
      errorName: 'AuthenticationFailedException',
    });
  });
});

describe('HttpXksClient transport failures', () => {
  const target: XksProxyTarget = {
    uriEndpoint: 'https://xks.example.com',
    uriPath: '/kms/xks/v1',
    credential: CRED,
    region: 'us-east-1',
  };

  it('times out against a server that never answers', async () => {
    const srv = await rawServer(() => undefined);
    try {
      const client = new HttpXksClient({ resolveBaseUrl: () => srv.url, timeoutMs: 150 });
      const started = Date.now();
      expect(await failure(() => client.health(target, MD))).toMatchObject({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await srv.close();
    }
  });

  it('reports a malformed proxy URI as unreachable without calling anything', async () => {
    const client = new HttpXksClient();
    expect(await failure(() => client.health({ ...target, uriEndpoint: 'ftp://xks.example.com' }, MD))).toMatchObject({
      kind: 'unreachable',
    });
    expect(await failure(() => client.health({ ...target, uriPath: '/a b/kms/xks/v1' }, MD))).toMatchObject({
      kind: 'unreachable',
      message: expect.stringContaining('path'),
    });
  });

  it('reports an unreachable port', async () => {
    const srv = await rawServer(() => undefined);
    const url = srv.url;
    await srv.close();
    const client = new HttpXksClient({ resolveBaseUrl: () => url });
    expect(await failure(() => client.health(target, MD))).toMatchObject({ kind: 'unreachable' });
  });

  it('treats a non-JSON answer, an unknown error name and a malformed 200 as invalid responses', async () => {
    const answers: Array<[number, string]> = [
      [200, '<html>not json</html>'],
      [500, '{"errorName":"SomethingElse","errorMessage":"x"}'],
      [200, '{"keySpec":"RSA_2048","keyUsage":["ENCRYPT"],"keyStatus":"ENABLED"}'],
      [200, '{"keySpec":"AES_256","keyUsage":["ENCRYPT"],"keyStatus":"ROTTEN"}'],
    ];
    let i = 0;
    const srv = await rawServer((res) => {
      const [status, body] = answers[i++]!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    try {
      const client = new HttpXksClient({ resolveBaseUrl: () => srv.url });
      for (let n = 0; n < answers.length; n++) {
        expect(await failure(() => client.getKeyMetadata(target, 'k1', MD))).toMatchObject({
          kind: 'invalid-response',
        });
      }
    } finally {
      await srv.close();
    }
  });

  it('rejects an encrypt answer whose integrity value or IV does not match', async () => {
    const tag = Buffer.alloc(16, 1).toString('base64');
    const answers = [
      {
        ciphertext: 'AAAA',
        initializationVector: Buffer.alloc(12).toString('base64'),
        authenticationTag: tag,
        ciphertextDataIntegrityValue: Buffer.alloc(32).toString('base64'),
      },
      { ciphertext: 'AAAA', initializationVector: Buffer.alloc(8).toString('base64'), authenticationTag: tag },
    ];
    let i = 0;
    const srv = await rawServer((res) => void res.writeHead(200).end(JSON.stringify(answers[i++])));
    try {
      const client = new HttpXksClient({ resolveBaseUrl: () => srv.url });
      const req = { plaintext: Buffer.alloc(3), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' as const };
      expect(await failure(() => client.encrypt(target, 'k1', req, MD))).toMatchObject({
        kind: 'invalid-response',
        message: expect.stringContaining('ciphertextDataIntegrityValue'),
      });
      expect(await failure(() => client.encrypt(target, 'k1', { plaintext: Buffer.alloc(3) }, MD))).toMatchObject({
        kind: 'invalid-response',
        message: expect.stringContaining('initializationVector'),
      });
    } finally {
      await srv.close();
    }
  });

  it('bounds the response size', async () => {
    const srv = await rawServer((res) => void res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(10_000) })));
    try {
      const client = new HttpXksClient({ resolveBaseUrl: () => srv.url, maxResponseBytes: 1024 });
      expect(await failure(() => client.health(target, MD))).toMatchObject({
        kind: 'invalid-response',
        message: expect.stringContaining('too large'),
      });
    } finally {
      await srv.close();
    }
  });
});
