import { constants, createHash, createPublicKey, publicEncrypt, verify } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DryRunOperationException,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  InvalidCiphertextException,
  KMSInvalidSignatureException,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { startWire, type WireHarness } from './wire-harness.js';

let w: WireHarness;
beforeAll(async () => {
  w = await startWire();
});
afterAll(() => w.close());

const text = new TextEncoder().encode('over the wire');

test('Encrypt / Decrypt through the real KMS client: blobs travel as base64 and Decrypt needs no KeyId', async () => {
  const kms = w.kms();
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text, EncryptionContext: { a: 'b' } }));
  expect(enc.CiphertextBlob).toBeInstanceOf(Uint8Array);
  expect(enc).toMatchObject({ KeyId: key.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'b' } }));
  expect(new TextDecoder().decode(dec.Plaintext)).toBe('over the wire');
  expect(dec).toMatchObject({ KeyId: key.Arn, KeyMaterialId: key.CurrentKeyMaterialId });
  const err = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidCiphertextException);
  const dry = await kms
    .send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text, DryRun: true }))
    .catch((e: unknown) => e);
  expect(dry).toBeInstanceOf(DryRunOperationException);
});

test('GenerateDataKey through the wire: plaintext and ciphertext agree', async () => {
  const kms = w.kms();
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
  expect(dk.Plaintext!.length).toBe(32);
  const dec = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
  expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
});

test('RSA: encrypt locally with GetPublicKey output, decrypt through the wire', async () => {
  const kms = w.kms();
  const key = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!;
  const pub = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
  expect(pub).toMatchObject({
    KeySpec: 'RSA_2048',
    KeyUsage: 'ENCRYPT_DECRYPT',
    EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  });
  const spki = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
  const ct = publicEncrypt({ key: spki, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, text);
  const dec = await kms.send(
    new DecryptCommand({ CiphertextBlob: ct, KeyId: key.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
  );
  expect(new TextDecoder().decode(dec.Plaintext)).toBe('over the wire');
});

test('Sign / Verify through the wire: node verifies the signature with the GetPublicKey key', async () => {
  const kms = w.kms();
  const key = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })))
    .KeyMetadata!;
  const digest = createHash('sha256').update(text).digest();
  const sig = await kms.send(
    new SignCommand({ KeyId: key.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
  );
  const pub = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
  expect(pub.SigningAlgorithms).toEqual(['ECDSA_SHA_256']);
  const spki = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
  expect(verify('sha256', text, spki, sig.Signature!)).toBe(true);
  const ok = await kms.send(
    new VerifyCommand({ KeyId: key.KeyId, Message: text, Signature: sig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
  );
  expect(ok.SignatureValid).toBe(true);
  const bad = await kms
    .send(
      new VerifyCommand({
        KeyId: key.KeyId,
        Message: new TextEncoder().encode('tampered'),
        Signature: sig.Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    )
    .catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(KMSInvalidSignatureException);
});
