import { randomUUID } from 'node:crypto';
import { AppError, asServiceError, awsError } from '../errors/index.js';
import type { KmsOperationName, KmsOperations } from '../providers/kms-provider.js';
import { Committer } from './core/committer.js';
import { FaultInjector, type FaultRule } from './core/faults.js';
import { DEFAULT_MATERIAL_CACHE_KEYS, flatString, KeyVault } from './core/key-vault.js';
import { openWithRootKey, sealWithRootKey } from './crypto/envelope-codec.js';
import { Registry } from './core/scope-registry.js';
import { runScheduledTasks, type ScheduledTaskResult } from './core/scheduler.js';
import { KIND_ALIAS, KIND_CUSTOM_KEY_STORE, KIND_GRANT, KIND_KEY, Transaction } from './core/transaction.js';
import { StoreConnector, type XksEndpointResolver } from './core/store-connector.js';
import type { CloudHsmDirectory } from './cloudhsm/directory.js';
import { CloudHsmEmulator } from './cloudhsm/cloudhsm-emulator.js';
import type { XksClient } from '../xks/xks-types.js';
import { storeSecretBinding, type CustomKeyStoreDoc } from './model/custom-key-store.js';
import { attemptConnect } from './operations/custom-key-store-connection.js';
import { clusterKeysPendingDeletion, deleteOrphanedClusterKeys } from './operations/custom-key-store-keys.js';
import { accountRootArn } from './model/arn.js';
import type { GrantDoc } from './model/grant-record.js';
import type { AliasDoc, KeyDoc, KeyEntry } from './model/key-record.js';
import { KMS_SHAPES } from './model/kms-shapes.generated.js';
import { validateInput } from './model/validate-input.js';
import type { CallerContext, OperationContext, ResolveOptions } from './operations/context.js';
import { checkGrantTokens } from './operations/grant-support.js';
import { OPERATIONS } from './operations/operation-registry.js';
import { resolveKey } from './operations/resolve-key.js';
import type { EmulatorStore } from './store/emulator-store.js';
import { Authorizer, type AuthzRecord, type DecisionObserver } from './authz/authorizer.js';
import { explainAccess, type ExplainRequest } from './authz/explain.js';
import { CallAuthorization } from './authz/call-authorization.js';
import { IdentityDirectory } from './authz/identities.js';

export type { FaultRule } from './core/faults.js';
export { parseXksEndpoints } from './core/store-connector.js';

/** Options of {@link KmsEmulator.open}. */
export interface KmsEmulatorOptions {
  store: EmulatorStore;
  /** 32-byte key that seals all key material before it reaches the store. */
  rootKey: Uint8Array;
  /** The account used when a caller names none (wire requests with unknown access keys). */
  defaultAccountId: string;
  /** Source of "now" for creation dates, deletion windows and rotation; defaults to the system clock. */
  clock?: () => Date;
  /**
   * How often the built-in scheduler deletes keys whose deletion date has passed and
   * rotates keys whose rotation is due, in ms. Default 10 000; 0 disables the timer
   * (call {@link KmsEmulator.runScheduledTasks} yourself, as tests do, with the time to run as).
   */
  schedulerIntervalMs?: number;
  /** The CloudHSM service behind AWS_CLOUDHSM custom key stores (default: the built-in simulation, `emulator.cloudHsm`). */
  cloudHsmDirectory?: CloudHsmDirectory;
  /** The client that calls external key store proxies (none: every proxy is unreachable). */
  xksClient?: XksClient;
  /**
   * Maps an external key store's XksProxyUriEndpoint (which AWS requires to be `https://host`
   * on port 443) to the base URL really called, e.g. a test proxy on `http://127.0.0.1:9000`;
   * see {@link parseXksEndpoints} for the `EMULATOR_XKS_ENDPOINTS` text form.
   */
  xksEndpointResolver?: XksEndpointResolver;
  /**
   * How long the simulated CloudHSM's asynchronous transitions (cluster and HSM creation,
   * initialization, deletion) take, in ms of `clock`; default 300, 0 = immediate.
   */
  cloudHsmTransitionMs?: number;
  /** log2 of scrypt's N for the simulated CloudHSM's user passwords (10–20, default 14). */
  cloudHsmScryptLogN?: number;
  /**
   * How many keys' unsealed material stays cached in memory (evicted by CLOCK, an
   * approximation of least recently used; a miss opens the sealed secret again, one
   * AES-GCM decryption). Default 10 000; 0 caches none.
   */
  materialCacheKeys?: number;
  /** The declared users and roles (EMULATOR_IDENTITIES); default none (see authz/identities.ts). */
  identities?: IdentityDirectory;
  /** Receives every authorization decision (the emulator's authorization log). */
  onAuthzDecision?: DecisionObserver;
}

/** The operations GetKeyLastUsage reports (the model's KeyLastUsageTrackingOperation). */
const TRACKED_OPERATIONS: ReadonlySet<string> = new Set(KMS_SHAPES.KeyLastUsageTrackingOperation?.e);

const REGION = /^([a-z]+-){2,3}\d+$/;
const ACCOUNT = /^\d{12}$/;

/**
 * An AWS KMS emulator. All state lives in a hot in-memory index loaded from the store at
 * open; every mutation is applied to memory, written through `store.apply` (group
 * committed) and acknowledged only once durable, or undone if the write fails.
 */
export class KmsEmulator {
  private readonly registry = new Registry();
  private readonly vault: KeyVault;
  private readonly committer: Committer;
  private readonly faultInjector = new FaultInjector();
  private readonly clock: () => Date;
  private readonly connector: StoreConnector;
  private keyStoreOptions: Pick<KmsEmulatorOptions, 'cloudHsmDirectory' | 'xksClient' | 'xksEndpointResolver'> = {};
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * The simulated CloudHSM v2 service (same store, root key and clock). It is the
   * `CloudHsmDirectory` of custom key stores unless `cloudHsmDirectory` is given.
   */
  readonly cloudHsm: CloudHsmEmulator;
  /** Decides every call (see authz/authorizer.ts); its `identities` are the declared principals. */
  readonly authorizer: Authorizer;

  private constructor(
    private readonly rootKey: Uint8Array,
    store: EmulatorStore,
    readonly defaultAccountId: string,
    clock: (() => Date) | undefined,
    cloudHsm: { transitionMs?: number; scryptLogN?: number },
    materialCacheKeys = DEFAULT_MATERIAL_CACHE_KEYS,
    authorizer = new Authorizer(IdentityDirectory.empty()),
  ) {
    this.authorizer = authorizer;
    this.vault = new KeyVault(rootKey, materialCacheKeys);
    this.committer = new Committer(store);
    this.clock = clock ?? (() => new Date());
    this.cloudHsm = new CloudHsmEmulator({ store, rootKey, clock: this.clock, ...cloudHsm });
    this.connector = new StoreConnector({
      registry: this.registry,
      begin: () => new Transaction(this.registry),
      commit: (tx) => this.committer.commit(tx),
      attempt: (entry) => attemptConnect(this.keyStoreServices(), entry),
    });
  }

  /**
   * Loads every stored object and starts the scheduler.
   *
   * @throws Error when the root key is not 32 bytes or stored material does not open under it
   */
  static async open(options: KmsEmulatorOptions): Promise<KmsEmulator> {
    if (options.rootKey.length !== 32) throw new Error('the emulator root key must be 32 bytes');
    if (!ACCOUNT.test(options.defaultAccountId)) throw new Error('defaultAccountId must be a 12-digit AWS account id');
    const emulator = new KmsEmulator(
      new Uint8Array(options.rootKey),
      options.store,
      options.defaultAccountId,
      options.clock,
      { transitionMs: options.cloudHsmTransitionMs, scryptLogN: options.cloudHsmScryptLogN },
      options.materialCacheKeys,
      new Authorizer(options.identities ?? IdentityDirectory.empty(), options.onAuthzDecision),
    );
    const objects = await options.store.loadAll();
    emulator.cloudHsm.load(objects);
    for (const o of objects) {
      const scope = emulator.registry.scope(o.accountId, o.region);
      if (o.kind === KIND_KEY) scope.setKey(o.id, emulator.vault.open(o.doc as KeyDoc, o.secret));
      else if (o.kind === KIND_ALIAS) scope.setAlias(o.id, o.doc as AliasDoc);
      else if (o.kind === KIND_GRANT) scope.setGrant((o.doc as GrantDoc).keyId, o.id, o.doc as GrantDoc);
      else if (o.kind === KIND_CUSTOM_KEY_STORE)
        scope.setCustomKeyStore(o.id, emulator.openKeyStore(o.doc as CustomKeyStoreDoc, o.secret));
    }
    emulator.keyStoreOptions = {
      cloudHsmDirectory: options.cloudHsmDirectory ?? emulator.cloudHsm,
      xksClient: options.xksClient,
      xksEndpointResolver: options.xksEndpointResolver,
    };
    emulator.connector.resumeAll();
    const interval = options.schedulerIntervalMs ?? 10_000;
    if (interval > 0) {
      emulator.timer = setInterval(() => void emulator.runScheduledTasks().catch(() => undefined), interval);
      emulator.timer.unref();
    }
    return emulator;
  }

  /**
   * Calls one KMS operation as `ctx` would over the AWS API.
   *
   * @throws AppError with `awsName` set to AWS's exception name
   */
  async call<Op extends KmsOperationName>(
    ctx: CallerContext,
    op: Op,
    input: KmsOperations[Op]['input'],
  ): Promise<KmsOperations[Op]['output']> {
    try {
      if (this.closed) throw awsError('KMSInternalException', 'The emulator is closed.');
      if (!ACCOUNT.test(ctx.accountId)) throw awsError('UnrecognizedClientException', 'The account id is not valid.');
      if (!REGION.test(ctx.region)) throw awsError('UnrecognizedClientException', 'The Region is not valid.');
      const handler = OPERATIONS[op];
      if (!handler)
        throw awsError('UnsupportedOperationException', `${op} is not implemented by the opencckm emulator yet`);
      if (this.faultInjector.active) await this.faultInjector.apply(op);
      validateInput(op, input);
      checkGrantTokens(this.registry, (input as { GrantTokens?: string[] } | undefined)?.GrantTokens);
      const authz = this.authorization(ctx, op, input);
      authz.authorizeAccount();
      const output = await handler(this.context(ctx, op, authz), input ?? ({} as KmsOperations[Op]['input']));
      if (TRACKED_OPERATIONS.has(op)) this.recordUsage(op, output as { KeyId?: string; SourceKeyId?: string });
      return output;
    } catch (err) {
      throw toAppError(err);
    }
  }

  /**
   * Replaces the fault-injection rules (an empty list turns faults off). Meant for
   * client tests: make chosen operations throttle (ThrottlingException, HTTP 400), fail
   * with a server fault (KMSInternalException 500, DependencyTimeoutException 503), or
   * answer late. See {@link FaultRule} for the fields.
   *
   * @example
   * emulator.setFaults([
   *   { operation: 'Encrypt', kind: 'throttle', count: 2 },          // the next 2 Encrypt calls throttle
   *   { operation: '*', kind: 'error', rate: 0.05 },                 // 5 % of all calls: KMSInternalException
   *   { operation: 'CreateKey', kind: 'latency', latencyMs: 250 },  // CreateKey answers 250 ms later
   * ]);
   * @throws TypeError for an invalid rule (the previous rules then stay)
   */
  setFaults(rules: readonly FaultRule[]): void {
    this.faultInjector.set(rules);
  }

  /** The active fault rules (rules whose `count` is spent are gone). */
  faults(): FaultRule[] {
    return this.faultInjector.list();
  }

  /**
   * Deletes keys whose deletion date has passed and rotates keys that are due (see
   * core/scheduler.ts), as of `now` (default: the emulator's clock; tests pass a later time).
   */
  async runScheduledTasks(now: Date = this.clock()): Promise<ScheduledTaskResult> {
    const clusterKeys = clusterKeysPendingDeletion(this.registry);
    const result = await runScheduledTasks(this.registry, now, {
      begin: () => new Transaction(this.registry),
      commit: (tx) => this.committer.commit(tx),
      sealEntry: (doc, material) => this.vault.seal(doc, material),
    });
    // Keys of CloudHSM key stores: their material in the cluster goes with them (best effort).
    if (clusterKeys.length > 0)
      await deleteOrphanedClusterKeys(this.registry, this.keyStoreOptions.cloudHsmDirectory, clusterKeys);
    return result;
  }

  /**
   * Resolves when every custom key store connection attempt (ConnectCustomKeyStore's
   * asynchronous part) has recorded its outcome: a deterministic wait for tests.
   */
  async settled(): Promise<void> {
    await this.connector.settled();
  }

  /** Stops the scheduler and waits for queued writes; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.connector.stop();
    await this.connector.settled();
    await this.committer.drain();
    await this.cloudHsm.close();
  }

  private recordUsage(op: string, output: { KeyId?: string; SourceKeyId?: string }): void {
    const at = this.clock().getTime();
    if (output.KeyId)
      this.registry.lastUsage.set(output.KeyId, { operation: op, at, requestId: flatString(randomUUID()) });
    if (output.SourceKeyId)
      this.registry.lastUsage.set(output.SourceKeyId, { operation: op, at, requestId: flatString(randomUUID()) });
  }

  private openKeyStore(doc: CustomKeyStoreDoc, sealed: Uint8Array | null | undefined) {
    if (!sealed) throw new Error(`custom key store ${doc.customKeyStoreId} has no sealed secret`);
    const secret = Buffer.from(openWithRootKey(this.rootKey, `secret/${storeSecretBinding(doc)}`, sealed)).toString(
      'utf8',
    );
    return { doc, secret, sealed };
  }

  private keyStores: OperationContext['keyStores'] | undefined;

  /** The custom key store services every operation context shares (built once, after open). */
  private keyStoreServices(): OperationContext['keyStores'] {
    this.keyStores ??= {
      cloudHsm: this.keyStoreOptions.cloudHsmDirectory,
      xksClient: this.keyStoreOptions.xksClient,
      resolveXksEndpoint: this.keyStoreOptions.xksEndpointResolver,
      startConnect: (accountId, region, id) => this.connector.start(accountId, region, id),
    };
    return this.keyStores;
  }

  /**
   * Explains how the emulator would decide a hypothetical request (see authz/explain.ts),
   * asked by `asker`.
   *
   * @throws ValidationException | NotFoundException | AccessDeniedException
   */
  explain(asker: CallerContext, request: ExplainRequest): AuthzRecord {
    try {
      return explainAccess(
        { registry: this.registry, authorization: (c, op, i) => this.authorization(c, op, i) },
        asker,
        request,
      );
    } catch (err) {
      throw toAppError(err);
    }
  }

  /**
   * The authorization of one call: its principal (the account root unless the caller names
   * one, which must be of the caller's account) and the request it makes.
   *
   * @throws UnrecognizedClientException for a principal that is not one of the account
   */
  authorization(caller: CallerContext, op: string, input: unknown, now = this.clock()): CallAuthorization {
    const arn = caller.principalArn ?? accountRootArn(caller.region, caller.accountId);
    const principal = this.authorizer.identities.principal(arn);
    if (!principal || principal.accountId !== caller.accountId)
      throw awsError('UnrecognizedClientException', `${arn} is not a valid principal of account ${caller.accountId}.`);
    return new CallAuthorization(
      this.authorizer,
      principal,
      op,
      (input ?? {}) as Record<string, unknown>,
      caller.region,
      caller.accountId,
      now,
      this.registry,
      caller.secureTransport === true,
      caller.observer,
    );
  }

  private context(caller: CallerContext, op: KmsOperationName, authz: CallAuthorization): OperationContext {
    const input = authz.input;
    const who = {
      op,
      accountId: caller.accountId,
      region: caller.region,
      authorize: (entry: KeyEntry, opts: ResolveOptions, requestAlias: string | undefined) => {
        const operation = opts.operation ?? (op === 'ReEncrypt' ? 'ReEncryptFrom' : undefined);
        const context =
          opts.encryptionContext ??
          ((op === 'ReEncrypt' ? input.SourceEncryptionContext : input.EncryptionContext) as
            Readonly<Record<string, string>> | undefined);
        authz.authorizeKey(entry, { operation, encryptionContext: context, requestAlias });
      },
    };
    return {
      op,
      accountId: caller.accountId,
      region: caller.region,
      principalArn: authz.principal.arn,
      authz,
      now: authz.now,
      registry: this.registry,
      scope: () => this.registry.scope(caller.accountId, caller.region),
      findKey: (keyId, opts) => resolveKey(this.registry, who, keyId, opts),
      sealEntry: (doc, material) => this.vault.seal(doc, material),
      sealSecret: (binding, data) => sealWithRootKey(this.rootKey, `secret/${binding}`, data),
      openSecret: (binding, sealed) => openWithRootKey(this.rootKey, `secret/${binding}`, sealed),
      keyStores: this.keyStoreServices(),
      begin: () => new Transaction(this.registry),
      commit: (tx) => this.committer.commit(tx),
    };
  }
}

/** Errors leave the emulator as AppErrors; anything else (a store failure, a bug) is KMSInternalException. */
const toAppError = (err: unknown): AppError =>
  asServiceError(err, {
    awsName: 'KMSInternalException',
    message: 'The request was rejected because an internal exception occurred.',
  });
