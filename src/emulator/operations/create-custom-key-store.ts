import type { CreateCustomKeyStoreRequest } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { newCustomKeyStoreId, type CustomKeyStoreDoc, type XksProxyDoc } from '../model/custom-key-store.js';
import type { OperationContext, OperationHandler } from './context.js';
import {
  MAX_CUSTOM_KEY_STORES,
  assertClusterUsable,
  assertConnectivity,
  assertNameFree,
  assertProxyUnique,
  checkProxyHealth,
  rejectParams,
  requireParams,
  sealStore,
} from './custom-key-store-rules.js';

const CLOUDHSM_PARAMS = ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword'] as const;
const XKS_PARAMS = [
  'XksProxyConnectivity',
  'XksProxyAuthenticationCredential',
  'XksProxyUriEndpoint',
  'XksProxyUriPath',
] as const;
const XKS_OPTIONAL = ['XksProxyVpcEndpointServiceName', 'XksProxyVpcEndpointServiceOwner'] as const;

/** The CloudHSM half: the cluster requirements and the trust anchor. */
function cloudHsmStore(ctx: OperationContext, input: CreateCustomKeyStoreRequest): Partial<CustomKeyStoreDoc> {
  const raw = input as unknown as Record<string, unknown>;
  rejectParams(raw, [...XKS_PARAMS, ...XKS_OPTIONAL], 'AWS_CLOUDHSM');
  requireParams(raw, CLOUDHSM_PARAMS, 'AWS_CLOUDHSM');
  const clusterId = input.CloudHsmClusterId!;
  assertClusterUsable(ctx, clusterId);
  if (!ctx.keyStores.cloudHsm!.isTrustAnchor(ctx.accountId, ctx.region, clusterId, input.TrustAnchorCertificate!)) {
    throw awsError(
      'IncorrectTrustAnchorException',
      `TrustAnchorCertificate is not the trust anchor certificate of CloudHSM cluster ${clusterId}.`,
    );
  }
  return { cloudHsmClusterId: clusterId, trustAnchorCertificate: input.TrustAnchorCertificate! };
}

/** The external half: connectivity, uniqueness, then the proxy's health check. */
async function externalStore(ctx: OperationContext, input: CreateCustomKeyStoreRequest): Promise<XksProxyDoc> {
  const raw = input as unknown as Record<string, unknown>;
  rejectParams(raw, CLOUDHSM_PARAMS, 'EXTERNAL_KEY_STORE');
  requireParams(raw, XKS_PARAMS, 'EXTERNAL_KEY_STORE');
  const xks: XksProxyDoc = {
    connectivity: input.XksProxyConnectivity!,
    accessKeyId: input.XksProxyAuthenticationCredential!.AccessKeyId!,
    uriEndpoint: input.XksProxyUriEndpoint!,
    uriPath: input.XksProxyUriPath!,
    ...(input.XksProxyVpcEndpointServiceName ? { vpcEndpointServiceName: input.XksProxyVpcEndpointServiceName } : {}),
    ...(input.XksProxyVpcEndpointServiceOwner
      ? { vpcEndpointServiceOwner: input.XksProxyVpcEndpointServiceOwner }
      : {}),
  };
  assertConnectivity(xks);
  assertProxyUnique(ctx, xks);
  await checkProxyHealth(ctx, ctx.keyStores, xks, input.XksProxyAuthenticationCredential!.RawSecretAccessKey!);
  return xks;
}

/**
 * CreateCustomKeyStore: an AWS_CLOUDHSM store (the default type) over an active cluster of
 * this account and Region, or an EXTERNAL_KEY_STORE over an XKS proxy that answers its
 * health check. The store starts DISCONNECTED; its secret (kmsuser password or proxy secret
 * access key) is sealed under the root key and never returned.
 *
 * @throws ValidationException | CustomKeyStoreNameInUseException | LimitExceededException | CloudHsmCluster*Exception |
 *   IncorrectTrustAnchorException | XksProxy*Exception
 */
export const createCustomKeyStore: OperationHandler<'CreateCustomKeyStore'> = async (ctx, input) => {
  const type = input.CustomKeyStoreType ?? 'AWS_CLOUDHSM';
  assertNameFree(ctx, input.CustomKeyStoreName!);
  if (ctx.scope().customKeyStores.size >= MAX_CUSTOM_KEY_STORES) {
    throw awsError(
      'LimitExceededException',
      `An account can have at most ${MAX_CUSTOM_KEY_STORES} custom key stores in each Region.`,
    );
  }
  const doc: CustomKeyStoreDoc = {
    customKeyStoreId: newCustomKeyStoreId(),
    accountId: ctx.accountId,
    region: ctx.region,
    name: input.CustomKeyStoreName!,
    type,
    creationDate: ctx.now.toISOString(),
    connectionState: 'DISCONNECTED',
    generation: 0,
  };
  let secret: string;
  if (type === 'AWS_CLOUDHSM') {
    Object.assign(doc, cloudHsmStore(ctx, input));
    secret = input.KeyStorePassword!;
  } else {
    doc.xks = await externalStore(ctx, input);
    secret = input.XksProxyAuthenticationCredential!.RawSecretAccessKey!;
  }
  // The health check awaited: another create may have taken the name or URI meanwhile.
  assertNameFree(ctx, doc.name);
  if (doc.xks) assertProxyUnique(ctx, doc.xks);
  const tx = ctx.begin();
  tx.putCustomKeyStore(sealStore(ctx, doc, secret));
  await ctx.commit(tx);
  return { CustomKeyStoreId: doc.customKeyStoreId };
};
