import { execFileSync } from 'node:child_process';
import { diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SM2_DEFAULT_ID,
  sm2CanonicalPkcs8,
  Sm2Error,
  sm2GeneratePkcs8,
  sm2Decrypt,
  sm2Encrypt,
  sm2MessageDigest,
  sm2PointOfSpki,
  sm2PublicKeySpki,
  sm2PublicPoint,
  sm2SharedSecret,
  sm2SignDigest,
  sm2VerifyDigest,
} from '../../../../src/emulator/crypto/sm2.js';
import { signMessage, verifySignature } from '../../../../src/emulator/crypto/signing.js';

/**
 * SM2 is checked against an independent implementation: the OpenSSL 3 command line
 * (signature verification with the distinguishing ID, encryption and decryption in the
 * GM/T 0009 format) and node's own ECDH on the SM2 curve.
 */

const freshPair = () => generateKeyPairSync('ec', { namedCurve: 'SM2' });
const pkcs8 = (): Uint8Array => new Uint8Array(freshPair().privateKey.export({ type: 'pkcs8', format: 'der' }));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sm2-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, data: Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const openssl = (...args: string[]): Buffer => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

describe('SM2DSA', () => {
  const material = pkcs8();
  const spki = sm2PublicKeySpki(material);
  const message = Buffer.from('SM2 signature over a message KMS hashes (RAW)');

  test('a RAW signature verifies in OpenSSL with SM3 and the distinguishing ID 1234567812345678', () => {
    const sig = signMessage({ keySpec: 'SM2', material, algorithm: 'SM2DSA', messageType: 'RAW', message });
    const out = openssl(
      'pkeyutl',
      '-verify',
      '-pubin',
      '-keyform',
      'DER',
      '-inkey',
      file('pub.der', spki),
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      `distid:${SM2_DEFAULT_ID.toString()}`,
      '-in',
      file('msg', message),
      '-sigfile',
      file('sig', sig),
    );
    expect(out.toString()).toMatch(/Signature Verified Successfully/);
  });

  test('an OpenSSL signature verifies here, RAW and as a DIGEST of SM3(Z_A ‖ M)', () => {
    const pem = file('key.der', material);
    const sig = new Uint8Array(
      openssl(
        'pkeyutl',
        '-sign',
        '-keyform',
        'DER',
        '-inkey',
        pem,
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${SM2_DEFAULT_ID.toString()}`,
        '-in',
        file('msg2', message),
      ),
    );
    expect(verifySignature({ keySpec: 'SM2', material, algorithm: 'SM2DSA', messageType: 'RAW', message }, sig)).toBe(
      true,
    );
    const digest = sm2MessageDigest(sm2PublicPoint(material), message);
    expect(
      verifySignature({ keySpec: 'SM2', material, algorithm: 'SM2DSA', messageType: 'DIGEST', message: digest }, sig),
    ).toBe(true);
    expect(
      verifySignature(
        { keySpec: 'SM2', material, algorithm: 'SM2DSA', messageType: 'RAW', message: Buffer.from('other') },
        sig,
      ),
    ).toBe(false);
  });

  test('a DIGEST signature is a RAW signature of the same message; tampering and other IDs fail', () => {
    const point = sm2PublicPoint(material);
    const sig = sm2SignDigest(material, sm2MessageDigest(point, message));
    expect(sm2VerifyDigest(point, sm2MessageDigest(point, message), sig)).toBe(true);
    expect(sm2VerifyDigest(point, sm2MessageDigest(point, message, Buffer.from('another-id')), sig)).toBe(false);
    const bad = new Uint8Array(sig);
    bad[bad.length - 1]! ^= 1;
    expect(sm2VerifyDigest(point, sm2MessageDigest(point, message), bad)).toBe(false);
    expect(sm2VerifyDigest(point, sm2MessageDigest(point, message), sig.subarray(0, 10))).toBe(false);
    expect(sm2VerifyDigest(sm2PublicPoint(pkcs8()), sm2MessageDigest(point, message), sig)).toBe(false);
  });
});

describe('SM2PKE', () => {
  const material = pkcs8();
  const point = sm2PublicPoint(material);

  test('OpenSSL decrypts what this module encrypts', () => {
    const plaintext = randomBytes(100);
    const ct = sm2Encrypt(point, plaintext);
    expect(
      openssl(
        'pkeyutl',
        '-decrypt',
        '-keyform',
        'DER',
        '-inkey',
        file('k.der', material),
        '-in',
        file('ct', ct),
      ).equals(plaintext),
    ).toBe(true);
  });

  test('this module decrypts what OpenSSL encrypts with the exported public key', () => {
    const plaintext = randomBytes(1024);
    const ct = openssl(
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-keyform',
      'DER',
      '-inkey',
      file('p.der', sm2PublicKeySpki(material)),
      '-in',
      file('pt', plaintext),
    );
    expect(Buffer.from(sm2Decrypt(material, ct)).equals(plaintext)).toBe(true);
  });

  test('a tampered ciphertext, a truncated one or another key is refused', () => {
    const ct = sm2Encrypt(point, Buffer.from('secret'));
    const bad = new Uint8Array(ct);
    bad[bad.length - 1]! ^= 1;
    expect(() => sm2Decrypt(material, bad)).toThrow(Sm2Error);
    expect(() => sm2Decrypt(material, ct.subarray(0, ct.length - 3))).toThrow(Sm2Error);
    expect(() => sm2Decrypt(pkcs8(), ct)).toThrow(Sm2Error);
    expect(() => sm2Encrypt(point, new Uint8Array(0))).toThrow(Sm2Error);
  });
});

describe('SM2 key agreement and public keys', () => {
  test('ECDH matches node:crypto on the SM2 curve, in both directions', () => {
    const a = freshPair();
    const b = freshPair();
    const expected = diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
    const aMaterial = new Uint8Array(a.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const bSpki = new Uint8Array(b.publicKey.export({ type: 'spki', format: 'der' }));
    expect(Buffer.from(sm2SharedSecret(aMaterial, bSpki)).equals(expected)).toBe(true);
  });

  test('the SPKI is the one node exports for the same key', () => {
    const pair = freshPair();
    const material = new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(Buffer.from(sm2PublicKeySpki(material)).equals(pair.publicKey.export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );
  });

  test('a peer key on another curve, or a point off the curve, is refused', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(() => sm2SharedSecret(pkcs8(), p256)).toThrow(Sm2Error);
    const spki = Buffer.from(sm2PublicKeySpki(pkcs8()));
    spki[spki.length - 1]! ^= 1;
    expect(() => sm2PointOfSpki(spki)).toThrow(Sm2Error);
  });

  test('signing through signMessage refuses material that is not SM2', () => {
    const p256 = new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' }),
    );
    expect(() =>
      signMessage({
        keySpec: 'SM2',
        material: p256,
        algorithm: 'SM2DSA',
        messageType: 'RAW',
        message: Buffer.from('x'),
      }),
    ).toThrow(Sm2Error);
  });
});

describe('SM2 PKCS#8', () => {
  test('generated and canonical keys are PKCS#8 that OpenSSL uses; the canonical form is stable', () => {
    const generated = sm2GeneratePkcs8();
    const ct = sm2Encrypt(sm2PublicPoint(generated), Buffer.from('wrapped'));
    expect(
      openssl(
        'pkeyutl',
        '-decrypt',
        '-keyform',
        'DER',
        '-inkey',
        file('gen.der', generated),
        '-in',
        file('gen.ct', ct),
      ).toString(),
    ).toBe('wrapped');
    const fromNode = pkcs8();
    const canonical = sm2CanonicalPkcs8(fromNode);
    expect(Buffer.from(sm2CanonicalPkcs8(canonical)).equals(Buffer.from(canonical))).toBe(true);
    expect(Buffer.from(sm2PublicKeySpki(canonical)).equals(Buffer.from(sm2PublicKeySpki(fromNode)))).toBe(true);
    expect(() =>
      sm2CanonicalPkcs8(
        new Uint8Array(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' })),
      ),
    ).toThrow(Sm2Error);
    expect(() => sm2CanonicalPkcs8(randomBytes(40))).toThrow(Sm2Error);
  });
});
