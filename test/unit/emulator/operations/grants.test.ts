import { ACCOUNT, CTX, errorOf, OTHER_ACCOUNT, openHarness, REGION, type Harness } from '../helpers.js';

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

const GRANTEE = `arn:aws:iam::${OTHER_ACCOUNT}:role/app`;
const RETIRER = `arn:aws:iam::${ACCOUNT}:role/ops`;
const grant = (extra: Record<string, unknown> = {}) =>
  h.emulator.call(CTX, 'CreateGrant', {
    KeyId: keyId,
    GranteePrincipal: GRANTEE,
    Operations: ['Encrypt', 'Decrypt'],
    ...extra,
  });
const list = async (extra: Record<string, unknown> = {}) =>
  h.emulator.call(CTX, 'ListGrants', { KeyId: keyId, ...extra });

test('CreateGrant returns an id and a token; ListGrants shows the grant as AWS does', async () => {
  const out = await grant({
    RetiringPrincipal: RETIRER,
    Name: 'app-grant',
    Constraints: { EncryptionContextSubset: { dept: 'a' } },
  });
  expect(out.GrantId).toMatch(/^[0-9a-f]{64}$/);
  expect(out.GrantToken!.length).toBeGreaterThan(20);
  expect(await list()).toEqual({
    Grants: [
      {
        KeyId: arn,
        GrantId: out.GrantId,
        Name: 'app-grant',
        CreationDate: h.clock.now(),
        GranteePrincipal: GRANTEE,
        RetiringPrincipal: RETIRER,
        IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        Operations: ['Encrypt', 'Decrypt'],
        Constraints: { EncryptionContextSubset: { dept: 'a' } },
      },
    ],
    Truncated: false,
  });
});

test('a retried request with the same Name returns the same GrantId and a different token', async () => {
  const a = await grant({ Name: 'n' });
  const b = await grant({ Name: 'n', Operations: ['Decrypt', 'Encrypt'] });
  expect(b.GrantId).toBe(a.GrantId);
  expect(b.GrantToken).not.toBe(a.GrantToken);
  const c = await grant({ Name: 'n', Operations: ['Encrypt'] });
  expect(c.GrantId).not.toBe(a.GrantId);
  const d = await grant();
  const e = await grant();
  expect(d.GrantId).not.toBe(e.GrantId);
  expect((await list()).Grants).toHaveLength(4);
});

test('operations that do not suit the key are a ValidationException', async () => {
  const err = await errorOf(() => grant({ Operations: ['Sign'] }));
  expect(err.awsName).toBe('ValidationException');
  const signing = (await h.emulator.call(CTX, 'CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
    .KeyMetadata!;
  await h.emulator.call(CTX, 'CreateGrant', {
    KeyId: signing.KeyId,
    GranteePrincipal: GRANTEE,
    Operations: ['Sign', 'GetPublicKey'],
  });
  expect(
    (
      await errorOf(() =>
        h.emulator.call(CTX, 'CreateGrant', {
          KeyId: signing.KeyId,
          GranteePrincipal: GRANTEE,
          Operations: ['Encrypt'],
        }),
      )
    ).awsName,
  ).toBe('ValidationException');
});

test('CreateGrant needs an Enabled key; DryRun checks without creating; bad GrantTokens are refused', async () => {
  expect((await errorOf(() => grant({ DryRun: true }))).awsName).toBe('DryRunOperationException');
  expect((await list()).Grants).toEqual([]);
  expect((await errorOf(() => grant({ GrantTokens: ['not-a-token'] }))).awsName).toBe('InvalidGrantTokenException');
  await h.emulator.call(CTX, 'DisableKey', { KeyId: keyId });
  expect((await errorOf(() => grant())).awsName).toBe('DisabledException');
});

test('ListGrants pages and filters by GrantId and GranteePrincipal', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    h.clock.advanceDays(0.001);
    ids.push((await grant(i % 2 ? { GranteePrincipal: RETIRER } : {})).GrantId!);
  }
  const p1 = await list({ Limit: 2 });
  expect(p1.Grants!.map((g) => g.GrantId)).toEqual(ids.slice(0, 2));
  expect(p1.Truncated).toBe(true);
  const p2 = await list({ Limit: 10, Marker: p1.NextMarker });
  expect(p2.Grants!.map((g) => g.GrantId)).toEqual(ids.slice(2));
  expect(p2.Truncated).toBe(false);
  expect((await list({ GrantId: ids[3] })).Grants!.map((g) => g.GrantId)).toEqual([ids[3]]);
  expect((await list({ GranteePrincipal: RETIRER })).Grants).toHaveLength(2);
  expect((await errorOf(() => list({ Marker: 'garbage' }))).awsName).toBe('InvalidMarkerException');
});

test('ListRetirableGrants lists the grants a principal may retire across keys', async () => {
  const other = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!;
  await grant({ RetiringPrincipal: RETIRER });
  await h.emulator.call(CTX, 'CreateGrant', {
    KeyId: other.KeyId,
    GranteePrincipal: GRANTEE,
    RetiringPrincipal: RETIRER,
    Operations: ['Decrypt'],
  });
  await grant();
  const out = await h.emulator.call(CTX, 'ListRetirableGrants', { RetiringPrincipal: RETIRER });
  expect(out.Grants!.map((g) => g.KeyId).sort()).toEqual([arn, other.Arn].sort());
});

test('RetireGrant by token and by key ARN + GrantId; RevokeGrant by GrantId', async () => {
  const a = await grant();
  const b = await grant();
  const c = await grant();
  await h.emulator.call(CTX, 'RetireGrant', { GrantToken: a.GrantToken });
  await h.emulator.call(CTX, 'RetireGrant', { KeyId: arn, GrantId: b.GrantId });
  await h.emulator.call(CTX, 'RevokeGrant', { KeyId: keyId, GrantId: c.GrantId });
  expect((await list()).Grants).toEqual([]);
  expect((await errorOf(() => h.emulator.call(CTX, 'RetireGrant', { GrantToken: a.GrantToken }))).awsName).toBe(
    'NotFoundException',
  );
  expect(
    (await errorOf(() => h.emulator.call(CTX, 'RevokeGrant', { KeyId: keyId, GrantId: c.GrantId! }))).awsName,
  ).toBe('NotFoundException');
  expect((await errorOf(() => h.emulator.call(CTX, 'RetireGrant', { GrantId: a.GrantId }))).awsName).toBe(
    'ValidationException',
  );
});

test('a forged grant token is InvalidGrantTokenException', async () => {
  const a = await grant();
  const parts = Buffer.from(a.GrantToken!, 'base64url').toString('utf8').split('|');
  parts[4] = '00'.repeat(32);
  const forged = Buffer.from(parts.join('|')).toString('base64url');
  expect((await errorOf(() => h.emulator.call(CTX, 'RetireGrant', { GrantToken: forged }))).awsName).toBe(
    'InvalidGrantTokenException',
  );
});

test('a grant lets another account use the key by ARN; revoking it takes that away', async () => {
  const other = { accountId: OTHER_ACCOUNT, region: REGION, principalArn: GRANTEE };
  const denied = await errorOf(() => h.emulator.call(other, 'Encrypt', { KeyId: arn, Plaintext: Buffer.from('x') }));
  expect(denied.awsName).toBe('AccessDeniedException');
  const g = await grant();
  const ct = await h.emulator.call(other, 'Encrypt', { KeyId: arn, Plaintext: Buffer.from('x') });
  expect(ct.KeyId).toBe(arn);
  expect(
    (
      await errorOf(() =>
        h.emulator.call(other, 'Sign', { KeyId: arn, Message: Buffer.from('x'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      )
    ).awsName,
  ).toBe('AccessDeniedException');
  await h.emulator.call(CTX, 'RevokeGrant', { KeyId: keyId, GrantId: g.GrantId! });
  expect(
    (await errorOf(() => h.emulator.call(other, 'Encrypt', { KeyId: arn, Plaintext: Buffer.from('x') }))).awsName,
  ).toBe('AccessDeniedException');
});

test('grants persist through the store and are deleted with their key', async () => {
  const g = await grant({ Name: 'kept' });
  await h.emulator.close();
  h = await openHarness({ store: h.store, rootKey: h.rootKey, clock: h.clock });
  expect((await list()).Grants!.map((x) => x.GrantId)).toEqual([g.GrantId]);
  await h.emulator.call(CTX, 'RetireGrant', { GrantToken: g.GrantToken });
  await grant();
  await h.emulator.call(CTX, 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  h.clock.advanceDays(8);
  await h.emulator.runScheduledTasks();
  expect((await h.store.loadAll()).filter((o) => o.kind === 'grant')).toEqual([]);
});
