import {
  callOf,
  describe1,
  errorOf,
  HSM_CTX,
  newCluster,
  openHsmHarness,
  SUBNETS,
  type HsmHarness,
  type Loose,
} from './helpers.js';

let h: HsmHarness;
afterEach(async () => h?.emulator.close());

const call = callOf(() => h);

describe('CreateCluster', () => {
  it('maps each subnet to its own zone, in a VPC, with a security group, UNINITIALIZED after the transition', async () => {
    h = await openHsmHarness({ transitionMs: 500 });
    const out = (
      await call('CreateCluster', {
        HsmType: 'hsm2m.medium',
        SubnetIds: SUBNETS,
        TagList: [{ Key: 'team', Value: 'crypto' }],
      })
    ).Cluster;
    expect(out.ClusterId).toMatch(/^cluster-[2-7a-z]{11}$/);
    expect(out.State).toBe('CREATE_IN_PROGRESS');
    expect(out.SubnetMapping).toEqual({ 'eu-west-1a': SUBNETS[0], 'eu-west-1b': SUBNETS[1], 'eu-west-1c': SUBNETS[2] });
    expect(out.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(out.SecurityGroup).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(out.Hsms).toEqual([]);
    expect(out.Certificates).toBeUndefined();
    expect(out.TagList).toEqual([{ Key: 'team', Value: 'crypto' }]);
    h.clock.advanceMs(499);
    expect((await describe1(h, out.ClusterId)).State).toBe('CREATE_IN_PROGRESS');
    h.clock.advanceMs(1);
    expect((await describe1(h, out.ClusterId)).State).toBe('UNINITIALIZED');
  });

  it.each([
    [{ SubnetIds: SUBNETS }, 'HsmType is required'],
    [{ HsmType: 'hsm9.huge', SubnetIds: SUBNETS }, 'HsmType hsm9.huge is not offered'],
    [{ HsmType: 'not-a-type', SubnetIds: SUBNETS }, 'HsmType is not valid'],
    [{ HsmType: 'hsm1.medium' }, 'SubnetIds is required'],
    [{ HsmType: 'hsm1.medium', SubnetIds: [] }, 'SubnetIds must have from 1 to 10'],
    [{ HsmType: 'hsm1.medium', SubnetIds: ['subnet-xyz'] }, 'SubnetIds[0] is not valid'],
    [{ HsmType: 'hsm1.medium', SubnetIds: [SUBNETS[0], SUBNETS[0]] }, 'must not name a subnet twice'],
    [{ HsmType: 'hsm1.medium', SubnetIds: 'subnet-0a1b2c3d4e5f60001' }, 'SubnetIds must be a list'],
    [
      { HsmType: 'hsm1.medium', SubnetIds: SUBNETS, TagList: [{ Key: 'aws:x', Value: 'v' }] },
      'must not start with "aws:"',
    ],
    [{ HsmType: 'hsm1.medium', SubnetIds: SUBNETS, SourceBackupId: 'backup-abcdefghijk' }, 'SourceBackupId'],
  ])('refuses %j with CloudHsmInvalidRequestException', async (input, message) => {
    h = await openHsmHarness();
    const err = await errorOf(() => call('CreateCluster', input));
    expect(err.awsName).toBe('CloudHsmInvalidRequestException');
    expect(err.message).toContain(message);
    expect((await call('DescribeClusters', {})).Clusters).toEqual([]);
  });

  it('refuses a malformed account or Region before doing anything', async () => {
    h = await openHsmHarness();
    const bad = await errorOf(() =>
      h.emulator.cloudHsm.call({ accountId: '12', region: 'eu-west-1' }, 'DescribeClusters', {}),
    );
    expect(bad.awsName).toBe('CloudHsmAccessDeniedException');
    const region = await errorOf(() =>
      h.emulator.cloudHsm.call({ accountId: HSM_CTX.accountId, region: 'moon' }, 'DescribeClusters', {}),
    );
    expect(region.awsName).toBe('CloudHsmInvalidRequestException');
  });
});

describe('CreateHsm and DeleteHsm', () => {
  it('creates HSMs in the cluster zones (CREATE_IN_PROGRESS → ACTIVE) and makes the CSR with the first one', async () => {
    h = await openHsmHarness({ transitionMs: 100 });
    const id = await newCluster(h);
    h.clock.advanceMs(100);
    const hsm = (await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1b' })).Hsm;
    expect(hsm).toMatchObject({
      ClusterId: id,
      AvailabilityZone: 'eu-west-1b',
      SubnetId: SUBNETS[1],
      State: 'CREATE_IN_PROGRESS',
    });
    expect(hsm.HsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
    expect(hsm.EniId).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(hsm.EniIp).toMatch(/^10\.\d+\.1\.4$/);
    const certs = (await describe1(h, id)).Certificates;
    expect(certs.ClusterCsr).toContain('BEGIN CERTIFICATE REQUEST');
    h.clock.advanceMs(100);
    const second = (await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1b' })).Hsm;
    expect(second.EniIp).toMatch(/\.1\.5$/);
    const shown = await describe1(h, id);
    expect(shown.Hsms.map((x: { State: string }) => x.State)).toEqual(['ACTIVE', 'CREATE_IN_PROGRESS']);
    expect(shown.Certificates).toEqual(certs); // one CSR per cluster
  });

  it('concurrent CreateHsm calls all land, each with its own address', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    const made = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        call('CreateHsm', { ClusterId: id, AvailabilityZone: i % 2 ? 'eu-west-1b' : 'eu-west-1a' }),
      ),
    );
    const shown = (await describe1(h, id)).Hsms;
    expect(shown.map((x: Loose) => x.HsmId).sort()).toEqual(made.map((m) => m.Hsm.HsmId).sort());
    expect(new Set(shown.map((x: Loose) => x.EniIp)).size).toBe(4);
  });

  it('takes a chosen IP address of the zone subnet, once', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    const first = (await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' })).Hsm;
    const prefix = first.EniIp.split('.').slice(0, 3).join('.');
    const chosen = (
      await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a', IpAddress: `${prefix}.77` })
    ).Hsm;
    expect(chosen.EniIp).toBe(`${prefix}.77`);
    expect(
      (
        await errorOf(() =>
          call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a', IpAddress: `${prefix}.77` }),
        )
      ).message,
    ).toContain('already used');
    expect(
      (
        await errorOf(() =>
          call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a', IpAddress: `${prefix}.077` }),
        )
      ).message,
    ).toContain('already used');
    expect(
      (
        await errorOf(() =>
          call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a', IpAddress: '192.168.1.10' }),
        )
      ).message,
    ).toContain('not a usable address');
    expect(
      (
        await errorOf(() =>
          call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a', IpAddress: `${prefix}.2` }),
        )
      ).message,
    ).toContain('not a usable address');
  });

  it('refuses a zone the cluster has no subnet in, unknown and malformed clusters, and a cluster still being created', async () => {
    h = await openHsmHarness({ transitionMs: 50 });
    const id = await newCluster(h);
    const early = await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' }));
    expect([early.awsName, early.message]).toEqual([
      'CloudHsmInvalidRequestException',
      expect.stringContaining('CREATE_IN_PROGRESS'),
    ]);
    h.clock.advanceMs(50);
    const zone = await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1c' }));
    expect([zone.awsName, zone.message]).toEqual([
      'CloudHsmInvalidRequestException',
      expect.stringContaining('eu-west-1c is not one of'),
    ]);
    const badAz = await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'mars-1a' }));
    expect(badAz.message).toContain('AvailabilityZone is not valid');
    const unknown = await errorOf(() =>
      call('CreateHsm', { ClusterId: 'cluster-abcdefghijk', AvailabilityZone: 'eu-west-1a' }),
    );
    expect(unknown.awsName).toBe('CloudHsmResourceNotFoundException');
    const malformed = await errorOf(() =>
      call('CreateHsm', { ClusterId: 'cluster-1', AvailabilityZone: 'eu-west-1a' }),
    );
    expect([malformed.awsName, malformed.message]).toEqual([
      'CloudHsmInvalidRequestException',
      expect.stringContaining('ClusterId is not valid'),
    ]);
  });

  it('clusters of another account or Region do not exist for the caller', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    const other = await errorOf(() =>
      h.emulator.cloudHsm.call({ accountId: '444455556666', region: 'eu-west-1' }, 'CreateHsm', {
        ClusterId: id,
        AvailabilityZone: 'eu-west-1a',
      }),
    );
    expect(other.awsName).toBe('CloudHsmResourceNotFoundException');
    expect(
      (await h.emulator.cloudHsm.call({ ...HSM_CTX, region: 'us-east-1' }, 'DescribeClusters', {})).Clusters,
    ).toEqual([]);
  });

  it('deletes an HSM by HsmId, EniId or EniIp (DELETE_IN_PROGRESS, then gone)', async () => {
    h = await openHsmHarness({ transitionMs: 10 });
    const id = await newCluster(h);
    h.clock.advanceMs(10);
    const hsms: Loose[] = [];
    for (let i = 0; i < 3; i++)
      hsms.push((await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' })).Hsm);
    h.clock.advanceMs(10);
    expect((await call('DeleteHsm', { ClusterId: id, HsmId: hsms[0].HsmId })).HsmId).toBe(hsms[0].HsmId);
    expect((await call('DeleteHsm', { ClusterId: id, EniId: hsms[1].EniId })).HsmId).toBe(hsms[1].HsmId);
    expect((await call('DeleteHsm', { ClusterId: id, EniIp: hsms[2].EniIp })).HsmId).toBe(hsms[2].HsmId);
    expect((await describe1(h, id)).Hsms.map((x: { State: string }) => x.State)).toEqual([
      'DELETE_IN_PROGRESS',
      'DELETE_IN_PROGRESS',
      'DELETE_IN_PROGRESS',
    ]);
    const again = await errorOf(() => call('DeleteHsm', { ClusterId: id, HsmId: hsms[0].HsmId }));
    expect(again.awsName).toBe('CloudHsmResourceNotFoundException');
    h.clock.advanceMs(10);
    expect((await describe1(h, id)).Hsms).toEqual([]);
  });

  it('DeleteHsm needs exactly one of HsmId, EniId and EniIp', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    expect((await errorOf(() => call('DeleteHsm', { ClusterId: id }))).message).toContain(
      'exactly one of HsmId, EniId and EniIp',
    );
    expect(
      (await errorOf(() => call('DeleteHsm', { ClusterId: id, HsmId: 'hsm-abcdefghijk', EniIp: '10.0.0.4' }))).message,
    ).toContain('exactly one');
    expect((await errorOf(() => call('DeleteHsm', { ClusterId: id, HsmId: 'hsm-abcdefghijk' }))).awsName).toBe(
      'CloudHsmResourceNotFoundException',
    );
  });
});

describe('DeleteCluster', () => {
  it('only without HSMs; DELETE_IN_PROGRESS, then DELETED and unusable', async () => {
    h = await openHsmHarness({ transitionMs: 10 });
    const id = await newCluster(h);
    h.clock.advanceMs(10);
    const hsm = (await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' })).Hsm;
    h.clock.advanceMs(10);
    expect((await errorOf(() => call('DeleteCluster', { ClusterId: id }))).message).toContain('still has HSMs');
    await call('DeleteHsm', { ClusterId: id, HsmId: hsm.HsmId });
    expect((await errorOf(() => call('DeleteCluster', { ClusterId: id }))).message).toContain('still has HSMs'); // still deleting
    h.clock.advanceMs(10);
    expect((await call('DeleteCluster', { ClusterId: id })).Cluster.State).toBe('DELETE_IN_PROGRESS');
    h.clock.advanceMs(10);
    expect((await describe1(h, id)).State).toBe('DELETED');
    expect((await errorOf(() => call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' }))).awsName).toBe(
      'CloudHsmResourceNotFoundException',
    );
    expect((await errorOf(() => call('DeleteCluster', { ClusterId: id }))).awsName).toBe(
      'CloudHsmResourceNotFoundException',
    );
    expect(h.emulator.cloudHsm.findCluster(HSM_CTX.accountId, HSM_CTX.region, id)).toBeUndefined();
  });
});

describe('DescribeClusters', () => {
  it('filters by clusterIds, vpcIds and states and pages with MaxResults/NextToken', async () => {
    h = await openHsmHarness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await newCluster(h));
      h.clock.advanceMs(1000);
    }
    await call('DeleteCluster', { ClusterId: ids[4] });
    const all = (await call('DescribeClusters', {})).Clusters;
    expect(all.map((c: { ClusterId: string }) => c.ClusterId)).toEqual(ids);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('DescribeClusters', { MaxResults: 2, ...(token ? { NextToken: token } : {}) });
      expect(page.Clusters.length).toBeLessThanOrEqual(2);
      seen.push(...page.Clusters.map((c: { ClusterId: string }) => c.ClusterId));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(ids);
    expect(
      (await call('DescribeClusters', { Filters: { clusterIds: [ids[1], ids[3]] } })).Clusters.map(
        (c: { ClusterId: string }) => c.ClusterId,
      ),
    ).toEqual([ids[1], ids[3]]);
    expect(
      (await call('DescribeClusters', { Filters: { states: ['DELETED'] } })).Clusters.map(
        (c: { ClusterId: string }) => c.ClusterId,
      ),
    ).toEqual([ids[4]]);
    expect(
      (await call('DescribeClusters', { Filters: { vpcIds: [all[0].VpcId], states: ['UNINITIALIZED'] } })).Clusters,
    ).toHaveLength(4);
    expect((await call('DescribeClusters', { Filters: { vpcIds: ['vpc-0000'] } })).Clusters).toEqual([]);
  });

  it.each([
    [{ MaxResults: 0 }, 'MaxResults must be an integer from 1 to 25'],
    [{ MaxResults: 26 }, 'MaxResults must be an integer from 1 to 25'],
    [{ NextToken: 'garbage' }, 'NextToken is not valid'],
    [{ Filters: { owner: ['me'] } }, 'owner is not a filter'],
    [{ Filters: { states: 'ACTIVE' } }, 'Filters.states must be a list'],
  ])('refuses %j', async (input, message) => {
    h = await openHsmHarness();
    const err = await errorOf(() => call('DescribeClusters', input));
    expect([err.awsName, err.message]).toEqual(['CloudHsmInvalidRequestException', expect.stringContaining(message)]);
  });
});

describe('tags', () => {
  it('TagResource merges, UntagResource removes, ListTags pages; at most 50 tags', async () => {
    h = await openHsmHarness();
    const id = await newCluster(h);
    await call('TagResource', {
      ResourceId: id,
      TagList: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
    await call('TagResource', { ResourceId: id, TagList: [{ Key: 'a', Value: 'one' }] });
    expect((await call('ListTags', { ResourceId: id })).TagList).toEqual([
      { Key: 'a', Value: 'one' },
      { Key: 'b', Value: '2' },
    ]);
    const first = await call('ListTags', { ResourceId: id, MaxResults: 1 });
    expect(first.TagList).toEqual([{ Key: 'a', Value: 'one' }]);
    expect((await call('ListTags', { ResourceId: id, NextToken: first.NextToken })).TagList).toEqual([
      { Key: 'b', Value: '2' },
    ]);
    await call('UntagResource', { ResourceId: id, TagKeyList: ['a'] });
    expect((await describe1(h, id)).TagList).toEqual([{ Key: 'b', Value: '2' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const limit = await errorOf(() => call('TagResource', { ResourceId: id, TagList: many }));
    expect(limit.awsName).toBe('CloudHsmResourceLimitExceededException');
    expect((await call('ListTags', { ResourceId: id })).TagList).toEqual([{ Key: 'b', Value: '2' }]);
    expect((await errorOf(() => call('ListTags', { ResourceId: 'backup-abcdefghijk' }))).awsName).toBe(
      'CloudHsmResourceNotFoundException',
    );
  });
});
