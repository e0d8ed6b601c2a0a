import { constants, createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { KeyMetadata, KeySpec, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
const keys = new Map<string, KeyMetadata>();
const msg = new Uint8Array(Buffer.from('message to sign'));

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CTX, op, input);
const keyOf = (spec: KeySpec) => keys.get(spec)!;
const spki = async (spec: KeySpec): Promise<KeyObject> =>
  createPublicKey({
    key: Buffer.from((await call('GetPublicKey', { KeyId: keyOf(spec).KeyId })).PublicKey!),
    format: 'der',
    type: 'spki',
  });

beforeAll(async () => {
  h = await openHarness();
  for (const KeySpec of [
    'RSA_2048',
    'ECC_NIST_P256',
    'ECC_NIST_P384',
    'ECC_NIST_P521',
    'ECC_SECG_P256K1',
    'ECC_NIST_EDWARDS25519',
    'ML_DSA_44',
  ] as const) {
    keys.set(KeySpec, (await h.emulator.call(CTX, 'CreateKey', { KeySpec, KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!);
  }
});
afterAll(() => h.emulator.close());

const cases: Array<[KeySpec, SigningAlgorithmSpec, string, number | undefined]> = [
  ['RSA_2048', 'RSASSA_PSS_SHA_256', 'sha256', 32],
  ['RSA_2048', 'RSASSA_PSS_SHA_384', 'sha384', 48],
  ['RSA_2048', 'RSASSA_PSS_SHA_512', 'sha512', 64],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'sha256', undefined],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384', 'sha384', undefined],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512', 'sha512', undefined],
  ['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256', undefined],
  ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384', undefined],
  ['ECC_NIST_P521', 'ECDSA_SHA_512', 'sha512', undefined],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'sha256', undefined],
];

describe.each(cases)('%s %s', (spec, alg, hash, saltLength) => {
  const verifyLocally = async (sig: Uint8Array) => {
    const key = await spki(spec);
    const opts = saltLength
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }
      : { key, dsaEncoding: 'der' as const };
    return nodeVerify(hash, msg, opts, sig);
  };

  test.each(['RAW', 'DIGEST'] as const)(
    '%s signatures verify with node:crypto and the GetPublicKey key, and in Verify',
    async (MessageType) => {
      const Message = MessageType === 'RAW' ? msg : createHash(hash).update(msg).digest();
      const out = await call('Sign', { KeyId: keyOf(spec).KeyId, Message, MessageType, SigningAlgorithm: alg });
      expect(out).toMatchObject({ KeyId: keyOf(spec).Arn, SigningAlgorithm: alg });
      expect(await verifyLocally(out.Signature!)).toBe(true);
      const v = await call('Verify', {
        KeyId: keyOf(spec).Arn,
        Message,
        MessageType,
        Signature: out.Signature,
        SigningAlgorithm: alg,
      });
      expect(v).toEqual({ KeyId: keyOf(spec).Arn, SignatureValid: true, SigningAlgorithm: alg });
      const bad = new Uint8Array(out.Signature!);
      bad[bad.length - 3]! ^= 1;
      const err = await errorOf(() =>
        call('Verify', { KeyId: keyOf(spec).KeyId, Message, MessageType, Signature: bad, SigningAlgorithm: alg }),
      );
      expect(err.awsName).toBe('KMSInvalidSignatureException');
    },
  );

  test('a DIGEST of the wrong length is a ValidationException', async () => {
    const err = await errorOf(() =>
      call('Sign', {
        KeyId: keyOf(spec).KeyId,
        Message: new Uint8Array(20),
        MessageType: 'DIGEST',
        SigningAlgorithm: alg,
      }),
    );
    expect(err.awsName).toBe('ValidationException');
  });
});

describe('Ed25519', () => {
  test('ED25519_SHA_512 signs RAW messages that node verifies; DIGEST is refused', async () => {
    const k = keyOf('ECC_NIST_EDWARDS25519');
    const out = await call('Sign', { KeyId: k.KeyId, Message: msg, SigningAlgorithm: 'ED25519_SHA_512' });
    expect(nodeVerify(null, msg, await spki('ECC_NIST_EDWARDS25519'), out.Signature!)).toBe(true);
    const err = await errorOf(() =>
      call('Sign', {
        KeyId: k.KeyId,
        Message: new Uint8Array(64),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ED25519_SHA_512',
      }),
    );
    expect(err.awsName).toBe('ValidationException');
  });

  test('ED25519_PH_SHA_512 takes a 64-byte DIGEST only and verifies; RAW is refused', async () => {
    const k = keyOf('ECC_NIST_EDWARDS25519');
    const digest = createHash('sha512').update(msg).digest();
    const out = await call('Sign', {
      KeyId: k.KeyId,
      Message: digest,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ED25519_PH_SHA_512',
    });
    expect(out.Signature!.length).toBe(64);
    await call('Verify', {
      KeyId: k.KeyId,
      Message: digest,
      MessageType: 'DIGEST',
      Signature: out.Signature,
      SigningAlgorithm: 'ED25519_PH_SHA_512',
    });
    const raw = await errorOf(() =>
      call('Sign', { KeyId: k.KeyId, Message: msg, SigningAlgorithm: 'ED25519_PH_SHA_512' }),
    );
    expect(raw.awsName).toBe('ValidationException');
  });
});

describe('ML-DSA', () => {
  const rawPublicKey = (der: Uint8Array) => der.subarray(der.length - ml_dsa44.lengths.publicKey!);

  test('GetPublicKey is an RFC 9881 SPKI; RAW signatures verify with an independent ML-DSA verifier', async () => {
    const k = keyOf('ML_DSA_44');
    const pub = (await call('GetPublicKey', { KeyId: k.KeyId })).PublicKey!;
    expect(Buffer.from(pub.subarray(0, 22)).toString('hex')).toBe('30820532300b060960864801650304031103820521' + '00');
    const out = await call('Sign', { KeyId: k.KeyId, Message: msg, SigningAlgorithm: 'ML_DSA_SHAKE_256' });
    expect(ml_dsa44.verify(out.Signature!, msg, rawPublicKey(pub))).toBe(true);
  });

  test('EXTERNAL_MU takes the 64-byte μ of the message; DIGEST is refused', async () => {
    const k = keyOf('ML_DSA_44');
    const pub = rawPublicKey((await call('GetPublicKey', { KeyId: k.KeyId })).PublicKey!);
    const tr = createHash('shake256', { outputLength: 64 }).update(pub).digest();
    const mu = createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(msg).digest();
    const out = await call('Sign', {
      KeyId: k.KeyId,
      Message: mu,
      MessageType: 'EXTERNAL_MU',
      SigningAlgorithm: 'ML_DSA_SHAKE_256',
    });
    expect(ml_dsa44.verify(out.Signature!, msg, pub)).toBe(true);
    await call('Verify', {
      KeyId: k.KeyId,
      Message: msg,
      Signature: out.Signature,
      SigningAlgorithm: 'ML_DSA_SHAKE_256',
    });
    const digest = await errorOf(() =>
      call('Sign', { KeyId: k.KeyId, Message: mu, MessageType: 'DIGEST', SigningAlgorithm: 'ML_DSA_SHAKE_256' }),
    );
    expect(digest.awsName).toBe('ValidationException');
    const short = await errorOf(() =>
      call('Sign', {
        KeyId: k.KeyId,
        Message: mu.subarray(0, 32),
        MessageType: 'EXTERNAL_MU',
        SigningAlgorithm: 'ML_DSA_SHAKE_256',
      }),
    );
    expect(short.awsName).toBe('ValidationException');
  });
});

describe('Sign / Verify refusals', () => {
  test('an algorithm of another key type is InvalidKeyUsageException; EXTERNAL_MU outside ML-DSA is ValidationException', async () => {
    const p256 = keyOf('ECC_NIST_P256').KeyId;
    expect(
      (await errorOf(() => call('Sign', { KeyId: p256, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })))
        .awsName,
    ).toBe('InvalidKeyUsageException');
    expect(
      (await errorOf(() => call('Sign', { KeyId: p256, Message: msg, SigningAlgorithm: 'ECDSA_SHA_384' }))).awsName,
    ).toBe('InvalidKeyUsageException');
    const mu = await errorOf(() =>
      call('Sign', {
        KeyId: p256,
        Message: new Uint8Array(64),
        MessageType: 'EXTERNAL_MU',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(mu.awsName).toBe('ValidationException');
  });

  test('encryption keys cannot sign; disabled keys cannot sign; DryRun stops', async () => {
    const sym = (await call('CreateKey', {})).KeyMetadata!;
    expect(
      (await errorOf(() => call('Sign', { KeyId: sym.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' })))
        .awsName,
    ).toBe('InvalidKeyUsageException');
    const k = (await call('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
    expect(
      (
        await errorOf(() =>
          call('Sign', { KeyId: k.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true }),
        )
      ).awsName,
    ).toBe('DryRunOperationException');
    await call('DisableKey', { KeyId: k.KeyId });
    expect(
      (await errorOf(() => call('Sign', { KeyId: k.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))).awsName,
    ).toBe('DisabledException');
  });

  test('a signature that does not parse is KMSInvalidSignatureException', async () => {
    const err = await errorOf(() =>
      call('Verify', {
        KeyId: keyOf('ECC_NIST_P256').KeyId,
        Message: msg,
        Signature: new Uint8Array(8),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(err.awsName).toBe('KMSInvalidSignatureException');
  });
});
