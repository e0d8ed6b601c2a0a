import { ACCOUNT, awsErrorName, REGION, startHarness, XKS_STORE_INPUT, type CksHarness } from './harness.js';
import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';

/** KMS keys in an external key store, against a real XKS proxy (standalone, HTTP) through the SigV4 client. */

const CALLER = { accountId: ACCOUNT, region: REGION };
let h: CksHarness;
let storeId: string;

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CALLER, op, input);

beforeEach(async () => {
  h = await startHarness();
  storeId = (await call('CreateCustomKeyStore', XKS_STORE_INPUT)).CustomKeyStoreId!;
  await call('ConnectCustomKeyStore', { CustomKeyStoreId: storeId });
  await h.emulator.settled();
});
afterEach(async () => {
  await h.close();
});

const createXksKey = (xksKeyId: string) =>
  call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: xksKeyId });

describe('CreateKey in an external key store', () => {
  it('checks the external key with the proxy and shows Origin, CustomKeyStoreId and XksKeyConfiguration', async () => {
    const xksKeyId = h.vault.createKey(ACCOUNT);
    const md = (await createXksKey(xksKeyId)).KeyMetadata!;
    expect(md).toMatchObject({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: storeId,
      XksKeyConfiguration: { Id: xksKeyId },
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
    });
    expect(md.CloudHsmClusterId).toBeUndefined();
  });

  it('XksKeyId is required: ValidationException', async () => {
    expect(await awsErrorName(call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId }))).toBe(
      'ValidationException',
    );
  });

  it('an external key the proxy does not have: XksKeyNotFoundException', async () => {
    expect(await awsErrorName(createXksKey('no-such-key'))).toBe('XksKeyNotFoundException');
  });

  it('a disabled external key: XksKeyInvalidConfigurationException', async () => {
    const xksKeyId = h.vault.createKey(ACCOUNT);
    h.vault.setEnabled(ACCOUNT, xksKeyId, false);
    expect(await awsErrorName(createXksKey(xksKeyId))).toBe('XksKeyInvalidConfigurationException');
  });

  it('one external key backs at most one KMS key of the store: XksKeyAlreadyInUseException', async () => {
    const xksKeyId = h.vault.createKey(ACCOUNT);
    await createXksKey(xksKeyId);
    expect(await awsErrorName(createXksKey(xksKeyId))).toBe('XksKeyAlreadyInUseException');
  });

  it('Origin AWS_CLOUDHSM does not match an external key store: UnsupportedOperationException', async () => {
    expect(await awsErrorName(call('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).toBe(
      'UnsupportedOperationException',
    );
  });

  it('GetKeyRotationStatus refuses keys in custom key stores, as AWS does: UnsupportedOperationException', async () => {
    const md = (await createXksKey(h.vault.createKey(ACCOUNT))).KeyMetadata!;
    const err = await call('GetKeyRotationStatus', { KeyId: md.KeyId }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toBe(`${md.Arn} origin is EXTERNAL_KEY_STORE which is not valid for this operation.`);
  });
});

describe('cryptography with external keys (double encryption)', () => {
  it('Encrypt and Decrypt round-trip through the proxy; the blob holds no plaintext; the context is bound', async () => {
    const xksKeyId = h.vault.createKey(ACCOUNT);
    const keyId = (await createXksKey(xksKeyId)).KeyMetadata!.KeyId!;
    const ct = await call('Encrypt', {
      KeyId: keyId,
      Plaintext: Buffer.from('top secret'),
      EncryptionContext: { purpose: 'test' },
    });
    expect(Buffer.from(ct.CiphertextBlob!).includes(Buffer.from('top secret'))).toBe(false);
    const pt = await call('Decrypt', { CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { purpose: 'test' } });
    expect(Buffer.from(pt.Plaintext!).toString()).toBe('top secret');
    expect(pt.KeyId).toBe(ct.KeyId);
    expect(
      await awsErrorName(
        call('Decrypt', { CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { purpose: 'other' } }),
      ),
    ).toBe('InvalidCiphertextException');
  });

  it('a tampered ciphertext: InvalidCiphertextException', async () => {
    const keyId = (await createXksKey(h.vault.createKey(ACCOUNT))).KeyMetadata!.KeyId!;
    const blob = Buffer.from((await call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') })).CiphertextBlob!);
    blob[blob.length - 1]! ^= 1;
    expect(await awsErrorName(call('Decrypt', { CiphertextBlob: blob }))).toBe('InvalidCiphertextException');
  });

  it('the external key disabled in the key manager makes crypto fail: KMSInvalidStateException', async () => {
    const xksKeyId = h.vault.createKey(ACCOUNT);
    const keyId = (await createXksKey(xksKeyId)).KeyMetadata!.KeyId!;
    const ct = await call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') });
    h.vault.setEnabled(ACCOUNT, xksKeyId, false);
    expect(await awsErrorName(call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') }))).toBe(
      'KMSInvalidStateException',
    );
    expect(await awsErrorName(call('Decrypt', { CiphertextBlob: ct.CiphertextBlob }))).toBe('KMSInvalidStateException');
  });

  it('a proxy that is down makes crypto fail: KMSInvalidStateException', async () => {
    const keyId = (await createXksKey(h.vault.createKey(ACCOUNT))).KeyMetadata!.KeyId!;
    await h.proxy.close();
    expect(await awsErrorName(call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') }))).toBe(
      'KMSInvalidStateException',
    );
  });

  it('data key pairs cannot be generated under keys in custom key stores, as in AWS: UnsupportedOperationException', async () => {
    const keyId = (await createXksKey(h.vault.createKey(ACCOUNT))).KeyMetadata!.KeyId!;
    expect(await awsErrorName(call('GenerateDataKeyPair', { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' }))).toBe(
      'UnsupportedOperationException',
    );
    expect(
      await awsErrorName(call('GenerateDataKeyPairWithoutPlaintext', { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' })),
    ).toBe('UnsupportedOperationException');
  });

  it('DryRun stops before the proxy is called: DryRunOperationException', async () => {
    const keyId = (await createXksKey(h.vault.createKey(ACCOUNT))).KeyMetadata!.KeyId!;
    await h.proxy.close();
    expect(await awsErrorName(call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x'), DryRun: true }))).toBe(
      'DryRunOperationException',
    );
  });
});
