import { execFileSync } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  VerifyMacCommand,
  type DataKeyPairSpec,
  type KeySpec,
  type KeyUsageType,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { awsErrorName, closeScratchSuite, startScratchSuite, type Conformance } from './harness.js';

/**
 * Encryption, data keys, MACs and key agreement over HTTP, each result checked outside
 * the emulator with node:crypto (or the OpenSSL command line for SM2, which node cannot
 * encrypt with).
 */

let c: Conformance;
let kms: KMSClient;
let china: KMSClient;
let dir: string;
beforeAll(async () => ({ c, kms, china, dir } = await startScratchSuite('ciphers')));
afterAll(() => closeScratchSuite({ c, dir }));

const createKey = async (client: KMSClient, KeySpec: KeySpec, KeyUsage: KeyUsageType) =>
  (await client.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata!.KeyId!;
const publicKeyOf = async (client: KMSClient, keyId: string) =>
  (await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;

describe('RSA encryption: encrypted locally with the exported key, decrypted by the emulator', () => {
  test.each([
    ['RSA_2048', 'RSAES_OAEP_SHA_1', 'sha1', 214],
    ['RSA_2048', 'RSAES_OAEP_SHA_256', 'sha256', 190],
    ['RSA_3072', 'RSAES_OAEP_SHA_1', 'sha1', 342],
    ['RSA_3072', 'RSAES_OAEP_SHA_256', 'sha256', 318],
    ['RSA_4096', 'RSAES_OAEP_SHA_1', 'sha1', 470],
    ['RSA_4096', 'RSAES_OAEP_SHA_256', 'sha256', 446],
  ] as const)('%s %s (OAEP %s, plaintext limit %d bytes)', async (spec, alg, hash, max) => {
    const keyId = await createKey(kms, spec, 'ENCRYPT_DECRYPT');
    const key = createPublicKey({ key: Buffer.from(await publicKeyOf(kms, keyId)), format: 'der', type: 'spki' });
    const plaintext = randomBytes(max);
    const ct = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
    const out = await kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ct, EncryptionAlgorithm: alg }));
    expect(Buffer.from(out.Plaintext!).equals(plaintext)).toBe(true);
    expect(out.EncryptionAlgorithm).toBe(alg);
    // the emulator's own ciphertext of the limit decrypts; one byte more is refused
    const own = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionAlgorithm: alg }));
    expect(
      Buffer.from(
        (
          await kms.send(
            new DecryptCommand({ KeyId: keyId, CiphertextBlob: own.CiphertextBlob, EncryptionAlgorithm: alg }),
          )
        ).Plaintext!,
      ).equals(plaintext),
    ).toBe(true);
    expect(
      await awsErrorName(
        kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(max + 1), EncryptionAlgorithm: alg })),
      ),
    ).toBe('ValidationException');
    // the wrong OAEP digest, a tampered ciphertext, or a missing KeyId do not decrypt
    const other = alg === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
    expect(
      await awsErrorName(
        kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ct, EncryptionAlgorithm: other })),
      ),
    ).toBe('InvalidCiphertextException');
    const bad = Buffer.from(ct);
    bad[5]! ^= 1;
    expect(
      await awsErrorName(kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: bad, EncryptionAlgorithm: alg }))),
    ).toBe('InvalidCiphertextException');
    expect(await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: ct, EncryptionAlgorithm: alg })))).toBe(
      'ValidationException',
    );
  });

  test('an encryption context is refused with asymmetric keys', async () => {
    const keyId = await createKey(kms, 'RSA_2048', 'ENCRYPT_DECRYPT');
    const call = kms.send(
      new EncryptCommand({
        KeyId: keyId,
        Plaintext: Buffer.from('x'),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        EncryptionContext: { a: 'b' },
      }),
    );
    expect(await awsErrorName(call)).toBe('ValidationException');
  });
});

describe('SM2PKE (China Regions)', () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

  test('OpenSSL encrypts with the exported key; the emulator decrypts; 1024 bytes is the limit', async () => {
    const keyId = await createKey(china, 'SM2', 'ENCRYPT_DECRYPT');
    writeFileSync(join(dir, 'sm2.der'), await publicKeyOf(china, keyId));
    const plaintext = randomBytes(1024);
    writeFileSync(join(dir, 'pt'), plaintext);
    const ct = openssl(
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-keyform',
      'DER',
      '-inkey',
      join(dir, 'sm2.der'),
      '-in',
      join(dir, 'pt'),
    );
    const out = await china.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: ct, EncryptionAlgorithm: 'SM2PKE' }),
    );
    expect(Buffer.from(out.Plaintext!).equals(plaintext)).toBe(true);
    const tooLong = china.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: randomBytes(1025), EncryptionAlgorithm: 'SM2PKE' }),
    );
    expect(await awsErrorName(tooLong)).toBe('ValidationException');
    const bad = Buffer.from(ct);
    bad[bad.length - 1]! ^= 1;
    expect(
      await awsErrorName(
        china.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: bad, EncryptionAlgorithm: 'SM2PKE' })),
      ),
    ).toBe('InvalidCiphertextException');
  });

  test('an SM2 data key pair works in OpenSSL (encrypt to the public half, decrypt with the private half); SM2PKE round-trips', async () => {
    const pair = await china.send(
      new GenerateDataKeyPairCommand({
        KeyId: await createKey(china, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'),
        KeyPairSpec: 'SM2',
      }),
    );
    writeFileSync(join(dir, 'pair.der'), pair.PrivateKeyPlaintext!);
    // the pair's public key is what GetPublicKey would export for an SM2 key: OpenSSL encrypts to it, decrypts with the private key
    writeFileSync(join(dir, 'pairpub.der'), pair.PublicKey!);
    writeFileSync(join(dir, 'm'), Buffer.from('SM2 data key pair'));
    const ct = openssl(
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-keyform',
      'DER',
      '-inkey',
      join(dir, 'pairpub.der'),
      '-in',
      join(dir, 'm'),
    );
    writeFileSync(join(dir, 'ct'), ct);
    expect(
      openssl(
        'pkeyutl',
        '-decrypt',
        '-keyform',
        'DER',
        '-inkey',
        join(dir, 'pair.der'),
        '-in',
        join(dir, 'ct'),
      ).toString(),
    ).toBe('SM2 data key pair');
    const keyId = await createKey(china, 'SM2', 'ENCRYPT_DECRYPT');
    const enc = await china.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('round trip'), EncryptionAlgorithm: 'SM2PKE' }),
    );
    const dec = await china.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'SM2PKE' }),
    );
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('round trip');
  });
});

describe('data key pairs: the two halves belong together', () => {
  const specs: DataKeyPairSpec[] = [
    'RSA_2048',
    'RSA_3072',
    'RSA_4096',
    'ECC_NIST_P256',
    'ECC_NIST_P384',
    'ECC_NIST_P521',
    'ECC_SECG_P256K1',
    'ECC_NIST_EDWARDS25519',
  ];
  let wrapKey: string;
  beforeAll(async () => {
    wrapKey = await createKey(kms, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
  });

  test.each(specs)(
    '%s: PKCS#8 private key derives the SPKI public key; the wrapped copy decrypts to it',
    async (spec) => {
      const ctx = { purpose: 'conformance' };
      const out = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: wrapKey, KeyPairSpec: spec, EncryptionContext: ctx }),
      );
      const priv = createPrivateKey({ key: Buffer.from(out.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
      expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).equals(Buffer.from(out.PublicKey!))).toBe(
        true,
      );
      const dec = await kms.send(
        new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ctx }),
      );
      expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(out.PrivateKeyPlaintext!))).toBe(true);
      const without = await kms.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: wrapKey, KeyPairSpec: spec }),
      );
      expect(without).not.toHaveProperty('PrivateKeyPlaintext');
      const priv2 = (await kms.send(new DecryptCommand({ CiphertextBlob: without.PrivateKeyCiphertextBlob })))
        .Plaintext!;
      const derived = createPublicKey(
        createPrivateKey({ key: Buffer.from(priv2), format: 'der', type: 'pkcs8' }),
      ).export({ type: 'spki', format: 'der' });
      expect(derived.equals(Buffer.from(without.PublicKey!))).toBe(true);
    },
  );

  test('SM2 pairs only in the China Regions', async () => {
    expect(await awsErrorName(kms.send(new GenerateDataKeyPairCommand({ KeyId: wrapKey, KeyPairSpec: 'SM2' })))).toBe(
      'UnsupportedOperationException',
    );
  });
});

describe('MACs: verified by node:crypto, positive and negative', () => {
  test.each([
    ['HMAC_224', 'HMAC_SHA_224'],
    ['HMAC_256', 'HMAC_SHA_256'],
    ['HMAC_384', 'HMAC_SHA_384'],
    ['HMAC_512', 'HMAC_SHA_512'],
  ] as const)('%s %s', async (spec, alg) => {
    const keyId = await createKey(kms, spec, 'GENERATE_VERIFY_MAC');
    const message = randomBytes(300);
    const { Mac } = await kms.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: alg }));
    expect(Mac!.length).toBe(Number(alg.slice(-3)) / 8);
    // the same message gives the same MAC; a different message a different one
    const again = await kms.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: alg }));
    expect(Buffer.from(again.Mac!).equals(Buffer.from(Mac!))).toBe(true);
    expect(
      (await kms.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: alg, Mac }))).MacValid,
    ).toBe(true);
    const bad = Buffer.from(Mac!);
    bad[0]! ^= 1;
    expect(
      await awsErrorName(
        kms.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: alg, Mac: bad })),
      ),
    ).toBe('KMSInvalidMacException');
    expect(
      await awsErrorName(
        kms.send(new VerifyMacCommand({ KeyId: keyId, Message: randomBytes(3), MacAlgorithm: alg, Mac })),
      ),
    ).toBe('KMSInvalidMacException');
    // a MAC computed outside with a key we do not know never verifies, and the wrong algorithm is refused
    const foreign = createHmac(`sha${alg.slice(-3)}`, randomBytes(32))
      .update(message)
      .digest();
    expect(
      await awsErrorName(
        kms.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: alg, Mac: foreign })),
      ),
    ).toBe('KMSInvalidMacException');
    const wrongAlg = alg === 'HMAC_SHA_256' ? 'HMAC_SHA_384' : 'HMAC_SHA_256';
    expect(
      await awsErrorName(kms.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: wrongAlg }))),
    ).toBe('InvalidKeyUsageException');
  });
});

describe('ECDH: DeriveSharedSecret matches a local computation', () => {
  test.each([
    ['ECC_NIST_P256', 'prime256v1'],
    ['ECC_NIST_P384', 'secp384r1'],
    ['ECC_NIST_P521', 'secp521r1'],
  ] as const)('%s', async (spec, curve) => {
    const keyId = await createKey(kms, spec, 'KEY_AGREEMENT');
    const kmsPublic = createPublicKey({ key: Buffer.from(await publicKeyOf(kms, keyId)), format: 'der', type: 'spki' });
    const peer = generateKeyPairSync('ec', { namedCurve: curve });
    const out = await kms.send(
      new DeriveSharedSecretCommand({
        KeyId: keyId,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: peer.publicKey.export({ type: 'spki', format: 'der' }),
      }),
    );
    expect(
      Buffer.from(out.SharedSecret!).equals(diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic })),
    ).toBe(true);
    const other = curve === 'prime256v1' ? 'secp384r1' : 'prime256v1';
    const wrongCurve = generateKeyPairSync('ec', { namedCurve: other }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(
      await awsErrorName(
        kms.send(new DeriveSharedSecretCommand({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: wrongCurve })),
      ),
    ).toBe('ValidationException');
    expect(
      await awsErrorName(
        kms.send(
          new DeriveSharedSecretCommand({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: randomBytes(40) }),
        ),
      ),
    ).toBe('ValidationException');
  });

  test('SM2 (China Regions), against node:crypto ECDH on the SM2 curve', async () => {
    const keyId = await createKey(china, 'SM2', 'KEY_AGREEMENT');
    const kmsSpki = Buffer.from(await publicKeyOf(china, keyId));
    const peer = createECDH('SM2');
    peer.generateKeys();
    // the peer's SPKI: the SM2 SPKI header followed by its uncompressed point
    const peerSpki = Buffer.concat([kmsSpki.subarray(0, kmsSpki.length - 65), peer.getPublicKey()]);
    const out = await china.send(
      new DeriveSharedSecretCommand({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerSpki }),
    );
    expect(Buffer.from(out.SharedSecret!).equals(peer.computeSecret(kmsSpki.subarray(kmsSpki.length - 65)))).toBe(true);
  });
});

test('an unmodified AWS client flow: envelope encryption with GenerateDataKey, local AES-256-GCM and Decrypt', async () => {
  const keyId = await createKey(kms, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
  const context = { tenant: 'acme', file: 'report.pdf' };
  const document = randomBytes(64 * 1024);
  // writer: a fresh data key, the document sealed locally, only the wrapped key kept
  const dk = await kms.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dk.Plaintext!, iv);
  const sealed = Buffer.concat([cipher.update(document), cipher.final()]);
  const tag = cipher.getAuthTag();
  const stored = { wrappedKey: dk.CiphertextBlob!, iv, tag, sealed };
  // reader: KMS unwraps the data key (no KeyId: the blob names its key), then local decryption
  const unwrapped = await kms.send(
    new DecryptCommand({ CiphertextBlob: stored.wrappedKey, EncryptionContext: context }),
  );
  expect(unwrapped.KeyId).toMatch(new RegExp(`:key/${keyId}$`));
  const decipher = createDecipheriv('aes-256-gcm', unwrapped.Plaintext!, stored.iv);
  decipher.setAuthTag(stored.tag);
  expect(Buffer.concat([decipher.update(stored.sealed), decipher.final()]).equals(document)).toBe(true);
  // the wrong encryption context does not unwrap the key
  expect(
    await awsErrorName(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: stored.wrappedKey,
          EncryptionContext: { tenant: 'other', file: 'report.pdf' },
        }),
      ),
    ),
  ).toBe('InvalidCiphertextException');
});
