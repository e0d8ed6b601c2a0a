import { AppError } from '../../src/errors/index.js';
import type { KmsOperations, KmsProvider } from '../../src/providers/kms-provider.js';

export interface ProviderUnderTest {
  provider: KmsProvider;
  /** The account the provider's credentials belong to. */
  accountId: string;
  close(): Promise<void>;
}

/** Runs `fn`, expecting an AppError carrying this AWS exception name. */
export async function expectAwsError(fn: () => Promise<unknown>, awsName: string): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).awsName).toBe(awsName);
    return err as AppError;
  }
  throw new Error(`expected ${awsName}, but the call succeeded`);
}

const unique = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * One contract for every KmsProvider: the in-process emulator, the aws provider over
 * the emulator's wire endpoint, and (opt-in) real AWS. Errors must arrive as AppErrors
 * with AWS's exception names, whatever the transport.
 */
export function describeProviderContract(name: string, make: () => Promise<ProviderUnderTest>): void {
  describe(`KmsProvider contract: ${name}`, () => {
    let t: ProviderUnderTest;
    let kms: KmsProvider;
    const created: string[] = [];
    beforeAll(async () => {
      t = await make();
      kms = t.provider;
    });
    afterAll(async () => {
      for (const id of created)
        await kms.kms('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 }).catch(() => undefined);
      await t.close();
    });
    const createKey = async (input: KmsOperations['CreateKey']['input'] = {}) => {
      const out = await kms.kms('CreateKey', { Description: 'contract', ...input });
      created.push(out.KeyMetadata!.KeyId!);
      return out.KeyMetadata!;
    };

    it('reports the caller identity of its credentials', async () => {
      const id = await kms.getCallerIdentity();
      expect(id.account).toBe(t.accountId);
      expect(id.arn).toMatch(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:/);
    });

    it('creates a symmetric key and describes it by id, ARN and alias', async () => {
      const md = await createKey();
      expect(md).toMatchObject({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Enabled: true,
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
      });
      expect(md.Arn).toBe(`arn:aws:kms:${kms.region}:${t.accountId}:key/${md.KeyId}`);
      expect(md.CreationDate).toBeInstanceOf(Date);
      const alias = `alias/${unique()}`;
      await kms.kms('CreateAlias', { AliasName: alias, TargetKeyId: md.KeyId! });
      for (const ref of [md.KeyId!, md.Arn!, alias]) {
        expect((await kms.kms('DescribeKey', { KeyId: ref })).KeyMetadata?.KeyId).toBe(md.KeyId);
      }
    });

    it('creates asymmetric and HMAC keys with their algorithms', async () => {
      const [rsa, ecc, hmac] = await Promise.all([
        createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
        createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
        createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      ]);
      expect(rsa.SigningAlgorithms).toEqual(
        expect.arrayContaining(['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256']),
      );
      expect(ecc.SigningAlgorithms).toEqual(['ECDSA_SHA_256']);
      expect(hmac.MacAlgorithms).toEqual(['HMAC_SHA_256']);
    });

    it('creates a key of every key spec outside China, with a usage it allows', async () => {
      const specs: [string, string][] = [
        ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
        ['RSA_2048', 'ENCRYPT_DECRYPT'],
        ['RSA_3072', 'SIGN_VERIFY'],
        ['RSA_4096', 'ENCRYPT_DECRYPT'],
        ['ECC_NIST_P256', 'KEY_AGREEMENT'],
        ['ECC_NIST_P384', 'SIGN_VERIFY'],
        ['ECC_NIST_P521', 'SIGN_VERIFY'],
        ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
        ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'],
        ['HMAC_224', 'GENERATE_VERIFY_MAC'],
        ['HMAC_256', 'GENERATE_VERIFY_MAC'],
        ['HMAC_384', 'GENERATE_VERIFY_MAC'],
        ['HMAC_512', 'GENERATE_VERIFY_MAC'],
        ['ML_DSA_44', 'SIGN_VERIFY'],
        ['ML_DSA_65', 'SIGN_VERIFY'],
        ['ML_DSA_87', 'SIGN_VERIFY'],
      ];
      const made = await Promise.all(
        specs.map(([KeySpec, KeyUsage]) => createKey({ KeySpec, KeyUsage } as KmsOperations['CreateKey']['input'])),
      );
      made.forEach((md, i) => expect([md.KeySpec, md.KeyUsage]).toEqual(specs[i]));
    });

    it('creates multi-Region primaries with mrk- ids', async () => {
      const md = await createKey({ MultiRegion: true });
      expect(md.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
      expect(md.MultiRegionConfiguration?.MultiRegionKeyType).toBe('PRIMARY');
    });

    it('rejects invalid spec and usage combinations with ValidationException', async () => {
      await expectAwsError(
        () => kms.kms('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }),
        'ValidationException',
      );
    });

    it('answers NotFoundException for unknown keys and aliases', async () => {
      await expectAwsError(
        () => kms.kms('DescribeKey', { KeyId: '11111111-2222-3333-4444-555555555555' }),
        'NotFoundException',
      );
      await expectAwsError(() => kms.kms('DescribeKey', { KeyId: `alias/${unique()}` }), 'NotFoundException');
    });

    it('refuses a second alias with the same name (AlreadyExistsException)', async () => {
      const [a, b] = await Promise.all([createKey(), createKey()]);
      const alias = `alias/${unique()}`;
      await kms.kms('CreateAlias', { AliasName: alias, TargetKeyId: a.KeyId! });
      await expectAwsError(
        () => kms.kms('CreateAlias', { AliasName: alias, TargetKeyId: b.KeyId! }),
        'AlreadyExistsException',
      );
      const listed = await kms.kms('ListAliases', { KeyId: a.KeyId! });
      expect(listed.Aliases?.map((x) => x.AliasName)).toEqual([alias]);
    });

    it('tags, lists and untags', async () => {
      const md = await createKey({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
      await kms.kms('TagResource', { KeyId: md.KeyId!, Tags: [{ TagKey: 'env', TagValue: 'test' }] });
      let tags = (await kms.kms('ListResourceTags', { KeyId: md.KeyId! })).Tags ?? [];
      expect(tags).toEqual(
        expect.arrayContaining([
          { TagKey: 'team', TagValue: 'blue' },
          { TagKey: 'env', TagValue: 'test' },
        ]),
      );
      await kms.kms('UntagResource', { KeyId: md.KeyId!, TagKeys: ['team'] });
      tags = (await kms.kms('ListResourceTags', { KeyId: md.KeyId! })).Tags ?? [];
      expect(tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    });

    it('keeps key policies and enforces the lockout safety check', async () => {
      const md = await createKey();
      const initial = JSON.parse((await kms.kms('GetKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default' })).Policy!);
      expect(initial.Statement[0].Principal.AWS).toBe(`arn:aws:iam::${t.accountId}:root`);
      const lockout = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:*', Resource: '*' },
        ],
      });
      await expectAwsError(
        () => kms.kms('PutKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default', Policy: lockout }),
        'MalformedPolicyDocumentException',
      );
      const allowed = JSON.stringify({
        ...initial,
        Statement: [
          ...initial.Statement,
          {
            Sid: 'x',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${t.accountId}:role/ops` },
            Action: 'kms:Describe*',
            Resource: '*',
          },
        ],
      });
      await kms.kms('PutKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default', Policy: allowed });
      expect(JSON.parse((await kms.kms('GetKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default' })).Policy!)).toEqual(
        JSON.parse(allowed),
      );
    });

    it('disables, enables, schedules and cancels deletion, with state errors', async () => {
      const md = await createKey();
      await kms.kms('DisableKey', { KeyId: md.KeyId! });
      expect((await kms.kms('DescribeKey', { KeyId: md.KeyId! })).KeyMetadata?.KeyState).toBe('Disabled');
      await kms.kms('EnableKey', { KeyId: md.KeyId! });
      const scheduled = await kms.kms('ScheduleKeyDeletion', { KeyId: md.KeyId!, PendingWindowInDays: 7 });
      expect(scheduled.KeyState).toBe('PendingDeletion');
      expect(scheduled.DeletionDate).toBeInstanceOf(Date);
      await expectAwsError(() => kms.kms('EnableKey', { KeyId: md.KeyId! }), 'KMSInvalidStateException');
      await kms.kms('CancelKeyDeletion', { KeyId: md.KeyId! });
      expect((await kms.kms('DescribeKey', { KeyId: md.KeyId! })).KeyMetadata?.KeyState).toBe('Disabled');
    });

    it('reports and changes rotation of symmetric keys', async () => {
      const md = await createKey();
      expect((await kms.kms('GetKeyRotationStatus', { KeyId: md.KeyId! })).KeyRotationEnabled).toBe(false);
      await kms.kms('EnableKeyRotation', { KeyId: md.KeyId!, RotationPeriodInDays: 180 });
      const s = await kms.kms('GetKeyRotationStatus', { KeyId: md.KeyId! });
      expect(s).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 180 });
      const rsa = await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
      await expectAwsError(() => kms.kms('EnableKeyRotation', { KeyId: rsa.KeyId! }), 'UnsupportedOperationException');
    });

    it('reports rotation off for keys that cannot rotate automatically; refuses imported keys', async () => {
      const keys = await Promise.all([
        createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
        createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
        createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
        createKey({ KeySpec: 'ML_DSA_44', KeyUsage: 'SIGN_VERIFY' }),
      ]);
      for (const md of keys) {
        expect([md.KeySpec, await kms.kms('GetKeyRotationStatus', { KeyId: md.KeyId! })]).toEqual([
          md.KeySpec,
          { KeyRotationEnabled: false, KeyId: md.Arn },
        ]);
      }
      const imported = await createKey({ Origin: 'EXTERNAL' });
      await expectAwsError(
        () => kms.kms('GetKeyRotationStatus', { KeyId: imported.KeyId! }),
        'UnsupportedOperationException',
      );
    });

    it('refuses more than 50 tags on a key with TagException, at creation and when tagging', async () => {
      const tags = (n: number, prefix = 't') =>
        Array.from({ length: n }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: 'v' }));
      await expectAwsError(() => kms.kms('CreateKey', { Description: 'contract', Tags: tags(51) }), 'TagException');
      const md = await createKey({ Tags: tags(49) });
      await expectAwsError(() => kms.kms('TagResource', { KeyId: md.KeyId!, Tags: tags(2, 'u') }), 'TagException');
      await kms.kms('TagResource', {
        KeyId: md.KeyId!,
        Tags: [...tags(1, 'u'), { TagKey: 't0', TagValue: 'changed' }],
      });
      expect((await kms.kms('ListResourceTags', { KeyId: md.KeyId!, Limit: 50 })).Tags).toHaveLength(50);
    });

    it('refuses key policies over 32 KiB with LimitExceededException', async () => {
      const md = await createKey();
      const policy = JSON.parse((await kms.kms('GetKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default' })).Policy!);
      const padded = (bytes: number) => {
        const text = JSON.stringify({ ...policy, Id: '' });
        return JSON.stringify({ ...policy, Id: 'p'.repeat(bytes - text.length) });
      };
      expect(padded(32 * 1024)).toHaveLength(32 * 1024);
      await kms.kms('PutKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default', Policy: padded(32 * 1024) });
      await expectAwsError(
        () => kms.kms('PutKeyPolicy', { KeyId: md.KeyId!, PolicyName: 'default', Policy: padded(32 * 1024 + 1) }),
        'LimitExceededException',
      );
      await expectAwsError(
        () => kms.kms('CreateKey', { Description: 'contract', Policy: padded(32 * 1024 + 1) }),
        'LimitExceededException',
      );
    });

    it('pages every per-key list (aliases, tags, grants, rotations) with Limit and Marker', async () => {
      const md = await createKey({
        Tags: Array.from({ length: 5 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `v${i}` })),
      });
      const id = md.KeyId!;
      for (let i = 0; i < 3; i++) await kms.kms('CreateAlias', { AliasName: `alias/${unique()}`, TargetKeyId: id });
      for (let i = 0; i < 3; i++) {
        await kms.kms('CreateGrant', {
          KeyId: id,
          GranteePrincipal: `arn:aws:iam::${t.accountId}:role/g${i}`,
          Operations: ['Encrypt'],
        });
      }
      for (let i = 0; i < 2; i++) await kms.kms('RotateKeyOnDemand', { KeyId: id });
      const walk = async (
        page: (marker?: string) => Promise<{ items: unknown[]; truncated?: boolean; next?: string }>,
      ) => {
        const all: unknown[] = [];
        let marker: string | undefined;
        for (let i = 0; i < 50; i++) {
          const r = await page(marker);
          expect(r.items.length).toBeLessThanOrEqual(2);
          all.push(...r.items);
          if (!r.truncated) return all;
          marker = r.next;
        }
        throw new Error('paging did not end');
      };
      const aliases = await walk(async (Marker) => {
        const r = await kms.kms('ListAliases', { KeyId: id, Limit: 2, ...(Marker ? { Marker } : {}) });
        return { items: r.Aliases ?? [], truncated: r.Truncated, next: r.NextMarker };
      });
      expect(aliases).toHaveLength(3);
      const tags = await walk(async (Marker) => {
        const r = await kms.kms('ListResourceTags', { KeyId: id, Limit: 2, ...(Marker ? { Marker } : {}) });
        return { items: r.Tags ?? [], truncated: r.Truncated, next: r.NextMarker };
      });
      expect(tags).toHaveLength(5);
      const grants = await walk(async (Marker) => {
        const r = await kms.kms('ListGrants', { KeyId: id, Limit: 2, ...(Marker ? { Marker } : {}) });
        return { items: r.Grants ?? [], truncated: r.Truncated, next: r.NextMarker };
      });
      expect(grants).toHaveLength(3);
      const rotations = await walk(async (Marker) => {
        const r = await kms.kms('ListKeyRotations', { KeyId: id, Limit: 2, ...(Marker ? { Marker } : {}) });
        return { items: r.Rotations ?? [], truncated: r.Truncated, next: r.NextMarker };
      });
      expect(rotations.length).toBeGreaterThanOrEqual(2);
      const policies = await kms.kms('ListKeyPolicies', { KeyId: id, Limit: 1 });
      expect(policies.PolicyNames).toEqual(['default']);
    });

    it('pages ListKeys with Limit and Marker without losing or repeating keys', async () => {
      await Promise.all(Array.from({ length: 5 }, () => createKey()));
      const seen: string[] = [];
      let marker: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const page = await kms.kms('ListKeys', { Limit: 2, ...(marker ? { Marker: marker } : {}) });
        expect((page.Keys ?? []).length).toBeLessThanOrEqual(2);
        seen.push(...(page.Keys ?? []).map((k) => k.KeyId!));
        if (!page.Truncated) break;
        marker = page.NextMarker;
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of created) expect(seen).toContain(id);
    });
  });
}
