import type { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';
import { AppError, awsError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import { activeHsmCount, describeCluster } from './cloudhsm-precheck.js';
import type { CustomKeyStoreChanges } from './custom-key-store.repository.js';

/** The record columns DescribeCustomKeyStores (and, for CloudHSM stores, DescribeClusters) give. */
export async function readStoreColumns(provider: KmsProvider, awsId: string): Promise<CustomKeyStoreChanges> {
  const r = await provider.kms('DescribeCustomKeyStores', { CustomKeyStoreId: awsId });
  const e = r.CustomKeyStores?.find((s) => s.CustomKeyStoreId === awsId);
  if (!e) throw awsError('CustomKeyStoreNotFoundException', `Custom key store ${awsId} not found`);
  const columns = entryColumns(e);
  if (e.CloudHsmClusterId) {
    // A cluster that is gone or unreadable leaves the count unknown rather than failing the sync.
    const cluster = await describeCluster(provider, e.CloudHsmClusterId).catch(() => undefined);
    columns.numberOfHsms = cluster ? activeHsmCount(cluster) : null;
  }
  return columns;
}

function entryColumns(e: CustomKeyStoresListEntry): CustomKeyStoreChanges {
  const x = e.XksProxyConfiguration;
  return {
    customKeyStoreId: e.CustomKeyStoreId ?? null,
    name: e.CustomKeyStoreName!,
    connectionState: e.ConnectionState ?? null,
    connectionErrorCode: e.ConnectionErrorCode ?? null,
    cloudHsmClusterId: e.CloudHsmClusterId ?? null,
    trustAnchorCertificate: e.TrustAnchorCertificate ?? null,
    xksProxyConnectivity: x?.Connectivity ?? null,
    xksProxyUriEndpoint: x?.UriEndpoint ?? null,
    xksProxyUriPath: x?.UriPath ?? null,
    xksProxyVpcEndpointServiceName: x?.VpcEndpointServiceName ?? null,
    awsCreatedAt: e.CreationDate ?? null,
    gone: false,
    syncedAt: new Date(),
  };
}

/** Which request field an AWS custom key store error is about (seed 000/002 names). */
const FIELD_OF_AWS_ERROR: Record<string, string> = {
  CustomKeyStoreNameInUseException: 'name',
  CloudHsmClusterInUseException: 'aws_param.cloud_hsm_cluster_id',
  CloudHsmClusterNotFoundException: 'aws_param.cloud_hsm_cluster_id',
  CloudHsmClusterNotActiveException: 'aws_param.cloud_hsm_cluster_id',
  CloudHsmClusterInvalidConfigurationException: 'aws_param.cloud_hsm_cluster_id',
  CloudHsmClusterNotRelatedException: 'aws_param.cloud_hsm_cluster_id',
  IncorrectTrustAnchorException: 'aws_param.trust_anchor_certificate',
  XksProxyUriInUseException: 'aws_param.xks_proxy_uri_path',
  XksProxyUriEndpointInUseException: 'aws_param.xks_proxy_uri_endpoint',
  XksProxyUriUnreachableException: 'aws_param.xks_proxy_uri_endpoint',
  XksProxyInvalidConfigurationException: 'aws_param.xks_proxy_uri_endpoint',
  XksProxyInvalidResponseException: 'aws_param.xks_proxy_uri_endpoint',
  XksProxyVpcEndpointServiceInUseException: 'aws_param.xks_proxy_vpc_endpoint_service_name',
  XksProxyVpcEndpointServiceNotFoundException: 'aws_param.xks_proxy_vpc_endpoint_service_name',
  XksProxyVpcEndpointServiceInvalidConfigurationException: 'aws_param.xks_proxy_vpc_endpoint_service_name',
  XksProxyIncorrectAuthenticationCredentialException: 'aws_param.xks_proxy_authentication_credential',
};

/**
 * An AWS error of a custom key store call, as the REST API answers it: same kind and status,
 * the AWS exception name in the message and in `details` (with the field it is about).
 */
export function withAwsDetails(err: unknown): unknown {
  if (!(err instanceof AppError) || !err.awsName || err.details?.length) return err;
  const field = FIELD_OF_AWS_ERROR[err.awsName];
  const message = field ? `${field}: ${err.message}` : err.message;
  return awsError(err.awsName, message, {
    cause: err,
    details: [{ field: field ?? 'aws', message: `${err.awsName}: ${err.message}` }],
  });
}
