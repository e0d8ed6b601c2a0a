import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { ACCOUNT, awsErrorName, REGION, startHarness, XKS_STORE_INPUT, type CksHarness } from './harness.js';

/** GenerateDataKey(WithoutPlaintext) and ReEncrypt with keys in custom key stores (both store types). */

const CALLER = { accountId: ACCOUNT, region: REGION };
const CLUSTER = 'cluster-abcdefghijk';
let h: CksHarness;
let hsmKey: string;
let xksKey: string;
let plainKey: string;

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CALLER, op, input);

beforeEach(async () => {
  h = await startHarness();
  const cluster = h.directory.addCluster(CLUSTER);
  const hsm = (
    await call('CreateCustomKeyStore', {
      CustomKeyStoreName: 'hsm',
      CloudHsmClusterId: CLUSTER,
      TrustAnchorCertificate: cluster.trustAnchorPem,
      KeyStorePassword: 'kmsuser-pass',
    })
  ).CustomKeyStoreId!;
  const xks = (await call('CreateCustomKeyStore', XKS_STORE_INPUT)).CustomKeyStoreId!;
  for (const id of [hsm, xks]) await call('ConnectCustomKeyStore', { CustomKeyStoreId: id });
  await h.emulator.settled();
  hsmKey = (await call('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: hsm })).KeyMetadata!.KeyId!;
  xksKey = (
    await call('CreateKey', {
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: xks,
      XksKeyId: h.vault.createKey(ACCOUNT),
    })
  ).KeyMetadata!.KeyId!;
  plainKey = (await call('CreateKey', {})).KeyMetadata!.KeyId!;
});
afterEach(async () => {
  await h.close();
});

describe('data keys and ReEncrypt with keys in custom key stores', () => {
  it.each([
    ['CloudHSM', () => hsmKey],
    ['external', () => xksKey],
  ])('GenerateDataKey under a %s key: the encrypted copy decrypts to the plaintext copy', async (_kind, key) => {
    const dk = await call('GenerateDataKey', { KeyId: key(), KeySpec: 'AES_256', EncryptionContext: { a: 'b' } });
    const back = await call('Decrypt', { CiphertextBlob: dk.CiphertextBlob!, EncryptionContext: { a: 'b' } });
    expect(Buffer.from(back.Plaintext!)).toEqual(Buffer.from(dk.Plaintext!));
    const without = await call('GenerateDataKeyWithoutPlaintext', { KeyId: key(), NumberOfBytes: 24 });
    expect((await call('Decrypt', { CiphertextBlob: without.CiphertextBlob! })).Plaintext).toHaveLength(24);
  });

  it('ReEncrypt moves ciphertext from an external key to a CloudHSM key to an ordinary key and back', async () => {
    const first = await call('Encrypt', {
      KeyId: xksKey,
      Plaintext: Buffer.from('travels'),
      EncryptionContext: { x: '1' },
    });
    const toHsm = await call('ReEncrypt', {
      CiphertextBlob: first.CiphertextBlob!,
      SourceEncryptionContext: { x: '1' },
      DestinationKeyId: hsmKey,
      DestinationEncryptionContext: { y: '2' },
    });
    expect(toHsm.SourceKeyId).toContain(xksKey);
    const toPlain = await call('ReEncrypt', {
      CiphertextBlob: toHsm.CiphertextBlob!,
      SourceEncryptionContext: { y: '2' },
      DestinationKeyId: plainKey,
    });
    const back = await call('ReEncrypt', { CiphertextBlob: toPlain.CiphertextBlob!, DestinationKeyId: xksKey });
    expect(Buffer.from((await call('Decrypt', { CiphertextBlob: back.CiphertextBlob! })).Plaintext!).toString()).toBe(
      'travels',
    );
  });

  it('a disconnected store stops GenerateDataKey and ReEncrypt: KMSInvalidStateException', async () => {
    const ct = await call('Encrypt', { KeyId: hsmKey, Plaintext: Buffer.from('x') });
    const storeId = (await call('DescribeKey', { KeyId: hsmKey })).KeyMetadata!.CustomKeyStoreId!;
    await call('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId });
    expect(await awsErrorName(call('GenerateDataKey', { KeyId: hsmKey, KeySpec: 'AES_256' }))).toBe(
      'KMSInvalidStateException',
    );
    expect(
      await awsErrorName(call('ReEncrypt', { CiphertextBlob: ct.CiphertextBlob!, DestinationKeyId: plainKey })),
    ).toBe('KMSInvalidStateException');
  });
});
