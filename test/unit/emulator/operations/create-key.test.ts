import type { CreateKeyCommandInput, KeySpec, KeyUsageType, Tag } from '@aws-sdk/client-kms';
import { ACCOUNT, CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

const create = (input: CreateKeyCommandInput, ctx = CTX) => h.emulator.call(ctx, 'CreateKey', input);

test('a default key has exactly AWS metadata', async () => {
  const { KeyMetadata: md } = await create({});
  expect(md).toEqual({
    AWSAccountId: ACCOUNT,
    KeyId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${md!.KeyId}`,
    CreationDate: h.clock.now(),
    Enabled: true,
    Description: '',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
});

const VALID: Array<[KeySpec, KeyUsageType, Record<string, string[]>]> = [
  ['RSA_2048', 'ENCRYPT_DECRYPT', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
  [
    'RSA_3072',
    'SIGN_VERIFY',
    {
      SigningAlgorithms: [
        'RSASSA_PKCS1_V1_5_SHA_256',
        'RSASSA_PKCS1_V1_5_SHA_384',
        'RSASSA_PKCS1_V1_5_SHA_512',
        'RSASSA_PSS_SHA_256',
        'RSASSA_PSS_SHA_384',
        'RSASSA_PSS_SHA_512',
      ],
    },
  ],
  ['ECC_NIST_P256', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
  ['ECC_NIST_P384', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_384'] }],
  ['ECC_NIST_P521', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_512'] }],
  ['ECC_NIST_P256', 'KEY_AGREEMENT', { KeyAgreementAlgorithms: ['ECDH'] }],
  ['ECC_SECG_P256K1', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
  ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] }],
  ['HMAC_224', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_224'] }],
  ['HMAC_512', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_512'] }],
  ['ML_DSA_65', 'SIGN_VERIFY', { SigningAlgorithms: ['ML_DSA_SHAKE_256'] }],
];

test.each(VALID)('%s with %s lists its algorithms', async (KeySpec, KeyUsage, algorithms) => {
  const { KeyMetadata: md } = await create({ KeySpec, KeyUsage });
  expect(md).toMatchObject({ KeySpec, KeyUsage, ...algorithms });
  for (const f of ['EncryptionAlgorithms', 'SigningAlgorithms', 'MacAlgorithms', 'KeyAgreementAlgorithms']) {
    if (!(f in algorithms)) expect(md).not.toHaveProperty(f);
  }
  // Only symmetric encryption keys report CurrentKeyMaterialId; ML-DSA has no CustomerMasterKeySpec value.
  expect(md).not.toHaveProperty('CurrentKeyMaterialId');
  if (KeySpec.startsWith('ML_DSA')) expect(md).not.toHaveProperty('CustomerMasterKeySpec');
});

test.each(['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'] as const)(
  'SM2 with %s works in a China Region',
  async (KeyUsage) => {
    const { KeyMetadata: md } = await create(
      { KeySpec: 'SM2', KeyUsage },
      { accountId: ACCOUNT, region: 'cn-north-1' },
    );
    expect(md?.Arn).toMatch(/^arn:aws-cn:kms:cn-north-1:/);
  },
);

test.each([
  ['SYMMETRIC_DEFAULT', 'SIGN_VERIFY'],
  ['SYMMETRIC_DEFAULT', 'GENERATE_VERIFY_MAC'],
  ['RSA_2048', 'KEY_AGREEMENT'],
  ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'],
  ['ECC_SECG_P256K1', 'KEY_AGREEMENT'],
  ['ECC_NIST_EDWARDS25519', 'KEY_AGREEMENT'],
  ['HMAC_256', 'ENCRYPT_DECRYPT'],
  ['ML_DSA_44', 'ENCRYPT_DECRYPT'],
] as const)('%s with %s is a ValidationException naming KeyUsage', async (KeySpec, KeyUsage) => {
  const err = await errorOf(() => create({ KeySpec, KeyUsage }));
  expect(err.awsName).toBe('ValidationException');
  expect(err.message).toContain('KeyUsage');
});

test('KeyUsage defaults to ENCRYPT_DECRYPT: fine for RSA, an error for specs that cannot encrypt', async () => {
  expect((await create({ KeySpec: 'RSA_2048' })).KeyMetadata?.KeyUsage).toBe('ENCRYPT_DECRYPT');
  const err = await errorOf(() => create({ KeySpec: 'HMAC_256' }));
  expect(err.awsName).toBe('ValidationException');
  expect(err.message).toContain('KeyUsage is required');
});

test('CustomerMasterKeySpec is an alias of KeySpec; different values conflict', async () => {
  expect((await create({ CustomerMasterKeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata?.KeySpec).toBe(
    'ECC_NIST_P384',
  );
  expect((await create({ CustomerMasterKeySpec: 'RSA_2048', KeySpec: 'RSA_2048' })).KeyMetadata?.KeySpec).toBe(
    'RSA_2048',
  );
  const err = await errorOf(() => create({ CustomerMasterKeySpec: 'RSA_2048', KeySpec: 'RSA_3072' }));
  expect(err.awsName).toBe('ValidationException');
  expect(err.message).toContain('CustomerMasterKeySpec');
});

test('enum values outside the model are ValidationExceptions that do not echo the input', async () => {
  const err = await errorOf(() => create({ KeySpec: 'ML_KEM_512' as KeySpec }));
  expect(err.awsName).toBe('ValidationException');
  expect(err.message).toBe(
    "1 validation error detected: Value at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]",
  );
  expect((await errorOf(() => create({ Description: 'x'.repeat(8193) }))).message).toContain("'description'");
});

test('SM2 outside China and HMAC inside China are UnsupportedOperationException', async () => {
  expect((await errorOf(() => create({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }))).awsName).toBe(
    'UnsupportedOperationException',
  );
  const china = { accountId: ACCOUNT, region: 'cn-northwest-1' };
  const err = await errorOf(() => create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, china));
  expect(err.awsName).toBe('UnsupportedOperationException');
});

test('partitions follow the Region', async () => {
  const gov = await create({}, { accountId: ACCOUNT, region: 'us-gov-west-1' });
  expect(gov.KeyMetadata?.Arn).toMatch(/^arn:aws-us-gov:kms:us-gov-west-1:111122223333:key\//);
});

test('Origin EXTERNAL creates a PendingImport key without material', async () => {
  const { KeyMetadata: md } = await create({ Origin: 'EXTERNAL' });
  expect(md).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
  expect(md).not.toHaveProperty('CurrentKeyMaterialId');
});

describe('custom key stores', () => {
  test('AWS_CLOUDHSM and EXTERNAL_KEY_STORE need a CustomKeyStoreId', async () => {
    expect((await errorOf(() => create({ Origin: 'AWS_CLOUDHSM' }))).awsName).toBe('ValidationException');
    expect(
      (await errorOf(() => create({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: 'cks-1' }))).message,
    ).toContain('XksKeyId is required');
  });

  test('unknown stores are CustomKeyStoreNotFoundException', async () => {
    const err = await errorOf(() => create({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1234567890abcdef0' }));
    expect(err.awsName).toBe('CustomKeyStoreNotFoundException');
    const xks = await errorOf(() =>
      create({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: 'cks-1', XksKeyId: 'abc' }),
    );
    expect(xks.awsName).toBe('CustomKeyStoreNotFoundException');
  });

  test('multi-Region keys and XksKeyId without EXTERNAL_KEY_STORE are refused', async () => {
    const mrk = await errorOf(() => create({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1', MultiRegion: true }));
    expect(mrk.awsName).toBe('UnsupportedOperationException');
    expect((await errorOf(() => create({ XksKeyId: 'abc' }))).awsName).toBe('ValidationException');
    expect((await errorOf(() => create({ CustomKeyStoreId: 'cks-1' }))).awsName).toBe('ValidationException');
  });
});

test('MultiRegion keys get mrk- ids and a MultiRegionConfiguration', async () => {
  const { KeyMetadata: md } = await create({ MultiRegion: true });
  expect(md?.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
  expect(md?.MultiRegionConfiguration).toEqual({
    MultiRegionKeyType: 'PRIMARY',
    PrimaryKey: { Arn: md?.Arn, Region: 'us-east-1' },
    ReplicaKeys: [],
  });
});

describe('tags', () => {
  test('are stored and listed', async () => {
    const { KeyMetadata: md } = await create({
      Tags: [
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'team', TagValue: '' },
      ],
    });
    const tags = await h.emulator.call(CTX, 'ListResourceTags', { KeyId: md!.KeyId });
    expect(tags).toEqual({
      Tags: [
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'team', TagValue: '' },
      ],
      Truncated: false,
    });
  });

  test.each([
    [
      'duplicate keys',
      [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'a', TagValue: '2' },
      ],
      'TagException',
    ],
    ['the aws: prefix', [{ TagKey: 'aws:x', TagValue: '1' }], 'TagException'],
    ['bad characters', [{ TagKey: 'a#b', TagValue: '1' }], 'TagException'],
    ['an over-long key', [{ TagKey: 'k'.repeat(129), TagValue: '1' }], 'ValidationException'],
    ['a missing value', [{ TagKey: 'k' } as Tag], 'ValidationException'],
    // AWS answers TagException (message "Too many tags") here, not LimitExceededException
    ['51 tags', Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })), 'TagException'],
  ] as Array<[string, Tag[], string]>)('refuses %s', async (_name, Tags, name) => {
    expect((await errorOf(() => create({ Tags }))).awsName).toBe(name);
    expect((await h.emulator.call(CTX, 'ListKeys', {})).Keys).toHaveLength(0);
  });
});

describe('policy', () => {
  const lockedOut = JSON.stringify({
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:user/bob' },
        Action: 'kms:Encrypt',
        Resource: '*',
      },
    ],
  });

  test('a given policy is stored verbatim', async () => {
    const p = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
      ],
    });
    const { KeyMetadata: md } = await create({ Policy: p });
    expect((await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: md!.KeyId })).Policy).toBe(p);
  });

  test('the lockout safety check applies to the caller unless bypassed', async () => {
    const err = await errorOf(() => create({ Policy: lockedOut }));
    expect(err.awsName).toBe('MalformedPolicyDocumentException');
    expect(err.message).toBe('The new key policy will not allow you to update the key policy in the future.');
    const asBob = { ...CTX, principalArn: 'arn:aws:iam::111122223333:user/bob' };
    expect((await errorOf(() => create({ Policy: lockedOut }, asBob))).awsName).toBe(
      'MalformedPolicyDocumentException',
    );
    await expect(create({ Policy: lockedOut, BypassPolicyLockoutSafetyCheck: true })).resolves.toBeDefined();
  });

  test('malformed policies are refused', async () => {
    expect((await errorOf(() => create({ Policy: '{"Statement":' }))).awsName).toBe('MalformedPolicyDocumentException');
  });
});
