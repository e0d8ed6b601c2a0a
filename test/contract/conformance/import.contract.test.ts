import { execFileSync } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  type AlgorithmSpec,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { awsErrorName, closeScratchSuite, startScratchSuite, type Conformance } from './harness.js';

/**
 * Imported key material over HTTP, wrapped the way clients wrap it (node:crypto for RSA,
 * the OpenSSL command line for SM2PKE): every RSA wrapping algorithm, SM2 wrapping keys in
 * the China Regions, SM2 private keys, re-import after deletion and on-demand rotation to
 * new imported material.
 */

let c: Conformance;
let kms: KMSClient;
let china: KMSClient;
let dir: string;
beforeAll(async () => ({ c, kms, china, dir } = await startScratchSuite('import')));
afterAll(() => closeScratchSuite({ c, dir }));

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

function rsaWrap(publicKeyDer: Uint8Array, algorithm: AlgorithmSpec, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaep = (data: Uint8Array) =>
    publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256' },
      data,
    );
  if (algorithm.startsWith('RSAES_OAEP')) return oaep(material);
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([oaep(aesKey), kwp.update(material), kwp.final()]);
}

function sm2Wrap(publicKeyDer: Uint8Array, material: Uint8Array): Uint8Array {
  writeFileSync(join(dir, 'wrap.der'), publicKeyDer);
  writeFileSync(join(dir, 'material'), material);
  return openssl(
    'pkeyutl',
    '-encrypt',
    '-pubin',
    '-keyform',
    'DER',
    '-inkey',
    join(dir, 'wrap.der'),
    '-in',
    join(dir, 'material'),
  );
}

async function importInto(
  client: KMSClient,
  keyId: string,
  material: Uint8Array,
  algorithm: AlgorithmSpec,
  extra: object = {},
) {
  const spec = algorithm === 'SM2PKE' ? 'SM2' : 'RSA_3072';
  const p = await client.send(
    new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: spec }),
  );
  const wrapped = algorithm === 'SM2PKE' ? sm2Wrap(p.PublicKey!, material) : rsaWrap(p.PublicKey!, algorithm, material);
  return client.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrapped,
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      ...extra,
    }),
  );
}

const externalKey = async (client: KMSClient, input: object = {}) =>
  (await client.send(new CreateKeyCommand({ Origin: 'EXTERNAL', ...input }))).KeyMetadata!.KeyId!;

test.each(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const)(
  'symmetric material wrapped with %s: the key is Enabled and encrypts under the imported bytes',
  async (algorithm) => {
    const keyId = await externalKey(kms);
    const material = randomBytes(32);
    const out = await importInto(kms, keyId, material, algorithm);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      CurrentKeyMaterialId: out.KeyMaterialId,
    });
    const blob = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('imported') })))
      .CiphertextBlob!;
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString()).toBe(
      'imported',
    );
  },
);

test('SM2PKE wrapping (China Regions): symmetric material and an SM2 signing key imported through OpenSSL-wrapped bytes', async () => {
  const sym = await externalKey(china);
  await importInto(china, sym, randomBytes(32), 'SM2PKE');
  const blob = (await china.send(new EncryptCommand({ KeyId: sym, Plaintext: Buffer.from('sm2 wrapped') })))
    .CiphertextBlob!;
  expect(Buffer.from((await china.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString()).toBe(
    'sm2 wrapped',
  );

  const pair = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const signer = await externalKey(china, { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' });
  await importInto(china, signer, pair.privateKey.export({ type: 'pkcs8', format: 'der' }), 'SM2PKE');
  const spki = (await china.send(new GetPublicKeyCommand({ KeyId: signer }))).PublicKey!;
  expect(Buffer.from(spki).equals(pair.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  const message = Buffer.from('signed by imported SM2 material');
  const sig = (await china.send(new SignCommand({ KeyId: signer, Message: message, SigningAlgorithm: 'SM2DSA' })))
    .Signature!;
  writeFileSync(join(dir, 'msg'), message);
  writeFileSync(join(dir, 'sig'), sig);
  writeFileSync(join(dir, 'pub.der'), spki);
  const verified = openssl(
    'pkeyutl',
    '-verify',
    '-pubin',
    '-keyform',
    'DER',
    '-inkey',
    join(dir, 'pub.der'),
    '-rawin',
    '-digest',
    'sm3',
    '-pkeyopt',
    'distid:1234567812345678',
    '-in',
    join(dir, 'msg'),
    '-sigfile',
    join(dir, 'sig'),
  );
  expect(verified.toString()).toMatch(/Signature Verified Successfully/);
  // material that is not an SM2 private key is refused
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    type: 'pkcs8',
    format: 'der',
  });
  const other = await externalKey(china, { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' });
  expect(await awsErrorName(importInto(china, other, p256, 'SM2PKE'))).toBe('IncorrectKeyMaterialException');
});

test('SM2 wrapping outside the China Regions, or mixed with RSA, is refused', async () => {
  const keyId = await externalKey(kms);
  const call = (WrappingAlgorithm: AlgorithmSpec, WrappingKeySpec: 'SM2' | 'RSA_2048') =>
    awsErrorName(kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm, WrappingKeySpec })));
  expect(await call('SM2PKE', 'SM2')).toBe('ValidationException');
  const cn = await externalKey(china);
  expect(
    await awsErrorName(
      china.send(
        new GetParametersForImportCommand({ KeyId: cn, WrappingAlgorithm: 'SM2PKE', WrappingKeySpec: 'RSA_2048' }),
      ),
    ),
  ).toBe('ValidationException');
  expect(
    await awsErrorName(
      china.send(
        new GetParametersForImportCommand({
          KeyId: cn,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'SM2',
        }),
      ),
    ),
  ).toBe('ValidationException');
});

test('re-import after deletion, then new material rotated to on demand; every version keeps decrypting', async () => {
  const keyId = await externalKey(kms);
  const first = randomBytes(32);
  const v1 = (await importInto(kms, keyId, first, 'RSAES_OAEP_SHA_256')).KeyMaterialId!;
  const old = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('v1') }))).CiphertextBlob!;
  await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
  expect(await awsErrorName(kms.send(new DecryptCommand({ CiphertextBlob: old })))).toBe('KMSInvalidStateException');
  expect(await awsErrorName(importInto(kms, keyId, randomBytes(32), 'RSAES_OAEP_SHA_256'))).toBe(
    'IncorrectKeyMaterialException',
  );
  expect((await importInto(kms, keyId, first, 'RSA_AES_KEY_WRAP_SHA_256')).KeyMaterialId).toBe(v1);
  const v2 = (await importInto(kms, keyId, randomBytes(32), 'RSAES_OAEP_SHA_256', { ImportType: 'NEW_KEY_MATERIAL' }))
    .KeyMaterialId!;
  const pending = (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations!;
  expect(pending.map((r) => [r.KeyMaterialId, r.KeyMaterialState])).toEqual([[v2, 'PENDING_ROTATION']]);
  await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
  const fresh = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('v2') }))).CiphertextBlob!;
  expect((await kms.send(new DecryptCommand({ CiphertextBlob: fresh }))).KeyMaterialId).toBe(v2);
  expect((await kms.send(new DecryptCommand({ CiphertextBlob: old }))).KeyMaterialId).toBe(v1);
});
