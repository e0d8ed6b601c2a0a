import { decide, type Decision } from '../../iam-policy/evaluate.js';
import type { CompiledPolicy } from '../../iam-policy/policy.js';
import type { Registry } from '../core/scope-registry.js';
import { aliasArn, partitionOf } from '../model/arn.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import type { Authorizer, AuthzRecord, DecisionObserver } from './authorizer.js';
import type { Principal } from './identities.js';
import { conditionContext, type RequestFacts } from './condition-keys.js';

/**
 * How each KMS operation is authorized: account-level operations by identity policy on
 * `*` (or on the alias or custom key store they name); every operation on a key by the
 * key's policy, the caller's identity policies and the key's grants, when the operation
 * resolves the key (operations/resolve-key.ts calls {@link CallAuthorization.authorizeKey}).
 */

/** Operations authorized by identity policy alone (AWS: "IAM policy" in the KMS permissions reference). */
export const ACCOUNT_LEVEL_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateKey',
  'ListKeys',
  'ListAliases',
  'GenerateRandom',
  'ListRetirableGrants',
  'CreateCustomKeyStore',
  'DescribeCustomKeyStores',
  'ConnectCustomKeyStore',
  'DisconnectCustomKeyStore',
  'DeleteCustomKeyStore',
  'UpdateCustomKeyStore',
  // The alias half of the alias operations (the key half is the key's policy).
  'CreateAlias',
  'DeleteAlias',
  'UpdateAlias',
]);

/** One call's authorization: who, what, and where decisions go. */
export class CallAuthorization {
  constructor(
    private readonly authorizer: Authorizer,
    readonly principal: Principal,
    private readonly op: string,
    readonly input: Readonly<Record<string, unknown>>,
    private readonly region: string,
    private readonly accountId: string,
    readonly now: Date,
    private readonly registry: Registry,
    private readonly secureTransport: boolean,
    private readonly observer: DecisionObserver | undefined,
  ) {}

  private facts(extra: Partial<RequestFacts> = {}): RequestFacts {
    return {
      principal: this.principal,
      operation: this.op,
      input: this.input,
      now: this.now,
      secureTransport: this.secureTransport,
      ...extra,
    };
  }

  /** The resource an account-level operation acts on. */
  private accountResource(): string {
    const i = this.input;
    if (typeof i.AliasName === 'string' && i.AliasName.startsWith('alias/'))
      return aliasArn(this.region, this.accountId, i.AliasName);
    if (typeof i.CustomKeyStoreId === 'string' && this.op !== 'CreateKey')
      return `arn:${partitionOf(this.region)}:kms:${this.region}:${this.accountId}:custom-key-store/${i.CustomKeyStoreId}`;
    return '*';
  }

  /** Authorizes an account-level operation. @throws AccessDeniedException */
  authorizeAccount(): void {
    if (!ACCOUNT_LEVEL_OPERATIONS.has(this.op)) return;
    const r = this.explainAccount();
    this.authorizer.enforce(r, this.principal, r.action, r.resource, this.observer);
  }

  /** The decision on an account-level operation, not enforced. */
  explainAccount(): AuthzRecord {
    const action = `kms:${this.op}`;
    const resource = this.accountResource();
    const d = this.authorizer.decideAccount(this.facts(), action, resource);
    return { ...d, principal: this.principal.arn, action, resource };
  }

  /** The decision for the call's operation (or ReEncrypt's half) on a key, without enforcing it. */
  decideKey(
    doc: KeyDoc,
    opts: { operation?: string; encryptionContext?: Readonly<Record<string, string>>; requestAlias?: string },
  ): { decision: Decision; action: string } {
    const operation = opts.operation ?? this.op;
    const action = `kms:${operation}`;
    const scope = () => this.registry.scope(doc.accountId, doc.region);
    const decision = this.authorizer.decideKey(
      this.facts({
        operation,
        key: doc,
        ...(opts.requestAlias !== undefined ? { requestAlias: opts.requestAlias } : {}),
        ...(opts.encryptionContext !== undefined ? { encryptionContext: opts.encryptionContext } : {}),
        aliases: () => [...scope().aliases.values()].filter((a) => a.targetKeyId === doc.keyId).map((a) => a.aliasName),
      }) as RequestFacts & { key: KeyDoc },
      action,
      () => scope().grantsOf(doc.keyId),
    );
    return { decision, action };
  }

  /** Authorizes the call on a key it resolved. @throws AccessDeniedException */
  authorizeKey(
    entry: KeyEntry,
    opts: { operation?: string; encryptionContext?: Readonly<Record<string, string>>; requestAlias?: string } = {},
  ): void {
    const { decision, action } = this.decideKey(entry.doc, opts);
    this.authorizer.enforce(decision, this.principal, action, entry.doc.arn, this.observer);
  }

  /**
   * The policy lockout safety check: whether `policy` lets this caller (with its identity
   * policies and the request's conditions) call PutKeyPolicy on the key afterwards.
   */
  allowsPutKeyPolicy(policy: CompiledPolicy, keyArn: string, doc?: KeyDoc): boolean {
    return decide({
      principal: this.principal,
      action: 'kms:PutKeyPolicy',
      resource: keyArn,
      resourceAccount: doc?.accountId ?? this.accountId,
      context: conditionContext(this.facts({ operation: 'PutKeyPolicy', ...(doc ? { key: doc } : {}) })),
      resourcePolicy: { name: 'key policy', policy },
      identityPolicies: this.principal.identityPolicies,
    }).allowed;
  }

  /** Reports a decision made elsewhere (RetireGrant's rules) and enforces it. @throws AccessDeniedException */
  enforce(decision: Decision, action: string, resource: string): void {
    this.authorizer.enforce(decision, this.principal, action, resource, this.observer);
  }
}
