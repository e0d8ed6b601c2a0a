import { HttpXksClient } from '../../../src/xks/client.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  splitStandalonePath,
  startStandaloneXksProxy,
} from '../../../src/xks/standalone-proxy.js';

const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 's'.repeat(44) };
const MD = { awsPrincipalArn: 'arn:aws:iam::111122223333:root', kmsOperation: 'CreateKey', kmsRequestId: 'r-1' };

describe('standalone XKS proxy', () => {
  it('maps request paths to a store and an XKS path', () => {
    expect(splitStandalonePath('/tenant-1/kms/xks/v1/keys/k/encrypt')).toEqual({
      storeId: 'tenant-1',
      path: '/keys/k/encrypt',
    });
    expect(splitStandalonePath('/kms/xks/v1/health')).toEqual({ storeId: 'default', path: '/health' });
    expect(splitStandalonePath('/a/b/kms/xks/v1/health')).toBeUndefined();
    expect(splitStandalonePath('/kms/xks/v2/health')).toBeUndefined();
  });

  it('serves the default store at /kms/xks/v1 and refuses other paths and oversized bodies in XKS form', async () => {
    const stores = new InMemoryXksStores();
    stores.put('default', { region: 'ap-south-1', credentials: [CRED], blocked: false, ownerAccount: 'a' });
    const vault = new InMemoryXksKeyVault();
    const proxy = await startStandaloneXksProxy({ stores, vault, proxy: { maxBodyBytes: 1024 } });
    try {
      const client = new HttpXksClient({ resolveBaseUrl: () => proxy.baseUrl });
      const target = {
        uriEndpoint: 'https://xks.example.com',
        uriPath: '/kms/xks/v1',
        credential: CRED,
        region: 'ap-south-1',
      };
      expect((await client.health(target, MD)).ekmVendor).toBe('opencckm');
      const other = await fetch(`${proxy.baseUrl}/elsewhere`, { method: 'POST', body: '{}' });
      expect([other.status, await other.json()]).toEqual([
        404,
        { errorName: 'InvalidUriPathException', errorMessage: expect.any(String) },
      ]);
      const url = new URL(`${proxy.baseUrl}/kms/xks/v1/health`);
      const body = Buffer.from(JSON.stringify({ requestMetadata: MD, pad: 'p'.repeat(2000) }));
      const { host: _host, ...headers } = signXksRequest({
        method: 'POST',
        url,
        body,
        credential: CRED,
        region: 'ap-south-1',
      });
      const big = await fetch(url, { method: 'POST', headers, body });
      expect([big.status, await big.json()]).toEqual([
        400,
        { errorName: 'ValidationException', errorMessage: 'The request body exceeds 1024 bytes' },
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('in-memory vault: ids are validated, unique per account, and deletion forgets the key', async () => {
    const vault = new InMemoryXksKeyVault();
    expect(() => vault.createKey('a', 'bad id')).toThrow(/keyId/);
    vault.createKey('a', 'k');
    expect(() => vault.createKey('a', 'k')).toThrow(/exists/);
    expect(vault.createKey('b', 'k')).toBe('k');
    expect(vault.deleteKey('a', 'k')).toBe(true);
    expect(await vault.getXksKey('a', 'k')).toBeUndefined();
    expect(await vault.getXksKey('b', 'k')).toMatchObject({ enabled: true });
    expect(vault.deleteKey('a', 'k')).toBe(false);
  });
});
