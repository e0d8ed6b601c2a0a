import { randomBytes } from 'node:crypto';
import { AppError, asServiceError, awsError } from '../../errors/index.js';
import { openWithRootKey, sealWithRootKey } from '../crypto/envelope-codec.js';
import type { CallerContext } from '../operations/context.js';
import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from '../store/emulator-store.js';
import { sameCertificate } from './certificates.js';
import {
  findCluster as findOwnCluster,
  HSM_OPERATIONS,
  type HsmOperationContext,
  type HsmOperationName,
  type HsmOperations,
} from './cluster-operations.js';
import {
  KIND_HSM_CLUSTER,
  KIND_HSM_KEY,
  KIND_HSM_USER,
  liveHsms,
  stateAt,
  type ClusterDoc,
  type HsmKeyDoc,
  type HsmUserDoc,
} from './cluster-record.js';
import { DEFAULT_SCRYPT_LOG_N, gcmDecrypt, gcmEncrypt, hashPassword, verifyPassword } from './cluster-secrets.js';
import type { CloudHsmDirectory, HsmClusterView, KmsUserLogin } from './directory.js';

export type { HsmOperationName, HsmOperations } from './cluster-operations.js';

/** Options of {@link CloudHsmEmulator}; the store, root key and clock are the KMS emulator's. */
export interface CloudHsmEmulatorOptions {
  store: EmulatorStore;
  rootKey: Uint8Array;
  clock: () => Date;
  /**
   * How long asynchronous transitions take (cluster creation, initialization and deletion,
   * HSM creation and deletion), in ms of the clock. A resource shows its *_IN_PROGRESS
   * state until then and its final state on any read after. Default 300; 0 = immediate.
   */
  transitionMs?: number;
  /** log2 of scrypt's N for HSM user passwords (10–20, default 14); stored hashes keep theirs. */
  scryptLogN?: number;
}

/** Consecutive failed logins after which a crypto user is locked out (until its password is set again). */
export const MAX_FAILED_LOGINS = 5;

const REGION = /^([a-z]+-){2,3}\d+$/;
const ACCOUNT = /^\d{12}$/;
const USERNAME = /^[a-zA-Z0-9_]{1,31}$/;

interface KeyEntry {
  doc: HsmKeyDoc;
  material: Uint8Array;
}

const scopeOf = (accountId: string, region: string): string => `${accountId}\u0000${region}`;
const userRef = (accountId: string, region: string, clusterId: string, username: string): ObjectRef => ({
  kind: KIND_HSM_USER,
  accountId,
  region,
  id: `${clusterId}/${username}`,
});
const keyBinding = (accountId: string, region: string, doc: HsmKeyDoc): string =>
  `hsm-key/${accountId}/${region}/${doc.clusterId}/${doc.handle}`;

/**
 * A simulated AWS CloudHSM v2 service: clusters with HSMs in availability zones, their
 * asynchronous state machine, a real X.509 chain per cluster, crypto users (the `kmsuser`
 * that KMS logs in as) and cluster keys for KMS keys in AWS_CLOUDHSM key stores.
 *
 * State lives in memory and every change is written through the emulator's store before
 * it is acknowledged (kinds `hsm-cluster`, `hsm-user`, `hsm-key`). Changes run one at a
 * time, so a write that fails leaves memory untouched. Implements {@link CloudHsmDirectory}
 * for the KMS side.
 */
export class CloudHsmEmulator implements CloudHsmDirectory {
  private readonly clusters = new Map<string, Map<string, ClusterDoc>>();
  private readonly users = new Map<string, HsmUserDoc & { accountId: string; region: string }>();
  private readonly keys = new Map<string, KeyEntry>();
  private readonly store: EmulatorStore;
  private readonly rootKey: Uint8Array;
  private readonly clock: () => Date;
  private readonly transitionMs: number;
  private readonly scryptLogN: number;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: CloudHsmEmulatorOptions) {
    if (options.rootKey.length !== 32) throw new Error('the emulator root key must be 32 bytes');
    const t = options.transitionMs ?? 300;
    if (!Number.isInteger(t) || t < 0) throw new Error('transitionMs must be a non-negative integer');
    this.store = options.store;
    this.rootKey = options.rootKey;
    this.clock = options.clock;
    this.transitionMs = t;
    const logN = options.scryptLogN ?? DEFAULT_SCRYPT_LOG_N;
    if (!Number.isInteger(logN) || logN < 10 || logN > 20)
      throw new Error('scryptLogN must be an integer from 10 to 20');
    this.scryptLogN = logN;
  }

  /**
   * Loads this service's objects from what the store returned at open (other kinds are ignored).
   *
   * @throws Error when a sealed cluster key does not open under the root key
   */
  load(objects: readonly StoredObject[]): void {
    for (const o of objects) {
      if (o.kind === KIND_HSM_CLUSTER) this.scope(o.accountId, o.region).set(o.id, o.doc as ClusterDoc);
      else if (o.kind === KIND_HSM_USER) {
        const doc = o.doc as HsmUserDoc;
        this.users.set(this.userKey(o.accountId, o.region, doc.clusterId, doc.username), {
          ...doc,
          accountId: o.accountId,
          region: o.region,
        });
      } else if (o.kind === KIND_HSM_KEY) {
        const doc = o.doc as HsmKeyDoc;
        if (!o.secret) throw new Error(`the cluster key ${o.id} has no sealed material`);
        this.keys.set(`${scopeOf(o.accountId, o.region)}\u0000${doc.handle}`, {
          doc,
          material: openWithRootKey(this.rootKey, keyBinding(o.accountId, o.region, doc), o.secret),
        });
      }
    }
  }

  /**
   * Calls one CloudHSM v2 operation as `caller` would over the AWS API.
   *
   * @throws AppError with the CloudHSM exception name (CloudHsmInvalidRequestException,
   *   CloudHsmResourceNotFoundException, CloudHsmInternalFailureException, ...)
   */
  async call<Op extends HsmOperationName>(
    caller: CallerContext,
    op: Op,
    input: HsmOperations[Op]['input'],
  ): Promise<HsmOperations[Op]['output']> {
    try {
      if (this.closed) throw awsError('CloudHsmInternalFailureException', 'The emulator is closed.');
      if (!ACCOUNT.test(caller.accountId))
        throw awsError('CloudHsmAccessDeniedException', 'The account id is not valid.');
      if (!REGION.test(caller.region)) throw awsError('CloudHsmInvalidRequestException', 'The Region is not valid.');
      const entry = Object.hasOwn(HSM_OPERATIONS, op) ? HSM_OPERATIONS[op] : undefined;
      if (!entry)
        throw awsError('UnsupportedOperationException', `CloudHSM ${op} is not implemented by the opencckm emulator`);
      const run = () => entry.run(this.context(caller.accountId, caller.region), input);
      return (await (entry.mutates ? this.exclusive(run) : run())) as HsmOperations[Op]['output'];
    } catch (err) {
      throw toAppError(err);
    }
  }

  /**
   * Activates an INITIALIZED cluster (the CloudHSM CLI's `cluster activate`): sets the
   * crypto officer's password (kept as a scrypt hash) and makes the cluster ACTIVE at once.
   *
   * @throws AppError CloudHsmResourceNotFoundException | CloudHsmInvalidRequestException
   *   (not INITIALIZED, no active HSM, password not 7–32 characters)
   */
  async activate(accountId: string, region: string, clusterId: string, coPassword: string): Promise<void> {
    await this.admin(accountId, region, async (ctx) => {
      const doc = findOwnCluster(ctx, clusterId);
      checkPassword(coPassword, 'password');
      const state = stateAt(doc, ctx.now);
      if (state !== 'INITIALIZED')
        throw awsError(
          'CloudHsmInvalidRequestException',
          `The cluster ${clusterId} is ${state}; only an INITIALIZED cluster can be activated.`,
        );
      if (!liveHsms(doc, ctx.now).some((h) => stateAt(h, ctx.now) === 'ACTIVE'))
        throw awsError('CloudHsmInvalidRequestException', `The cluster ${clusterId} has no active HSM.`);
      await ctx.save({
        ...doc,
        state: 'ACTIVE',
        pending: undefined,
        settlesAt: undefined,
        stateMessage: undefined,
        coPasswordHash: hashPassword(coPassword, this.scryptLogN),
      });
    });
  }

  /**
   * Creates a crypto user, or sets its password and unlocks it (what an operator does
   * with the CloudHSM CLI for `kmsuser`). On an INITIALIZED cluster this first activates
   * the cluster with the same password, so one call makes a fresh cluster usable by KMS.
   *
   * @throws AppError CloudHsmResourceNotFoundException | CloudHsmInvalidRequestException
   *   (cluster neither INITIALIZED nor ACTIVE, bad username, password not 7–32 characters)
   */
  async setCryptoUser(
    accountId: string,
    region: string,
    clusterId: string,
    username: string,
    password: string,
  ): Promise<void> {
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      throw awsError('CloudHsmInvalidRequestException', 'username must be 1–31 letters, digits or underscores.');
    }
    checkPassword(password, 'password');
    const state = this.findCluster(accountId, region, clusterId)?.state;
    if (state === 'INITIALIZED') await this.activate(accountId, region, clusterId, password);
    await this.admin(accountId, region, async (ctx) => {
      const doc = findOwnCluster(ctx, clusterId);
      const now = stateAt(doc, ctx.now);
      if (now !== 'ACTIVE' && now !== 'DEGRADED')
        throw awsError(
          'CloudHsmInvalidRequestException',
          `The cluster ${clusterId} is ${now}; initialize and activate it first.`,
        );
      const user: HsmUserDoc = {
        clusterId,
        username,
        passwordHash: hashPassword(password, this.scryptLogN),
        failedLogins: 0,
        lockedOut: false,
      };
      await this.store.apply({
        put: [{ ...userRef(accountId, region, clusterId, username), doc: user, secret: null }],
      });
      this.users.set(this.userKey(accountId, region, clusterId, username), { ...user, accountId, region });
    });
  }

  /** The account and Region of a cluster (ids are unique across both), for the admin endpoint. */
  locateCluster(clusterId: string): { accountId: string; region: string } | undefined {
    for (const scope of this.clusters.values()) {
      const doc = scope.get(clusterId);
      if (doc) return { accountId: doc.accountId, region: doc.region };
    }
    return undefined;
  }

  findCluster(accountId: string, region: string, clusterId: string): HsmClusterView | undefined {
    const doc = this.clusters.get(scopeOf(accountId, region))?.get(clusterId);
    const now = this.clock();
    if (!doc || stateAt(doc, now) === 'DELETED') return undefined;
    return {
      clusterId,
      state: stateAt(doc, now),
      activeHsms: liveHsms(doc, now)
        .filter((h) => stateAt(h, now) === 'ACTIVE')
        .map((h) => ({ hsmId: h.hsmId, availabilityZone: h.availabilityZone })),
      ...(doc.trustAnchor ? { trustAnchorPem: doc.trustAnchor } : {}),
      securityGroup: doc.securityGroup,
    };
  }

  isTrustAnchor(accountId: string, region: string, clusterId: string, pem: string): boolean {
    const anchor = this.findCluster(accountId, region, clusterId)?.trustAnchorPem;
    return anchor !== undefined && typeof pem === 'string' && sameCertificate(anchor, pem);
  }

  /**
   * Logs `kmsuser` in. Each failure counts; after {@link MAX_FAILED_LOGINS} consecutive
   * failures the user is locked out and even the right password answers USER_LOCKED_OUT.
   * The counter is persisted in the background (this method is synchronous by contract).
   */
  loginKmsUser(accountId: string, region: string, clusterId: string, password: string): KmsUserLogin {
    if (!this.findCluster(accountId, region, clusterId)) return 'USER_NOT_FOUND';
    const key = this.userKey(accountId, region, clusterId, 'kmsuser');
    const user = this.users.get(key);
    if (!user) return 'USER_NOT_FOUND';
    if (user.lockedOut) return 'USER_LOCKED_OUT';
    const ok = typeof password === 'string' && verifyPassword(password, user.passwordHash);
    if (ok && user.failedLogins === 0) return 'OK';
    const next = ok
      ? { ...user, failedLogins: 0 }
      : { ...user, failedLogins: user.failedLogins + 1, lockedOut: user.failedLogins + 1 >= MAX_FAILED_LOGINS };
    this.users.set(key, next);
    if (!this.closed) this.persistUserLater(key, userRef(accountId, region, clusterId, 'kmsuser'));
    return ok ? 'OK' : next.lockedOut ? 'USER_LOCKED_OUT' : 'INVALID_CREDENTIALS';
  }

  /**
   * Queues a write of a user's current state (its login counters). A failed write is
   * dropped: memory then counts more failures than the store, which errs toward lockout.
   */
  private persistUserLater(key: string, ref: ObjectRef): void {
    void this.exclusive(async () => {
      const current = this.users.get(key);
      if (!current) return;
      const { accountId: _a, region: _r, ...doc } = current;
      await this.store.apply({ put: [{ ...ref, doc, secret: null }] });
    }).catch(() => undefined);
  }

  createClusterKey(accountId: string, region: string, clusterId: string, label: string): Promise<string> {
    return this.exclusive(async () => {
      if (this.closed) throw awsError('CloudHsmInternalFailureException', 'The emulator is closed.');
      if (typeof label !== 'string' || label.length < 1 || label.length > 256)
        throw awsError('CloudHsmInvalidRequestException', 'label must be 1–256 characters.');
      const view = this.findCluster(accountId, region, clusterId);
      if (!view)
        throw awsError('CloudHsmClusterNotFoundException', `The CloudHSM cluster ${clusterId} does not exist.`);
      if (view.state !== 'ACTIVE')
        throw awsError(
          'CloudHsmClusterNotActiveException',
          `The CloudHSM cluster ${clusterId} is ${view.state}, not ACTIVE.`,
        );
      if (new Set(view.activeHsms.map((h) => h.availabilityZone)).size < 2) {
        throw awsError(
          'CloudHsmClusterInvalidConfigurationException',
          `The CloudHSM cluster ${clusterId} needs active HSMs in at least two availability zones.`,
        );
      }
      const doc: HsmKeyDoc = {
        clusterId,
        handle: randomBytes(8).toString('hex'),
        label,
        createdAt: this.clock().toISOString(),
      };
      const material = new Uint8Array(randomBytes(32));
      const secret = sealWithRootKey(this.rootKey, keyBinding(accountId, region, doc), material);
      await this.store.apply({ put: [{ kind: KIND_HSM_KEY, accountId, region, id: doc.handle, doc, secret }] });
      this.keys.set(`${scopeOf(accountId, region)}\u0000${doc.handle}`, { doc, material });
      return doc.handle;
    }).catch(rethrow);
  }

  clusterEncrypt(
    accountId: string,
    region: string,
    clusterId: string,
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array {
    return gcmEncrypt(this.usableKey(accountId, region, clusterId, handle).material, plaintext, aad);
  }

  clusterDecrypt(
    accountId: string,
    region: string,
    clusterId: string,
    handle: string,
    blob: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array {
    return gcmDecrypt(this.usableKey(accountId, region, clusterId, handle).material, blob, aad);
  }

  deleteClusterKey(accountId: string, region: string, clusterId: string, handle: string): Promise<void> {
    return this.exclusive(async () => {
      const id = `${scopeOf(accountId, region)}\u0000${handle}`;
      const entry = this.keys.get(id);
      if (!entry || entry.doc.clusterId !== clusterId) return;
      await this.store.apply({ delete: [{ kind: KIND_HSM_KEY, accountId, region, id: handle }] });
      this.keys.delete(id);
      entry.material.fill(0);
    }).catch(rethrow);
  }

  /** Refuses new calls and waits for the writes in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail.catch(() => undefined);
  }

  /**
   * A cluster key usable for crypto: it exists in this cluster and the cluster has an ACTIVE HSM.
   * @throws AppError KMSInvalidStateException (key material gone, no active HSM)
   */
  private usableKey(accountId: string, region: string, clusterId: string, handle: string): KeyEntry {
    const entry = this.keys.get(`${scopeOf(accountId, region)}\u0000${handle}`);
    if (!entry || entry.doc.clusterId !== clusterId)
      throw awsError('KMSInvalidStateException', 'The key material of this KMS key is not in its CloudHSM cluster.');
    if (!this.findCluster(accountId, region, clusterId)?.activeHsms.length)
      throw awsError('KMSInvalidStateException', `The CloudHSM cluster ${clusterId} has no active HSM.`);
    return entry;
  }

  private admin(accountId: string, region: string, fn: (ctx: HsmOperationContext) => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) throw awsError('CloudHsmInternalFailureException', 'The emulator is closed.');
      await fn(this.context(accountId, region));
    }).catch(rethrow);
  }

  /** Runs changes one at a time: each reads the state the previous one left. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private scope(accountId: string, region: string): Map<string, ClusterDoc> {
    const key = scopeOf(accountId, region);
    let m = this.clusters.get(key);
    if (!m) this.clusters.set(key, (m = new Map()));
    return m;
  }

  private userKey(accountId: string, region: string, clusterId: string, username: string): string {
    return `${scopeOf(accountId, region)}\u0000${clusterId}\u0000${username}`;
  }

  private context(accountId: string, region: string): HsmOperationContext {
    return {
      accountId,
      region,
      now: this.clock(),
      transitionMs: this.transitionMs,
      clusters: () => [...(this.clusters.get(scopeOf(accountId, region))?.values() ?? [])],
      save: (doc, options) => this.saveCluster(doc, options?.purge === true),
    };
  }

  /** Writes a cluster (and, when purging, deletes its users and keys), then updates memory. */
  private async saveCluster(doc: ClusterDoc, purge: boolean): Promise<void> {
    const { accountId, region, clusterId } = doc;
    const change: StoreChange = {
      put: [{ kind: KIND_HSM_CLUSTER, accountId, region, id: clusterId, doc, secret: null }],
      delete: [],
    };
    const prefix = `${scopeOf(accountId, region)}\u0000`;
    const users = purge ? [...this.users].filter(([k, u]) => k.startsWith(prefix) && u.clusterId === clusterId) : [];
    const keys = purge ? [...this.keys].filter(([k, e]) => k.startsWith(prefix) && e.doc.clusterId === clusterId) : [];
    for (const [, u] of users) change.delete!.push(userRef(accountId, region, clusterId, u.username));
    for (const [, e] of keys) change.delete!.push({ kind: KIND_HSM_KEY, accountId, region, id: e.doc.handle });
    await this.store.apply(change);
    this.scope(accountId, region).set(clusterId, doc);
    for (const [k] of users) this.users.delete(k);
    for (const [k, e] of keys) {
      this.keys.delete(k);
      e.material.fill(0);
    }
  }
}

function checkPassword(password: unknown, field: string): void {
  if (typeof password !== 'string' || password.length < 7 || password.length > 32) {
    throw awsError('CloudHsmInvalidRequestException', `${field} must be 7–32 characters.`);
  }
}

/** Errors leave as AppErrors; anything else (a store failure, a bug) is CloudHsmInternalFailureException. */
const toAppError = (err: unknown): AppError =>
  asServiceError(err, {
    awsName: 'CloudHsmInternalFailureException',
    message: 'The request was rejected because of an internal failure.',
  });

const rethrow = (err: unknown): never => {
  throw toAppError(err);
};
