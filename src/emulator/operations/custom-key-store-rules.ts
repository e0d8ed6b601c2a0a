import { awsError } from '../../errors/index.js';
import {
  storeSecretBinding,
  type CustomKeyStoreDoc,
  type CustomKeyStoreEntry,
  type XksProxyDoc,
} from '../model/custom-key-store.js';
import type { KeyStoreServices, OperationContext } from './context.js';
import { configurationError, failureOf, healthMetadata, proxyTarget } from './custom-key-store-proxy.js';

/**
 * The checks CreateCustomKeyStore and UpdateCustomKeyStore share: name uniqueness, the
 * CloudHSM cluster requirements, the XKS proxy configuration and its uniqueness, and the
 * proxy's health check. `self` is the store being updated (excluded from uniqueness).
 */

/** AWS's quota of custom key stores per account and Region. */
export const MAX_CUSTOM_KEY_STORES = 10;

/**
 * The store of the caller's account and Region with this id.
 *
 * @throws CustomKeyStoreNotFoundException
 */
export function findStore(ctx: OperationContext, id: string): CustomKeyStoreEntry {
  const entry = ctx.scope().customKeyStores.get(id);
  if (!entry)
    throw awsError(
      'CustomKeyStoreNotFoundException',
      `Custom key store ${id} does not exist in this account and Region.`,
    );
  return entry;
}

/** @throws CustomKeyStoreNameInUseException */
export function assertNameFree(ctx: OperationContext, name: string, self?: string): void {
  for (const e of ctx.scope().customKeyStores.values()) {
    if (e.doc.name === name && e.doc.customKeyStoreId !== self) {
      throw awsError(
        'CustomKeyStoreNameInUseException',
        'The specified custom key store name is already assigned to another custom key store in the account and Region.',
      );
    }
  }
}

/** @throws ValidationException naming the first parameter given that the store type does not take */
export function rejectParams(input: object, names: readonly string[], type: string): void {
  for (const n of names) {
    if ((input as Record<string, unknown>)[n] !== undefined)
      throw awsError('ValidationException', `${n} is not valid for a custom key store of type ${type}.`);
  }
}

/** @throws ValidationException naming the first missing parameter */
export function requireParams(input: object, names: readonly string[], type: string): void {
  for (const n of names) {
    const v = (input as Record<string, unknown>)[n];
    if (v === undefined || v === '')
      throw awsError('ValidationException', `${n} is required for a custom key store of type ${type}.`);
  }
}

/**
 * A cluster a CloudHSM store may use: it exists, is not used by another store (nor shares
 * its trust anchor, i.e. its backup lineage, with another store's cluster), is ACTIVE, and
 * has active HSMs in at least two Availability Zones.
 *
 * @throws CloudHsmClusterNotFoundException | CloudHsmClusterInUseException |
 *   CloudHsmClusterNotActiveException | CloudHsmClusterInvalidConfigurationException
 */
export function assertClusterUsable(ctx: OperationContext, clusterId: string, self?: string): void {
  const directory = ctx.keyStores.cloudHsm;
  const cluster = directory?.findCluster(ctx.accountId, ctx.region, clusterId);
  if (!directory || !cluster || cluster.state === 'DELETED') {
    throw awsError(
      'CloudHsmClusterNotFoundException',
      `CloudHSM cluster ${clusterId} does not exist in this account and Region.`,
    );
  }
  for (const e of ctx.scope().customKeyStores.values()) {
    if (e.doc.customKeyStoreId === self || e.doc.type !== 'AWS_CLOUDHSM') continue;
    const sameLineage =
      e.doc.trustAnchorCertificate !== undefined &&
      directory.isTrustAnchor(ctx.accountId, ctx.region, clusterId, e.doc.trustAnchorCertificate);
    if (e.doc.cloudHsmClusterId === clusterId || sameLineage) {
      throw awsError(
        'CloudHsmClusterInUseException',
        `CloudHSM cluster ${clusterId} (or a cluster with its certificate) is already associated with another custom key store.`,
      );
    }
  }
  if (cluster.state !== 'ACTIVE')
    throw awsError(
      'CloudHsmClusterNotActiveException',
      `CloudHSM cluster ${clusterId} is ${cluster.state}, not ACTIVE.`,
    );
  const zones = new Set(cluster.activeHsms.map((h) => h.availabilityZone));
  if (zones.size < 2) {
    throw awsError(
      'CloudHsmClusterInvalidConfigurationException',
      `CloudHSM cluster ${clusterId} must contain at least two active HSMs, each in a different Availability Zone.`,
    );
  }
}

/**
 * Connectivity rules: VPC_ENDPOINT_SERVICE needs XksProxyVpcEndpointServiceName, and
 * PUBLIC_ENDPOINT takes none.
 *
 * @throws ValidationException
 */
export function assertConnectivity(xks: XksProxyDoc): void {
  if (xks.connectivity === 'VPC_ENDPOINT_SERVICE' && !xks.vpcEndpointServiceName) {
    throw awsError(
      'ValidationException',
      'XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.',
    );
  }
  if (xks.connectivity === 'PUBLIC_ENDPOINT' && (xks.vpcEndpointServiceName || xks.vpcEndpointServiceOwner)) {
    throw awsError(
      'ValidationException',
      'XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are valid only when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.',
    );
  }
}

/**
 * Uniqueness in the account and Region: endpoint + path (every external store), the
 * endpoint alone and the VPC endpoint service (VPC_ENDPOINT_SERVICE stores).
 *
 * @throws XksProxyUriInUseException | XksProxyUriEndpointInUseException | XksProxyVpcEndpointServiceInUseException
 */
export function assertProxyUnique(ctx: OperationContext, xks: XksProxyDoc, self?: string): void {
  const others = [...ctx.scope().customKeyStores.values()]
    .map((e) => e.doc)
    .filter((d): d is CustomKeyStoreDoc & { xks: XksProxyDoc } => d.customKeyStoreId !== self && d.xks !== undefined);
  const endpoint = xks.uriEndpoint.toLowerCase();
  if (others.some((d) => d.xks.uriEndpoint.toLowerCase() === endpoint && d.xks.uriPath === xks.uriPath)) {
    throw awsError(
      'XksProxyUriInUseException',
      'The combination of XksProxyUriEndpoint and XksProxyUriPath is already used by another external key store in this account and Region.',
    );
  }
  if (xks.connectivity !== 'VPC_ENDPOINT_SERVICE') return;
  if (others.some((d) => d.xks.uriEndpoint.toLowerCase() === endpoint)) {
    throw awsError(
      'XksProxyUriEndpointInUseException',
      'XksProxyUriEndpoint (the private DNS name) is already used by another external key store in this account and Region.',
    );
  }
  if (others.some((d) => d.xks.vpcEndpointServiceName === xks.vpcEndpointServiceName)) {
    throw awsError(
      'XksProxyVpcEndpointServiceInUseException',
      'XksProxyVpcEndpointServiceName is already used by another external key store in this account and Region.',
    );
  }
}

/**
 * Contacts the proxy with its health call, as AWS does before accepting an external key
 * store's configuration.
 *
 * @throws XksProxyUriUnreachableException | XksProxyIncorrectAuthenticationCredentialException |
 *   XksProxyInvalidResponseException | XksProxyInvalidConfigurationException | XksProxyVpcEndpointServiceNotFoundException
 */
export async function checkProxyHealth(
  ctx: OperationContext,
  services: KeyStoreServices,
  xks: XksProxyDoc,
  secret: string,
): Promise<void> {
  const target = proxyTarget(services, ctx, xks, secret);
  if (typeof target === 'string') throw configurationError(target);
  try {
    await services.xksClient!.health(target, healthMetadata(ctx.op));
  } catch (err) {
    throw configurationError(failureOf(err));
  }
}

/** Builds a store entry with its secret sealed under the root key, bound to the store. */
export function sealStore(ctx: OperationContext, doc: CustomKeyStoreDoc, secret: string): CustomKeyStoreEntry {
  return { doc, secret, sealed: ctx.sealSecret(storeSecretBinding(doc), Buffer.from(secret, 'utf8')) };
}
