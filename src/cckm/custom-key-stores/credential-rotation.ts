import { setTimeout as delay } from 'node:timers/promises';
import { assertCanWrite, isAdmin, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { AppError, ConflictError, ForbiddenError } from '../../errors/index.js';
import type { CustomKeyStoreRecord, CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { hostedParams, type CustomKeyStoreService, type StoreView } from './custom-key-store.service.js';
import { withAwsDetails } from './store-sync.js';
import { generateXksCredential, openXksSecret, sealXksSecret } from './xks-credential.js';

/** One proxy credential of a hosted store as `GET /credentials` shows it. */
export interface ShownCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** active: the one AWS holds; pending: the next one during a rotation (the proxy accepts both). */
  status: 'active' | 'pending';
}

export interface StoreCredentials {
  view: StoreView;
  credentials: ShownCredential[];
}

/** The credentials the proxy accepts for a hosted store: the current one, and the next one during a rotation. */
export function acceptedCredentials(box: SecretBox, s: CustomKeyStoreRecord): ShownCredential[] {
  const out: ShownCredential[] = [];
  if (s.xksProxyAccessKeyId && s.xksCredentialEnc)
    out.push({
      accessKeyId: s.xksProxyAccessKeyId,
      secretAccessKey: openXksSecret(box, s.id, s.xksCredentialEnc),
      status: 'active',
    });
  if (s.xksNextAccessKeyId && s.xksNextCredentialEnc)
    out.push({
      accessKeyId: s.xksNextAccessKeyId,
      secretAccessKey: openXksSecret(box, s.id, s.xksNextCredentialEnc),
      status: 'pending',
    });
  return out;
}

/**
 * How long both credentials stay accepted after AWS switched: KMS gives an XKS proxy 250 ms to
 * answer, the emulator EMULATOR_XKS_TIMEOUT_MS (2 s by default); a request signed with the old
 * credential is answered or abandoned by then.
 */
const XKS_CREDENTIAL_GRACE_MS = 2000;

/**
 * The proxy credential of stores opencckm hosts: shown to admins (so an operator can point a
 * client, or a second KMS, at the store), and rotated without a failed request:
 *   1. a new credential is generated and stored next to the current one (the proxy accepts both);
 *   2. AWS is switched to it (UpdateCustomKeyStore, which health-checks it through the proxy);
 *   3. after a grace of `retireAfterMs` (the longest an XKS request that KMS signed with the old
 *      credential before the switch can still be on its way: KMS's XKS request timeout), it
 *      becomes the current one and the old one is retired (no longer accepted).
 * AWS refusing the new credential removes it; an unknown outcome (AWS unreachable) keeps both
 * accepted, and the next rotate-credential resumes that same rotation.
 */
export class XksCredentialRotation {
  constructor(
    private readonly stores: CustomKeyStoreService,
    private readonly repo: CustomKeyStoreRepository,
    private readonly box: SecretBox,
    private readonly retireAfterMs = XKS_CREDENTIAL_GRACE_MS,
  ) {}

  /**
   * The credentials of a hosted store, secrets included: admins only.
   * @throws ForbiddenError unless admin; NotFoundError; ConflictError for a store not hosted or without credential
   */
  async credentials(p: Principal, id: string): Promise<StoreCredentials> {
    if (!isAdmin(p)) throw new ForbiddenError("A store's proxy credentials are shown only to the admin group");
    const view = await this.hosted(p, id);
    const credentials = acceptedCredentials(this.box, view.store);
    if (credentials.length === 0)
      throw new ConflictError(`Custom key store ${id} has no proxy credential yet: link it first`);
    return { view, credentials };
  }

  /**
   * Rotates the proxy credential of a linked hosted store (see the class). The scheduler's
   * `cckm_xks_credential_rotation` calls this with the job owner's principal.
   * @throws NotFoundError; ConflictError for a store not hosted, not linked or gone; AWS errors with their name in `details`
   */
  async rotateCredential(p: Principal, id: string): Promise<StoreView> {
    assertCanWrite(p);
    const v = await this.hosted(p, id);
    if (!v.store.linkedState || !v.store.customKeyStoreId || !v.store.xksProxyAccessKeyId)
      throw new ConflictError(`Custom key store ${id} is not linked to AWS; link it first`);
    this.stores.assertPresent(v.store);
    const next = await this.pendingOrNew(v.store);
    const provider = await this.stores.providerOf(v);
    try {
      await provider.kms('UpdateCustomKeyStore', {
        CustomKeyStoreId: v.store.customKeyStoreId,
        XksProxyAuthenticationCredential: { AccessKeyId: next.accessKeyId, RawSecretAccessKey: next.secretAccessKey },
      });
    } catch (err) {
      if (err instanceof AppError && err.fault === 'client')
        await this.repo.abortRotation(v.store.id, next.accessKeyId);
      else {
        const reason = err instanceof Error ? err.message : 'unknown error';
        await this.repo.update(v.store.id, {
          lastError: `Credential rotation outcome unknown (${reason}); both credentials stay accepted: rotate again to finish`,
        });
      }
      throw withAwsDetails(err);
    }
    // Requests KMS signed with the old credential just before the switch may still arrive.
    await delay(this.retireAfterMs);
    // A concurrent rotation may have completed this one already: the record is read again either way.
    await this.repo.completeRotation(v.store.id, next.accessKeyId);
    const store = await this.repo.update(v.store.id, { lastError: null });
    return this.stores.sync({ store, kms: v.kms }).catch(() => ({ store, kms: v.kms }));
  }

  /** The rotation under way (resumed), or a new one. @throws ConflictError when another starts at the same time */
  private async pendingOrNew(s: CustomKeyStoreRecord): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    if (s.xksNextAccessKeyId && s.xksNextCredentialEnc)
      return {
        accessKeyId: s.xksNextAccessKeyId,
        secretAccessKey: openXksSecret(this.box, s.id, s.xksNextCredentialEnc),
      };
    const fresh = generateXksCredential();
    const sealed = sealXksSecret(this.box, s.id, fresh.secretAccessKey);
    if (!(await this.repo.beginRotation(s.id, fresh.accessKeyId, sealed)))
      throw new ConflictError(`Custom key store ${s.id} is already rotating its credential; read it and retry`);
    return fresh;
  }

  private async hosted(p: Principal, id: string): Promise<StoreView> {
    const v = await this.stores.find(p, id);
    if (!hostedParams(v.store))
      throw new ConflictError(`Custom key store ${id} is not hosted by opencckm; it has no proxy credential here`);
    return v;
  }
}
