import { ACCOUNT, CTX, errorOf, openHarness, type Harness } from '../helpers.js';

let h: Harness;
let keyId: string;
beforeEach(async () => {
  h = await openHarness();
  keyId = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;
});
afterEach(() => h.emulator.close());

const aliasArn = (name: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:${name}`;

test('CreateAlias, ListAliases and DescribeKey by alias name or alias ARN', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
  expect(await h.emulator.call(CTX, 'ListAliases', {})).toEqual({
    Aliases: [
      {
        AliasName: 'alias/app',
        AliasArn: aliasArn('alias/app'),
        TargetKeyId: keyId,
        CreationDate: h.clock.now(),
        LastUpdatedDate: h.clock.now(),
      },
    ],
    Truncated: false,
  });
  for (const id of ['alias/app', aliasArn('alias/app')]) {
    expect((await h.emulator.call(CTX, 'DescribeKey', { KeyId: id })).KeyMetadata?.KeyId).toBe(keyId);
  }
});

test('duplicate names are AlreadyExistsException', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
  const err = await errorOf(() => h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId }));
  expect(err.awsName).toBe('AlreadyExistsException');
  expect(err.message).toBe(`An alias with the name ${aliasArn('alias/app')} already exists`);
});

test.each([
  ['no alias/ prefix', 'app', 'ValidationException'],
  ['nothing after the prefix', 'alias/', 'ValidationException'],
  ['the reserved alias/aws/ prefix', 'alias/aws/s3', 'NotAuthorizedException'],
  ['characters outside the pattern', 'alias/a b', 'ValidationException'],
  ['more than 256 characters', `alias/${'a'.repeat(251)}`, 'ValidationException'],
])('names with %s are refused', async (_why, AliasName, name) => {
  expect((await errorOf(() => h.emulator.call(CTX, 'CreateAlias', { AliasName, TargetKeyId: keyId }))).awsName).toBe(
    name,
  );
});

test('aliases cannot target aliases or unknown keys', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/b', TargetKeyId: 'alias/app' })))
      .awsName,
  ).toBe('NotFoundException');
  const missing = await errorOf(() =>
    h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/b', TargetKeyId: '00000000-0000-4000-8000-000000000000' }),
  );
  expect(missing.awsName).toBe('NotFoundException');
  expect(missing.message).toBe(
    `Key 'arn:aws:kms:us-east-1:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000' does not exist`,
  );
});

describe('UpdateAlias', () => {
  test('retargets to a key of the same type and usage and updates LastUpdatedDate', async () => {
    await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
    const other = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;
    h.clock.advanceDays(1);
    await h.emulator.call(CTX, 'UpdateAlias', { AliasName: 'alias/app', TargetKeyId: other });
    const [a] = (await h.emulator.call(CTX, 'ListAliases', {})).Aliases!;
    expect(a).toMatchObject({ TargetKeyId: other, LastUpdatedDate: h.clock.now() });
    expect(a!.CreationDate!.getTime()).toBeLessThan(a!.LastUpdatedDate!.getTime());
  });

  test('refuses a key of another type or usage, and unknown aliases', async () => {
    await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
    const rsa = (await h.emulator.call(CTX, 'CreateKey', { KeySpec: 'RSA_2048' })).KeyMetadata!.KeyId!;
    expect(
      (await errorOf(() => h.emulator.call(CTX, 'UpdateAlias', { AliasName: 'alias/app', TargetKeyId: rsa }))).awsName,
    ).toBe('ValidationException');
    expect(
      (await errorOf(() => h.emulator.call(CTX, 'UpdateAlias', { AliasName: 'alias/none', TargetKeyId: keyId })))
        .awsName,
    ).toBe('NotFoundException');
  });
});

test('DeleteAlias removes it; a second delete is NotFoundException', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
  await h.emulator.call(CTX, 'DeleteAlias', { AliasName: 'alias/app' });
  expect((await h.emulator.call(CTX, 'ListAliases', {})).Aliases).toEqual([]);
  const err = await errorOf(() => h.emulator.call(CTX, 'DeleteAlias', { AliasName: 'alias/app' }));
  expect(err.awsName).toBe('NotFoundException');
  expect(err.message).toBe(`Alias '${aliasArn('alias/app')}' is not found.`);
  expect((await errorOf(() => h.emulator.call(CTX, 'DescribeKey', { KeyId: 'alias/app' }))).awsName).toBe(
    'NotFoundException',
  );
});

test('ListAliases filters by KeyId and pages in name order', async () => {
  const other = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;
  for (const n of ['c', 'a', 'e', 'b', 'd'])
    await h.emulator.call(CTX, 'CreateAlias', { AliasName: `alias/${n}`, TargetKeyId: keyId });
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/z', TargetKeyId: other });
  const byKey = await h.emulator.call(CTX, 'ListAliases', { KeyId: other });
  expect(byKey.Aliases?.map((a) => a.AliasName)).toEqual(['alias/z']);
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await h.emulator.call(CTX, 'ListAliases', { KeyId: keyId, Limit: 2, Marker: marker });
    names.push(...page.Aliases!.map((a) => a.AliasName!));
    expect(page.Truncated).toBe(page.NextMarker !== undefined);
    marker = page.NextMarker;
  } while (marker);
  expect(names).toEqual(['alias/a', 'alias/b', 'alias/c', 'alias/d', 'alias/e']);
});

test('aliases are scoped by account and Region', async () => {
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/app', TargetKeyId: keyId });
  expect((await h.emulator.call({ accountId: ACCOUNT, region: 'eu-west-1' }, 'ListAliases', {})).Aliases).toEqual([]);
  expect(
    (
      await errorOf(() =>
        h.emulator.call({ accountId: '444455556666', region: 'us-east-1' }, 'DescribeKey', { KeyId: 'alias/app' }),
      )
    ).awsName,
  ).toBe('NotFoundException');
});
