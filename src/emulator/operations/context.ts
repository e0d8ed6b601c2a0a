import type { KmsOperationName, KmsOperations } from '../../providers/kms-provider.js';
import type { XksClient } from '../../xks/xks-types.js';
import type { CloudHsmDirectory } from '../cloudhsm/directory.js';
import type { XksEndpointResolver } from '../core/store-connector.js';
import type { Registry, Scope } from '../core/scope-registry.js';
import type { Transaction } from '../core/transaction.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import type { DecisionObserver } from '../authz/authorizer.js';
import type { CallAuthorization } from '../authz/call-authorization.js';

/** Who is calling and where: the account and Region of the endpoint, and the principal. */
export interface CallerContext {
  accountId: string;
  region: string;
  /** The calling IAM principal; defaults to the account root. */
  principalArn?: string;
  /** aws:SecureTransport: whether the request came over TLS (default false). */
  secureTransport?: boolean;
  /** Receives every authorization decision of the call (the wire's `X-Opencckm-Authz` header). */
  observer?: DecisionObserver;
}

/** How an operation may name its key. */
export interface ResolveOptions {
  /** Accept `alias/...` names and alias ARNs (AWS allows them for cryptographic operations and DescribeKey). */
  allowAlias?: boolean;
  /** Accept a key ARN of another account (subject to that key's policy). */
  crossAccount?: boolean;
  /**
   * The request's encryption context, for operations that take one: a grant that lets
   * another account use the key counts only if its constraints admit this context.
   */
  encryptionContext?: Readonly<Record<string, string>>;
  /**
   * The operation to authorize instead of the call's own: ReEncrypt's destination key is
   * authorized for `ReEncryptTo`, its source for `ReEncryptFrom` (the default for ReEncrypt).
   */
  operation?: string;
  /** The caller authorizes the key itself (RetireGrant's own rules). */
  skipAuthorization?: boolean;
}

/**
 * What custom key store operations use beyond the hot index: the simulated CloudHSM
 * service, the XKS proxy client, and the connector that runs connections off the request.
 * A missing directory or client behaves as AWS does when the cluster or proxy cannot be
 * found or reached.
 */
export interface KeyStoreServices {
  readonly cloudHsm?: CloudHsmDirectory;
  readonly xksClient?: XksClient;
  readonly resolveXksEndpoint?: XksEndpointResolver;
  /** Starts the asynchronous part of ConnectCustomKeyStore for a store recorded CONNECTING. */
  startConnect(accountId: string, region: string, customKeyStoreId: string): void;
}

/** Everything an operation needs; operations never see the store, the root key or the clock source. */
export interface OperationContext {
  readonly op: KmsOperationName;
  readonly accountId: string;
  readonly region: string;
  /** The calling principal, resolved (account root when none was given). */
  readonly principalArn: string;
  /** The call's authorization: its principal, and checks beyond {@link findKey}'s. */
  readonly authz: CallAuthorization;
  /** The time of this call, from the injected clock. */
  readonly now: Date;
  readonly registry: Registry;
  /** The caller's own account and Region. */
  scope(): Scope;
  /**
   * Finds a key by id, ARN, alias name or alias ARN, and authorizes the call on it (key
   * policy, identity policies, grants). @throws NotFoundException | AccessDeniedException
   */
  findKey(keyId: string, opts?: ResolveOptions): KeyEntry;
  /** Builds a key entry from a document and material, sealing the material. */
  sealEntry(doc: KeyDoc, material: ReadonlyMap<string, Uint8Array>): KeyEntry;
  /**
   * Encrypts a short-lived secret (an import token) under the emulator's root key, bound
   * to `binding`; {@link openSecret} with another binding fails.
   */
  sealSecret(binding: string, data: Uint8Array): Uint8Array;
  /** Reverses {@link sealSecret}. @throws Error when the secret was not sealed with this binding */
  openSecret(binding: string, sealed: Uint8Array): Uint8Array;
  /** Custom key store services (CloudHSM directory, XKS client, connector). */
  readonly keyStores: KeyStoreServices;
  /** Starts a mutation of the hot index. */
  begin(): Transaction;
  /** Makes a mutation durable; undoes it and throws if the store write fails. */
  commit(tx: Transaction): Promise<void>;
}

/** The implementation of one KMS operation. */
export type OperationHandler<Op extends KmsOperationName> = (
  ctx: OperationContext,
  input: KmsOperations[Op]['input'],
) => Promise<KmsOperations[Op]['output']>;
