import { randomBytes } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DeleteImportedKeyMaterialCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KeySpec,
  type KeyUsageType,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { awsErrorName, startConformance, type Conformance } from './harness.js';

/** Key state on every operation, the error paths of the scope, and Limit/Marker paging of every List operation, over HTTP. */

let c: Conformance;
let kms: KMSClient;
beforeAll(async () => {
  c = await startConformance('lifecycle');
  kms = c.kms();
});
afterAll(() => c.close());

const newKey = async (
  KeySpec: KeySpec = 'SYMMETRIC_DEFAULT',
  KeyUsage: KeyUsageType = 'ENCRYPT_DECRYPT',
  extra: object = {},
) => (await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage, ...extra }))).KeyMetadata!.KeyId!;
const pt = Buffer.from('state');
const GRANTEE = 'arn:aws:iam::210987654321:role/conformance';

/** Every operation that takes a symmetric encryption key, as a request against `k` (`blob` is a ciphertext made under `k` while it was enabled). */
const symmetricOps = (k: string, blob: Uint8Array) => ({
  Encrypt: () => kms.send(new EncryptCommand({ KeyId: k, Plaintext: pt })),
  Decrypt: () => kms.send(new DecryptCommand({ CiphertextBlob: blob })),
  ReEncrypt: () => kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: k })),
  GenerateDataKey: () => kms.send(new GenerateDataKeyCommand({ KeyId: k, KeySpec: 'AES_256' })),
  GenerateDataKeyWithoutPlaintext: () =>
    kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k, NumberOfBytes: 16 })),
  GenerateDataKeyPair: () => kms.send(new GenerateDataKeyPairCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' })),
  GenerateDataKeyPairWithoutPlaintext: () =>
    kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' })),
  CreateGrant: () => kms.send(new CreateGrantCommand({ KeyId: k, GranteePrincipal: GRANTEE, Operations: ['Decrypt'] })),
  EnableKeyRotation: () => kms.send(new EnableKeyRotationCommand({ KeyId: k })),
  DisableKeyRotation: () => kms.send(new DisableKeyRotationCommand({ KeyId: k })),
  RotateKeyOnDemand: () => kms.send(new RotateKeyOnDemandCommand({ KeyId: k })),
});

describe('key state on every operation', () => {
  test('a Disabled key: every cryptographic and rotation operation answers DisabledException; management and reads still work', async () => {
    const k = await newKey();
    const blob = (await kms.send(new EncryptCommand({ KeyId: k, Plaintext: pt }))).CiphertextBlob!;
    await kms.send(new DisableKeyCommand({ KeyId: k }));
    for (const [op, call] of Object.entries(symmetricOps(k, blob))) {
      expect([op, await awsErrorName(call())]).toEqual([op, 'DisabledException']);
    }
    await kms.send(new TagResourceCommand({ KeyId: k, Tags: [{ TagKey: 't', TagValue: 'v' }] }));
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k, Description: 'disabled' }));
    await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState).toBe('Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: k }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).equals(pt)).toBe(
      true,
    );
  });

  test('a key PendingDeletion: everything but reads and CancelKeyDeletion answers KMSInvalidStateException', async () => {
    const k = await newKey();
    const blob = (await kms.send(new EncryptCommand({ KeyId: k, Plaintext: pt }))).CiphertextBlob!;
    expect(await awsErrorName(kms.send(new CancelKeyDeletionCommand({ KeyId: k })))).toBe('KMSInvalidStateException');
    expect(await awsErrorName(kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 6 })))).toBe(
      'ValidationException',
    );
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }));
    expect(scheduled.KeyState).toBe('PendingDeletion');
    const manage = {
      EnableKey: () => kms.send(new EnableKeyCommand({ KeyId: k })),
      DisableKey: () => kms.send(new DisableKeyCommand({ KeyId: k })),
      TagResource: () => kms.send(new TagResourceCommand({ KeyId: k, Tags: [{ TagKey: 't', TagValue: 'v' }] })),
      UntagResource: () => kms.send(new UntagResourceCommand({ KeyId: k, TagKeys: ['t'] })),
      UpdateKeyDescription: () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: k, Description: 'x' })),
      CreateAlias: () =>
        kms.send(
          new CreateAliasCommand({ AliasName: `alias/pending-${randomBytes(4).toString('hex')}`, TargetKeyId: k }),
        ),
      ScheduleKeyDeletion: () => kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 })),
    };
    for (const [op, call] of Object.entries({ ...symmetricOps(k, blob), ...manage })) {
      expect([op, await awsErrorName(call())]).toEqual([op, 'KMSInvalidStateException']);
    }
    await kms.send(new GetKeyPolicyCommand({ KeyId: k }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.DeletionDate).toBeInstanceOf(Date);
    expect((await kms.send(new CancelKeyDeletionCommand({ KeyId: k }))).KeyId).toContain(k);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState).toBe('Disabled');
  });

  test('asymmetric, HMAC and key agreement operations refuse a Disabled key; PendingImport and PendingDeletion on import and replication', async () => {
    const sign = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const mac = await newKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    const agree = await newKey('ECC_NIST_P256', 'KEY_AGREEMENT');
    const peer = (await kms.send(new GetPublicKeyCommand({ KeyId: agree }))).PublicKey!;
    for (const k of [sign, mac, agree]) await kms.send(new DisableKeyCommand({ KeyId: k }));
    const calls = {
      Sign: () => kms.send(new SignCommand({ KeyId: sign, Message: pt, SigningAlgorithm: 'ECDSA_SHA_256' })),
      Verify: () =>
        kms.send(
          new VerifyCommand({
            KeyId: sign,
            Message: pt,
            SigningAlgorithm: 'ECDSA_SHA_256',
            Signature: new Uint8Array(70),
          }),
        ),
      GetPublicKey: () => kms.send(new GetPublicKeyCommand({ KeyId: sign })),
      GenerateMac: () => kms.send(new GenerateMacCommand({ KeyId: mac, Message: pt, MacAlgorithm: 'HMAC_SHA_256' })),
      VerifyMac: () =>
        kms.send(
          new VerifyMacCommand({ KeyId: mac, Message: pt, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }),
        ),
      DeriveSharedSecret: () =>
        kms.send(new DeriveSharedSecretCommand({ KeyId: agree, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer })),
    };
    for (const [op, call] of Object.entries(calls))
      expect([op, await awsErrorName(call())]).toEqual([op, 'DisabledException']);
    const external = await newKey('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', { Origin: 'EXTERNAL' });
    expect((await kms.send(new DescribeKeyCommand({ KeyId: external }))).KeyMetadata!.KeyState).toBe('PendingImport');
    expect(await awsErrorName(kms.send(new EncryptCommand({ KeyId: external, Plaintext: pt })))).toBe(
      'KMSInvalidStateException',
    );
    expect(await awsErrorName(kms.send(new EnableKeyCommand({ KeyId: external })))).toBe('KMSInvalidStateException');
    // import and multi-Region operations refuse a key pending deletion
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: external, PendingWindowInDays: 7 }));
    const importParams = kms.send(
      new GetParametersForImportCommand({
        KeyId: external,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
    );
    expect(await awsErrorName(importParams)).toBe('KMSInvalidStateException');
    expect(await awsErrorName(kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: external })))).toBe(
      'KMSInvalidStateException',
    );
    const mrk = (await kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!.KeyId!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: mrk, PendingWindowInDays: 7 }));
    expect(await awsErrorName(kms.send(new ReplicateKeyCommand({ KeyId: mrk, ReplicaRegion: 'eu-west-1' })))).toBe(
      'KMSInvalidStateException',
    );
  });
});

test('a key scheduled for deletion is really deleted when due, not before', async () => {
  const k = await newKey();
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }));
  await c.advanceDays(6);
  expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.KeyState).toBe('PendingDeletion');
  await c.advanceDays(2);
  expect(await awsErrorName(kms.send(new DescribeKeyCommand({ KeyId: k })))).toBe('NotFoundException');
  expect((await kms.send(new ListKeysCommand({}))).Keys!.map((x) => x.KeyId)).not.toContain(k);
});

describe('error paths', () => {
  test('keys that do not exist, malformed ids and aliases', async () => {
    expect(
      await awsErrorName(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' }))),
    ).toBe('NotFoundException');
    expect(await awsErrorName(kms.send(new DescribeKeyCommand({ KeyId: 'not-a-key' })))).toBe('NotFoundException');
    expect(await awsErrorName(kms.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: pt })))).toBe(
      'NotFoundException',
    );
    const k = await newKey();
    const name = `alias/conf-${randomBytes(4).toString('hex')}`;
    await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k }));
    expect(await awsErrorName(kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k })))).toBe(
      'AlreadyExistsException',
    );
    expect(
      await awsErrorName(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/reserved', TargetKeyId: k }))),
    ).toBe('NotAuthorizedException');
    expect(await awsErrorName(kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: k })))).toBe(
      'ValidationException',
    );
    const signer = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    expect(await awsErrorName(kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: signer })))).toBe(
      'ValidationException',
    );
    await kms.send(new DeleteAliasCommand({ AliasName: name }));
    expect(await awsErrorName(kms.send(new DeleteAliasCommand({ AliasName: name })))).toBe('NotFoundException');
  });

  test('ciphertexts: tampered, wrong context, another key named, a key of the wrong usage', async () => {
    const a = await newKey();
    const b = await newKey();
    const blob = Buffer.from(
      (await kms.send(new EncryptCommand({ KeyId: a, Plaintext: pt, EncryptionContext: { k: 'v' } }))).CiphertextBlob!,
    );
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    expect(
      await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { k: 'v' } }))),
    ).toBe('InvalidCiphertextException');
    expect(
      await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { k: 'w' } }))),
    ).toBe('InvalidCiphertextException');
    expect(await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: blob })))).toBe(
      'InvalidCiphertextException',
    );
    expect(
      await awsErrorName(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: b, EncryptionContext: { k: 'v' } })),
      ),
    ).toBe('IncorrectKeyException');
    expect(await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: randomBytes(8) })))).toBe(
      'InvalidCiphertextException',
    );
    const signer = await newKey('RSA_2048', 'SIGN_VERIFY');
    expect(
      await awsErrorName(
        kms.send(new EncryptCommand({ KeyId: signer, Plaintext: pt, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
      ),
    ).toBe('InvalidKeyUsageException');
    expect(
      await awsErrorName(kms.send(new SignCommand({ KeyId: a, Message: pt, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))),
    ).toBe('InvalidKeyUsageException');
    expect(await awsErrorName(kms.send(new GetPublicKeyCommand({ KeyId: a })))).toBe('UnsupportedOperationException');
  });

  test('grants: unknown grant ids, forged tokens, operations the key cannot do; a policy that does not parse', async () => {
    const k = await newKey();
    expect(await awsErrorName(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: 'a'.repeat(64) })))).toBe(
      'NotFoundException',
    );
    expect(await awsErrorName(kms.send(new RetireGrantCommand({ KeyId: k, GrantId: 'a'.repeat(64) })))).toBe(
      'NotFoundException',
    );
    expect(await awsErrorName(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: 'not-a-grant-id' })))).toBe(
      'InvalidGrantIdException',
    );
    expect(
      await awsErrorName(
        kms.send(
          new CreateGrantCommand({
            KeyId: k,
            GranteePrincipal: GRANTEE,
            Operations: ['Decrypt'],
            GrantTokens: ['forged-token'],
          }),
        ),
      ),
    ).toBe('InvalidGrantTokenException');
    expect(
      await awsErrorName(kms.send(new EncryptCommand({ KeyId: k, Plaintext: pt, GrantTokens: ['forged-token'] }))),
    ).toBe('InvalidGrantTokenException');
    expect(await awsErrorName(kms.send(new RetireGrantCommand({ GrantToken: 'forged-token' })))).toBe(
      'InvalidGrantTokenException',
    );
    expect(
      await awsErrorName(
        kms.send(new CreateGrantCommand({ KeyId: k, GranteePrincipal: GRANTEE, Operations: ['Sign'] })),
      ),
    ).toBe('ValidationException');
    expect(
      await awsErrorName(kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: '{not json' }))),
    ).toBe('MalformedPolicyDocumentException');
    const { GrantToken, GrantId } = await kms.send(
      new CreateGrantCommand({
        KeyId: k,
        GranteePrincipal: GRANTEE,
        RetiringPrincipal: GRANTEE,
        Operations: ['Encrypt'],
      }),
    );
    // a fresh token is usable at once
    await kms.send(new EncryptCommand({ KeyId: k, Plaintext: pt, GrantTokens: [GrantToken!] }));
    await kms.send(new RetireGrantCommand({ GrantToken }));
    expect(await awsErrorName(kms.send(new RevokeGrantCommand({ KeyId: k, GrantId: GrantId! })))).toBe(
      'NotFoundException',
    );
  });
});

/** Pages a List operation with Limit 2: every page but the last is Truncated with a NextMarker; the last has neither. */
async function pageAll<T>(
  page: (marker?: string) => Promise<{ items: T[]; Truncated?: boolean; NextMarker?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const p = await page(marker);
    expect(p.items.length).toBeLessThanOrEqual(2);
    all.push(...p.items);
    if (!p.Truncated) {
      expect(p.NextMarker).toBeUndefined();
      return all;
    }
    expect(p.items.length).toBe(2);
    expect(typeof p.NextMarker).toBe('string');
    marker = p.NextMarker;
  }
  throw new Error('paging did not end');
}

describe('Limit / Marker / Truncated paging of every List operation', () => {
  test('ListKeys, ListAliases, ListGrants, ListRetirableGrants, ListResourceTags, ListKeyRotations, ListKeyPolicies', async () => {
    const k = await newKey();
    const keys = await pageAll(async (Marker) => {
      const r = await kms.send(new ListKeysCommand({ Limit: 2, Marker }));
      return { items: r.Keys!.map((x) => x.KeyId!), Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(keys).toContain(k);
    expect(new Set(keys).size).toBe(keys.length);
    const prefix = `alias/page-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 5; i++) await kms.send(new CreateAliasCommand({ AliasName: `${prefix}-${i}`, TargetKeyId: k }));
    const aliases = await pageAll(async (Marker) => {
      const r = await kms.send(new ListAliasesCommand({ KeyId: k, Limit: 2, Marker }));
      return { items: r.Aliases!.map((a) => a.AliasName!), Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(aliases.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`));
    const retiring = 'arn:aws:iam::210987654321:role/retirer';
    for (let i = 0; i < 5; i++)
      await kms.send(
        new CreateGrantCommand({
          KeyId: k,
          GranteePrincipal: GRANTEE,
          RetiringPrincipal: retiring,
          Operations: ['Decrypt'],
        }),
      );
    const grants = await pageAll(async (Marker) => {
      const r = await kms.send(new ListGrantsCommand({ KeyId: k, Limit: 2, Marker }));
      return { items: r.Grants!.map((g) => g.GrantId!), Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(new Set(grants).size).toBe(5);
    const retirable = await pageAll(async (Marker) => {
      const r = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring, Limit: 2, Marker }));
      return { items: r.Grants!.map((g) => g.GrantId!), Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(retirable.sort()).toEqual([...grants].sort());
    await kms.send(
      new TagResourceCommand({ KeyId: k, Tags: [0, 1, 2, 3, 4].map((i) => ({ TagKey: `k${i}`, TagValue: `v${i}` })) }),
    );
    const tags = await pageAll(async (Marker) => {
      const r = await kms.send(new ListResourceTagsCommand({ KeyId: k, Limit: 2, Marker }));
      return { items: r.Tags!.map((t) => t.TagKey!), Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(tags.sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    for (let i = 0; i < 3; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: k }));
    const rotations = await pageAll(async (Marker) => {
      const r = await kms.send(new ListKeyRotationsCommand({ KeyId: k, Limit: 2, Marker }));
      return {
        items: r.Rotations!.map((x) => x.KeyMaterialId ?? String(x.RotationDate)),
        Truncated: r.Truncated,
        NextMarker: r.NextMarker,
      };
    });
    expect(rotations.length).toBeGreaterThanOrEqual(3);
    const policies = await pageAll(async (Marker) => {
      const r = await kms.send(new ListKeyPoliciesCommand({ KeyId: k, Limit: 2, Marker }));
      return { items: r.PolicyNames!, Truncated: r.Truncated, NextMarker: r.NextMarker };
    });
    expect(policies).toEqual(['default']);
  });

  test('a marker that was not issued is InvalidMarkerException; a Limit out of range is ValidationException', async () => {
    expect(await awsErrorName(kms.send(new ListKeysCommand({ Marker: 'bogus' })))).toBe('InvalidMarkerException');
    expect(await awsErrorName(kms.send(new ListKeysCommand({ Limit: 0 })))).toBe('ValidationException');
    expect(await awsErrorName(kms.send(new ListKeysCommand({ Limit: 1001 })))).toBe('ValidationException');
  });
});
