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
/** A second key, in the account of the roles the assume-role tests use: roles are assumable from their own account only. */
const ROLE_ACCESS_KEY = 'AKIAOPENCCKMROLEACCT';
const ROLE_ACCOUNT = '777788889999';

async function startWire(options: { stsMaxSessionSeconds?: number } = {}) {
  const emulator = await KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store: new InMemoryEmulatorStore(),
    rootKey: randomBytes(32),
    defaultAccountId: '123456789012',
    schedulerIntervalMs: 0,
  });
  const server = createServer(
    createEmulatorWireHandler(emulator, {
      credentials: {
        [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT },
        [ROLE_ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ROLE_ACCOUNT },
      },
      defaultAccountId: '123456789012',
      defaultRegion: 'us-east-1',
      ...options,
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await emulator.close();
    },
  };
}

const target = (url: string, secret = SECRET) => ({
  connectionId: 'contract',
  connectionVersion: '1',
  tenant: 'kylo',
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
  return {
    // The contract checks answers, not latency (timeouts have tests of their own below): RSA
    // key generation for every spec at once can take several seconds on a loaded 2-core machine.
    provider: new AwsKmsProvider(target(wire.url), { timeoutMs: 30_000, maxAttempts: 2 }),
    accountId: ACCOUNT,
    close: wire.close,
  };
});

describe('aws provider failures over the wire', () => {
  it('a wrong secret fails with AWS signature errors, for KMS and STS alike', async () => {
    const wire = await startWire();
    try {
      const p = new AwsKmsProvider(target(wire.url, 'not-the-secret-not-the-secret-not-the'), {
        timeoutMs: 5000,
        maxAttempts: 1,
      });
      await expectAwsError(() => p.kms('ListKeys', {}), 'InvalidSignatureException');
      const err = await p.getCallerIdentity().then(
        () => undefined,
        (e: unknown) => e as { awsName?: string; code?: string },
      );
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

describe('aws provider with an assumed role (STS AssumeRole over the wire)', () => {
  const ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/cckm-admin`;
  /** Base credentials in the role's account. */
  const roleTarget = (url: string) => ({ ...target(url), accessKeyId: ROLE_ACCESS_KEY });

  it("creates keys in the role's account and reports the assumed-role identity", async () => {
    const wire = await startWire();
    try {
      const p = new AwsKmsProvider(
        { ...roleTarget(wire.url), assumeRoleArn: ROLE, assumeRoleExternalId: 'any' },
        { timeoutMs: 5000, maxAttempts: 2 },
      );
      const md = (await p.kms('CreateKey', { Description: 'cross-account' })).KeyMetadata!;
      expect(md.Arn).toBe(`arn:aws:kms:eu-west-1:${ROLE_ACCOUNT}:key/${md.KeyId}`);
      expect(md.AWSAccountId).toBe(ROLE_ACCOUNT);
      const id = await p.getCallerIdentity();
      expect(id).toMatchObject({
        account: ROLE_ACCOUNT,
        arn: `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/cckm-admin/opencckm`,
      });
      expect(id.userId).toMatch(/^AROA[A-Z0-9]+:opencckm$/);
      // Other credentials reach their own account, where the key is not.
      const base = new AwsKmsProvider(target(wire.url), { timeoutMs: 5000, maxAttempts: 1 });
      await expectAwsError(() => base.kms('DescribeKey', { KeyId: md.KeyId! }), 'NotFoundException');
      await Promise.all([p.close(), base.close()]);
    } finally {
      await wire.close();
    }
  });

  it('refuses a malformed role ARN and callers it does not know', async () => {
    const wire = await startWire();
    try {
      const bad = new AwsKmsProvider(
        { ...target(wire.url), assumeRoleArn: 'arn:aws:iam::12345:user/x' },
        { timeoutMs: 5000, maxAttempts: 1 },
      );
      await expectAwsError(() => bad.kms('ListKeys', {}), 'ValidationError');
      const stranger = new AwsKmsProvider(
        {
          ...target(wire.url),
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          assumeRoleArn: ROLE,
        },
        { timeoutMs: 5000, maxAttempts: 1 },
      );
      await expectAwsError(() => stranger.kms('ListKeys', {}), 'InvalidClientTokenId');
      // Known credentials of another account: no trust policies yet, so AccessDenied.
      const otherAccount = new AwsKmsProvider(
        { ...target(wire.url), assumeRoleArn: ROLE },
        { timeoutMs: 5000, maxAttempts: 1 },
      );
      await expectAwsError(() => otherAccount.kms('ListKeys', {}), 'AccessDenied');
    } finally {
      await wire.close();
    }
  });

  it('refreshes the temporary credentials before they expire', async () => {
    const wire = await startWire({ stsMaxSessionSeconds: 2 });
    try {
      const p = new AwsKmsProvider(
        { ...roleTarget(wire.url), assumeRoleArn: ROLE },
        { timeoutMs: 5000, maxAttempts: 1 },
      );
      const seen = new Set<string>();
      const until = Date.now() + 5000;
      // Every call must succeed: one signed with credentials past their expiry would get ExpiredTokenException.
      while (Date.now() < until) {
        await p.kms('ListKeys', {});
        seen.add((await p.getCallerIdentity()).userId);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(seen.size).toBeGreaterThanOrEqual(3); // a new session roughly every 1.5 s
      await p.close();
    } finally {
      await wire.close();
    }
  });

  it('answers ExpiredTokenException for temporary credentials used after their expiry', async () => {
    const wire = await startWire({ stsMaxSessionSeconds: 1 });
    try {
      const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
      const { KMSClient, ListKeysCommand } = await import('@aws-sdk/client-kms');
      const sts = new STSClient({
        region: 'us-east-1',
        endpoint: wire.url,
        credentials: { accessKeyId: ROLE_ACCESS_KEY, secretAccessKey: SECRET },
      });
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1' }))).Credentials!;
      expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
      const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
      const kms = new KMSClient({ region: 'us-east-1', endpoint: wire.url, credentials: creds, maxAttempts: 1 });
      await kms.send(new ListKeysCommand({}));
      const noToken = new KMSClient({
        region: 'us-east-1',
        endpoint: wire.url,
        credentials: { ...creds, sessionToken: undefined },
        maxAttempts: 1,
      });
      await expect(noToken.send(new ListKeysCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      await new Promise((r) => setTimeout(r, 1100));
      await expect(kms.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'ExpiredTokenException' });
      [sts, kms, noToken].forEach((x) => x.destroy());
    } finally {
      await wire.close();
    }
  });
});

describe('aws provider lifecycle', () => {
  it('a call answers within its time budget, retries included, and close() waits for calls in flight', async () => {
    const wire = await startWire();
    try {
      // A server that accepts the connection and never answers.
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const p = new AwsKmsProvider(target(url), { timeoutMs: 700, maxAttempts: 5 });
      const started = Date.now();
      await expect(p.kms('ListKeys', {})).rejects.toMatchObject({ code: 'ProviderTimeout' });
      expect(Date.now() - started).toBeLessThan(1500);
      silent.closeAllConnections();
      silent.close();
      const live = new AwsKmsProvider(target(wire.url), { timeoutMs: 5000, maxAttempts: 1 });
      const call = live.kms('ListKeys', {});
      await live.close();
      await expect(call).resolves.toHaveProperty('Keys');
    } finally {
      await wire.close();
    }
  });
});
