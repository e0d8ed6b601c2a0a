import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { ACCOUNT, awsErrorName, startConformance, type Conformance } from './harness.js';

/** Multi-Region keys, rotation settings, key policies, tags, descriptions and GenerateRandom, over HTTP. */

let c: Conformance;
let kms: KMSClient;
let west: KMSClient;
beforeAll(async () => {
  c = await startConformance('metadata');
  kms = c.kms();
  west = c.kms('eu-west-1');
});
afterAll(() => c.close());

test('a multi-Region key: mrk- id, ReplicateKey, the replica decrypts what the primary encrypted, UpdatePrimaryRegion', async () => {
  const md = (await kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  expect(md.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
  const blob = (
    await kms.send(
      new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('from us-east-1'), EncryptionContext: { r: '1' } }),
    )
  ).CiphertextBlob!;
  const replica = await kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'eu-west-1' }));
  expect(replica.ReplicaKeyMetadata!.Arn).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${md.KeyId}`);
  expect(await awsErrorName(kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'eu-west-1' })))).toBe(
    'AlreadyExistsException',
  );
  const out = await west.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { r: '1' } }));
  expect(Buffer.from(out.Plaintext!).toString()).toBe('from us-east-1');
  const cfg = (await west.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.MultiRegionConfiguration!;
  expect(cfg.MultiRegionKeyType).toBe('REPLICA');
  expect(cfg.PrimaryKey!.Region).toBe('us-east-1');
  await kms.send(new UpdatePrimaryRegionCommand({ KeyId: md.KeyId, PrimaryRegion: 'eu-west-1' }));
  const after = (await west.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.MultiRegionConfiguration!;
  expect(after.MultiRegionKeyType).toBe('PRIMARY');
  // the old primary is now a replica: replicating from it is refused
  expect(
    await awsErrorName(kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'ap-southeast-2' }))),
  ).toBe('UnsupportedOperationException');
  const single = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  expect(await awsErrorName(kms.send(new ReplicateKeyCommand({ KeyId: single, ReplicaRegion: 'eu-west-1' })))).toBe(
    'UnsupportedOperationException',
  );
});

test('automatic rotation: RotationPeriodInDays 90–2560, reported by GetKeyRotationStatus', async () => {
  const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  for (const days of [89, 2561]) {
    expect(await awsErrorName(kms.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: days })))).toBe(
      'ValidationException',
    );
  }
  await kms.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: 180 }));
  const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }));
  expect([status.KeyRotationEnabled, status.RotationPeriodInDays]).toEqual([true, 180]);
  expect(status.NextRotationDate!.getTime() - Date.now()).toBeGreaterThan(179 * 86_400_000);
  await kms.send(new DisableKeyRotationCommand({ KeyId: k }));
  expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: k }))).KeyRotationEnabled).toBe(false);
  const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })))
    .KeyMetadata!.KeyId!;
  expect(await awsErrorName(kms.send(new EnableKeyRotationCommand({ KeyId: hmac })))).toBe(
    'UnsupportedOperationException',
  );
});

test('key policies: returned verbatim; the lockout safety check; malformed documents', async () => {
  const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const root = `arn:aws:iam::${ACCOUNT}:root`;
  const policy = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }],
    },
    null,
    2,
  );
  await kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: policy }));
  expect((await kms.send(new GetKeyPolicyCommand({ KeyId: k, PolicyName: 'default' }))).Policy).toBe(policy);
  const lockout = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:Encrypt', Resource: '*' },
    ],
  });
  expect(
    await awsErrorName(kms.send(new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: lockout }))),
  ).toBe('MalformedPolicyDocumentException');
  expect(await awsErrorName(kms.send(new GetKeyPolicyCommand({ KeyId: k, PolicyName: 'other' })))).toBe(
    'ValidationException',
  );
  const noStatement = JSON.stringify({ Version: '2012-10-17' });
  expect(
    await awsErrorName(
      kms.send(new PutKeyPolicyCommand({ KeyId: k, Policy: noStatement, BypassPolicyLockoutSafetyCheck: true })),
    ),
  ).toBe('MalformedPolicyDocumentException');
  await kms.send(
    new PutKeyPolicyCommand({ KeyId: k, PolicyName: 'default', Policy: lockout, BypassPolicyLockoutSafetyCheck: true }),
  );
  // Bypassed, the policy applies and locks the caller out, as AWS does.
  expect(await awsErrorName(kms.send(new GetKeyPolicyCommand({ KeyId: k })))).toBe('AccessDeniedException');
  expect(await awsErrorName(kms.send(new GetKeyPolicyCommand({ KeyId: k, PolicyName: 'default' })))).toBe(
    'AccessDeniedException',
  );
});

test('tags and descriptions: reserved and duplicate keys refused, untag, update', async () => {
  const k = (await kms.send(new CreateKeyCommand({ Description: 'before' }))).KeyMetadata!.KeyId!;
  await kms.send(
    new TagResourceCommand({
      KeyId: k,
      Tags: [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'b', TagValue: '2' },
      ],
    }),
  );
  await kms.send(new TagResourceCommand({ KeyId: k, Tags: [{ TagKey: 'a', TagValue: 'changed' }] }));
  expect(
    await awsErrorName(
      kms.send(new TagResourceCommand({ KeyId: k, Tags: [{ TagKey: 'aws:reserved', TagValue: 'x' }] })),
    ),
  ).toBe('TagException');
  expect(
    await awsErrorName(
      kms.send(
        new TagResourceCommand({
          KeyId: k,
          Tags: [
            { TagKey: 'd', TagValue: '1' },
            { TagKey: 'd', TagValue: '2' },
          ],
        }),
      ),
    ),
  ).toBe('TagException');
  await kms.send(new UntagResourceCommand({ KeyId: k, TagKeys: ['b'] }));
  expect((await kms.send(new ListResourceTagsCommand({ KeyId: k }))).Tags).toEqual([
    { TagKey: 'a', TagValue: 'changed' },
  ]);
  await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k, Description: 'after' }));
  expect((await kms.send(new DescribeKeyCommand({ KeyId: k }))).KeyMetadata!.Description).toBe('after');
});

test('GenerateRandom: 1–1024 bytes, fresh every time', async () => {
  const a = (await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!;
  const b = (await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!;
  expect([a.length, b.length]).toEqual([1024, 1024]);
  expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  expect((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1 }))).Plaintext!.length).toBe(1);
  for (const n of [0, 1025])
    expect(await awsErrorName(kms.send(new GenerateRandomCommand({ NumberOfBytes: n })))).toBe('ValidationException');
});
