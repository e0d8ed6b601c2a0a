import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

/**
 * Imported key material over its life: the same material re-imported after deletion or
 * expiry brings old ciphertexts back; new material (ImportType NEW_KEY_MATERIAL) waits as
 * PENDING_ROTATION until RotateKeyOnDemand makes it current, and every version keeps
 * decrypting what it encrypted.
 */

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

const DAY = 86_400_000;

async function importInto(keyId: string, material: Uint8Array, extra: Record<string, unknown> = {}) {
  const params = await h.emulator.call(CTX, 'GetParametersForImport', {
    KeyId: keyId,
    WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048',
  });
  const key = createPublicKey({ key: Buffer.from(params.PublicKey!), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
  return h.emulator.call(CTX, 'ImportKeyMaterial', {
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: wrapped,
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...extra,
  });
}

async function externalKey(): Promise<string> {
  return (await h.emulator.call(CTX, 'CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata!.KeyId!;
}

const encrypt = async (keyId: string) =>
  (await h.emulator.call(CTX, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('pt') })).CiphertextBlob!;
const decryptedBy = async (blob: Uint8Array) =>
  (await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: blob })).KeyMaterialId;
const rotations = async (keyId: string) =>
  (
    await h.emulator.call(CTX, 'ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })
  ).Rotations!.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.ImportState]);

test('the same material re-imported after DeleteImportedKeyMaterial decrypts old ciphertexts; other material is refused', async () => {
  const keyId = await externalKey();
  const material = randomBytes(32);
  const first = await importInto(keyId, material);
  const blob = await encrypt(keyId);
  await h.emulator.call(CTX, 'DeleteImportedKeyMaterial', { KeyId: keyId });
  expect((await errorOf(() => h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: blob }))).awsName).toBe(
    'KMSInvalidStateException',
  );
  expect((await errorOf(() => importInto(keyId, randomBytes(32)))).awsName).toBe('IncorrectKeyMaterialException');
  expect((await importInto(keyId, material)).KeyMaterialId).toBe(first.KeyMaterialId);
  expect(await decryptedBy(blob)).toBe(first.KeyMaterialId);
});

test('the same material re-imported after it expired works again', async () => {
  const keyId = await externalKey();
  const material = randomBytes(32);
  await importInto(keyId, material, {
    ExpirationModel: 'KEY_MATERIAL_EXPIRES',
    ValidTo: new Date(h.clock.now().getTime() + DAY),
  });
  const blob = await encrypt(keyId);
  h.clock.advanceDays(2);
  await h.emulator.runScheduledTasks();
  expect((await h.emulator.call(CTX, 'DescribeKey', { KeyId: keyId })).KeyMetadata!.KeyState).toBe('PendingImport');
  await importInto(keyId, material);
  expect(Buffer.from((await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: blob })).Plaintext!).toString()).toBe(
    'pt',
  );
});

test('NEW_KEY_MATERIAL waits as PENDING_ROTATION; RotateKeyOnDemand makes it current; both versions decrypt', async () => {
  const keyId = await externalKey();
  const v1 = (await importInto(keyId, randomBytes(32))).KeyMaterialId!;
  const before = await encrypt(keyId);
  const v2 = (
    await importInto(keyId, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL', KeyMaterialDescription: 'second' })
  ).KeyMaterialId!;
  expect(v2).not.toBe(v1);
  // pending material is held but not used to encrypt
  expect(await decryptedBy(await encrypt(keyId))).toBe(v1);
  expect(await rotations(keyId)).toEqual([
    [v1, 'CURRENT', 'IMPORTED'],
    [v2, 'PENDING_ROTATION', 'IMPORTED'],
  ]);
  expect((await h.emulator.call(CTX, 'DescribeKey', { KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId).toBe(v1);
  // only one version may be pending
  expect((await errorOf(() => importInto(keyId, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' }))).awsName).toBe(
    'ValidationException',
  );
  await h.emulator.call(CTX, 'RotateKeyOnDemand', { KeyId: keyId });
  const after = await encrypt(keyId);
  expect(await decryptedBy(after)).toBe(v2);
  expect(await decryptedBy(before)).toBe(v1);
  const listed = (await h.emulator.call(CTX, 'ListKeyRotations', { KeyId: keyId })).Rotations!;
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({
    KeyMaterialId: v2,
    KeyMaterialState: 'CURRENT',
    RotationType: 'ON_DEMAND',
    KeyMaterialDescription: 'second',
    ImportState: 'IMPORTED',
  });
  expect(await rotations(keyId)).toEqual([
    [v1, 'NON_CURRENT', 'IMPORTED'],
    [v2, 'CURRENT', 'IMPORTED'],
  ]);
  // nothing pending: rotating again needs new material first
  expect((await errorOf(() => h.emulator.call(CTX, 'RotateKeyOnDemand', { KeyId: keyId }))).awsName).toBe(
    'ValidationException',
  );
  // material the key never had is not EXISTING_KEY_MATERIAL
  expect(
    (await errorOf(() => importInto(keyId, randomBytes(32), { ImportType: 'EXISTING_KEY_MATERIAL' }))).awsName,
  ).toBe('IncorrectKeyMaterialException');
});

test('the versions survive a restart; automatic rotation stays unsupported for imported keys', async () => {
  const keyId = await externalKey();
  const v1 = (await importInto(keyId, randomBytes(32))).KeyMaterialId!;
  const v2 = (await importInto(keyId, randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' })).KeyMaterialId!;
  await h.emulator.close();
  h = await openHarness({ store: h.store, rootKey: h.rootKey, clock: h.clock });
  expect(await rotations(keyId)).toEqual([
    [v1, 'CURRENT', 'IMPORTED'],
    [v2, 'PENDING_ROTATION', 'IMPORTED'],
  ]);
  await h.emulator.call(CTX, 'RotateKeyOnDemand', { KeyId: keyId });
  expect(await decryptedBy(await encrypt(keyId))).toBe(v2);
  expect((await errorOf(() => h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId }))).awsName).toBe(
    'UnsupportedOperationException',
  );
});
