import type { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { assertCanRead, type Principal } from '../../auth/principal.js';
import { ProviderFailureError, ValidationError } from '../../errors/index.js';
import { paginateItems } from '../../providers/paginate.js';
import type { KmsService } from '../kms/kms.service.js';
import { activeHsmCount } from './cloudhsm-precheck.js';
import { withAwsDetails } from './store-sync.js';

/** `POST /custom-key-stores/get-unused-cloudhsm-clusters`. */
export interface UnusedClustersInput {
  kms?: unknown;
  region?: unknown;
}

/** A CloudHSM cluster no custom key store of the account and region uses. */
export interface UnusedCluster {
  cluster: Cluster;
  activeHsms: number;
}

/** Clusters that are going away can back no store. */
const GONE_STATES = new Set(['DELETE_IN_PROGRESS', 'DELETED']);
/** Bounds DescribeClusters paging (25 per page, AWS's maximum; a provider answering the same token forever). */
const MAX_CLUSTER_PAGES = 1000;

/**
 * The CloudHSM clusters of a KMS account's AWS account in one region that no custom key
 * store uses (AWS's own DescribeCustomKeyStores, not opencckm's records: a store created
 * elsewhere holds its cluster too), so a new CloudHSM store can be given one. Clusters being
 * deleted are left out.
 * @throws ValidationError naming `kms` or `region`; AWS errors with their name in `details`
 */
export async function unusedCloudHsmClusters(
  kmsService: KmsService,
  p: Principal,
  input: UnusedClustersInput,
): Promise<{ kms: string; region: string; clusters: UnusedCluster[] }> {
  assertCanRead(p);
  const body = (input ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(body))
    if (k !== 'kms' && k !== 'region') throw ValidationError.field(k, 'is not a field of this request');
  if (typeof body.kms !== 'string' || body.kms === '' || body.kms.length > 256)
    throw ValidationError.field('kms', 'is required: the name or id of a KMS account');
  if (typeof body.region !== 'string' || body.region === '' || body.region.length > 64)
    throw ValidationError.field('region', 'is required: one of the regions of the KMS account');
  const kms = await kmsService.find(p, body.kms, 'kms');
  if (!kms.regions.includes(body.region))
    throw ValidationError.field('region', `${body.region} is not one of the regions of KMS account ${kms.name}`);
  const { provider } = await kmsService.provider(kms, body.region);
  try {
    const used = new Set<string>();
    for await (const s of paginateItems(provider, 'DescribeCustomKeyStores', { Limit: 1000 }))
      if (s.CloudHsmClusterId) used.add(s.CloudHsmClusterId);
    const clusters: UnusedCluster[] = [];
    let token: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_CLUSTER_PAGES)
        throw new ProviderFailureError(`DescribeClusters did not finish within ${MAX_CLUSTER_PAGES} pages`);
      const r = await provider.cloudHsm('DescribeClusters', {
        MaxResults: 25,
        ...(token ? { NextToken: token } : {}),
      });
      for (const c of r.Clusters ?? [])
        if (c.ClusterId && !used.has(c.ClusterId) && !GONE_STATES.has(c.State ?? ''))
          clusters.push({ cluster: c, activeHsms: activeHsmCount(c) });
      if (!r.NextToken || r.NextToken === token) break;
      token = r.NextToken;
    }
    return { kms: kms.name, region: body.region, clusters };
  } catch (err) {
    throw withAwsDetails(err);
  }
}
