import { X509Certificate } from 'node:crypto';
import type { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { ValidationError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';

const CLUSTER_FIELD = 'aws_param.cloud_hsm_cluster_id';
const ANCHOR_FIELD = 'aws_param.trust_anchor_certificate';

/** AWS KMS needs at least two active HSMs (in different zones) to create keys in a CloudHSM store. */
const MIN_ACTIVE_HSMS = 2;

/** The cluster, or undefined when DescribeClusters does not know it in this account and region. */
export async function describeCluster(provider: KmsProvider, clusterId: string): Promise<Cluster | undefined> {
  const r = await provider.cloudHsm('DescribeClusters', { Filters: { clusterIds: [clusterId] } });
  return r.Clusters?.find((c) => c.ClusterId === clusterId);
}

export function activeHsmCount(c: Cluster): number {
  return (c.Hsms ?? []).filter((h) => h.State === 'ACTIVE').length;
}

function certificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * True when `anchorPem` is the trust anchor of the cluster certificate chain: the cluster
 * certificate, or one of the certificates above it in the PEM, was issued and signed by the
 * anchor, or is the anchor itself. This is the check AWS makes (the cluster certificate was
 * signed with the issuing CA whose root the customer gives as TrustAnchorCertificate).
 */
export function isTrustAnchorOf(clusterCertificatePem: string, anchorPem: string): boolean {
  let anchor: X509Certificate;
  let chain: X509Certificate[];
  try {
    [anchor] = certificates(anchorPem) as [X509Certificate];
    chain = certificates(clusterCertificatePem);
  } catch {
    return false;
  }
  if (!anchor || chain.length === 0) return false;
  return chain.some(
    (c) => c.fingerprint256 === anchor.fingerprint256 || (c.checkIssued(anchor) && c.verify(anchor.publicKey)),
  );
}

/**
 * The checks made before CreateCustomKeyStore for a CloudHSM store, so the caller gets a 400
 * naming the problem instead of an AWS error: the cluster exists, is ACTIVE, has at least two
 * active HSMs, and the trust anchor certificate matches its certificate chain.
 * @throws ValidationError naming `aws_param.cloud_hsm_cluster_id` or `aws_param.trust_anchor_certificate`
 */
export async function precheckCluster(
  provider: KmsProvider,
  clusterId: string,
  trustAnchorPem: string,
): Promise<Cluster> {
  const cluster = await describeCluster(provider, clusterId);
  if (!cluster)
    throw ValidationError.field(CLUSTER_FIELD, `no CloudHSM cluster ${clusterId} in this account and region`, {
      awsName: 'CloudHsmClusterNotFoundException',
    });
  if (cluster.State !== 'ACTIVE') {
    throw ValidationError.field(
      CLUSTER_FIELD,
      `cluster ${clusterId} is ${cluster.State ?? 'in an unknown state'}, not ACTIVE`,
      { awsName: 'CloudHsmClusterNotActiveException' },
    );
  }
  const active = activeHsmCount(cluster);
  if (active < MIN_ACTIVE_HSMS) {
    throw ValidationError.field(
      CLUSTER_FIELD,
      `cluster ${clusterId} has ${active} active HSM(s); KMS needs at least ${MIN_ACTIVE_HSMS}`,
      {
        awsName: 'CloudHsmClusterInvalidConfigurationException',
      },
    );
  }
  const clusterCert = cluster.Certificates?.ClusterCertificate;
  if (!clusterCert) {
    throw ValidationError.field(CLUSTER_FIELD, `cluster ${clusterId} has no cluster certificate (not initialized)`, {
      awsName: 'CloudHsmClusterNotActiveException',
    });
  }
  if (!isTrustAnchorOf(clusterCert, trustAnchorPem)) {
    throw ValidationError.field(
      ANCHOR_FIELD,
      `is not the trust anchor that signed the certificate of cluster ${clusterId}`,
      { awsName: 'IncorrectTrustAnchorException' },
    );
  }
  return cluster;
}
