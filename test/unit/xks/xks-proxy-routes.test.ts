import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { XKS_PROXY_MOUNT, xksProxyRoutes } from '../../../src/http/routes/xks-proxy.routes.js';
import { HttpXksClient } from '../../../src/xks/client.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { InMemoryXksKeyVault, InMemoryXksStores } from '../../../src/xks/standalone-proxy.js';
import { XksCallError, type XksProxyTarget } from '../../../src/xks/xks-types.js';

const ACCOUNT = 'acct-1';
const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 'k'.repeat(44) };
const MD = { awsPrincipalArn: 'arn:aws:iam::111122223333:root', kmsOperation: 'Encrypt', kmsRequestId: 'r-1' };
const STORE = '0b7f4c1e-2f7a-4d2e-9a51-3c0d5e6f7a8b';

describe('xksProxyRoutes mounted in an Express app before express.json', () => {
  let server: Server;
  let base: string;
  let client: HttpXksClient;
  const stores = new InMemoryXksStores();
  const vault = new InMemoryXksKeyVault();
  const target: XksProxyTarget = {
    uriEndpoint: 'https://cckm.example.com',
    uriPath: `${XKS_PROXY_MOUNT}/${STORE}/kms/xks/v1`,
    credential: CRED,
    region: 'us-west-2',
  };

  beforeAll(async () => {
    stores.put(STORE, { region: 'us-west-2', credentials: [CRED], blocked: false, ownerAccount: ACCOUNT });
    vault.createKey(ACCOUNT, 'route-key');
    const app = express();
    app.use(xksProxyRoutes({ stores, vault, options: { maxBodyBytes: 8 * 1024 } }));
    app.use(express.json());
    app.post('/api/v1/echo', (req, res) => void res.json({ echoed: req.body }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new HttpXksClient({ resolveBaseUrl: () => base });
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  it('serves health, metadata, encrypt and decrypt with the signature over the full path', async () => {
    expect((await client.health(target, MD)).xksProxyVendor).toBe('opencckm');
    expect((await client.getKeyMetadata(target, 'route-key', MD)).keyStatus).toBe('ENABLED');
    const enc = await client.encrypt(
      target,
      'route-key',
      { plaintext: Buffer.from('abc'), ciphertextDataIntegrityValueAlgorithm: 'SHA_256' },
      MD,
    );
    expect(Buffer.from(await client.decrypt(target, 'route-key', enc, MD)).toString()).toBe('abc');
  });

  it('answers XKS error bodies, not REST ones, for a wrong credential, unknown store and unknown path', async () => {
    const err = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as XksCallError).failure;
    expect(
      await err(client.health({ ...target, credential: { ...CRED, secretAccessKey: 'z'.repeat(44) } }, MD)),
    ).toMatchObject({ errorName: 'AuthenticationFailedException', httpStatus: 401 });
    expect(
      await err(client.health({ ...target, uriPath: `${XKS_PROXY_MOUNT}/other-store/kms/xks/v1` }, MD)),
    ).toMatchObject({ errorName: 'InvalidUriPathException', httpStatus: 404 });
    const res = await fetch(`${base}${XKS_PROXY_MOUNT}/${STORE}/not-xks`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorName: 'InvalidUriPathException' });
  });

  it('refuses an oversized body with ValidationException', async () => {
    const url = new URL(`${base}${target.uriPath}/health`);
    const body = Buffer.from(JSON.stringify({ requestMetadata: MD, pad: 'x'.repeat(9000) }));
    const headers = signXksRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body,
      credential: CRED,
      region: 'us-west-2',
    });
    delete headers.host;
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      errorName: 'ValidationException',
      errorMessage: expect.stringContaining('8192 bytes'),
    });
  });

  it('leaves the rest of the application alone', async () => {
    const res = await fetch(`${base}/api/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await res.json()).toEqual({ echoed: { a: 1 } });
  });
});
