import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { ACCOUNT, CTX, errorOf, OTHER_ACCOUNT, openHarness, REGION, type Harness } from '../helpers.js';

let h: Harness;
let sym: KeyMetadata;
let sym2: KeyMetadata;
let rsa: KeyMetadata;
const pt = new Uint8Array(Buffer.from('secret payload'));
const ec = { tenant: 'a', purpose: 'test' };

beforeAll(async () => {
  h = await openHarness();
  const create = async (input = {}) => (await h.emulator.call(CTX, 'CreateKey', input)).KeyMetadata!;
  sym = await create();
  sym2 = await create();
  rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/sym', TargetKeyId: sym.KeyId });
});
afterAll(() => h.emulator.close());

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CTX, op, input);

describe('symmetric Encrypt / Decrypt', () => {
  test('round trip without KeyId; the response names the key by ARN and material version', async () => {
    const enc = await call('Encrypt', { KeyId: 'alias/sym', Plaintext: pt, EncryptionContext: ec });
    expect(enc).toMatchObject({ KeyId: sym.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const dec = await call('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      EncryptionContext: { purpose: 'test', tenant: 'a' },
    });
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('secret payload');
    expect(dec).toMatchObject({
      KeyId: sym.Arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      KeyMaterialId: sym.CurrentKeyMaterialId,
    });
  });

  test('Decrypt with the right KeyId (id, ARN or alias) works; another key is IncorrectKeyException', async () => {
    const { CiphertextBlob } = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt });
    for (const id of [sym.KeyId!, sym.Arn!, 'alias/sym']) {
      expect((await call('Decrypt', { CiphertextBlob, KeyId: id })).KeyId).toBe(sym.Arn);
    }
    expect((await errorOf(() => call('Decrypt', { CiphertextBlob, KeyId: sym2.KeyId }))).awsName).toBe(
      'IncorrectKeyException',
    );
  });

  test('a wrong or missing encryption context is InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt, EncryptionContext: ec });
    const contexts: Array<Record<string, string> | undefined> = [
      undefined,
      { tenant: 'b', purpose: 'test' },
      { tenant: 'a' },
    ];
    for (const EncryptionContext of contexts) {
      expect((await errorOf(() => call('Decrypt', { CiphertextBlob, EncryptionContext }))).awsName).toBe(
        'InvalidCiphertextException',
      );
    }
  });

  test('tampered or foreign blobs are InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt });
    const blob = CiphertextBlob!;
    const positions = [0, 1, 5, blob.length - 40, blob.length - 20, blob.length - 1];
    for (const i of positions) {
      const bad = new Uint8Array(blob);
      bad[i]! ^= 0x01;
      expect((await errorOf(() => call('Decrypt', { CiphertextBlob: bad }))).awsName).toBe(
        'InvalidCiphertextException',
      );
    }
    // a well-formed blob naming a key that does not exist
    const other = Buffer.from(blob).toString('latin1').replace(sym.KeyId!, '00000000-0000-0000-0000-000000000000');
    const err = await errorOf(() => call('Decrypt', { CiphertextBlob: new Uint8Array(Buffer.from(other, 'latin1')) }));
    expect(err.awsName).toBe('InvalidCiphertextException');
    expect((await errorOf(() => call('Decrypt', { CiphertextBlob: new Uint8Array(200) }))).awsName).toBe(
      'InvalidCiphertextException',
    );
  });

  test('Plaintext outside 1..4096 bytes is a ValidationException', async () => {
    for (const Plaintext of [new Uint8Array(0), new Uint8Array(4097)]) {
      expect((await errorOf(() => call('Encrypt', { KeyId: sym.KeyId, Plaintext }))).awsName).toBe(
        'ValidationException',
      );
    }
    expect(
      (await call('Encrypt', { KeyId: sym.KeyId, Plaintext: new Uint8Array(4096) })).CiphertextBlob!.length,
    ).toBeLessThanOrEqual(6144);
  });

  test('disabled and pending-deletion keys refuse Encrypt and Decrypt', async () => {
    const k = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
    const { CiphertextBlob } = await call('Encrypt', { KeyId: k.KeyId, Plaintext: pt });
    await call('DisableKey', { KeyId: k.KeyId });
    expect((await errorOf(() => call('Encrypt', { KeyId: k.KeyId, Plaintext: pt }))).awsName).toBe('DisabledException');
    expect((await errorOf(() => call('Decrypt', { CiphertextBlob }))).awsName).toBe('DisabledException');
    await call('ScheduleKeyDeletion', { KeyId: k.KeyId, PendingWindowInDays: 7 });
    expect((await errorOf(() => call('Decrypt', { CiphertextBlob }))).awsName).toBe('KMSInvalidStateException');
  });

  test('non-encryption keys and foreign algorithms are InvalidKeyUsageException', async () => {
    const mac = (await h.emulator.call(CTX, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))
      .KeyMetadata!;
    const e1 = await errorOf(() => call('Encrypt', { KeyId: mac.KeyId, Plaintext: pt }));
    expect(e1.awsName).toBe('InvalidKeyUsageException');
    expect(e1.message).toBe(`${mac.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.`);
    const e2 = await errorOf(() =>
      call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    );
    expect(e2.awsName).toBe('InvalidKeyUsageException');
  });

  test('DryRun answers DryRunOperationException after the checks, without encrypting', async () => {
    expect((await errorOf(() => call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt, DryRun: true }))).awsName).toBe(
      'DryRunOperationException',
    );
    expect((await errorOf(() => call('Encrypt', { KeyId: 'alias/none', Plaintext: pt, DryRun: true }))).awsName).toBe(
      'NotFoundException',
    );
    const ignore = {
      CiphertextBlob: new Uint8Array(10),
      DryRun: true,
      DryRunModifiers: ['IGNORE_CIPHERTEXT' as const],
    };
    expect((await errorOf(() => call('Decrypt', { ...ignore, KeyId: sym.KeyId }))).awsName).toBe(
      'DryRunOperationException',
    );
    expect((await errorOf(() => call('Decrypt', ignore))).awsName).toBe('ValidationException');
  });

  test('another account decrypts by blob only when the key policy allows it', async () => {
    const other = { accountId: OTHER_ACCOUNT, region: REGION };
    const { CiphertextBlob } = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt });
    expect((await errorOf(() => h.emulator.call(other, 'Decrypt', { CiphertextBlob }))).awsName).toBe(
      'AccessDeniedException',
    );
    const shared = (
      await h.emulator.call(CTX, 'CreateKey', {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
              Action: 'kms:Decrypt',
              Resource: '*',
            },
          ],
        }),
      })
    ).KeyMetadata!;
    const enc = await call('Encrypt', { KeyId: shared.KeyId, Plaintext: pt });
    expect((await h.emulator.call(other, 'Decrypt', { CiphertextBlob: enc.CiphertextBlob })).KeyId).toBe(shared.Arn);
  });
});

describe('RSA Encrypt / Decrypt', () => {
  const pem = async () =>
    createPublicKey({
      key: Buffer.from((await call('GetPublicKey', { KeyId: rsa.KeyId })).PublicKey!),
      format: 'der',
      type: 'spki',
    });

  test.each([
    ['RSAES_OAEP_SHA_1', 'sha1'],
    ['RSAES_OAEP_SHA_256', 'sha256'],
  ] as const)('%s: a ciphertext made locally with the public key decrypts in the emulator', async (alg, hash) => {
    const ct = publicEncrypt({ key: await pem(), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, pt);
    const dec = await call('Decrypt', { CiphertextBlob: ct, KeyId: rsa.KeyId, EncryptionAlgorithm: alg });
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('secret payload');
    expect(dec).toMatchObject({ KeyId: rsa.Arn, EncryptionAlgorithm: alg });
    expect(dec.KeyMaterialId).toBeUndefined();
    const other = alg === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
    expect(
      (await errorOf(() => call('Decrypt', { CiphertextBlob: ct, KeyId: rsa.KeyId, EncryptionAlgorithm: other })))
        .awsName,
    ).toBe('InvalidCiphertextException');
  });

  test('emulator ciphertexts are plain OAEP (the emulator decrypts its own; lengths are the modulus)', async () => {
    const enc = await call('Encrypt', { KeyId: rsa.KeyId, Plaintext: pt, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(enc.CiphertextBlob!.length).toBe(256);
    const dec = await call('Decrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      KeyId: rsa.Arn,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('secret payload');
  });

  test('EncryptionAlgorithm is required for RSA keys; so is KeyId to decrypt', async () => {
    expect((await errorOf(() => call('Encrypt', { KeyId: rsa.KeyId, Plaintext: pt }))).awsName).toBe(
      'InvalidKeyUsageException',
    );
    const enc = await call('Encrypt', { KeyId: rsa.KeyId, Plaintext: pt, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
    expect(
      (
        await errorOf(() =>
          call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }),
        )
      ).awsName,
    ).toBe('ValidationException');
    expect(
      (await errorOf(() => call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, KeyId: rsa.KeyId }))).awsName,
    ).toBe('InvalidKeyUsageException');
  });

  test('an encryption context is refused for RSA keys', async () => {
    const err = await errorOf(() =>
      call('Encrypt', {
        KeyId: rsa.KeyId,
        Plaintext: pt,
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        EncryptionContext: ec,
      }),
    );
    expect(err.awsName).toBe('ValidationException');
  });

  test.each([
    ['RSA_2048', 214, 190],
    ['RSA_3072', 342, 318],
    ['RSA_4096', 470, 446],
  ] as const)(
    '%s plaintext limits are %i (SHA-1) and %i (SHA-256) bytes',
    async (KeySpec, sha1, sha256) => {
      const k = (await h.emulator.call(CTX, 'CreateKey', { KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' })).KeyMetadata!;
      for (const [alg, max] of [
        ['RSAES_OAEP_SHA_1', sha1],
        ['RSAES_OAEP_SHA_256', sha256],
      ] as const) {
        const ok = await call('Encrypt', {
          KeyId: k.KeyId,
          Plaintext: new Uint8Array(max).fill(7),
          EncryptionAlgorithm: alg,
        });
        expect(
          (await call('Decrypt', { KeyId: k.KeyId, CiphertextBlob: ok.CiphertextBlob, EncryptionAlgorithm: alg }))
            .Plaintext!.length,
        ).toBe(max);
        const err = await errorOf(() =>
          call('Encrypt', { KeyId: k.KeyId, Plaintext: new Uint8Array(max + 1), EncryptionAlgorithm: alg }),
        );
        expect(err.awsName).toBe('ValidationException');
      }
    },
    30_000,
  );
});

describe('ReEncrypt', () => {
  test('moves a ciphertext to another key and context without exposing plaintext', async () => {
    const enc = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt, EncryptionContext: ec });
    const re = await call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: ec,
      DestinationKeyId: sym2.KeyId,
      DestinationEncryptionContext: { next: '1' },
    });
    expect(re).toMatchObject({
      SourceKeyId: sym.Arn,
      KeyId: sym2.Arn,
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      SourceKeyMaterialId: sym.CurrentKeyMaterialId,
      DestinationKeyMaterialId: sym2.CurrentKeyMaterialId,
    });
    expect(re).not.toHaveProperty('Plaintext');
    const dec = await call('Decrypt', { CiphertextBlob: re.CiphertextBlob, EncryptionContext: { next: '1' } });
    expect(dec.KeyId).toBe(sym2.Arn);
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('secret payload');
    const bad = await errorOf(() =>
      call('ReEncrypt', { CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: sym2.KeyId }),
    );
    expect(bad.awsName).toBe('InvalidCiphertextException');
  });

  test('symmetric to RSA and back', async () => {
    const enc = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt });
    const toRsa = await call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      DestinationKeyId: rsa.KeyId,
      DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    const back = await call('ReEncrypt', {
      CiphertextBlob: toRsa.CiphertextBlob,
      SourceKeyId: rsa.KeyId,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      DestinationKeyId: sym2.KeyId,
    });
    expect(back).toMatchObject({
      SourceKeyId: rsa.Arn,
      KeyId: sym2.Arn,
      DestinationKeyMaterialId: sym2.CurrentKeyMaterialId,
    });
    expect(back.SourceKeyMaterialId).toBeUndefined();
    expect(Buffer.from((await call('Decrypt', { CiphertextBlob: back.CiphertextBlob })).Plaintext!).toString()).toBe(
      'secret payload',
    );
  });

  test('DryRun on ReEncrypt checks both keys and stops', async () => {
    const enc = await call('Encrypt', { KeyId: sym.KeyId, Plaintext: pt });
    const err = await errorOf(() =>
      call('ReEncrypt', { CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: sym2.KeyId, DryRun: true }),
    );
    expect(err.awsName).toBe('DryRunOperationException');
  });
});
