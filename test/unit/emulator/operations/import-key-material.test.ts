import {
  constants,
  createCipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  verify as nodeVerify,
} from 'node:crypto';
import type { AlgorithmSpec, WrappingKeySpec } from '@aws-sdk/client-kms';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

const DAY = 86_400_000;

/** Wraps material the way a client does, with node:crypto only. */
function wrap(publicKeyDer: Uint8Array, algorithm: string, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = (data: Uint8Array) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return oaep(material);
  const aesKey = randomBytes(32);
  const c = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([oaep(aesKey), c.update(material), c.final()]);
}

async function externalKey(input: Record<string, unknown> = {}) {
  return (await h.emulator.call(CTX, 'CreateKey', { Origin: 'EXTERNAL', ...input })).KeyMetadata!;
}

async function importInto(
  keyId: string,
  material: Uint8Array,
  opts: { alg?: AlgorithmSpec; spec?: WrappingKeySpec; extra?: Record<string, unknown> } = {},
) {
  const alg = opts.alg ?? 'RSAES_OAEP_SHA_256';
  const params = await h.emulator.call(CTX, 'GetParametersForImport', {
    KeyId: keyId,
    WrappingAlgorithm: alg,
    WrappingKeySpec: opts.spec ?? 'RSA_2048',
  });
  return h.emulator.call(CTX, 'ImportKeyMaterial', {
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: wrap(params.PublicKey!, alg, material),
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...opts.extra,
  });
}

const describe_ = async (keyId: string) => (await h.emulator.call(CTX, 'DescribeKey', { KeyId: keyId })).KeyMetadata!;

test('GetParametersForImport returns a 24-hour RSA wrapping key of the requested size', async () => {
  const md = await externalKey();
  const p = await h.emulator.call(CTX, 'GetParametersForImport', {
    KeyId: md.KeyId,
    WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256',
    WrappingKeySpec: 'RSA_3072',
  });
  expect(p.KeyId).toBe(md.Arn);
  expect(p.ParametersValidTo).toEqual(new Date(h.clock.now().getTime() + DAY));
  const pub = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
  expect(pub.asymmetricKeyDetails?.modulusLength).toBe(3072);
  expect(p.ImportToken!.length).toBeGreaterThan(0);
});

describe.each([
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
] as const)('%s', (alg) => {
  test.each(['RSA_2048', 'RSA_3072'] as const)(
    'imports symmetric material wrapped under %s; the key becomes Enabled and encrypts',
    async (spec) => {
      const md = await externalKey();
      expect(md.KeyState).toBe('PendingImport');
      const out = await importInto(md.KeyId!, randomBytes(32), { alg, spec });
      expect(out.KeyId).toBe(md.Arn);
      expect(out.KeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
      expect(await describe_(md.KeyId!)).toMatchObject({
        KeyState: 'Enabled',
        Enabled: true,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        CurrentKeyMaterialId: out.KeyMaterialId,
      });
      const ct = await h.emulator.call(CTX, 'Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('hello') });
      const pt = await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: ct.CiphertextBlob });
      expect(Buffer.from(pt.Plaintext!).toString()).toBe('hello');
    },
  );
});

test('an RSA_4096 wrapping key works with RSA_AES_KEY_WRAP for an RSA private key', async () => {
  const md = await externalKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  await importInto(md.KeyId!, der, { alg: 'RSA_AES_KEY_WRAP_SHA_256', spec: 'RSA_4096' });
  const pub = await h.emulator.call(CTX, 'GetPublicKey', { KeyId: md.KeyId });
  expect(Buffer.from(pub.PublicKey!)).toEqual(pair.publicKey.export({ type: 'spki', format: 'der' }));
  const msg = Buffer.from('signed by imported key');
  const sig = await h.emulator.call(CTX, 'Sign', {
    KeyId: md.KeyId,
    Message: msg,
    SigningAlgorithm: 'RSASSA_PSS_SHA_256',
  });
  expect(
    nodeVerify(
      'sha256',
      msg,
      { key: pair.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      sig.Signature!,
    ),
  ).toBe(true);
});

test('imported ECC_NIST_P256 material signs verifiably with node', async () => {
  const md = await externalKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await importInto(md.KeyId!, pair.privateKey.export({ type: 'pkcs8', format: 'der' }), {
    alg: 'RSA_AES_KEY_WRAP_SHA_1',
  });
  const msg = Buffer.from('ecdsa');
  const sig = await h.emulator.call(CTX, 'Sign', { KeyId: md.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' });
  expect(nodeVerify('sha256', msg, pair.publicKey, sig.Signature!)).toBe(true);
});

test('imported HMAC material computes the same MAC as node', async () => {
  const md = await externalKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const material = randomBytes(40);
  await importInto(md.KeyId!, material);
  const msg = Buffer.from('mac me');
  const mac = await h.emulator.call(CTX, 'GenerateMac', {
    KeyId: md.KeyId,
    Message: msg,
    MacAlgorithm: 'HMAC_SHA_256',
  });
  expect(Buffer.from(mac.Mac!)).toEqual(createHmac('sha256', material).update(msg).digest());
});

describe('material checks', () => {
  test.each([
    ['SYMMETRIC_DEFAULT', {}, randomBytes(16)],
    ['HMAC_256', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, randomBytes(20)],
    [
      'ECC_NIST_P256',
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'der' }),
    ],
    ['RSA_2048', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, randomBytes(64)],
  ])('material of the wrong length or type for %s is IncorrectKeyMaterialException', async (_spec, input, material) => {
    const md = await externalKey(input);
    const err = await errorOf(() => importInto(md.KeyId!, material, { alg: 'RSA_AES_KEY_WRAP_SHA_256' }));
    expect(err.awsName).toBe('IncorrectKeyMaterialException');
    expect((await describe_(md.KeyId!)).KeyState).toBe('PendingImport');
  });

  test('re-importing different material is IncorrectKeyMaterialException; the same material is accepted', async () => {
    const md = await externalKey();
    const material = randomBytes(32);
    const first = await importInto(md.KeyId!, material);
    expect((await errorOf(() => importInto(md.KeyId!, randomBytes(32)))).awsName).toBe('IncorrectKeyMaterialException');
    const again = await importInto(md.KeyId!, material);
    expect(again.KeyMaterialId).toBe(first.KeyMaterialId);
  });

  test('EncryptedKeyMaterial that does not unwrap is InvalidCiphertextException', async () => {
    const md = await externalKey();
    const p = await h.emulator.call(CTX, 'GetParametersForImport', {
      KeyId: md.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const wrong = wrap(p.PublicKey!, 'RSAES_OAEP_SHA_1', randomBytes(32));
    const err = await errorOf(() =>
      h.emulator.call(CTX, 'ImportKeyMaterial', {
        KeyId: md.KeyId,
        ImportToken: p.ImportToken,
        EncryptedKeyMaterial: wrong,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(err.awsName).toBe('InvalidCiphertextException');
  });
});

describe('import tokens', () => {
  test('a token of another key, or a tampered token, is InvalidImportTokenException', async () => {
    const a = await externalKey();
    const b = await externalKey();
    const p = await h.emulator.call(CTX, 'GetParametersForImport', {
      KeyId: a.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const enc = wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', randomBytes(32));
    const other = await errorOf(() =>
      h.emulator.call(CTX, 'ImportKeyMaterial', {
        KeyId: b.KeyId,
        ImportToken: p.ImportToken,
        EncryptedKeyMaterial: enc,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(other.awsName).toBe('InvalidImportTokenException');
    const tampered = Buffer.from(p.ImportToken!);
    tampered[tampered.length - 1]! ^= 1;
    const bad = await errorOf(() =>
      h.emulator.call(CTX, 'ImportKeyMaterial', {
        KeyId: a.KeyId,
        ImportToken: tampered,
        EncryptedKeyMaterial: enc,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(bad.awsName).toBe('InvalidImportTokenException');
  });

  test('a token older than 24 hours is ExpiredImportTokenException', async () => {
    const md = await externalKey();
    const p = await h.emulator.call(CTX, 'GetParametersForImport', {
      KeyId: md.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    h.clock.advanceDays(1.01);
    const err = await errorOf(() =>
      h.emulator.call(CTX, 'ImportKeyMaterial', {
        KeyId: md.KeyId,
        ImportToken: p.ImportToken,
        EncryptedKeyMaterial: wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', randomBytes(32)),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
    );
    expect(err.awsName).toBe('ExpiredImportTokenException');
  });
});

describe('parameters', () => {
  test.each([
    [{ WrappingAlgorithm: 'RSAES_PKCS1_V1_5', WrappingKeySpec: 'RSA_2048' }, 'ValidationException'],
    [{ WrappingAlgorithm: 'SM2PKE', WrappingKeySpec: 'SM2' }, 'ValidationException'],
  ] as const)('GetParametersForImport %j is %s', async (input, name) => {
    const md = await externalKey();
    expect(
      (await errorOf(() => h.emulator.call(CTX, 'GetParametersForImport', { KeyId: md.KeyId, ...input }))).awsName,
    ).toBe(name);
  });

  test('a key with KMS-generated material is UnsupportedOperationException', async () => {
    const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
    const err = await errorOf(() =>
      h.emulator.call(CTX, 'GetParametersForImport', {
        KeyId: md.KeyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
    );
    expect(err.awsName).toBe('UnsupportedOperationException');
    expect((await errorOf(() => h.emulator.call(CTX, 'DeleteImportedKeyMaterial', { KeyId: md.KeyId }))).awsName).toBe(
      'UnsupportedOperationException',
    );
  });

  test.each([
    [{}, 'ValidTo is required'],
    [{ ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ValidTo: new Date('2025-02-01T00:00:00Z') }, 'not valid'],
    [{ ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date('2024-12-31T00:00:00Z') }, '365 days'],
    [{ ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date('2026-01-02T00:00:00Z') }, '365 days'],
  ])('expiry %j is a ValidationException', async (extra, message) => {
    const md = await externalKey();
    const err = await errorOf(() =>
      importInto(md.KeyId!, randomBytes(32), { extra: { ExpirationModel: undefined, ...extra } }),
    );
    expect(err.awsName).toBe('ValidationException');
    expect(err.message).toContain(message);
  });
});

test('material expires at ValidTo (scheduler), and re-importing it makes old ciphertexts decrypt again', async () => {
  const md = await externalKey();
  const material = randomBytes(32);
  const validTo = new Date(h.clock.now().getTime() + 10 * DAY);
  await importInto(md.KeyId!, material, { extra: { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo } });
  expect(await describe_(md.KeyId!)).toMatchObject({
    ValidTo: validTo,
    ExpirationModel: 'KEY_MATERIAL_EXPIRES',
    KeyState: 'Enabled',
  });
  const ct = (await h.emulator.call(CTX, 'Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('kept') }))
    .CiphertextBlob!;
  h.clock.advanceDays(11);
  expect(await h.emulator.runScheduledTasks()).toMatchObject({ expired: 1 });
  const expired = await describe_(md.KeyId!);
  expect(expired.KeyState).toBe('PendingImport');
  expect(expired.ValidTo).toBeUndefined();
  expect((await errorOf(() => h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: ct }))).awsName).toBe(
    'KMSInvalidStateException',
  );
  await importInto(md.KeyId!, material);
  expect(Buffer.from((await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: ct })).Plaintext!).toString()).toBe(
    'kept',
  );
});

test('DeleteImportedKeyMaterial makes the key PendingImport and unusable; state survives a reopen', async () => {
  const md = await externalKey();
  const material = randomBytes(32);
  const imported = await importInto(md.KeyId!, material);
  const del = await h.emulator.call(CTX, 'DeleteImportedKeyMaterial', { KeyId: md.KeyId });
  expect(del).toEqual({ KeyId: md.Arn, KeyMaterialId: imported.KeyMaterialId });
  expect((await describe_(md.KeyId!)).KeyState).toBe('PendingImport');
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('x') }))).awsName,
  ).toBe('KMSInvalidStateException');
  await h.emulator.close();
  h = await openHarness({ store: h.store, rootKey: h.rootKey, clock: h.clock });
  expect((await errorOf(() => importInto(md.KeyId!, randomBytes(32)))).awsName).toBe('IncorrectKeyMaterialException');
  await importInto(md.KeyId!, material);
  expect((await describe_(md.KeyId!)).KeyState).toBe('Enabled');
});
