import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  SignCommand,
  VerifyCommand,
  type KeySpec,
  type KMSClient,
  type MessageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { awsErrorName, startConformance, type Conformance } from './harness.js';

/**
 * Every SigningAlgorithmSpec × MessageType, over HTTP: the emulator signs, and the
 * signature is verified outside it with the public key GetPublicKey exported (node:crypto
 * for RSA, ECDSA and Ed25519; @noble for Ed25519ph and ML-DSA, which node lacks; the
 * OpenSSL command line for SM2DSA). Verify must agree, and refuse a tampered signature.
 */

const message = Buffer.from('conformance: the message a client signs');
const HASH: Record<string, string> = { SHA_256: 'sha256', SHA_384: 'sha384', SHA_512: 'sha512' };
const hashOf = (alg: string) => HASH[alg.slice(alg.lastIndexOf('SHA_'))]!;

let c: Conformance;
let kms: KMSClient;
let china: KMSClient;
let dir: string;
beforeAll(async () => {
  c = await startConformance('signatures');
  kms = c.kms();
  china = c.kms('cn-north-1');
  dir = mkdtempSync(join(tmpdir(), 'conformance-sign-'));
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

const keys = new Map<string, Promise<{ keyId: string; spki: Uint8Array }>>();
/** One SIGN_VERIFY key per spec (created once) and its exported public key. */
function signingKey(client: KMSClient, spec: KeySpec) {
  let k = keys.get(spec);
  if (!k) {
    k = (async () => {
      const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
      const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId! }));
      return { keyId: KeyMetadata!.KeyId!, spki: PublicKey! };
    })();
    keys.set(spec, k);
  }
  return k;
}

async function signAndCheck(
  client: KMSClient,
  spec: KeySpec,
  alg: SigningAlgorithmSpec,
  type: MessageType,
  msg: Uint8Array,
) {
  const { keyId, spki } = await signingKey(client, spec);
  const out = await client.send(
    new SignCommand({ KeyId: keyId, Message: msg, MessageType: type, SigningAlgorithm: alg }),
  );
  expect(out.SigningAlgorithm).toBe(alg);
  const sig = out.Signature!;
  expect(
    (
      await client.send(
        new VerifyCommand({ KeyId: keyId, Message: msg, MessageType: type, SigningAlgorithm: alg, Signature: sig }),
      )
    ).SignatureValid,
  ).toBe(true);
  const bad = new Uint8Array(sig);
  bad[bad.length - 1]! ^= 0x01;
  const refused = await awsErrorName(
    client.send(
      new VerifyCommand({ KeyId: keyId, Message: msg, MessageType: type, SigningAlgorithm: alg, Signature: bad }),
    ),
  );
  expect(refused).toBe('KMSInvalidSignatureException');
  return { sig, spki };
}

const RSA: SigningAlgorithmSpec[] = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
];
const rsaCases = (['RSA_2048', 'RSA_3072', 'RSA_4096'] as KeySpec[]).flatMap((spec) =>
  RSA.flatMap((alg) => (['RAW', 'DIGEST'] as MessageType[]).map((type) => [spec, alg, type] as const)),
);

test.each(rsaCases)('%s %s %s verifies in node:crypto with the exported key', async (spec, alg, type) => {
  const hash = hashOf(alg);
  const msg = type === 'RAW' ? message : createHash(hash).update(message).digest();
  const { sig, spki } = await signAndCheck(kms, spec, alg, type, msg);
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const pss = alg.includes('PSS');
  const opts = pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: createHash(hash).digest().length }
    : key;
  expect(nodeVerify(hash, message, opts, sig)).toBe(true);
});

const ecCases = (
  [
    ['ECC_NIST_P256', 'ECDSA_SHA_256'],
    ['ECC_NIST_P384', 'ECDSA_SHA_384'],
    ['ECC_NIST_P521', 'ECDSA_SHA_512'],
    ['ECC_SECG_P256K1', 'ECDSA_SHA_256'],
  ] as const
).flatMap(([spec, alg]) => (['RAW', 'DIGEST'] as MessageType[]).map((type) => [spec, alg, type] as const));

test.each(ecCases)('%s %s %s: a DER ECDSA signature verifiable in node:crypto', async (spec, alg, type) => {
  const hash = hashOf(alg);
  const msg = type === 'RAW' ? message : createHash(hash).update(message).digest();
  const { sig, spki } = await signAndCheck(kms, spec, alg, type, msg);
  expect(sig[0]).toBe(0x30);
  expect(nodeVerify(hash, message, createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), sig)).toBe(
    true,
  );
});

test('ECC_NIST_EDWARDS25519 ED25519_SHA_512 RAW verifies in node:crypto; ED25519_PH_SHA_512 DIGEST verifies as Ed25519ph', async () => {
  const raw = await signAndCheck(kms, 'ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', 'RAW', message);
  expect(
    nodeVerify(null, message, createPublicKey({ key: Buffer.from(raw.spki), format: 'der', type: 'spki' }), raw.sig),
  ).toBe(true);
  const digest = createHash('sha512').update(message).digest();
  const ph = await signAndCheck(kms, 'ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', 'DIGEST', digest);
  const rawPublic = ph.spki.subarray(ph.spki.length - 32);
  expect(ed25519ph.verify(ph.sig, digest, rawPublic)).toBe(true);
});

test.each([
  ['ML_DSA_44', ml_dsa44],
  ['ML_DSA_65', ml_dsa65],
  ['ML_DSA_87', ml_dsa87],
] as const)('%s ML_DSA_SHAKE_256 RAW verifies with the FIPS 204 public key from the SPKI', async (spec, dsa) => {
  const { sig, spki } = await signAndCheck(kms, spec, 'ML_DSA_SHAKE_256', 'RAW', message);
  const publicKey = spki.subarray(spki.length - dsa.lengths.publicKey!);
  expect(dsa.verify(sig, message, publicKey)).toBe(true);
});

test.each([
  ['ML_DSA_44', ml_dsa44],
  ['ML_DSA_65', ml_dsa65],
  ['ML_DSA_87', ml_dsa87],
] as const)(
  '%s EXTERNAL_MU: a μ computed locally (FIPS 204 §6.2, empty context) signs to a signature of the message',
  async (spec, dsa) => {
    const { spki } = await signingKey(kms, spec);
    const publicKey = spki.subarray(spki.length - dsa.lengths.publicKey!);
    const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
    const mu = createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(message).digest();
    const { sig } = await signAndCheck(kms, spec, 'ML_DSA_SHAKE_256', 'EXTERNAL_MU', mu);
    expect(dsa.verify(sig, message, publicKey)).toBe(true);
  },
);

test('the MessageType rules: Ed25519 RAW only, Ed25519ph DIGEST only, a DIGEST of the wrong length', async () => {
  const { keyId } = await signingKey(kms, 'ECC_NIST_EDWARDS25519');
  const send = (alg: SigningAlgorithmSpec, type: MessageType, msg: Uint8Array) =>
    kms.send(new SignCommand({ KeyId: keyId, Message: msg, MessageType: type, SigningAlgorithm: alg }));
  expect(await awsErrorName(send('ED25519_SHA_512', 'DIGEST', new Uint8Array(64)))).toBe('ValidationException');
  expect(await awsErrorName(send('ED25519_PH_SHA_512', 'RAW', message))).toBe('ValidationException');
  expect(await awsErrorName(send('ED25519_PH_SHA_512', 'DIGEST', new Uint8Array(32)))).toBe('ValidationException');
  expect(await awsErrorName(send('ECDSA_SHA_256', 'RAW', message))).toBe('InvalidKeyUsageException');
  const rsa = await signingKey(kms, 'RSA_2048');
  expect(
    await awsErrorName(
      kms.send(
        new SignCommand({
          KeyId: rsa.keyId,
          Message: new Uint8Array(64),
          MessageType: 'EXTERNAL_MU',
          SigningAlgorithm: 'RSASSA_PSS_SHA_256',
        }),
      ),
    ),
  ).toBe('ValidationException');
});

describe('SM2DSA (China Regions)', () => {
  const opensslVerify = (spki: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
    writeFileSync(join(dir, 'pub.der'), spki);
    writeFileSync(join(dir, 'msg'), msg);
    writeFileSync(join(dir, 'sig'), sig);
    return execFileSync(
      'openssl',
      [
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
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
  };

  test('RAW: OpenSSL verifies the signature with SM3 and the distinguishing ID 1234567812345678', async () => {
    const { sig, spki } = await signAndCheck(china, 'SM2', 'SM2DSA', 'RAW', message);
    expect(opensslVerify(spki, message, sig)).toMatch(/Signature Verified Successfully/);
  });

  test('DIGEST: a caller-computed SM3(Z_A ‖ M) signs to a signature of M', async () => {
    const { spki } = await signingKey(china, 'SM2');
    const point = Buffer.from(spki.subarray(spki.length - 64));
    const id = Buffer.from('1234567812345678');
    const curve = Buffer.from(
      'fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93' +
        '32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0',
      'hex',
    );
    const za = createHash('sm3').update(Buffer.of(0, 128)).update(id).update(curve).update(point).digest();
    const digest = createHash('sm3').update(za).update(message).digest();
    const { sig } = await signAndCheck(china, 'SM2', 'SM2DSA', 'DIGEST', digest);
    expect(opensslVerify(spki, message, sig)).toMatch(/Signature Verified Successfully/);
  });

  test('SM2 keys exist only in the China Regions', async () => {
    expect(await awsErrorName(kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })))).toBe(
      'UnsupportedOperationException',
    );
  });
});
