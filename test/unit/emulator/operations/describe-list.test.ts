import { ACCOUNT, CTX, errorOf, OTHER_ACCOUNT, openHarness, REGION, type Harness } from '../helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

test('DescribeKey errors: unknown ids, malformed ids, other Regions', async () => {
  const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  const bad = await errorOf(() => h.emulator.call(CTX, 'DescribeKey', { KeyId: 'not-a-key' }));
  expect([bad.awsName, bad.message]).toEqual(['NotFoundException', 'Invalid keyId.']);
  const eu = md.Arn!.replace(REGION, 'eu-west-1');
  expect((await errorOf(() => h.emulator.call(CTX, 'DescribeKey', { KeyId: eu }))).awsName).toBe('NotFoundException');
  expect(
    (
      await errorOf(() =>
        h.emulator.call({ accountId: ACCOUNT, region: 'eu-west-1' }, 'DescribeKey', { KeyId: md.KeyId! }),
      )
    ).awsName,
  ).toBe('NotFoundException');
  expect((await errorOf(() => h.emulator.call(CTX, 'DescribeKey', {} as never))).awsName).toBe('ValidationException');
});

describe('cross-account ARNs', () => {
  const shared = (principal: string) =>
    JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: principal }, Action: ['kms:DescribeKey'], Resource: '*' },
      ],
    });
  const other = { accountId: OTHER_ACCOUNT, region: REGION };

  test('work where the key policy allows the other account', async () => {
    const md = (await h.emulator.call(CTX, 'CreateKey', { Policy: shared(`arn:aws:iam::${OTHER_ACCOUNT}:root`) }))
      .KeyMetadata!;
    expect((await h.emulator.call(other, 'DescribeKey', { KeyId: md.Arn! })).KeyMetadata?.AWSAccountId).toBe(ACCOUNT);
    // A bare key id always means the caller's own account.
    expect((await errorOf(() => h.emulator.call(other, 'DescribeKey', { KeyId: md.KeyId! }))).awsName).toBe(
      'NotFoundException',
    );
    // Management operations never work across accounts.
    expect((await errorOf(() => h.emulator.call(other, 'DisableKey', { KeyId: md.Arn! }))).awsName).toBe(
      'NotFoundException',
    );
  });

  test('are AccessDeniedException when the policy does not allow it', async () => {
    const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
    const err = await errorOf(() => h.emulator.call(other, 'DescribeKey', { KeyId: md.Arn! }));
    expect(err.awsName).toBe('AccessDeniedException');
    expect(err.message).toContain('kms:DescribeKey');
  });
});

describe('ListKeys', () => {
  test('pages through every key exactly once in key id order, with AWS field presence', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!);
    const all = await h.emulator.call(CTX, 'ListKeys', {});
    expect(all.Truncated).toBe(false);
    expect(all).not.toHaveProperty('NextMarker');
    expect(all.Keys!.map((k) => k.KeyId)).toEqual([...all.Keys!.map((k) => k.KeyId!)].sort());
    expect(all.Keys![0]).toEqual({
      KeyId: all.Keys![0]!.KeyId,
      KeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${all.Keys![0]!.KeyId}`,
    });
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await h.emulator.call(CTX, 'ListKeys', { Limit: 3, Marker: marker });
      expect(page.Keys!.length).toBeLessThanOrEqual(3);
      seen.push(...page.Keys!.map((k) => k.KeyId!));
      marker = page.NextMarker;
      expect(page.Truncated).toBe(marker !== undefined);
    } while (marker);
    expect(seen).toEqual(all.Keys!.map((k) => k.KeyId));
  });

  test('a marker stays valid when the key it points at is deleted', async () => {
    for (let i = 0; i < 4; i++) await h.emulator.call(CTX, 'CreateKey', {});
    const first = await h.emulator.call(CTX, 'ListKeys', { Limit: 2 });
    const all = (await h.emulator.call(CTX, 'ListKeys', {})).Keys!.map((k) => k.KeyId!);
    await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: all[2]!, PendingWindowInDays: 7 });
    h.clock.advanceDays(8);
    await h.emulator.runScheduledTasks();
    const rest = await h.emulator.call(CTX, 'ListKeys', { Marker: first.NextMarker });
    expect(rest.Keys!.map((k) => k.KeyId)).toEqual([all[3]]);
  });

  test.each([0, 1001])('Limit %i is a ValidationException', async (Limit) => {
    expect((await errorOf(() => h.emulator.call(CTX, 'ListKeys', { Limit }))).awsName).toBe('ValidationException');
  });

  test('a forged marker is InvalidMarkerException', async () => {
    expect((await errorOf(() => h.emulator.call(CTX, 'ListKeys', { Marker: 'garbage' }))).awsName).toBe(
      'InvalidMarkerException',
    );
  });
});

test('calls with a malformed account or Region are refused', async () => {
  expect((await errorOf(() => h.emulator.call({ accountId: '12', region: REGION }, 'ListKeys', {}))).awsName).toBe(
    'UnrecognizedClientException',
  );
  expect((await errorOf(() => h.emulator.call({ accountId: ACCOUNT, region: 'moon' }, 'ListKeys', {}))).awsName).toBe(
    'UnrecognizedClientException',
  );
});

test('ListKeys pages are shared frozen values, rebuilt when a key is created or deleted', async () => {
  const first = await h.emulator.call(CTX, 'ListKeys', { Limit: 5 });
  expect(Object.isFrozen(first)).toBe(true);
  expect(await h.emulator.call(CTX, 'ListKeys', { Limit: 5 })).toBe(first);
  const md = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  const second = await h.emulator.call(CTX, 'ListKeys', { Limit: 1000 });
  expect(second.Keys!.map((k) => k.KeyId)).toContain(md.KeyId);
  await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: md.KeyId!, PendingWindowInDays: 7 });
  h.clock.advanceDays(8);
  await h.emulator.runScheduledTasks();
  expect((await h.emulator.call(CTX, 'ListKeys', { Limit: 1000 })).Keys!.map((k) => k.KeyId)).not.toContain(md.KeyId);
});
