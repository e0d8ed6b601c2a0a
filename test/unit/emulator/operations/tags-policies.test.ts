import { ACCOUNT, CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
let keyId: string;
beforeEach(async () => {
  h = await openHarness();
  keyId = (await h.emulator.call(CTX, 'CreateKey', { Tags: [{ TagKey: 'a', TagValue: '1' }] })).KeyMetadata!.KeyId!;
});
afterEach(() => h.emulator.close());

const tags = async () => (await h.emulator.call(CTX, 'ListResourceTags', { KeyId: keyId })).Tags;

test('TagResource adds and overwrites; UntagResource removes and ignores unknown keys', async () => {
  await h.emulator.call(CTX, 'TagResource', {
    KeyId: keyId,
    Tags: [
      { TagKey: 'b', TagValue: '2' },
      { TagKey: 'a', TagValue: 'x' },
    ],
  });
  expect(await tags()).toEqual([
    { TagKey: 'a', TagValue: 'x' },
    { TagKey: 'b', TagValue: '2' },
  ]);
  await h.emulator.call(CTX, 'UntagResource', { KeyId: keyId, TagKeys: ['a', 'nope'] });
  expect(await tags()).toEqual([{ TagKey: 'b', TagValue: '2' }]);
});

test('tag errors leave the tags unchanged', async () => {
  expect(
    (
      await errorOf(() =>
        h.emulator.call(CTX, 'TagResource', { KeyId: keyId, Tags: [{ TagKey: 'aws:x', TagValue: '1' }] }),
      )
    ).awsName,
  ).toBe('TagException');
  // 50 new tags on a key that has one: more than 50 in all, the same TagException as CreateKey's
  const many = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
  const tooMany = await errorOf(() => h.emulator.call(CTX, 'TagResource', { KeyId: keyId, Tags: many }));
  expect([tooMany.awsName, tooMany.message]).toEqual(['TagException', 'Too many tags']);
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'UntagResource', { KeyId: keyId, TagKeys: ['aws:x'] }))).awsName,
  ).toBe('TagException');
  expect(await tags()).toEqual([{ TagKey: 'a', TagValue: '1' }]);
});

test('ListResourceTags pages with Limit and Marker', async () => {
  await h.emulator.call(CTX, 'TagResource', {
    KeyId: keyId,
    Tags: ['e', 'd', 'c', 'b'].map((k) => ({ TagKey: k, TagValue: k })),
  });
  const first = await h.emulator.call(CTX, 'ListResourceTags', { KeyId: keyId, Limit: 3 });
  expect(first.Tags?.map((t) => t.TagKey)).toEqual(['a', 'b', 'c']);
  expect(first.Truncated).toBe(true);
  const second = await h.emulator.call(CTX, 'ListResourceTags', { KeyId: keyId, Limit: 3, Marker: first.NextMarker });
  expect(second).toEqual({
    Tags: [
      { TagKey: 'd', TagValue: 'd' },
      { TagKey: 'e', TagValue: 'e' },
    ],
    Truncated: false,
  });
});

test('tag operations take key ids or ARNs, not aliases', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/t', TargetKeyId: keyId });
  expect((await errorOf(() => h.emulator.call(CTX, 'ListResourceTags', { KeyId: 'alias/t' }))).awsName).toBe(
    'NotFoundException',
  );
});

describe('key policies', () => {
  const rootPolicy = JSON.stringify({
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  });

  test('PutKeyPolicy replaces the policy; GetKeyPolicy returns it with PolicyName default', async () => {
    await h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: rootPolicy, PolicyName: 'default' });
    expect(await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId })).toEqual({
      Policy: rootPolicy,
      PolicyName: 'default',
    });
  });

  test('ListKeyPolicies lists only default', async () => {
    expect(await h.emulator.call(CTX, 'ListKeyPolicies', { KeyId: keyId })).toEqual({
      PolicyNames: ['default'],
      Truncated: false,
    });
  });

  test('other policy names, malformed policies and lockouts are refused and change nothing', async () => {
    const before = (await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId })).Policy;
    expect(
      (await errorOf(() => h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'other' }))).awsName,
    ).toBe('ValidationException');
    expect(
      (
        await errorOf(() =>
          h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: rootPolicy, PolicyName: 'other' }),
        )
      ).awsName,
    ).toBe('ValidationException');
    expect((await errorOf(() => h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: '{' }))).awsName).toBe(
      'MalformedPolicyDocumentException',
    );
    const bob = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: 'kms:*', Resource: '*' },
      ],
    });
    const lock = await errorOf(() => h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: bob }));
    expect(lock.message).toBe('The new key policy will not allow you to update the key policy in the future.');
    expect((await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId })).Policy).toBe(before);
    await h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: bob, BypassPolicyLockoutSafetyCheck: true });
    // The bypassed policy locks the account root out, as on AWS; bob, whom it names, reads it.
    const asBob = { ...CTX, principalArn: `arn:aws:iam::${ACCOUNT}:user/bob` };
    expect((await h.emulator.call(asBob, 'GetKeyPolicy', { KeyId: keyId })).Policy).toBe(bob);
    expect((await errorOf(() => h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId }))).awsName).toBe(
      'AccessDeniedException',
    );
  });

  test('a policy over the 32 KiB quota is LimitExceededException (PutKeyPolicy, CreateKey, ReplicateKey), even when malformed', async () => {
    const over = rootPolicy.replace('{', `{"Id":"${'p'.repeat(32 * 1024)}",`);
    const before = (await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId })).Policy;
    const mrk = (await h.emulator.call(CTX, 'CreateKey', { MultiRegion: true })).KeyMetadata!.KeyId!;
    for (const call of [
      () => h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: over }),
      () => h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: keyId, Policy: `{${' '.repeat(32 * 1024)}` }),
      () => h.emulator.call(CTX, 'CreateKey', { Policy: over }),
      () => h.emulator.call(CTX, 'ReplicateKey', { KeyId: mrk, ReplicaRegion: 'eu-west-1', Policy: over }),
    ]) {
      const err = await errorOf(call);
      expect([err.awsName, err.message]).toEqual([
        'LimitExceededException',
        'The key policy exceeds the maximum size of 32768 bytes.',
      ]);
    }
    expect((await h.emulator.call(CTX, 'GetKeyPolicy', { KeyId: keyId })).Policy).toBe(before);
    expect((await h.emulator.call(CTX, 'ListKeys', {})).Keys).toHaveLength(2);
  });
});
