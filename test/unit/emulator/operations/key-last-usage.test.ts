import { CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

test('GetKeyLastUsage reports the last successful cryptographic operation only', async () => {
  const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  const before = await h.emulator.call(CTX, 'GetKeyLastUsage', { KeyId: md.KeyId });
  expect(before.KeyId).toBe(md.Arn);
  expect(before.KeyLastUsage).toBeUndefined();
  expect(before.KeyCreationDate).toEqual(md.CreationDate);
  expect(before.TrackingStartDate!.getTime()).toBeGreaterThanOrEqual(md.CreationDate!.getTime());
  const ct = await h.emulator.call(CTX, 'Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('x') });
  await errorOf(() => h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: Buffer.from('garbage') }));
  await errorOf(() => h.emulator.call(CTX, 'Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('x'), DryRun: true }));
  await h.emulator.call(CTX, 'DescribeKey', { KeyId: md.KeyId });
  const after = await h.emulator.call(CTX, 'GetKeyLastUsage', { KeyId: md.KeyId });
  expect(after.KeyLastUsage).toMatchObject({ Operation: 'Encrypt', Timestamp: h.clock.now() });
  expect(after.KeyLastUsage!.KmsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  h.clock.advanceDays(1);
  await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: ct.CiphertextBlob });
  expect((await h.emulator.call(CTX, 'GetKeyLastUsage', { KeyId: md.KeyId })).KeyLastUsage).toMatchObject({
    Operation: 'Decrypt',
    Timestamp: h.clock.now(),
  });
});

test('GetKeyLastUsage of an unknown key is NotFoundException', async () => {
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'GetKeyLastUsage', { KeyId: '00000000-0000-0000-0000-000000000000' })))
      .awsName,
  ).toBe('NotFoundException');
});
