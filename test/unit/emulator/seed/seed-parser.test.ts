import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAppError } from '../../../../src/errors/index.js';
import { parseEmulatorSeed } from '../../../../src/emulator/seed/seed-parser.js';
import { SEED_LIMITS } from '../../../../src/emulator/seed/seed-document.js';

const DEFAULTS = { accountId: '111122223333', region: 'us-east-1' };
const KEY_ID = '11111111-2222-4333-8444-555555555555';
const MRK_ID = 'mrk-0123456789abcdef0123456789abcdef';
const FIXTURE = new URL('../../../fixtures/emulator-seed.json', import.meta.url);

const parse = (doc: unknown) => parseEmulatorSeed(typeof doc === 'string' ? doc : JSON.stringify(doc), DEFAULTS);
const withKey = (key: Record<string, unknown>) => ({ version: 1, keys: [{ KeyId: KEY_ID, ...key }] });

/** The validation problems of a seed, as `path: message` lines. */
function problems(doc: unknown): string[] {
  try {
    parse(doc);
  } catch (err) {
    if (!isAppError(err) || err.code !== 'ValidationError') throw err;
    return (err.details ?? []).map((d) => `${d.field}: ${d.message}`);
  }
  throw new Error('the seed was accepted');
}

const b64 = (n: number) => randomBytes(n).toString('base64');
const p384Pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('parseEmulatorSeed', () => {
  it('accepts the committed fixture and applies defaults', () => {
    const seed = parseEmulatorSeed(readFileSync(FIXTURE, 'utf8'), DEFAULTS);
    expect(seed.keys.length).toBeGreaterThanOrEqual(10);
    const first = seed.keys[0]!;
    expect(first).toMatchObject({
      path: 'keys[0]',
      accountId: DEFAULTS.accountId,
      region: DEFAULTS.region,
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      enabled: true,
    });
    expect(first.material).toHaveLength(32);
    const other = seed.keys.find((k) => k.accountId === '444455556666')!;
    expect(JSON.parse(other.policy!)).toMatchObject({ Id: 'seeded' });
  });

  it('names the JSON path of every problem, several at once', () => {
    const doc = {
      version: 1,
      keys: [
        { KeyId: KEY_ID },
        { KeyId: '22222222-2222-4333-8444-555555555555', KeySpec: 'RSA_1024' },
        { KeyId: '33333333-2222-4333-8444-555555555555', KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' },
        { KeyId: '44444444-2222-4333-8444-555555555555', Colour: 'blue' },
      ],
    };
    const found = problems(doc);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^keys\[1\]\.KeySpec: must be one of SYMMETRIC_DEFAULT, /),
        expect.stringMatching(/^keys\[2\]\.KeyUsage: must be one of SIGN_VERIFY, KEY_AGREEMENT for KeySpec/),
        expect.stringMatching(/^keys\[3\]\.Colour: unknown field/),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it.each([
    ['not JSON', '{"version": 1,', /^\$: not valid JSON/],
    ['not an object', '[1]', /^\$: must be an object/],
    ['a wrong version', { version: 2, keys: [] }, /^version: must be 1/],
    ['no keys', { version: 1 }, /^keys: is required/],
    ['keys not a list', { version: 1, keys: {} }, /^keys: must be an array/],
    ['an unknown top-level field', { version: 1, keys: [], extra: 1 }, /^\$\.extra: unknown field/],
    ['an entry that is not an object', { version: 1, keys: ['x'] }, /^keys\[0\]: must be an object/],
    ['no KeyId', { version: 1, keys: [{}] }, /^keys\[0\]\.KeyId: is required/],
    ['a KeyId that is not a UUID', withKey({ KeyId: 'abc' }), /^keys\[0\]\.KeyId: must be a lowercase UUID/],
    ['an mrk id without MultiRegion', withKey({ KeyId: MRK_ID }), /^keys\[0\]\.KeyId: must be a lowercase UUID/],
    ['MultiRegion with a UUID', withKey({ MultiRegion: true }), /^keys\[0\]\.KeyId: must be mrk- followed/],
    ['a bad account', withKey({ AccountId: '12345' }), /^keys\[0\]\.AccountId: must be 12 digits/],
    ['a bad Region', withKey({ Region: 'Mars' }), /^keys\[0\]\.Region: must be an AWS Region/],
    ['a long Description', withKey({ Description: 'x'.repeat(8193) }), /^keys\[0\]\.Description: must be at most 8192/],
    ['a missing KeyUsage', withKey({ KeySpec: 'HMAC_256' }), /^keys\[0\]\.KeyUsage: is required for KeySpec HMAC_256/],
    [
      'SM2 outside China',
      withKey({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }),
      /^keys\[0\]\.KeySpec: SM2 keys exist only/,
    ],
    [
      'HMAC in China',
      withKey({ Region: 'cn-north-1', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      /^keys\[0\]\.KeySpec: HMAC keys do not exist in the China Regions/,
    ],
    [
      'a custom key store origin',
      withKey({ Origin: 'AWS_CLOUDHSM' }),
      /^keys\[0\]\.Origin: must be AWS_KMS or EXTERNAL/,
    ],
    [
      'an imported ML-DSA key',
      withKey({ Origin: 'EXTERNAL', KeySpec: 'ML_DSA_44', KeyUsage: 'SIGN_VERIFY' }),
      /^keys\[0\]\.Origin: AWS does not import key material into ML_DSA_44/,
    ],
    ['Enabled not boolean', withKey({ Enabled: 'yes' }), /^keys\[0\]\.Enabled: must be true or false/],
    [
      'replicas of a single-Region key',
      withKey({ ReplicaRegions: ['us-west-2'] }),
      /^keys\[0\]\.ReplicaRegions: only multi-Region/,
    ],
    [
      'a replica in the key’s own Region',
      withKey({ KeyId: MRK_ID, MultiRegion: true, ReplicaRegions: ['us-east-1'] }),
      /^keys\[0\]\.ReplicaRegions\[0\]: repeats a Region/,
    ],
    [
      'a replica in another partition',
      withKey({ KeyId: MRK_ID, MultiRegion: true, ReplicaRegions: ['cn-north-1'] }),
      /^keys\[0\]\.ReplicaRegions\[0\]: is in another AWS partition/,
    ],
    ['a malformed policy', withKey({ Policy: '{"Statement": []}' }), /^keys\[0\]\.Policy: /],
    ['a policy of the wrong type', withKey({ Policy: 5 }), /^keys\[0\]\.Policy: must be a policy document/],
    [
      'a policy that locks the account out',
      withKey({
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111122223333:root' },
              Action: 'kms:Encrypt',
              Resource: '*',
            },
          ],
        },
      }),
      /^keys\[0\]\.Policy: The new key policy will not allow you to update the key policy/,
    ],
    [
      'a reserved tag',
      withKey({ Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] }),
      /^keys\[0\]\.Tags: Tag keys beginning with aws:/,
    ],
    ['a tag without key', withKey({ Tags: [{ TagValue: 'v' }] }), /^keys\[0\]\.Tags\[0\]\.TagKey: is required/],
    [
      'too many tags',
      withKey({ Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: '' })) }),
      /^keys\[0\]\.Tags: must have at most 50 items/,
    ],
    [
      'an alias without prefix',
      withKey({ Aliases: ['app'] }),
      /^keys\[0\]\.Aliases\[0\]: Alias must start with the prefix/,
    ],
    [
      'a reserved alias',
      withKey({ Aliases: ['alias/aws/s3'] }),
      /^keys\[0\]\.Aliases\[0\]: Cannot create, update or delete/,
    ],
    ['an alias with spaces', withKey({ Aliases: ['alias/a b'] }), /^keys\[0\]\.Aliases\[0\]: must be an alias name/],
    [
      'material of the wrong length',
      withKey({ KeyMaterial: { Base64: b64(16) } }),
      /^keys\[0\]\.KeyMaterial\.Base64: Symmetric key material must be 256 bits/,
    ],
    [
      'material that is not base64',
      withKey({ KeyMaterial: { Base64: 'not base64!' } }),
      /^keys\[0\]\.KeyMaterial\.Base64: is not valid base64/,
    ],
    [
      'material with both forms',
      withKey({ KeyMaterial: { Base64: b64(32), Pem: 'x' } }),
      /^keys\[0\]\.KeyMaterial: give exactly one of Base64 or Pem/,
    ],
    [
      'material with an unknown form',
      withKey({ KeyMaterial: { Hex: '00' } }),
      /^keys\[0\]\.KeyMaterial\.Hex: unknown field/,
    ],
    [
      'PEM for a symmetric key',
      withKey({ KeyMaterial: { Pem: 'x' } }),
      /^keys\[0\]\.KeyMaterial\.Pem: SYMMETRIC_DEFAULT key material is raw bytes/,
    ],
    [
      'HMAC material too short',
      withKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', KeyMaterial: { Base64: b64(32) } }),
      /^keys\[0\]\.KeyMaterial\.Base64: HMAC_384 key material must be 48 to 128 bytes/,
    ],
    [
      'a PEM that is not PKCS#8',
      withKey({
        KeySpec: 'RSA_2048',
        KeyMaterial: { Pem: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' },
      }),
      /^keys\[0\]\.KeyMaterial\.Pem: must be one PKCS#8 private key/,
    ],
    [
      'an ML-DSA seed of the wrong length',
      withKey({ KeySpec: 'ML_DSA_65', KeyUsage: 'SIGN_VERIFY', KeyMaterial: { Base64: b64(31) } }),
      /^keys\[0\]\.KeyMaterial\.Base64: ML_DSA_65 key material is the 32-byte FIPS 204 seed/,
    ],
    [
      'oversized material text',
      withKey({ KeyMaterial: { Base64: 'A'.repeat(SEED_LIMITS.materialChars + 4) } }),
      /^keys\[0\]\.KeyMaterial\.Base64: must be at most/,
    ],
  ])('refuses %s', (_what, doc, expected) => {
    expect(problems(doc)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('checks asymmetric material against the key spec (a P-384 key is not an RSA_2048 key)', () => {
    const p384 = p384Pem();
    expect(problems(withKey({ KeySpec: 'RSA_2048', KeyMaterial: { Pem: p384 } }))).toEqual([
      'keys[0].KeyMaterial.Pem: The key material is not a RSA_2048 private key.',
    ]);
    const seed = parse(withKey({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY', KeyMaterial: { Pem: p384 } }));
    expect(seed.keys[0]!.material!.length).toBeGreaterThan(100);
  });

  it('takes PKCS#8 DER as Base64 and PEM alike, to the same stored bytes', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const spec = { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' };
    const fromPem = parse(withKey({ ...spec, KeyMaterial: { Pem: key.export({ type: 'pkcs8', format: 'pem' }) } }));
    const fromDer = parse(
      withKey({ ...spec, KeyMaterial: { Base64: key.export({ type: 'pkcs8', format: 'der' }).toString('base64') } }),
    );
    expect(Buffer.from(fromPem.keys[0]!.material!)).toEqual(Buffer.from(fromDer.keys[0]!.material!));
  });

  it('refuses a key id or alias seeded twice in one account and Region, but not across accounts', () => {
    const doc = {
      version: 1,
      keys: [
        { KeyId: KEY_ID, Aliases: ['alias/app'] },
        { KeyId: KEY_ID, Aliases: ['alias/app'] },
        { KeyId: KEY_ID, AccountId: '444455556666', Aliases: ['alias/app'] },
        { KeyId: MRK_ID, MultiRegion: true, ReplicaRegions: ['us-west-2'] },
        { KeyId: MRK_ID, MultiRegion: true, Region: 'us-west-2' },
      ],
    };
    expect(problems(doc)).toEqual([
      `keys[1].KeyId: ${KEY_ID} is already seeded in us-east-1 by keys[0]`,
      'keys[1].Aliases[0]: alias/app is already seeded in us-east-1 by keys[0]',
      `keys[4].KeyId: ${MRK_ID} is already seeded in us-west-2 by keys[3]`,
    ]);
  });

  it('bounds the seed: the number of keys, of aliases per key, and the text size', () => {
    const many = { version: 1, keys: Array.from({ length: SEED_LIMITS.keys + 1 }, () => ({ KeyId: KEY_ID })) };
    expect(problems(many)).toEqual([`keys: must have at most ${SEED_LIMITS.keys} items`]);
    const aliases = Array.from({ length: SEED_LIMITS.aliasesPerKey + 1 }, (_, i) => `alias/a${i}`);
    expect(problems(withKey({ Aliases: aliases }))).toEqual([
      `keys[0].Aliases: must have at most ${SEED_LIMITS.aliasesPerKey} items`,
    ]);
    expect(problems(' '.repeat(SEED_LIMITS.fileBytes + 1))).toEqual([
      `$: the seed is larger than ${SEED_LIMITS.fileBytes} bytes`,
    ]);
  });

  it('reports at most 50 problems', () => {
    const doc = { version: 1, keys: Array.from({ length: 80 }, () => ({ KeyId: 'bad' })) };
    expect(problems(doc)).toHaveLength(50);
  });

  it('never echoes key material in an error', () => {
    const secret = b64(20);
    const found = problems(withKey({ KeyMaterial: { Base64: secret } })).join('\n');
    expect(found).not.toContain(secret);
  });
});
