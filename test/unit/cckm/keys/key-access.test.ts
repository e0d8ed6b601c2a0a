import { randomBytes } from 'node:crypto';
import { simulateAccess } from '../../../../src/cckm/keys/key-access.js';
import { EmulatorKmsProvider } from '../../../../src/emulator/emulator-provider.js';
import { KmsEmulator } from '../../../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import type { KmsProvider } from '../../../../src/providers/kms-provider.js';

// simulate-access against a provider that cannot explain (as AWS): computed from the key policy alone.

const A = '111122223333';
let emulator: KmsEmulator;
let full: EmulatorKmsProvider;
/** The same emulator seen through the KMS API only, as an AWS account is. */
let policyOnly: KmsProvider;
let key: { id: string; arn: string };

beforeAll(async () => {
  emulator = await KmsEmulator.open({
    store: new InMemoryEmulatorStore(),
    rootKey: randomBytes(32),
    defaultAccountId: A,
    schedulerIntervalMs: 0,
  });
  full = new EmulatorKmsProvider(emulator, A, 'us-east-1');
  policyOnly = {
    kind: 'aws',
    region: 'us-east-1',
    kms: (op, input) => full.kms(op, input),
    cloudHsm: (op, input) => full.cloudHsm(op, input),
    getCallerIdentity: () => full.getCallerIdentity(),
  };
  const policy = JSON.stringify({
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'AppDecrypt',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:role/app` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:tier': 'web' } },
      },
      {
        Sid: 'NoMallory',
        Effect: 'Deny',
        Principal: { AWS: `arn:aws:iam::${A}:user/mallory` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  const out = await full.kms('CreateKey', { Policy: policy });
  key = { id: out.KeyMetadata!.KeyId!, arn: out.KeyMetadata!.Arn! };
});
afterAll(() => emulator.close());

test('from the key policy alone: statements, conditions and explicit denies, saying so', async () => {
  const web = await simulateAccess(policyOnly, key.id, key.arn, {
    principal: 'role/app',
    action: 'Decrypt',
    encryption_context: { tier: 'web' },
  });
  expect(web).toMatchObject({
    allowed: true,
    basis: 'key-policy',
    decided_by: 'key policy statement "AppDecrypt" (#2)',
    principal: `arn:aws:iam::${A}:role/app`,
    action: 'kms:Decrypt',
  });
  expect(web.explanation).toContain('Computed from the key policy alone');
  const batch = await simulateAccess(policyOnly, key.id, key.arn, {
    principal: `arn:aws:iam::444455556666:role/app`,
    action: 'kms:Decrypt',
  });
  expect(batch).toMatchObject({ allowed: false, decided_by: 'implicit deny' });
  const mallory = await simulateAccess(policyOnly, key.id, key.arn, { principal: 'mallory', action: 'kms:Encrypt' });
  expect(mallory).toMatchObject({ allowed: false, decided_by: 'key policy statement "NoMallory" (#3)' });
});

test('agrees with the emulator for principals without identity policies', async () => {
  for (const [principal, action, ctx] of [
    ['alice', 'kms:Encrypt', undefined],
    ['mallory', 'kms:Decrypt', undefined],
    ['role/app', 'kms:Decrypt', { tier: 'web' }],
    ['role/app', 'kms:Decrypt', { tier: 'db' }],
  ] as const) {
    const body = { principal, action, ...(ctx ? { encryption_context: ctx } : {}) };
    const [a, b] = await Promise.all([
      simulateAccess(policyOnly, key.id, key.arn, body),
      simulateAccess(full, key.id, key.arn, body),
    ]);
    expect(b.basis).toBe('emulator');
    expect({ principal, action, allowed: a.allowed, by: a.decided_by }).toEqual({
      principal,
      action,
      allowed: b.allowed,
      by: b.decided_by,
    });
  }
});

test.each([
  [{ action: 'kms:Encrypt' }, 'principal'],
  [{ principal: 'group/x', action: 'kms:Encrypt' }, 'principal'],
  [{ principal: 'arn:aws:s3:::bucket', action: 'kms:Encrypt' }, 'principal'],
  [{ principal: 'alice' }, 'action'],
  [{ principal: 'alice', action: 'kms:Fly' }, 'action'],
  [{ principal: 'alice', action: 'kms:Encrypt', encryption_context: { a: 1 } }, 'encryption_context'],
])('refuses %j naming %s', async (body, field) => {
  await expect(simulateAccess(policyOnly, key.id, key.arn, body)).rejects.toMatchObject({
    details: [expect.objectContaining({ field })],
  });
});
