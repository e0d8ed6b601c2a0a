import type { ListQuery } from '../common/list.js';

/** The stored record of a custom key store; mirrors the Prisma model `CustomKeyStore` field for field. */
export interface CustomKeyStoreRecord {
  id: string;
  account: string;
  kmsId: string;
  region: string;
  name: string;
  type: string;
  linkedState: boolean;
  customKeyStoreId: string | null;
  connectionState: string | null;
  connectionErrorCode: string | null;
  cloudHsmClusterId: string | null;
  trustAnchorCertificate: string | null;
  numberOfHsms: number | null;
  xksProxyConnectivity: string | null;
  xksProxyUriEndpoint: string | null;
  xksProxyUriPath: string | null;
  xksProxyVpcEndpointServiceName: string | null;
  xksProxyAccessKeyId: string | null;
  localHostedParams: unknown;
  xksCredentialEnc: Uint8Array | null;
  /** During a credential rotation: the next credential, accepted by the proxy next to the current one. */
  xksNextAccessKeyId: string | null;
  xksNextCredentialEnc: Uint8Array | null;
  /** Completed credential rotations. */
  xksCredentialVersion: number;
  xksCredentialRotatedAt: Date | null;
  /** Attached to the `cckm_xks_credential_rotation` job config `jobConfigId` (hosted stores only). */
  credentialRotationJobEnabled: boolean;
  jobConfigId: string | null;
  gone: boolean;
  lastError: string | null;
  syncedAt: Date | null;
  awsCreatedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewCustomKeyStore = Omit<
  CustomKeyStoreRecord,
  | 'createdAt'
  | 'updatedAt'
  | 'gone'
  | 'lastError'
  | 'syncedAt'
  | 'awsCreatedAt'
  | 'xksNextAccessKeyId'
  | 'xksNextCredentialEnc'
  | 'xksCredentialVersion'
  | 'xksCredentialRotatedAt'
  | 'credentialRotationJobEnabled'
  | 'jobConfigId'
>;

export type CustomKeyStoreChanges = Partial<
  Omit<CustomKeyStoreRecord, 'id' | 'account' | 'kmsId' | 'region' | 'createdAt' | 'updatedAt'>
>;

/** List filters; each array means "any of these", filters combine with AND. */
export interface CustomKeyStoreFilter {
  names?: string[];
  kmsIds?: string[];
  regions?: string[];
  types?: string[];
  connectionStates?: string[];
}

/** Storage of custom key store records (implemented in db/repositories). */
export interface CustomKeyStoreRepository {
  /** @throws ConflictError when the name is taken in the KMS account and region. */
  create(row: NewCustomKeyStore): Promise<CustomKeyStoreRecord>;
  /** @throws NotFoundError; ConflictError for a name taken by another store. */
  update(id: string, changes: CustomKeyStoreChanges): Promise<CustomKeyStoreRecord>;
  /**
   * Stores a hosted store's proxy credential only if the store is unlinked and has none yet,
   * atomically, so two concurrent links cannot overwrite each other's credential.
   * @returns false when another link holds the store
   */
  claimCredential(id: string, accessKeyId: string, sealedSecret: Uint8Array): Promise<boolean>;
  /**
   * Starts a credential rotation: stores the next credential only if the store has a current
   * one and no rotation is under way, atomically (one rotation at a time).
   * @returns false when the store has no credential or another rotation holds it
   */
  beginRotation(id: string, accessKeyId: string, sealedSecret: Uint8Array): Promise<boolean>;
  /**
   * Ends a rotation whose next credential is `accessKeyId`: it becomes the current one (the old
   * one is gone), the version grows by one. Does nothing when another rotation holds the store.
   */
  completeRotation(id: string, accessKeyId: string): Promise<CustomKeyStoreRecord | null>;
  /** Abandons the rotation to `accessKeyId` (AWS refused it): the next credential is removed. */
  abortRotation(id: string, accessKeyId: string): Promise<void>;
  /** A store of the account, or null (another account's store is null too). */
  find(account: string, id: string): Promise<CustomKeyStoreRecord | null>;
  /** A store of any account: for the XKS proxy, which authenticates with the store's own credential. */
  findById(id: string): Promise<CustomKeyStoreRecord | null>;
  list(
    account: string,
    filter: CustomKeyStoreFilter,
    q: ListQuery,
  ): Promise<{ total: number; rows: CustomKeyStoreRecord[] }>;
  delete(id: string): Promise<void>;
}
