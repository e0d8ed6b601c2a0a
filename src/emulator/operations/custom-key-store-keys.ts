import type { CreateKeyRequest, KeyMetadata, OriginType } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import type { CloudHsmDirectory } from '../cloudhsm/directory.js';
import type { Registry } from '../core/scope-registry.js';
import type { CustomKeyStoreEntry, StoreKeyDoc } from '../model/custom-key-store.js';
import type { KeyDoc } from '../model/key-record.js';
import type { OperationContext } from './context.js';
import { cryptoError, failureOf, proxyTarget, requestMetadata } from './custom-key-store-proxy.js';
import { findStore } from './custom-key-store-rules.js';

/** KMS keys in custom key stores: creating them in the store and presenting them. */

const ORIGIN_OF_TYPE = { AWS_CLOUDHSM: 'AWS_CLOUDHSM', EXTERNAL_KEY_STORE: 'EXTERNAL_KEY_STORE' } as const;

/** What CreateKey adds to a key in a custom key store, and how to undo it if the key is not saved. */
export interface StoreKeyPart {
  fields: Pick<StoreKeyDoc, 'customKeyStoreId' | 'xksKeyId' | 'cloudHsmKeyHandle'>;
  rollback(): Promise<void>;
}

/**
 * A CONNECTED store of the caller whose type matches `origin`.
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException | UnsupportedOperationException
 */
function storeForKey(ctx: OperationContext, id: string, origin: OriginType): CustomKeyStoreEntry {
  const store = findStore(ctx, id);
  if (ORIGIN_OF_TYPE[store.doc.type] !== origin) {
    throw awsError(
      'UnsupportedOperationException',
      `Origin ${origin} does not match custom key store ${id} of type ${store.doc.type}; use Origin ${ORIGIN_OF_TYPE[store.doc.type]}.`,
    );
  }
  if (store.doc.connectionState !== 'CONNECTED') {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${id} is ${store.doc.connectionState}; keys can be created only in a CONNECTED store.`,
    );
  }
  return store;
}

/** @throws XksKeyAlreadyInUseException */
function assertXksKeyFree(ctx: OperationContext, storeId: string, xksKeyId: string): void {
  for (const k of ctx.scope().keys.values()) {
    if (k.doc.customKeyStoreId === storeId && k.doc.xksKeyId === xksKeyId) {
      throw awsError(
        'XksKeyAlreadyInUseException',
        `External key ${xksKeyId} is already associated with a KMS key in this custom key store.`,
      );
    }
  }
}

/** Checks the external key with the proxy's GetKeyMetadata: an enabled AES_256 key that encrypts and decrypts. */
async function checkExternalKey(ctx: OperationContext, store: CustomKeyStoreEntry, xksKeyId: string): Promise<void> {
  const target = proxyTarget(ctx.keyStores, store.doc, store.doc.xks!, store.secret);
  if (typeof target === 'string') throw cryptoError(target, 'CustomKeyStoreInvalidStateException');
  let md;
  try {
    md = await ctx.keyStores.xksClient!.getKeyMetadata(
      target,
      xksKeyId,
      // AWS sends no kmsKeyArn with CreateKey's GetKeyMetadata (the key does not exist yet).
      requestMetadata(ctx.principalArn, 'CreateKey'),
    );
  } catch (err) {
    const failure = failureOf(err);
    if (failure.kind === 'proxy-error' && failure.errorName === 'KeyNotFoundException') {
      throw awsError('XksKeyNotFoundException', `The external key store proxy has no key ${xksKeyId}.`);
    }
    throw cryptoError(failure, 'CustomKeyStoreInvalidStateException');
  }
  const usable =
    md.keySpec === 'AES_256' &&
    md.keyUsage.includes('ENCRYPT') &&
    md.keyUsage.includes('DECRYPT') &&
    md.keyStatus === 'ENABLED';
  if (!usable) {
    throw awsError(
      'XksKeyInvalidConfigurationException',
      `External key ${xksKeyId} must be an enabled AES_256 key whose usage includes ENCRYPT and DECRYPT.`,
    );
  }
}

/**
 * Creates the store side of a new KMS key: the cluster key (AWS_CLOUDHSM) or the checked
 * external key (EXTERNAL_KEY_STORE). Called after every other CreateKey check.
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException | UnsupportedOperationException |
 *   CloudHsmClusterInvalidConfigurationException | XksKeyNotFoundException | XksKeyInvalidConfigurationException |
 *   XksKeyAlreadyInUseException | DependencyTimeoutException
 */
export async function createStoreKey(
  ctx: OperationContext,
  input: CreateKeyRequest,
  origin: OriginType,
  keyId: string,
): Promise<StoreKeyPart> {
  const store = storeForKey(ctx, input.CustomKeyStoreId!, origin);
  const storeId = store.doc.customKeyStoreId;
  if (store.doc.type === 'EXTERNAL_KEY_STORE') {
    const xksKeyId = input.XksKeyId!;
    assertXksKeyFree(ctx, storeId, xksKeyId);
    await checkExternalKey(ctx, store, xksKeyId);
    assertXksKeyFree(ctx, storeId, xksKeyId);
    return { fields: { customKeyStoreId: storeId, xksKeyId }, rollback: async () => undefined };
  }
  const directory = ctx.keyStores.cloudHsm;
  if (!directory)
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `The CloudHSM cluster of custom key store ${storeId} cannot be reached.`,
    );
  const clusterId = store.doc.cloudHsmClusterId!;
  const handle = await directory.createClusterKey(ctx.accountId, ctx.region, clusterId, keyId);
  return {
    fields: { customKeyStoreId: storeId, cloudHsmKeyHandle: handle },
    rollback: () => directory.deleteClusterKey(ctx.accountId, ctx.region, clusterId, handle).catch(() => undefined),
  };
}

/** The store of a key in a custom key store, looked up in the key's own account and Region. */
export function storeOfKey(registry: Registry, doc: KeyDoc): CustomKeyStoreEntry | undefined {
  return doc.customKeyStoreId
    ? registry.scope(doc.accountId, doc.region).customKeyStores.get(doc.customKeyStoreId)
    : undefined;
}

/**
 * KeyMetadata of a key in a custom key store: CloudHsmClusterId of its store's cluster,
 * and KeyState Unavailable while the store is not CONNECTED (AWS reports Enabled and
 * Disabled keys of a disconnected store so).
 */
export function presentStoreKey(registry: Registry, doc: KeyDoc, md: KeyMetadata): KeyMetadata {
  if (!doc.customKeyStoreId) return md;
  const store = storeOfKey(registry, doc);
  if (store?.doc.cloudHsmClusterId) md.CloudHsmClusterId = store.doc.cloudHsmClusterId;
  if ((doc.keyState === 'Enabled' || doc.keyState === 'Disabled') && store?.doc.connectionState !== 'CONNECTED') {
    md.KeyState = 'Unavailable';
    md.Enabled = false;
  }
  return md;
}

/** A CloudHSM key's cluster material, remembered so that it can be removed once the KMS key is deleted. */
export interface ClusterKeyRef {
  accountId: string;
  region: string;
  keyId: string;
  clusterId: string;
  handle: string;
}

/** The cluster keys of CloudHSM-store keys pending deletion (taken before a scheduler pass). */
export function clusterKeysPendingDeletion(registry: Registry): ClusterKeyRef[] {
  const out: ClusterKeyRef[] = [];
  for (const entry of registry.allKeys()) {
    const doc = entry.doc as StoreKeyDoc;
    if (doc.keyState !== 'PendingDeletion' || !doc.cloudHsmKeyHandle) continue;
    const clusterId = storeOfKey(registry, doc)?.doc.cloudHsmClusterId;
    if (clusterId)
      out.push({
        accountId: doc.accountId,
        region: doc.region,
        keyId: doc.keyId,
        clusterId,
        handle: doc.cloudHsmKeyHandle,
      });
  }
  return out;
}

/**
 * After a scheduler pass: deletes the cluster key of every candidate whose KMS key is now
 * gone. Best effort, as AWS documents ("makes a best effort to delete the key material
 * from the associated cluster"): a failure leaves orphaned material in the cluster.
 *
 * @returns how many cluster keys were deleted
 */
export async function deleteOrphanedClusterKeys(
  registry: Registry,
  directory: CloudHsmDirectory | undefined,
  candidates: readonly ClusterKeyRef[],
): Promise<number> {
  if (!directory) return 0;
  let deleted = 0;
  for (const c of candidates) {
    if (registry.scope(c.accountId, c.region).keys.has(c.keyId)) continue;
    try {
      await directory.deleteClusterKey(c.accountId, c.region, c.clusterId, c.handle);
      deleted++;
    } catch {
      // orphaned material stays in the cluster, as in AWS
    }
  }
  return deleted;
}
