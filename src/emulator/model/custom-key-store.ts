import { randomBytes } from 'node:crypto';
import type {
  ConnectionErrorCodeType,
  ConnectionStateType,
  CustomKeyStoresListEntry,
  CustomKeyStoreType,
  XksProxyConnectivityType,
} from '@aws-sdk/client-kms';
import type { KeyDoc } from './key-record.js';

/**
 * Custom key stores (StoredObject kind `custom-key-store`, id = CustomKeyStoreId). The
 * document is plain JSON and never holds a secret: the `kmsuser` password of a CloudHSM
 * store and the raw secret access key of an external store are sealed under the root key
 * into the row's secret, bound to the store's identity.
 */

/** How KMS reaches an external key store's proxy (everything but the secret). */
export interface XksProxyDoc {
  connectivity: XksProxyConnectivityType;
  /** XksProxyAuthenticationCredential.AccessKeyId (AWS returns it; the secret never). */
  accessKeyId: string;
  /** `https://host`, no port, no path. */
  uriEndpoint: string;
  /** `[/prefix]/kms/xks/v1`. */
  uriPath: string;
  vpcEndpointServiceName?: string;
  vpcEndpointServiceOwner?: string;
}

/** The persisted document of one custom key store. */
export interface CustomKeyStoreDoc {
  customKeyStoreId: string;
  accountId: string;
  region: string;
  name: string;
  type: CustomKeyStoreType;
  /** ISO-8601 creation time. */
  creationDate: string;
  /**
   * CONNECTING is durable: a store found CONNECTING when the emulator opens is connected
   * again (the attempt is resumed), never left CONNECTING.
   */
  connectionState: ConnectionStateType;
  /** Only while FAILED. */
  connectionErrorCode?: ConnectionErrorCodeType;
  /** AWS_CLOUDHSM stores. */
  cloudHsmClusterId?: string;
  trustAnchorCertificate?: string;
  /** EXTERNAL_KEY_STORE stores. */
  xks?: XksProxyDoc;
  /**
   * Incremented by every Connect and Disconnect: a connection attempt records its outcome
   * only when the generation it started under is still current, so a Disconnect during
   * CONNECTING wins over the attempt's late result.
   */
  generation: number;
}

/**
 * A store as the hot index holds it: the document, its secret in memory, and the sealed
 * secret as last written (reused when only the document changes).
 */
export interface CustomKeyStoreEntry {
  readonly doc: CustomKeyStoreDoc;
  /** The kmsuser password (AWS_CLOUDHSM) or the proxy's raw secret access key (EXTERNAL_KEY_STORE), UTF-8. */
  readonly secret: string;
  readonly sealed: Uint8Array;
}

/**
 * A KMS key document in a custom key store. `cloudHsmKeyHandle` is the handle of the key's
 * material inside the cluster (AWS_CLOUDHSM keys); it is stored with the key's document
 * (a handle is not a secret: the material never leaves the cluster).
 */
export type StoreKeyDoc = KeyDoc & { cloudHsmKeyHandle?: string };

/** What a store's sealed secret is bound to: a secret copied onto another store does not open. */
export const storeSecretBinding = (doc: Pick<CustomKeyStoreDoc, 'accountId' | 'region' | 'customKeyStoreId'>): string =>
  `custom-key-store/${doc.accountId}/${doc.region}/${doc.customKeyStoreId}`;

/** A new CustomKeyStoreId, `cks-` followed by 17 hex characters as AWS issues them. */
export const newCustomKeyStoreId = (): string => `cks-${randomBytes(9).toString('hex').slice(0, 17)}`;

/**
 * The DescribeCustomKeyStores entry of a store: AWS's field presence (CloudHSM fields only
 * for CloudHSM stores, XksProxyConfiguration only for external ones, ConnectionErrorCode
 * only while FAILED) and never a secret.
 */
export function toListEntry(doc: CustomKeyStoreDoc): CustomKeyStoresListEntry {
  const entry: CustomKeyStoresListEntry = {
    CustomKeyStoreId: doc.customKeyStoreId,
    CustomKeyStoreName: doc.name,
    ConnectionState: doc.connectionState,
    CreationDate: new Date(doc.creationDate),
    CustomKeyStoreType: doc.type,
  };
  if (doc.connectionErrorCode && doc.connectionState === 'FAILED') entry.ConnectionErrorCode = doc.connectionErrorCode;
  if (doc.cloudHsmClusterId) entry.CloudHsmClusterId = doc.cloudHsmClusterId;
  if (doc.trustAnchorCertificate) entry.TrustAnchorCertificate = doc.trustAnchorCertificate;
  if (doc.xks) {
    entry.XksProxyConfiguration = {
      Connectivity: doc.xks.connectivity,
      AccessKeyId: doc.xks.accessKeyId,
      UriEndpoint: doc.xks.uriEndpoint,
      UriPath: doc.xks.uriPath,
      ...(doc.xks.vpcEndpointServiceName ? { VpcEndpointServiceName: doc.xks.vpcEndpointServiceName } : {}),
      ...(doc.xks.vpcEndpointServiceOwner ? { VpcEndpointServiceOwner: doc.xks.vpcEndpointServiceOwner } : {}),
    };
  }
  return entry;
}
