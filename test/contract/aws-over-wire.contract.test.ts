import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../src/emulator/wire/handler.js';
import { AwsKmsProvider } from '../../src/providers/aws/aws-kms-provider.js';
import { describeProviderContract, expectAwsError } from './kms-provider.contract.js';

const ACCESS_KEY = 'AKIAOPENCCKMCONTRACT';
const SECRET = 'contract-secret-key-0123456789abcdefghij';
const ACCOUNT = '444455556666';

async function startWire() {
  const emulator = await KmsEmulator.open({ store: new InMemoryEmulatorStore(), rootKey: randomBytes(32), defaultAccountId: '123456789012', schedulerIntervalMs: 0 });
  const server = createServer(
    createEmulatorWireHandler(emulator, { credentials: { [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT } }, defaultAccountId: '123456789012', defaultRegion: 'us-east-1' }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); await emulator.close(); } };
}

const target = (url: string, secret = SECRET) => ({
  connectionId: 'contract',
  connectionVersion: '1',
  provider: 'aws' as const,
  cloudName: 'aws' as const,
  region: 'eu-west-1',
  accessKeyId: ACCESS_KEY,
  secretAccessKey: secret,
  endpointUrl: url,
  stsRegionalEndpoints: 'legacy' as const,
});

describeProviderContract('aws provider over the emulator wire (SigV4 verified)', async () => {
  const wire = await startWire();
  return { provider: new AwsKmsProvider(target(wire.url), { timeoutMs: 5000, maxAttempts: 2 }), accountId: ACCOUNT, close: wire.close };
});

describe('aws provider failures over the wire', () => {
  it('a wrong secret fails with AWS signature errors, for KMS and STS alike', async () => {
    const wire = await startWire();
    try {
      const p = new AwsKmsProvider(target(wire.url, 'not-the-secret-not-the-secret-not-the'), { timeoutMs: 5000, maxAttempts: 1 });
      await expectAwsError(() => p.kms('ListKeys', {}), 'InvalidSignatureException');
      const err = await p.getCallerIdentity().then(() => undefined, (e: unknown) => e as { awsName?: string; code?: string });
      expect(err?.code).toBe('Unauthenticated');
    } finally {
      await wire.close();
    }
  });

  it('a refused connection is ProviderUnavailable, not a hang', async () => {
    const p = new AwsKmsProvider(target('http://127.0.0.1:1'), { timeoutMs: 2000, maxAttempts: 1 });
    await expect(p.kms('ListKeys', {})).rejects.toMatchObject({ code: 'ProviderUnavailable' });
  });
});
