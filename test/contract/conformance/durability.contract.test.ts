import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { startConformance, type Conformance } from './harness.js';

/**
 * Durability across a restart: the emulator over PostgreSQL (PrismaEmulatorStore) is
 * stopped and opened again on the same database and root key; everything acknowledged
 * before is there, and every earlier ciphertext, signature key and MAC key still works.
 */

let c: Conformance;
beforeAll(async () => {
  c = await startConformance('durability', { durable: true });
});
afterAll(() => c.close());

test('keys, material versions, aliases, grants, tags, rotation settings and deletion schedules survive a restart', async () => {
  let kms = c.kms();
  const context = { purpose: 'restart' };
  const sym = (await kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'core' }] }))).KeyMetadata!
    .KeyId!;
  const before = (
    await kms.send(new EncryptCommand({ KeyId: sym, Plaintext: Buffer.from('v1'), EncryptionContext: context }))
  ).CiphertextBlob!;
  await kms.send(new RotateKeyOnDemandCommand({ KeyId: sym }));
  const after = (
    await kms.send(new EncryptCommand({ KeyId: sym, Plaintext: Buffer.from('v2'), EncryptionContext: context }))
  ).CiphertextBlob!;
  const alias = `alias/durable-${randomBytes(3).toString('hex')}`;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: sym }));
  const { GrantId } = await kms.send(
    new CreateGrantCommand({
      KeyId: sym,
      GranteePrincipal: 'arn:aws:iam::210987654321:role/app',
      Operations: ['Decrypt'],
      Constraints: { EncryptionContextSubset: context },
    }),
  );
  const signer = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })))
    .KeyMetadata!.KeyId!;
  const spki = (await kms.send(new GetPublicKeyCommand({ KeyId: signer }))).PublicKey!;
  const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })))
    .KeyMetadata!.KeyId!;
  const mac = (
    await kms.send(new GenerateMacCommand({ KeyId: hmac, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }))
  ).Mac!;
  const doomed = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const { DeletionDate } = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));

  await c.restart();
  kms = c.kms();

  for (const [blob, text] of [
    [before, 'v1'],
    [after, 'v2'],
  ] as const) {
    const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));
    expect(Buffer.from(out.Plaintext!).toString()).toBe(text);
  }
  expect((await kms.send(new ListKeyRotationsCommand({ KeyId: sym }))).Rotations).toHaveLength(1);
  expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: sym }))).KeyRotationEnabled).toBe(false);
  expect((await kms.send(new ListAliasesCommand({ KeyId: sym }))).Aliases!.map((a) => a.AliasName)).toEqual([alias]);
  const grants = (await kms.send(new ListGrantsCommand({ KeyId: sym }))).Grants!;
  expect(grants.map((g) => [g.GrantId, g.Constraints])).toEqual([[GrantId, { EncryptionContextSubset: context }]]);
  expect((await kms.send(new ListResourceTagsCommand({ KeyId: sym }))).Tags).toEqual([
    { TagKey: 'team', TagValue: 'core' },
  ]);
  expect(
    Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: signer }))).PublicKey!).equals(Buffer.from(spki)),
  ).toBe(true);
  const sig = (
    await kms.send(
      new SignCommand({ KeyId: signer, Message: Buffer.from('after restart'), SigningAlgorithm: 'ECDSA_SHA_256' }),
    )
  ).Signature!;
  expect(
    nodeVerify(
      'sha256',
      Buffer.from('after restart'),
      createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }),
      sig,
    ),
  ).toBe(true);
  expect(
    (
      await kms.send(
        new VerifyMacCommand({ KeyId: hmac, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: mac }),
      )
    ).MacValid,
  ).toBe(true);
  const d = (await kms.send(new DescribeKeyCommand({ KeyId: doomed }))).KeyMetadata!;
  expect([d.KeyState, d.DeletionDate?.toISOString()]).toEqual(['PendingDeletion', DeletionDate!.toISOString()]);
});
