import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { DataKeyPairSpec, KeyMetadata } from '@aws-sdk/client-kms';
import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
let sym: KeyMetadata;
const ec = { app: 'dk' };

beforeAll(async () => {
  h = await openHarness();
  sym = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
});
afterAll(() => h.emulator.close());

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input'], ctx = CTX) =>
  h.emulator.call(ctx, op, input);

describe('GenerateDataKey / GenerateDataKeyWithoutPlaintext', () => {
  test.each([
    [{ KeySpec: 'AES_256' as const }, 32],
    [{ KeySpec: 'AES_128' as const }, 16],
    [{ NumberOfBytes: 1 }, 1],
    [{ NumberOfBytes: 1024 }, 1024],
  ])('%j gives a %i-byte key whose ciphertext decrypts to it', async (size, len) => {
    const out = await call('GenerateDataKey', { KeyId: sym.KeyId, EncryptionContext: ec, ...size });
    expect(out.Plaintext!.length).toBe(len);
    expect(out).toMatchObject({ KeyId: sym.Arn, KeyMaterialId: sym.CurrentKeyMaterialId });
    const dec = await call('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec });
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.Plaintext!))).toBe(true);
  });

  test('without plaintext returns only a ciphertext that decrypts to a fresh key', async () => {
    const out = await call('GenerateDataKeyWithoutPlaintext', { KeyId: sym.KeyId, KeySpec: 'AES_256' });
    expect(out).not.toHaveProperty('Plaintext');
    expect(out.KeyId).toBe(sym.Arn);
    expect((await call('Decrypt', { CiphertextBlob: out.CiphertextBlob })).Plaintext!.length).toBe(32);
  });

  test('KeySpec xor NumberOfBytes; out-of-range sizes are ValidationException', async () => {
    for (const input of [
      {},
      { KeySpec: 'AES_256' as const, NumberOfBytes: 32 },
      { NumberOfBytes: 0 },
      { NumberOfBytes: 1025 },
    ]) {
      expect((await errorOf(() => call('GenerateDataKey', { KeyId: sym.KeyId, ...input }))).awsName).toBe(
        'ValidationException',
      );
    }
  });

  test('asymmetric keys cannot wrap data keys; DryRun stops after the checks', async () => {
    const rsa = (await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
    expect((await errorOf(() => call('GenerateDataKey', { KeyId: rsa.KeyId, KeySpec: 'AES_256' }))).awsName).toBe(
      'InvalidKeyUsageException',
    );
    expect(
      (await errorOf(() => call('GenerateDataKey', { KeyId: sym.KeyId, KeySpec: 'AES_256', DryRun: true }))).awsName,
    ).toBe('DryRunOperationException');
  });
});

describe('GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext', () => {
  const specs: Array<[DataKeyPairSpec, string, string | null]> = [
    ['RSA_2048', 'rsa', 'sha256'],
    ['RSA_3072', 'rsa', 'sha256'],
    ['RSA_4096', 'rsa', 'sha256'],
    ['ECC_NIST_P256', 'ec', 'sha256'],
    ['ECC_NIST_P384', 'ec', 'sha384'],
    ['ECC_NIST_P521', 'ec', 'sha512'],
    ['ECC_SECG_P256K1', 'ec', 'sha256'],
    ['ECC_NIST_EDWARDS25519', 'ed25519', null],
  ];

  test.each(specs)(
    '%s: PKCS#8 private and SPKI public halves match; the ciphertext decrypts to the PKCS#8',
    async (spec, type, hash) => {
      const out = await call('GenerateDataKeyPair', { KeyId: sym.KeyId, KeyPairSpec: spec, EncryptionContext: ec });
      expect(out).toMatchObject({ KeyId: sym.Arn, KeyPairSpec: spec, KeyMaterialId: sym.CurrentKeyMaterialId });
      const priv = createPrivateKey({ key: Buffer.from(out.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
      const pub = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
      expect(priv.asymmetricKeyType).toBe(type);
      const m = Buffer.from('pair');
      expect(verify(hash, m, pub, sign(hash, m, priv))).toBe(true);
      const dec = await call('Decrypt', { CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec });
      expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.PrivateKeyPlaintext!))).toBe(true);
    },
    30_000,
  );

  test('without plaintext: the decrypted private key belongs to the returned public key', async () => {
    const out = await call('GenerateDataKeyPairWithoutPlaintext', { KeyId: sym.KeyId, KeyPairSpec: 'ECC_NIST_P256' });
    expect(out).not.toHaveProperty('PrivateKeyPlaintext');
    const pkcs8 = (await call('Decrypt', { CiphertextBlob: out.PrivateKeyCiphertextBlob })).Plaintext!;
    const derived = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export(
      { type: 'spki', format: 'der' },
    );
    expect(derived.equals(Buffer.from(out.PublicKey!))).toBe(true);
  });

  test('SM2 pairs only in the China Regions; there they are SM2 keys', async () => {
    expect((await errorOf(() => call('GenerateDataKeyPair', { KeyId: sym.KeyId, KeyPairSpec: 'SM2' }))).awsName).toBe(
      'UnsupportedOperationException',
    );
    const cn = { accountId: CTX.accountId, region: 'cn-north-1' };
    const k = (await call('CreateKey', {}, cn)).KeyMetadata!;
    const out = await call('GenerateDataKeyPair', { KeyId: k.KeyId, KeyPairSpec: 'SM2' }, cn);
    const pub = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
    const priv = createPrivateKey({ key: Buffer.from(out.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
    expect(verify('sm3', Buffer.from('x'), pub, sign('sm3', Buffer.from('x'), priv))).toBe(true);
  });

  test('a KeyPairSpec outside the model is a ValidationException', async () => {
    const err = await errorOf(() =>
      call('GenerateDataKeyPair', { KeyId: sym.KeyId, KeyPairSpec: 'ML_KEM_512' as DataKeyPairSpec }),
    );
    expect(err.awsName).toBe('ValidationException');
  });
});

describe('GenerateRandom', () => {
  test('returns NumberOfBytes random bytes (1..1024)', async () => {
    const a = (await call('GenerateRandom', { NumberOfBytes: 1024 })).Plaintext!;
    const b = (await call('GenerateRandom', { NumberOfBytes: 1024 })).Plaintext!;
    expect(a.length).toBe(1024);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect((await call('GenerateRandom', { NumberOfBytes: 1 })).Plaintext!.length).toBe(1);
  });

  test('missing or out-of-range sizes are ValidationException; a custom key store is not found', async () => {
    for (const input of [{}, { NumberOfBytes: 0 }, { NumberOfBytes: 1025 }]) {
      expect((await errorOf(() => call('GenerateRandom', input))).awsName).toBe('ValidationException');
    }
    const err = await errorOf(() =>
      call('GenerateRandom', { NumberOfBytes: 8, CustomKeyStoreId: 'cks-1234567890abcdef0' }),
    );
    expect(err.awsName).toBe('CustomKeyStoreNotFoundException');
  });
});
