import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { generateKeyMaterial, type GeneratableKeySpec } from '../../../../src/emulator/crypto/key-generation.js';

const pkcs8 = (m: Uint8Array) => createPrivateKey({ key: Buffer.from(m), format: 'der', type: 'pkcs8' });

describe('generateKeyMaterial', () => {
  test('SYMMETRIC_DEFAULT is 32 random bytes', async () => {
    const a = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    const b = await generateKeyMaterial('SYMMETRIC_DEFAULT');
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  test.each([
    ['HMAC_224', 28],
    ['HMAC_256', 32],
    ['HMAC_384', 48],
    ['HMAC_512', 64],
  ] as const)('%s keys are as long as the digest (%i bytes)', async (spec, len) => {
    expect((await generateKeyMaterial(spec)).length).toBe(len);
  });

  test.each([
    ['RSA_2048', 2048],
    ['RSA_3072', 3072],
  ] as const)('%s is a PKCS#8 RSA key of %i bits with exponent 65537', async (spec, bits) => {
    const key = pkcs8(await generateKeyMaterial(spec));
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: bits, publicExponent: 65537n });
  });

  test.each([
    ['ECC_NIST_P256', 'prime256v1'],
    ['ECC_NIST_P384', 'secp384r1'],
    ['ECC_NIST_P521', 'secp521r1'],
    ['ECC_SECG_P256K1', 'secp256k1'],
  ] as const)('%s is an EC key on %s that signs and verifies', async (spec, curve) => {
    const key = pkcs8(await generateKeyMaterial(spec));
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe(curve);
    const sig = sign('sha256', Buffer.from('m'), key);
    expect(verify('sha256', Buffer.from('m'), createPublicKey(key), sig)).toBe(true);
  });

  test('ECC_NIST_EDWARDS25519 is an Ed25519 key', async () => {
    expect(pkcs8(await generateKeyMaterial('ECC_NIST_EDWARDS25519')).asymmetricKeyType).toBe('ed25519');
  });

  test('SM2 is a key on the SM2 curve (OID 1.2.156.10197.1.301) that signs with SM3', async () => {
    const key = pkcs8(await generateKeyMaterial('SM2'));
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    expect(spki.includes(Buffer.from('06082a811ccf5501822d', 'hex'))).toBe(true);
    expect(verify('sm3', Buffer.from('m'), createPublicKey(key), sign('sm3', Buffer.from('m'), key))).toBe(true);
  });

  test('ML_DSA specs store a 32-byte FIPS 204 seed from which a working key pair derives', async () => {
    const seed = await generateKeyMaterial('ML_DSA_44');
    expect(seed.length).toBe(32);
    const { publicKey, secretKey } = ml_dsa44.keygen(seed);
    const msg = new Uint8Array([1, 2, 3]);
    expect(ml_dsa44.verify(ml_dsa44.sign(msg, secretKey), msg, publicKey)).toBe(true);
  });

  test('RSA generation does not block the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([generateKeyMaterial('RSA_4096'), generateKeyMaterial('RSA_4096')]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  test('rejects an unknown spec', async () => {
    await expect(generateKeyMaterial('NOPE' as GeneratableKeySpec)).rejects.toThrow('no generator');
  });
});
