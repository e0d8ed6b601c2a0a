import type { KmsOperationName, KmsOperations } from '../../../../src/providers/kms-provider.js';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

const call = <Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']) =>
  h.emulator.call(CTX, op, input);
const pt = new Uint8Array(Buffer.from('rotate me'));
const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString();

test('RotateKeyOnDemand makes a new current version; ciphertexts of every earlier version still decrypt', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  const blobs = [(await call('Encrypt', { KeyId: k.KeyId, Plaintext: pt })).CiphertextBlob!];
  const versions = [k.CurrentKeyMaterialId!];
  for (let i = 0; i < 2; i++) {
    expect(await call('RotateKeyOnDemand', { KeyId: k.KeyId })).toEqual({ KeyId: k.Arn });
    const md = (await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata!;
    expect(versions).not.toContain(md.CurrentKeyMaterialId);
    versions.push(md.CurrentKeyMaterialId!);
    blobs.push((await call('Encrypt', { KeyId: k.KeyId, Plaintext: pt })).CiphertextBlob!);
  }
  for (const [i, blob] of blobs.entries()) {
    const dec = await call('Decrypt', { CiphertextBlob: blob });
    expect(text(dec.Plaintext)).toBe('rotate me');
    expect(dec.KeyMaterialId).toBe(versions[i]);
  }
});

test('old versions survive a reopen of the store (material is sealed, not lost)', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  const old = (await call('Encrypt', { KeyId: k.KeyId, Plaintext: pt })).CiphertextBlob!;
  await call('RotateKeyOnDemand', { KeyId: k.KeyId });
  await h.emulator.close();
  h = await openHarness({ store: h.store, rootKey: h.rootKey, clock: h.clock });
  expect(text((await call('Decrypt', { CiphertextBlob: old })).Plaintext)).toBe('rotate me');
});

test('automatic rotation by the scheduler also keeps old versions decryptable', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  await call('EnableKeyRotation', { KeyId: k.KeyId, RotationPeriodInDays: 90 });
  const old = (await call('Encrypt', { KeyId: k.KeyId, Plaintext: pt })).CiphertextBlob!;
  h.clock.advanceDays(91);
  expect((await h.emulator.runScheduledTasks()).rotated).toBe(1);
  const md = (await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata!;
  expect(md.CurrentKeyMaterialId).not.toBe(k.CurrentKeyMaterialId);
  expect((await call('Decrypt', { CiphertextBlob: old })).KeyMaterialId).toBe(k.CurrentKeyMaterialId);
  const rotations = (await call('ListKeyRotations', { KeyId: k.KeyId })).Rotations!;
  expect(rotations).toEqual([
    {
      KeyId: k.Arn,
      KeyMaterialId: md.CurrentKeyMaterialId,
      KeyMaterialState: 'CURRENT',
      RotationDate: h.clock.now(),
      RotationType: 'AUTOMATIC',
    },
  ]);
});

test('on-demand rotation leaves the automatic schedule unchanged', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  await call('EnableKeyRotation', { KeyId: k.KeyId });
  const before = await call('GetKeyRotationStatus', { KeyId: k.KeyId });
  h.clock.advanceDays(3);
  await call('RotateKeyOnDemand', { KeyId: k.KeyId });
  expect((await call('GetKeyRotationStatus', { KeyId: k.KeyId })).NextRotationDate).toEqual(before.NextRotationDate);
});

test('ListKeyRotations lists rotations (or all material) oldest first and pages', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  expect(await call('ListKeyRotations', { KeyId: k.KeyId })).toEqual({ Rotations: [], Truncated: false });
  for (let i = 0; i < 3; i++) {
    h.clock.advanceDays(1);
    await call('RotateKeyOnDemand', { KeyId: k.Arn });
  }
  const all = (await call('ListKeyRotations', { KeyId: k.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations!;
  expect(all).toHaveLength(4);
  expect(all[0]).toEqual({ KeyId: k.Arn, KeyMaterialId: k.CurrentKeyMaterialId, KeyMaterialState: 'NON_CURRENT' });
  expect(all.map((r) => r.KeyMaterialState)).toEqual(['NON_CURRENT', 'NON_CURRENT', 'NON_CURRENT', 'CURRENT']);
  expect(all.slice(1).every((r) => r.RotationType === 'ON_DEMAND' && r.RotationDate instanceof Date)).toBe(true);
  const p1 = await call('ListKeyRotations', { KeyId: k.KeyId, Limit: 2 });
  expect(p1.Truncated).toBe(true);
  const p2 = await call('ListKeyRotations', { KeyId: k.KeyId, Limit: 2, Marker: p1.NextMarker });
  expect([...p1.Rotations!, ...p2.Rotations!]).toEqual(all.slice(1));
  expect(p2).toMatchObject({ Truncated: false });
  expect(p2.NextMarker).toBeUndefined();
  expect((await errorOf(() => call('ListKeyRotations', { KeyId: k.KeyId, Marker: '!!' }))).awsName).toBe(
    'InvalidMarkerException',
  );
});

test('on-demand rotation: at most 25 per key; not for asymmetric or HMAC keys, nor imported keys without material; not while disabled', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  for (let i = 0; i < 25; i++) await call('RotateKeyOnDemand', { KeyId: k.KeyId });
  expect((await errorOf(() => call('RotateKeyOnDemand', { KeyId: k.KeyId }))).awsName).toBe('LimitExceededException');
  const rsa = (await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
  const hmac = (await call('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
  const ext = (await call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata!;
  for (const x of [rsa, hmac]) {
    expect((await errorOf(() => call('RotateKeyOnDemand', { KeyId: x.KeyId }))).awsName).toBe(
      'UnsupportedOperationException',
    );
    expect((await errorOf(() => call('ListKeyRotations', { KeyId: x.KeyId }))).awsName).toBe(
      'UnsupportedOperationException',
    );
  }
  // imported keys rotate to material imported for it (import-rotation.test.ts); a PendingImport key cannot
  expect((await errorOf(() => call('RotateKeyOnDemand', { KeyId: ext.KeyId }))).awsName).toBe(
    'KMSInvalidStateException',
  );
  expect((await call('ListKeyRotations', { KeyId: ext.KeyId })).Rotations).toEqual([]);
  const d = (await call('CreateKey', {})).KeyMetadata!;
  await call('DisableKey', { KeyId: d.KeyId });
  expect((await errorOf(() => call('RotateKeyOnDemand', { KeyId: d.KeyId }))).awsName).toBe('DisabledException');
  expect((await errorOf(() => call('RotateKeyOnDemand', { KeyId: 'alias/x' }))).awsName).toBe('NotFoundException');
});

test('GetKeyRotationStatus answers false for keys that cannot rotate automatically (asymmetric, HMAC, SM2, ML-DSA); Enable/DisableKeyRotation refuse them', async () => {
  const china = { ...CTX, region: 'cn-north-1' };
  const keys = [
    await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
    await call('CreateKey', { KeySpec: 'RSA_3072', KeyUsage: 'ENCRYPT_DECRYPT' }),
    await call('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    await call('CreateKey', { KeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' }),
    await call('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    await call('CreateKey', { KeySpec: 'ML_DSA_44', KeyUsage: 'SIGN_VERIFY' }),
    await call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', MultiRegion: true }),
  ].map((out) => [CTX, out.KeyMetadata!] as const);
  keys.push([
    china,
    (await h.emulator.call(china, 'CreateKey', { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!,
  ]);
  for (const [caller, md] of keys) {
    // exactly these two fields: no RotationPeriodInDays or NextRotationDate while rotation is off
    expect([md.KeySpec, await h.emulator.call(caller, 'GetKeyRotationStatus', { KeyId: md.KeyId })]).toEqual([
      md.KeySpec,
      { KeyRotationEnabled: false, KeyId: md.Arn },
    ]);
    for (const op of ['EnableKeyRotation', 'DisableKeyRotation'] as const) {
      expect([md.KeySpec, op, (await errorOf(() => h.emulator.call(caller, op, { KeyId: md.KeyId }))).awsName]).toEqual(
        [md.KeySpec, op, 'UnsupportedOperationException'],
      );
    }
  }
});

test('GetKeyRotationStatus refuses imported keys, as AWS does ("origin is EXTERNAL which is not valid for this operation")', async () => {
  const ext = (await call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata!;
  const err = await errorOf(() => call('GetKeyRotationStatus', { KeyId: ext.KeyId }));
  expect([err.awsName, err.message]).toEqual([
    'UnsupportedOperationException',
    `${ext.Arn} origin is EXTERNAL which is not valid for this operation.`,
  ]);
});

test('while a key is pending deletion its rotation status is false; cancelling the deletion restores it', async () => {
  const k = (await call('CreateKey', {})).KeyMetadata!;
  await call('EnableKeyRotation', { KeyId: k.KeyId, RotationPeriodInDays: 90 });
  const enabled = await call('GetKeyRotationStatus', { KeyId: k.KeyId });
  await call('ScheduleKeyDeletion', { KeyId: k.KeyId, PendingWindowInDays: 7 });
  expect(await call('GetKeyRotationStatus', { KeyId: k.KeyId })).toEqual({ KeyRotationEnabled: false, KeyId: k.Arn });
  await call('CancelKeyDeletion', { KeyId: k.KeyId });
  expect(await call('GetKeyRotationStatus', { KeyId: k.KeyId })).toEqual(enabled);
});
