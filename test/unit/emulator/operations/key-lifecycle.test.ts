import type { AppError } from '../../../../src/errors/index.js';
import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
let keyId: string;
let arn: string;
beforeEach(async () => {
  h = await openHarness();
  const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  keyId = md.KeyId!;
  arn = md.Arn!;
});
afterEach(() => h.emulator.close());

const state = async (id = keyId) => (await h.emulator.call(CTX, 'DescribeKey', { KeyId: id })).KeyMetadata!;

test('DisableKey and EnableKey toggle state and Enabled, idempotently', async () => {
  await h.emulator.call(CTX, 'DisableKey', { KeyId: keyId });
  await h.emulator.call(CTX, 'DisableKey', { KeyId: arn });
  expect(await state()).toMatchObject({ KeyState: 'Disabled', Enabled: false });
  await h.emulator.call(CTX, 'EnableKey', { KeyId: keyId });
  expect(await state()).toMatchObject({ KeyState: 'Enabled', Enabled: true });
});

test('EnableKey on a PendingImport key is KMSInvalidStateException', async () => {
  const ext = (await h.emulator.call(CTX, 'CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata!;
  const err = await errorOf(() => h.emulator.call(CTX, 'EnableKey', { KeyId: ext.KeyId }));
  expect(err.awsName).toBe('KMSInvalidStateException');
  expect(err.message).toBe(`${ext.Arn} is pending import.`);
});

describe('ScheduleKeyDeletion / CancelKeyDeletion', () => {
  test('default window is 30 days and the response follows AWS', async () => {
    const out = await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId });
    const due = new Date(h.clock.now().getTime() + 30 * 86_400_000);
    expect(out).toEqual({ KeyId: arn, DeletionDate: due, KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect(await state()).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, DeletionDate: due });
  });

  test.each([6, 31, 0])('a %i-day window is a ValidationException', async (days) => {
    const err = await errorOf(() =>
      h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: days }),
    );
    expect(err.awsName).toBe('ValidationException');
    expect(err.message).toContain('pendingWindowInDays');
    expect((await state()).KeyState).toBe('Enabled');
  });

  test('a pending key refuses management operations and a second schedule', async () => {
    await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    for (const call of [
      () => h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId }),
      () => h.emulator.call(CTX, 'EnableKey', { KeyId: keyId }),
      () => h.emulator.call(CTX, 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }),
      () => h.emulator.call(CTX, 'UpdateKeyDescription', { KeyId: keyId, Description: 'x' }),
      () => h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/x', TargetKeyId: keyId }),
    ]) {
      const err = await errorOf(call);
      expect(err.awsName).toBe('KMSInvalidStateException');
      expect(err.message).toBe(`${arn} is pending deletion.`);
    }
  });

  test('cancel returns the key to Disabled and clears the deletion date', async () => {
    await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    expect(await h.emulator.call(CTX, 'CancelKeyDeletion', { KeyId: keyId })).toEqual({ KeyId: arn });
    const md = await state();
    expect(md.KeyState).toBe('Disabled');
    expect(md).not.toHaveProperty('DeletionDate');
    const err = await errorOf(() => h.emulator.call(CTX, 'CancelKeyDeletion', { KeyId: keyId }));
    expect(err.awsName).toBe('KMSInvalidStateException');
    expect(err.message).toBe(`${arn} is not pending deletion.`);
  });

  test('the scheduler deletes the key and its aliases only once the date has passed', async () => {
    await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: keyId });
    await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    h.clock.advanceDays(6.9);
    expect(await h.emulator.runScheduledTasks()).toEqual({ deleted: 0, rotated: 0, expired: 0 });
    expect((await state()).KeyState).toBe('PendingDeletion');
    h.clock.advanceDays(0.2);
    expect(await h.emulator.runScheduledTasks()).toEqual({ deleted: 1, rotated: 0, expired: 0 });
    expect((await errorOf(() => state())).awsName).toBe('NotFoundException');
    expect((await h.emulator.call(CTX, 'ListAliases', {})).Aliases).toEqual([]);
    expect((await h.store.loadAll()).length).toBe(0);
  });
});

describe('rotation', () => {
  const status = () => h.emulator.call(CTX, 'GetKeyRotationStatus', { KeyId: keyId });

  test('is off by default; enabling uses 365 days unless told otherwise', async () => {
    expect(await status()).toEqual({ KeyRotationEnabled: false, KeyId: arn });
    await h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId });
    expect(await status()).toEqual({
      KeyRotationEnabled: true,
      KeyId: arn,
      RotationPeriodInDays: 365,
      NextRotationDate: new Date(h.clock.now().getTime() + 365 * 86_400_000),
    });
    await h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    expect((await status()).RotationPeriodInDays).toBe(90);
    await h.emulator.call(CTX, 'DisableKeyRotation', { KeyId: keyId });
    expect(await status()).toEqual({ KeyRotationEnabled: false, KeyId: arn });
  });

  test.each([89, 2561])('RotationPeriodInDays %i is out of range', async (days) => {
    const err = await errorOf(() =>
      h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: days }),
    );
    expect(err.awsName).toBe('ValidationException');
    expect(err.message).toContain("'rotationPeriodInDays'");
  });

  test('cannot be changed on asymmetric, HMAC and imported keys; only imported keys refuse GetKeyRotationStatus', async () => {
    for (const [input, status] of [
      [{ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, 'false'],
      [{ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, 'false'],
      [{ Origin: 'EXTERNAL' }, 'UnsupportedOperationException'],
    ] as const) {
      const id = (await h.emulator.call(CTX, 'CreateKey', input)).KeyMetadata!.KeyId!;
      for (const op of ['EnableKeyRotation', 'DisableKeyRotation'] as const) {
        expect((await errorOf(() => h.emulator.call(CTX, op, { KeyId: id }))).awsName).toBe(
          'UnsupportedOperationException',
        );
      }
      const got = await h.emulator.call(CTX, 'GetKeyRotationStatus', { KeyId: id }).then(
        (s) => String(s.KeyRotationEnabled),
        (err: AppError) => err.awsName,
      );
      expect(got).toBe(status);
    }
  });

  test('a disabled key cannot change rotation (DisabledException)', async () => {
    await h.emulator.call(CTX, 'DisableKey', { KeyId: keyId });
    expect((await errorOf(() => h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId }))).awsName).toBe(
      'DisabledException',
    );
  });

  test('the scheduler rotates due keys, adding a material version and moving the next date', async () => {
    const before = (await state()).CurrentKeyMaterialId;
    await h.emulator.call(CTX, 'EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    h.clock.advanceDays(91);
    expect(await h.emulator.runScheduledTasks()).toEqual({ deleted: 0, rotated: 1, expired: 0 });
    const after = (await state()).CurrentKeyMaterialId;
    expect(after).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
    expect((await status()).NextRotationDate).toEqual(new Date(h.clock.now().getTime() + 90 * 86_400_000));
    expect(await h.emulator.runScheduledTasks()).toEqual({ deleted: 0, rotated: 0, expired: 0 });
  });
});

test('UpdateKeyDescription replaces and clears the description', async () => {
  await h.emulator.call(CTX, 'UpdateKeyDescription', { KeyId: keyId, Description: 'payments' });
  expect((await state()).Description).toBe('payments');
  await h.emulator.call(CTX, 'UpdateKeyDescription', { KeyId: keyId, Description: '' });
  expect((await state()).Description).toBe('');
  const err = await errorOf(() => h.emulator.call(CTX, 'UpdateKeyDescription', { KeyId: keyId } as never));
  expect(err.message).toBe(
    "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null",
  );
});
