import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { addKmsAccount, createKey, emulator, expectBadRequest, type Body } from './helpers.js';

/**
 * Every KeySpec × KeyUsage pair: the valid ones create a key whose record carries AWS's
 * algorithm lists, the invalid ones are a 400 naming aws_param.KeyUsage (AWS key spec reference).
 */
type Algorithms = Partial<
  Record<'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms', string[]>
>;

const RSA_SIGN = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];
const RSA = {
  ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
  SIGN_VERIFY: { SigningAlgorithms: RSA_SIGN },
};
const ECDH = { KeyAgreementAlgorithms: ['ECDH'] };

/** AWS's table, written out independently of the implementation. */
const VALID: Record<string, Record<string, Algorithms>> = {
  SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } },
  RSA_2048: RSA,
  RSA_3072: RSA,
  RSA_4096: RSA,
  ECC_NIST_P256: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] }, KEY_AGREEMENT: ECDH },
  ECC_NIST_P384: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_384'] }, KEY_AGREEMENT: ECDH },
  ECC_NIST_P521: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_512'] }, KEY_AGREEMENT: ECDH },
  ECC_SECG_P256K1: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] } },
  ECC_NIST_EDWARDS25519: { SIGN_VERIFY: { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] } },
  HMAC_224: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_224'] } },
  HMAC_256: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_256'] } },
  HMAC_384: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_384'] } },
  HMAC_512: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_512'] } },
  ML_DSA_44: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
  ML_DSA_65: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
  ML_DSA_87: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
};
const SM2: Record<string, Algorithms> = {
  ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SM2PKE'] },
  SIGN_VERIFY: { SigningAlgorithms: ['SM2DSA'] },
  KEY_AGREEMENT: ECDH,
};
const USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
const ALGORITHM_FIELDS = [
  'EncryptionAlgorithms',
  'SigningAlgorithms',
  'MacAlgorithms',
  'KeyAgreementAlgorithms',
] as const;

const keyTypeOf = (spec: string) =>
  spec === 'SYMMETRIC_DEFAULT' ? 'symmetric' : spec.startsWith('HMAC_') ? 'hmac' : 'asymmetric';

const validCases = Object.entries(VALID).flatMap(([spec, usages]) =>
  Object.keys(usages).map((usage) => [spec, usage] as const),
);
const invalidCases = Object.entries(VALID).flatMap(([spec, usages]) =>
  USAGES.filter((u) => !(u in usages)).map((usage) => [spec, usage] as const),
);

function checkRecord(r: Body, spec: string, usage: string, algorithms: Algorithms, region: string) {
  expect(r).toMatchObject({
    key_type: keyTypeOf(spec),
    region,
    gone: false,
    key_material_origin: 'native',
    status: 'ready',
  });
  const a = r.aws_param;
  expect(a).toMatchObject({
    CustomerMasterKeySpec: spec,
    KeySpec: spec,
    KeyUsage: usage,
    KeyState: 'Enabled',
    Enabled: true,
    Origin: 'AWS_KMS',
  });
  for (const f of ALGORITHM_FIELDS) {
    if (algorithms[f]) expect(a[f]).toEqual(algorithms[f]);
    else expect(a[f]).toBeUndefined();
  }
}

describe('POST /cckm/aws/keys — every KeySpec × KeyUsage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('keyspecs');
    await addKmsAccount(t, { connection: 'china', cloudName: 'aws-cn', kms: 'kms-cn', regions: ['cn-north-1'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`creates a key for each of the ${validCases.length} valid pairs, with both spellings of the spec`, async () => {
    // Both spellings: KeySpec on even cases, CustomerMasterKeySpec on odd ones; RSA_4096
    // keygen is slow, so all creations run at once.
    const results = await Promise.all(
      validCases.map(async ([spec, usage], i) => {
        const specField = i % 2 === 0 ? 'KeySpec' : 'CustomerMasterKeySpec';
        const res = await createKey(t, {
          kms: 'kms',
          region: 'us-east-1',
          aws_param: { [specField]: spec, KeyUsage: usage },
        });
        return { spec, usage, res };
      }),
    );
    for (const { spec, usage, res } of results) {
      expect({ spec, usage, status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({
        spec,
        usage,
        status: 201,
        body: undefined,
      });
      checkRecord(res.body, spec, usage, VALID[spec]![usage]!, 'us-east-1');
      // The emulator agrees with the record.
      const d = await emulator(t, 'us-east-1', 'DescribeKey', { KeyId: res.body.aws_param.KeyID });
      expect(d.KeyMetadata).toMatchObject({ KeySpec: spec, KeyUsage: usage });
    }
  });

  it('takes the other spelling too for a few specs (CustomerMasterKeySpec and KeySpec both given, equal)', async () => {
    const cases = [
      ['HMAC_256', 'GENERATE_VERIFY_MAC'],
      ['ECC_NIST_P256', 'SIGN_VERIFY'],
      ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
    ] as const;
    const results = await Promise.all(
      cases.map(([spec, usage]) =>
        createKey(t, {
          kms: 'kms',
          region: 'us-west-2',
          aws_param: { KeySpec: spec, CustomerMasterKeySpec: spec, KeyUsage: usage },
        }),
      ),
    );
    results.forEach((res, i) => {
      expect(res.status).toBe(201);
      checkRecord(res.body, cases[i]![0], cases[i]![1], VALID[cases[i]![0]]![cases[i]![1]]!, 'us-west-2');
    });
  });

  it('defaults: no aws_param is a symmetric ENCRYPT_DECRYPT key; HMAC without KeyUsage takes GENERATE_VERIFY_MAC', async () => {
    const [plain, hmac] = await Promise.all([
      createKey(t, { kms: 'kms', region: 'eu-west-1' }),
      createKey(t, { kms: 'kms', region: 'eu-west-1', aws_param: { KeySpec: 'HMAC_384' } }),
    ]);
    expect(plain.status).toBe(201);
    checkRecord(
      plain.body,
      'SYMMETRIC_DEFAULT',
      'ENCRYPT_DECRYPT',
      VALID.SYMMETRIC_DEFAULT!.ENCRYPT_DECRYPT!,
      'eu-west-1',
    );
    expect(hmac.status).toBe(201);
    checkRecord(hmac.body, 'HMAC_384', 'GENERATE_VERIFY_MAC', VALID.HMAC_384!.GENERATE_VERIFY_MAC!, 'eu-west-1');
  });

  it('an ECC key without KeyUsage (SIGN_VERIFY or KEY_AGREEMENT) is a 400 asking for aws_param.KeyUsage', async () => {
    const res = await createKey(t, { kms: 'kms', region: 'us-east-1', aws_param: { KeySpec: 'ECC_NIST_P384' } });
    expectBadRequest(res, 'aws_param.KeyUsage', 'ECC_NIST_P384');
  });

  it(`refuses each of the ${invalidCases.length} invalid pairs with a 400 naming aws_param.KeyUsage`, async () => {
    const before = (await emulator(t, 'us-east-1', 'ListKeys', { Limit: 1000 })).Keys!.length;
    const results = await Promise.all(
      invalidCases.map(async ([spec, usage]) => ({
        spec,
        usage,
        res: await createKey(t, { kms: 'kms', region: 'us-east-1', aws_param: { KeySpec: spec, KeyUsage: usage } }),
      })),
    );
    for (const { spec, usage, res } of results) {
      expectBadRequest(res, 'aws_param.KeyUsage', usage, spec);
    }
    expect((await emulator(t, 'us-east-1', 'ListKeys', { Limit: 1000 })).Keys!.length).toBe(before);
  });

  describe('China regions (aws-cn connection, cn-north-1)', () => {
    it('creates SM2 keys for each valid usage, with aws-cn ARNs', async () => {
      const results = await Promise.all(
        Object.keys(SM2).map((usage, i) =>
          createKey(t, {
            kms: 'kms-cn',
            region: 'cn-north-1',
            aws_param: { [i % 2 ? 'CustomerMasterKeySpec' : 'KeySpec']: 'SM2', KeyUsage: usage },
          }),
        ),
      );
      Object.keys(SM2).forEach((usage, i) => {
        const res = results[i]!;
        expect(res.status).toBe(201);
        checkRecord(res.body, 'SM2', usage, SM2[usage]!, 'cn-north-1');
        expect(res.body.cloud_name).toBe('aws-cn');
        expect(res.body.aws_param.Arn).toMatch(/^arn:aws-cn:kms:cn-north-1:123456789012:key\//);
      });
    });

    it('refuses SM2 with GENERATE_VERIFY_MAC in cn-north-1, naming aws_param.KeyUsage, and creates nothing', async () => {
      const before = (await emulator(t, 'cn-north-1', 'ListKeys', {})).Keys!.length;
      const res = await createKey(t, {
        kms: 'kms-cn',
        region: 'cn-north-1',
        aws_param: { KeySpec: 'SM2', KeyUsage: 'GENERATE_VERIFY_MAC' },
      });
      expectBadRequest(res, 'aws_param.KeyUsage', 'GENERATE_VERIFY_MAC', 'SM2');
      expect((await emulator(t, 'cn-north-1', 'ListKeys', {})).Keys!.length).toBe(before);
    });

    it.each(['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'])(
      'refuses %s in cn-north-1 (seed 004: no HMAC in China)',
      async (spec) => {
        const res = await createKey(t, {
          kms: 'kms-cn',
          region: 'cn-north-1',
          aws_param: { CustomerMasterKeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' },
        });
        expectBadRequest(res, 'aws_param.CustomerMasterKeySpec', 'cn-north-1');
      },
    );

    it('creates an ordinary symmetric key in cn-north-1', async () => {
      const res = await createKey(t, { kms: 'kms-cn', region: 'cn-north-1' });
      expect(res.status).toBe(201);
      expect(res.body.aws_param.Policy.Statement[0].Principal.AWS).toBe('arn:aws-cn:iam::123456789012:root');
    });

    it.each(['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'])(
      'refuses SM2/%s outside China, naming the spec field',
      async (usage) => {
        const res = await createKey(t, {
          kms: 'kms',
          region: 'ap-south-1',
          aws_param: { KeySpec: 'SM2', KeyUsage: usage },
        });
        expectBadRequest(res, 'aws_param.KeySpec', 'China');
      },
    );
  });
});
