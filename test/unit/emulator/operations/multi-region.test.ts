import { ACCOUNT, CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
let keyId: string;
let arn: string;
const EU = { accountId: ACCOUNT, region: 'eu-west-1' };
const AP = { accountId: ACCOUNT, region: 'ap-southeast-2' };
beforeEach(async () => {
  h = await openHarness();
  const md = (await h.emulator.call(CTX, 'CreateKey', { MultiRegion: true, Description: 'primary' })).KeyMetadata!;
  keyId = md.KeyId!;
  arn = md.Arn!;
});
afterEach(() => h.emulator.close());

const describeIn = async (ctx: typeof CTX) =>
  (await h.emulator.call(ctx, 'DescribeKey', { KeyId: keyId })).KeyMetadata!;

test('ReplicateKey creates a replica with the same id, its own policy/tags/description, reported as Creating', async () => {
  expect(keyId).toMatch(/^mrk-[0-9a-f]{32}$/);
  const out = await h.emulator.call(CTX, 'ReplicateKey', {
    KeyId: keyId,
    ReplicaRegion: 'eu-west-1',
    Description: 'replica',
    Tags: [{ TagKey: 'a', TagValue: 'b' }],
  });
  const replicaArn = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${keyId}`;
  expect(out.ReplicaKeyMetadata).toMatchObject({
    KeyId: keyId,
    Arn: replicaArn,
    KeyState: 'Creating',
    Enabled: false,
    Description: 'replica',
    MultiRegion: true,
  });
  expect(out.ReplicaTags).toEqual([{ TagKey: 'a', TagValue: 'b' }]);
  expect(out.ReplicaPolicy).toContain(`arn:aws:iam::${ACCOUNT}:root`);
  const replica = await describeIn(EU);
  expect(replica).toMatchObject({
    KeyState: 'Enabled',
    Description: 'replica',
    CurrentKeyMaterialId: (await describeIn(CTX)).CurrentKeyMaterialId,
  });
  expect(replica.MultiRegionConfiguration).toEqual({
    MultiRegionKeyType: 'REPLICA',
    PrimaryKey: { Arn: arn, Region: 'us-east-1' },
    ReplicaKeys: [{ Arn: replicaArn, Region: 'eu-west-1' }],
  });
  expect((await describeIn(CTX)).MultiRegionConfiguration).toEqual({
    MultiRegionKeyType: 'PRIMARY',
    PrimaryKey: { Arn: arn, Region: 'us-east-1' },
    ReplicaKeys: [{ Arn: replicaArn, Region: 'eu-west-1' }],
  });
  expect((await describeIn(CTX)).Description).toBe('primary');
});

test('replicas decrypt what the primary encrypted and vice versa, also after rotating the primary', async () => {
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' });
  const a = await h.emulator.call(CTX, 'Encrypt', {
    KeyId: keyId,
    Plaintext: Buffer.from('from primary'),
    EncryptionContext: { k: 'v' },
  });
  const dec = await h.emulator.call(EU, 'Decrypt', { CiphertextBlob: a.CiphertextBlob, EncryptionContext: { k: 'v' } });
  expect(Buffer.from(dec.Plaintext!).toString()).toBe('from primary');
  expect(dec.KeyId).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${keyId}`);
  await h.emulator.call(CTX, 'RotateKeyOnDemand', { KeyId: keyId });
  const b = await h.emulator.call(EU, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('from replica') });
  expect(
    Buffer.from(
      (await h.emulator.call(CTX, 'Decrypt', { CiphertextBlob: b.CiphertextBlob, KeyId: arn })).Plaintext!,
    ).toString(),
  ).toBe('from replica');
  expect((await describeIn(EU)).CurrentKeyMaterialId).toBe((await describeIn(CTX)).CurrentKeyMaterialId);
  expect((await errorOf(() => h.emulator.call(EU, 'RotateKeyOnDemand', { KeyId: keyId }))).awsName).toBe(
    'UnsupportedOperationException',
  );
});

test('ReplicateKey refusals: single-Region key, replica as source, same Region, 51 tags, existing replica', async () => {
  const single = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'ReplicateKey', { KeyId: single.KeyId, ReplicaRegion: 'eu-west-1' })))
      .awsName,
  ).toBe('UnsupportedOperationException');
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'us-east-1' }))).awsName,
  ).toBe('ValidationException');
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'cn-north-1' }))).awsName,
  ).toBe('ValidationException');
  const tags = Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
  expect(
    (
      await errorOf(() =>
        h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1', Tags: tags }),
      )
    ).awsName,
  ).toBe('TagException');
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' });
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' }))).awsName,
  ).toBe('AlreadyExistsException');
  expect(
    (await errorOf(() => h.emulator.call(EU, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'ap-southeast-2' })))
      .awsName,
  ).toBe('UnsupportedOperationException');
});

test('UpdatePrimaryRegion swaps roles on every key of the set', async () => {
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' });
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'ap-southeast-2' });
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'UpdatePrimaryRegion', { KeyId: keyId, PrimaryRegion: 'sa-east-1' })))
      .awsName,
  ).toBe('NotFoundException');
  await h.emulator.call(CTX, 'UpdatePrimaryRegion', { KeyId: keyId, PrimaryRegion: 'eu-west-1' });
  const cfg = (await describeIn(AP)).MultiRegionConfiguration!;
  expect(cfg.MultiRegionKeyType).toBe('REPLICA');
  expect(cfg.PrimaryKey!.Region).toBe('eu-west-1');
  expect(cfg.ReplicaKeys!.map((r) => r.Region)).toEqual(['ap-southeast-2', 'us-east-1']);
  expect((await describeIn(EU)).MultiRegionConfiguration!.MultiRegionKeyType).toBe('PRIMARY');
  expect(
    (
      await errorOf(() =>
        h.emulator.call(CTX, 'UpdatePrimaryRegion', { KeyId: keyId, PrimaryRegion: 'ap-southeast-2' }),
      )
    ).awsName,
  ).toBe('UnsupportedOperationException');
});

test('a primary with replicas waits in PendingReplicaDeletion until they are deleted', async () => {
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' });
  const out = await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  expect(out).toEqual({ KeyId: arn, KeyState: 'PendingReplicaDeletion', PendingWindowInDays: 7 });
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') }))).awsName,
  ).toBe('KMSInvalidStateException');
  await h.emulator.call(EU, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  h.clock.advanceDays(8);
  await h.emulator.runScheduledTasks();
  expect((await errorOf(() => describeIn(EU))).awsName).toBe('NotFoundException');
  const primary = await describeIn(CTX);
  expect(primary.KeyState).toBe('PendingDeletion');
  expect(primary.DeletionDate).toEqual(new Date(h.clock.now().getTime() + 7 * 86_400_000));
});

test('CancelKeyDeletion on a PendingReplicaDeletion primary leaves it Disabled', async () => {
  await h.emulator.call(CTX, 'ReplicateKey', { KeyId: keyId, ReplicaRegion: 'eu-west-1' });
  await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId });
  await h.emulator.call(CTX, 'CancelKeyDeletion', { KeyId: keyId });
  expect((await describeIn(CTX)).KeyState).toBe('Disabled');
});
