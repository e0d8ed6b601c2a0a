/**
 * What the KMS side of the emulator (custom key stores of type AWS_CLOUDHSM) needs from
 * the simulated CloudHSM v2 service. The CloudHSM emulator implements it; KMS operations
 * only ever see this interface, so the two halves stay independent.
 *
 * All lookups are scoped to one account and Region, as in AWS: a cluster of another
 * account or Region does not exist for the caller.
 */

/** CloudHSM v2 cluster states, as the CloudHSM API reports them. */
export type HsmClusterState =
  | 'CREATE_IN_PROGRESS'
  | 'UNINITIALIZED'
  | 'INITIALIZE_IN_PROGRESS'
  | 'INITIALIZED'
  | 'ACTIVE'
  | 'UPDATE_IN_PROGRESS'
  | 'MODIFY_IN_PROGRESS'
  | 'ROLLBACK_IN_PROGRESS'
  | 'DELETE_IN_PROGRESS'
  | 'DELETED'
  | 'DEGRADED';

/** The facts about a cluster that KMS checks when creating, connecting or using a store. */
export interface HsmClusterView {
  clusterId: string;
  state: HsmClusterState;
  /** HSMs in state ACTIVE, with their availability zones. */
  activeHsms: ReadonlyArray<{ hsmId: string; availabilityZone: string }>;
  /**
   * The PEM of the customer's trust anchor certificate the cluster was initialized with
   * (undefined until InitializeCluster); KMS compares a store's TrustAnchorCertificate with it.
   */
  trustAnchorPem?: string;
  /** The security group the cluster's HSMs use (KMS checks it exists when connecting). */
  securityGroup?: string;
}

/** The result of a `kmsuser` login attempt (maps onto ConnectionErrorCode on failure). */
export type KmsUserLogin = 'OK' | 'USER_NOT_FOUND' | 'INVALID_CREDENTIALS' | 'USER_LOCKED_OUT';

export interface CloudHsmDirectory {
  /** The cluster, or undefined when no such cluster exists in this account and Region. */
  findCluster(accountId: string, region: string, clusterId: string): HsmClusterView | undefined;

  /**
   * True when `pem` is the same certificate (compared as DER) as the cluster's trust anchor.
   * False for an uninitialized cluster or any other certificate; throws nothing on bad PEM.
   */
  isTrustAnchor(accountId: string, region: string, clusterId: string, pem: string): boolean;

  /** Tries a login of the `kmsuser` crypto user with `password` on the cluster's HSMs. */
  loginKmsUser(accountId: string, region: string, clusterId: string, password: string): KmsUserLogin;

  /**
   * Creates an AES-256 key inside the cluster (as KMS does for each KMS key in a CloudHSM
   * store), labelled with the KMS key id. The material never leaves the cluster.
   *
   * @returns the key handle to pass to {@link clusterEncrypt}/{@link clusterDecrypt}
   * @throws AppError CloudHsmClusterInvalidConfigurationException (fewer than two active
   *   HSMs in different zones) | CloudHsmClusterNotActiveException
   */
  createClusterKey(accountId: string, region: string, clusterId: string, label: string): Promise<string>;

  /** AES-256-GCM under a cluster key; `aad` is bound. Returns iv(12) || ciphertext || tag(16). */
  clusterEncrypt(
    accountId: string,
    region: string,
    clusterId: string,
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;

  /** Reverses {@link clusterEncrypt}. @throws AppError InvalidCiphertextException when it does not authenticate */
  clusterDecrypt(
    accountId: string,
    region: string,
    clusterId: string,
    handle: string,
    blob: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;

  /** Deletes a cluster key (when its KMS key is deleted). */
  deleteClusterKey(accountId: string, region: string, clusterId: string, handle: string): Promise<void>;
}
