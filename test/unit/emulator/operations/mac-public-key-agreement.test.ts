import { createECDH, createHmac, createPublicKey, generateKeyPairSync, diffieHellman } from 'node:crypto';
import type { KeySpec } from '@aws-sdk/client-kms';
import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(() => h.emulator.close());

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CTX, op, input);
const create = async (
  KeySpec: KeySpec,
  KeyUsage: 'GENERATE_VERIFY_MAC' | 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' | 'KEY_AGREEMENT',
) => (await call('CreateKey', { KeySpec, KeyUsage })).KeyMetadata!;
const message = new Uint8Array(Buffer.from('mac me'));

describe('GenerateMac / VerifyMac', () => {
  test.each([
    ['HMAC_224', 'HMAC_SHA_224', 28],
    ['HMAC_256', 'HMAC_SHA_256', 32],
    ['HMAC_384', 'HMAC_SHA_384', 48],
    ['HMAC_512', 'HMAC_SHA_512', 64],
  ] as const)('%s: %s MACs are deterministic, verify, and a changed MAC or message fails', async (spec, alg, len) => {
    const k = await create(spec, 'GENERATE_VERIFY_MAC');
    const a = await call('GenerateMac', { KeyId: k.KeyId, Message: message, MacAlgorithm: alg });
    const b = await call('GenerateMac', { KeyId: k.Arn, Message: message, MacAlgorithm: alg });
    expect(a).toMatchObject({ KeyId: k.Arn, MacAlgorithm: alg });
    expect(a.Mac!.length).toBe(len);
    expect(Buffer.from(a.Mac!).equals(Buffer.from(b.Mac!))).toBe(true);
    expect(await call('VerifyMac', { KeyId: k.KeyId, Message: message, MacAlgorithm: alg, Mac: a.Mac })).toEqual({
      KeyId: k.Arn,
      MacValid: true,
      MacAlgorithm: alg,
    });
    const bad = new Uint8Array(a.Mac!);
    bad[0]! ^= 1;
    for (const input of [
      { Mac: bad, Message: message },
      { Mac: a.Mac, Message: new Uint8Array(Buffer.from('other')) },
      { Mac: a.Mac!.subarray(1), Message: message },
    ]) {
      expect((await errorOf(() => call('VerifyMac', { KeyId: k.KeyId, MacAlgorithm: alg, ...input }))).awsName).toBe(
        'KMSInvalidMacException',
      );
    }
  });

  test('a MAC is not valid under another key of the same spec', async () => {
    const [k1, k2] = [await create('HMAC_256', 'GENERATE_VERIFY_MAC'), await create('HMAC_256', 'GENERATE_VERIFY_MAC')];
    const { Mac } = await call('GenerateMac', { KeyId: k1.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' });
    expect(
      (await errorOf(() => call('VerifyMac', { KeyId: k2.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', Mac })))
        .awsName,
    ).toBe('KMSInvalidMacException');
    // and it is a plain HMAC: a different key gives a different value
    expect(Buffer.from(Mac!).equals(createHmac('sha256', Buffer.alloc(32)).update(message).digest())).toBe(false);
  });

  test('an algorithm of another spec, or a non-MAC key, is InvalidKeyUsageException', async () => {
    const k = await create('HMAC_256', 'GENERATE_VERIFY_MAC');
    expect(
      (await errorOf(() => call('GenerateMac', { KeyId: k.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_512' })))
        .awsName,
    ).toBe('InvalidKeyUsageException');
    const sym = (await call('CreateKey', {})).KeyMetadata!;
    expect(
      (await errorOf(() => call('GenerateMac', { KeyId: sym.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })))
        .awsName,
    ).toBe('InvalidKeyUsageException');
    expect(
      (
        await errorOf(() =>
          call('GenerateMac', { KeyId: k.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }),
        )
      ).awsName,
    ).toBe('DryRunOperationException');
  });
});

describe('GetPublicKey', () => {
  test('returns SPKI DER and the algorithms of the key usage', async () => {
    const rsa = await create('RSA_2048', 'ENCRYPT_DECRYPT');
    const out = await call('GetPublicKey', { KeyId: rsa.KeyId });
    expect(out).toMatchObject({
      KeyId: rsa.Arn,
      KeySpec: 'RSA_2048',
      CustomerMasterKeySpec: 'RSA_2048',
      KeyUsage: 'ENCRYPT_DECRYPT',
      EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    });
    expect(out.SigningAlgorithms).toBeUndefined();
    expect(
      createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails
        ?.modulusLength,
    ).toBe(2048);
    const ec = await create('ECC_NIST_P384', 'KEY_AGREEMENT');
    expect(await call('GetPublicKey', { KeyId: ec.KeyId })).toMatchObject({
      KeyAgreementAlgorithms: ['ECDH'],
      KeyUsage: 'KEY_AGREEMENT',
    });
  });

  test('symmetric and HMAC keys have none (UnsupportedOperationException); disabled keys are DisabledException', async () => {
    const sym = (await call('CreateKey', {})).KeyMetadata!;
    const mac = await create('HMAC_384', 'GENERATE_VERIFY_MAC');
    for (const k of [sym, mac])
      expect((await errorOf(() => call('GetPublicKey', { KeyId: k.KeyId }))).awsName).toBe(
        'UnsupportedOperationException',
      );
    const ec = await create('ECC_NIST_P256', 'SIGN_VERIFY');
    await call('DisableKey', { KeyId: ec.KeyId });
    expect((await errorOf(() => call('GetPublicKey', { KeyId: ec.KeyId }))).awsName).toBe('DisabledException');
  });
});

describe('DeriveSharedSecret', () => {
  test.each([
    ['ECC_NIST_P256', 'prime256v1'],
    ['ECC_NIST_P384', 'secp384r1'],
    ['ECC_NIST_P521', 'secp521r1'],
  ] as const)('%s: both sides of ECDH agree', async (spec, curve) => {
    const k = await create(spec, 'KEY_AGREEMENT');
    const peer = generateKeyPairSync('ec', { namedCurve: curve });
    const out = await call('DeriveSharedSecret', {
      KeyId: k.KeyId,
      KeyAgreementAlgorithm: 'ECDH',
      PublicKey: new Uint8Array(peer.publicKey.export({ type: 'spki', format: 'der' })),
    });
    const kmsPub = createPublicKey({
      key: Buffer.from((await call('GetPublicKey', { KeyId: k.KeyId })).PublicKey!),
      format: 'der',
      type: 'spki',
    });
    const local = diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPub });
    expect(Buffer.from(out.SharedSecret!).equals(local)).toBe(true);
    expect(out).toMatchObject({ KeyId: k.Arn, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: 'AWS_KMS' });
  });

  test('a peer key on another curve or not SPKI is a ValidationException; signing keys are InvalidKeyUsageException', async () => {
    const k = await create('ECC_NIST_P256', 'KEY_AGREEMENT');
    const other = new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' }),
    );
    expect(
      (
        await errorOf(() =>
          call('DeriveSharedSecret', { KeyId: k.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: other }),
        )
      ).awsName,
    ).toBe('ValidationException');
    const raw = new Uint8Array(createECDH('prime256v1').generateKeys());
    expect(
      (
        await errorOf(() =>
          call('DeriveSharedSecret', { KeyId: k.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: raw }),
        )
      ).awsName,
    ).toBe('ValidationException');
    const signer = await create('ECC_NIST_P256', 'SIGN_VERIFY');
    expect(
      (
        await errorOf(() =>
          call('DeriveSharedSecret', { KeyId: signer.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: other }),
        )
      ).awsName,
    ).toBe('InvalidKeyUsageException');
  });
});
