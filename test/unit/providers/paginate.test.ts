import { EmulatorKmsProvider } from '../../../src/emulator/emulator-provider.js';
import { ProviderFailureError } from '../../../src/errors/index.js';
import type { KmsProvider } from '../../../src/providers/kms-provider.js';
import { paginate, paginateItems } from '../../../src/providers/paginate.js';
import { ACCOUNT, openHarness, type Harness } from '../emulator/helpers.js';

const GRANTEE = `arn:aws:iam::${ACCOUNT}:role/app`;
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('paginate over the in-process emulator', () => {
  let h: Harness;
  let p: KmsProvider;
  let keyId: string;
  beforeAll(async () => {
    h = await openHarness();
    p = new EmulatorKmsProvider(h.emulator, ACCOUNT, 'us-east-1');
    for (let i = 0; i < 5; i++) {
      const id = (await p.kms('CreateKey', { Tags: [{ TagKey: `t${i}`, TagValue: 'v' }] })).KeyMetadata!.KeyId!;
      await p.kms('CreateAlias', { AliasName: `alias/page-${i}`, TargetKeyId: id });
    }
    keyId = (await p.kms('CreateKey', { Tags: ['a', 'b', 'c', 'd', 'e'].map((k) => ({ TagKey: k, TagValue: k })) }))
      .KeyMetadata!.KeyId!;
    for (let i = 0; i < 5; i++)
      await p.kms('CreateGrant', {
        KeyId: keyId,
        GranteePrincipal: GRANTEE,
        RetiringPrincipal: GRANTEE,
        Operations: ['Decrypt'],
      });
    await p.kms('EnableKeyRotation', { KeyId: keyId });
    for (let i = 0; i < 3; i++) await p.kms('RotateKeyOnDemand', { KeyId: keyId }).catch(() => undefined);
  });
  afterAll(() => h.emulator.close());

  it('walks ListKeys page by page with Marker/NextMarker until Truncated is false', async () => {
    const pages = await collect(paginate(p, 'ListKeys', { Limit: 2 }));
    expect(pages.map((pg) => pg.Keys!.length)).toEqual([2, 2, 2]);
    expect(pages.map((pg) => pg.Truncated)).toEqual([true, true, false]);
    const ids = pages.flatMap((pg) => pg.Keys!.map((k) => k.KeyId));
    expect(new Set(ids).size).toBe(6);
    expect(await collect(paginateItems(p, 'ListKeys', { Limit: 4 }))).toHaveLength(6);
  });

  // DescribeCustomKeyStores pages the same way; the emulator does not serve it yet.
  it('collects every item of each paginated operation, whatever the page size', async () => {
    const counts = async (limit: number) => ({
      aliases: (await collect(paginateItems(p, 'ListAliases', { Limit: limit }))).filter((a) =>
        a.AliasName!.startsWith('alias/page-'),
      ).length,
      grants: (await collect(paginateItems(p, 'ListGrants', { KeyId: keyId, Limit: limit }))).length,
      retirable: (await collect(paginateItems(p, 'ListRetirableGrants', { RetiringPrincipal: GRANTEE, Limit: limit })))
        .length,
      tags: (await collect(paginateItems(p, 'ListResourceTags', { KeyId: keyId, Limit: limit }))).length,
      policies: await collect(paginateItems(p, 'ListKeyPolicies', { KeyId: keyId, Limit: limit })),
    });
    const small = await counts(1);
    expect(small).toEqual({ aliases: 5, grants: 5, retirable: 5, tags: 5, policies: ['default'] });
    expect(await counts(100)).toEqual(small);
    const rotations = await collect(paginateItems(p, 'ListKeyRotations', { KeyId: keyId, Limit: 1 }));
    expect(rotations.length).toBe(
      (await collect(paginateItems(p, 'ListKeyRotations', { KeyId: keyId, Limit: 100 }))).length,
    );
  });

  it('starts at a given Marker and stops on a provider whose marker does not advance', async () => {
    const first = await p.kms('ListKeys', { Limit: 4 });
    const rest = await collect(paginateItems(p, 'ListKeys', { Limit: 4, Marker: first.NextMarker! }));
    expect(rest).toHaveLength(2);
    const stuck: KmsProvider = {
      ...p,
      kms: (async () => ({ Keys: [], Truncated: true, NextMarker: 'same' })) as KmsProvider['kms'],
    };
    await expect(collect(paginate(stuck, 'ListKeys', { Marker: 'same' }))).rejects.toBeInstanceOf(ProviderFailureError);
  });
});
