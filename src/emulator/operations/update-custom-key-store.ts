import type { UpdateCustomKeyStoreRequest } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import type { CustomKeyStoreDoc, CustomKeyStoreEntry, XksProxyDoc } from '../model/custom-key-store.js';
import type { OperationContext, OperationHandler } from './context.js';
import {
  assertClusterUsable,
  assertConnectivity,
  assertNameFree,
  assertProxyUnique,
  checkProxyHealth,
  findStore,
  rejectParams,
  sealStore,
} from './custom-key-store-rules.js';

const CLOUDHSM_PARAMS = ['KeyStorePassword', 'CloudHsmClusterId'] as const;
const XKS_PARAMS = [
  'XksProxyUriEndpoint',
  'XksProxyUriPath',
  'XksProxyVpcEndpointServiceName',
  'XksProxyVpcEndpointServiceOwner',
  'XksProxyAuthenticationCredential',
  'XksProxyConnectivity',
] as const;
/** External store properties that change only while DISCONNECTED (the rest also while CONNECTED). */
const XKS_NEEDS_DISCONNECTED = [
  'XksProxyConnectivity',
  'XksProxyUriEndpoint',
  'XksProxyVpcEndpointServiceName',
  'XksProxyVpcEndpointServiceOwner',
] as const;

const notDisconnected = (doc: CustomKeyStoreDoc, what: string) =>
  awsError(
    'CustomKeyStoreInvalidStateException',
    `Custom key store ${doc.customKeyStoreId} is ${doc.connectionState}; ${what} can change only while it is DISCONNECTED.`,
  );

/** A CloudHSM store: everything needs DISCONNECTED; a new cluster must be related (same trust anchor, i.e. backup lineage). */
function updateCloudHsm(
  ctx: OperationContext,
  entry: CustomKeyStoreEntry,
  input: UpdateCustomKeyStoreRequest,
): { doc: CustomKeyStoreDoc; secret: string } {
  const { doc } = entry;
  rejectParams(input, XKS_PARAMS, 'AWS_CLOUDHSM');
  if (doc.connectionState !== 'DISCONNECTED') throw notDisconnected(doc, 'the properties of a CloudHSM key store');
  const next = { ...doc };
  const clusterId = input.CloudHsmClusterId;
  if (clusterId !== undefined && clusterId !== doc.cloudHsmClusterId) {
    assertClusterUsable(ctx, clusterId, doc.customKeyStoreId);
    if (!ctx.keyStores.cloudHsm!.isTrustAnchor(ctx.accountId, ctx.region, clusterId, doc.trustAnchorCertificate!)) {
      throw awsError(
        'CloudHsmClusterNotRelatedException',
        `CloudHSM cluster ${clusterId} does not share a backup history (trust anchor) with the store's original cluster.`,
      );
    }
    next.cloudHsmClusterId = clusterId;
  }
  return { doc: next, secret: input.KeyStorePassword ?? entry.secret };
}

/** The external proxy settings after the update, with AWS's connectivity-change rules. */
function nextProxy(current: XksProxyDoc, input: UpdateCustomKeyStoreRequest): XksProxyDoc {
  const next: XksProxyDoc = { ...current };
  if (input.XksProxyConnectivity !== undefined && input.XksProxyConnectivity !== current.connectivity) {
    if (input.XksProxyUriEndpoint === undefined || input.XksProxyUriEndpoint === current.uriEndpoint) {
      throw awsError(
        'ValidationException',
        `Changing XksProxyConnectivity to ${input.XksProxyConnectivity} requires a new XksProxyUriEndpoint.`,
      );
    }
    next.connectivity = input.XksProxyConnectivity;
    if (next.connectivity === 'PUBLIC_ENDPOINT') {
      if (input.XksProxyVpcEndpointServiceName)
        throw awsError(
          'ValidationException',
          'XksProxyVpcEndpointServiceName must be empty when XksProxyConnectivity changes to PUBLIC_ENDPOINT.',
        );
      delete next.vpcEndpointServiceName;
      delete next.vpcEndpointServiceOwner;
    } else if (!input.XksProxyVpcEndpointServiceName) {
      throw awsError(
        'ValidationException',
        'Changing XksProxyConnectivity to VPC_ENDPOINT_SERVICE requires XksProxyVpcEndpointServiceName.',
      );
    }
  }
  if (input.XksProxyUriEndpoint !== undefined) next.uriEndpoint = input.XksProxyUriEndpoint;
  if (input.XksProxyUriPath !== undefined) next.uriPath = input.XksProxyUriPath;
  if (input.XksProxyVpcEndpointServiceName) next.vpcEndpointServiceName = input.XksProxyVpcEndpointServiceName;
  if (input.XksProxyVpcEndpointServiceOwner) next.vpcEndpointServiceOwner = input.XksProxyVpcEndpointServiceOwner;
  if (input.XksProxyAuthenticationCredential) next.accessKeyId = input.XksProxyAuthenticationCredential.AccessKeyId!;
  return next;
}

/** An external store: name, credential and path also while CONNECTED; the rest only while DISCONNECTED. */
async function updateExternal(
  ctx: OperationContext,
  entry: CustomKeyStoreEntry,
  input: UpdateCustomKeyStoreRequest,
): Promise<{ doc: CustomKeyStoreDoc; secret: string }> {
  const { doc } = entry;
  const raw = input as unknown as Record<string, unknown>;
  rejectParams(raw, CLOUDHSM_PARAMS, 'EXTERNAL_KEY_STORE');
  const state = doc.connectionState;
  const needsDisconnected = XKS_NEEDS_DISCONNECTED.find((n) => raw[n] !== undefined);
  if (needsDisconnected && state !== 'DISCONNECTED') throw notDisconnected(doc, needsDisconnected);
  if (state !== 'DISCONNECTED' && state !== 'CONNECTED') {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${doc.customKeyStoreId} is ${state}; an external key store can be updated only while CONNECTED or DISCONNECTED.`,
    );
  }
  const xks = nextProxy(doc.xks!, input);
  assertConnectivity(xks);
  const secret = input.XksProxyAuthenticationCredential?.RawSecretAccessKey ?? entry.secret;
  if (XKS_PARAMS.some((n) => raw[n] !== undefined)) {
    assertProxyUnique(ctx, xks, doc.customKeyStoreId);
    await checkProxyHealth(ctx, ctx.keyStores, xks, secret);
  }
  return { doc: { ...doc, xks }, secret };
}

/**
 * UpdateCustomKeyStore: changes a store's name, CloudHSM cluster (a related one) and
 * kmsuser password, or an external store's proxy settings, under seed 002's state rules.
 * The new proxy settings must pass the proxy's health check.
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException | CustomKeyStoreNameInUseException |
 *   ValidationException | CloudHsmCluster*Exception | XksProxy*Exception
 */
export const updateCustomKeyStore: OperationHandler<'UpdateCustomKeyStore'> = async (ctx, input) => {
  const entry = findStore(ctx, input.CustomKeyStoreId!);
  const { doc, secret } =
    entry.doc.type === 'AWS_CLOUDHSM' ? updateCloudHsm(ctx, entry, input) : await updateExternal(ctx, entry, input);
  if (input.NewCustomKeyStoreName !== undefined) {
    assertNameFree(ctx, input.NewCustomKeyStoreName, doc.customKeyStoreId);
    doc.name = input.NewCustomKeyStoreName;
  }
  const latest = findStore(ctx, doc.customKeyStoreId);
  if (latest.doc.generation !== entry.doc.generation || latest.doc.connectionState !== entry.doc.connectionState) {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${doc.customKeyStoreId} changed state during the update; retry.`,
    );
  }
  const tx = ctx.begin();
  tx.putCustomKeyStore(
    secret === entry.secret
      ? { ...latest, doc: { ...latest.doc, ...pick(doc) } }
      : sealStore(ctx, { ...latest.doc, ...pick(doc) }, secret),
  );
  await ctx.commit(tx);
  return {};
};

/** The properties an update may change (connection state and generation stay as they are now). */
function pick(doc: CustomKeyStoreDoc): Partial<CustomKeyStoreDoc> {
  return { name: doc.name, cloudHsmClusterId: doc.cloudHsmClusterId, xks: doc.xks };
}
