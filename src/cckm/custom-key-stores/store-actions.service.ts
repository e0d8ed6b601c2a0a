import type { Principal } from '../../auth/principal.js';
import type { KmsPermission } from '../kms/kms-acls.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { PrincipalFields } from '../templates/principal-fields.js';
import type { AwsKeyParams } from '../keys/create-key-request.js';
import type { KeyService } from '../keys/key.service.js';
import type { KeyView } from '../keys/key-view.js';
import type { CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { hostedParams, type CustomKeyStoreService, type StoreView } from './custom-key-store.service.js';
import { checkAwsParams } from './store-request.js';
import { withAwsDetails } from './store-sync.js';

/** The source keys opencckm's XKS proxy holds (implemented by the XKS key service). */
export interface HyokSourceKeys {
  /**
   * The XKS key id to use: `sourceKeyId` when the account has that key (enabled), or a new
   * key when it is undefined. @throws ValidationError naming `local_hosted_params.source_key_id`
   */
  ensureSourceKey(account: string, sourceKeyId: string | undefined): Promise<string>;
}

/** Key fields of `create-aws-key` and `create-hyok-key` (the key create body without kms/region). */
export interface StoreKeyInput extends PrincipalFields {
  aws_param?: Pick<AwsKeyParams, 'Alias' | 'Description' | 'Policy' | 'Tags' | 'BypassPolicyLockoutSafetyCheck'>;
  policytemplate?: string;
}

export interface HyokKeyInput extends StoreKeyInput {
  local_hosted_params: {
    custom_key_store_id: string;
    source_key_id?: string;
    source_key_tier?: 'local';
    blocked?: boolean;
    linked_state?: boolean;
  };
}

/** What `GET /custom-key-stores/{id}/health` answers. */
export interface StoreHealth {
  view: StoreView;
  healthy: boolean;
  reason: string | null;
}

/**
 * Actions on custom key stores: connect/disconnect (asynchronous in AWS: the answer shows
 * CONNECTING, clients poll GET), link/block/unblock for stores opencckm hosts, health, and
 * keys in stores (reusing the key service, so records and policies work as for other keys).
 */
export class CustomKeyStoreActions {
  constructor(
    private readonly stores: CustomKeyStoreService,
    private readonly repo: CustomKeyStoreRepository,
    private readonly keys: KeyService,
    private readonly sourceKeys?: HyokSourceKeys,
  ) {}

  /**
   * Starts connecting a store (ConnectCustomKeyStore). With `key_store_password` (CloudHSM),
   * the kmsuser password AWS holds is replaced first (AWS allows that only while disconnected).
   * @throws ConflictError for an unlinked or gone store; AWS errors with their name in `details`
   */
  async connect(p: Principal, id: string, body: { key_store_password?: string } = {}): Promise<StoreView> {
    const v = await this.linked(p, id, 'keystoreconnect');
    const provider = await this.stores.providerOf(v);
    if (body.key_store_password !== undefined) {
      if (v.store.type !== 'AWS_CLOUDHSM')
        throw ValidationError.field('key_store_password', 'applies only to AWS_CLOUDHSM stores');
      checkAwsParams({ key_store_password: body.key_store_password });
      await provider
        .kms('UpdateCustomKeyStore', {
          CustomKeyStoreId: v.store.customKeyStoreId!,
          KeyStorePassword: body.key_store_password,
        })
        .catch((err: unknown) => {
          throw withAwsDetails(err);
        });
    }
    await provider
      .kms('ConnectCustomKeyStore', { CustomKeyStoreId: v.store.customKeyStoreId! })
      .catch((err: unknown) => {
        throw withAwsDetails(err);
      });
    return this.stores.sync(v);
  }

  async disconnect(p: Principal, id: string): Promise<StoreView> {
    const v = await this.linked(p, id, 'keystoredisconnect');
    const provider = await this.stores.providerOf(v);
    await provider
      .kms('DisconnectCustomKeyStore', { CustomKeyStoreId: v.store.customKeyStoreId! })
      .catch((err: unknown) => {
        throw withAwsDetails(err);
      });
    return this.stores.sync(v);
  }

  /** Creates an unlinked hosted store in AWS. @throws ConflictError when already linked or not hosted */
  async link(p: Principal, id: string): Promise<StoreView> {
    const v = await this.stores.find(p, id, 'keystorelink');
    if (!hostedParams(v.store))
      throw new ConflictError(`Custom key store ${id} is not hosted by opencckm; only hosted stores are linked`);
    if (v.store.linkedState) throw new ConflictError(`Custom key store ${id} is already linked`);
    const provider = await this.stores.providerOf(v);
    return this.stores.linkHosted(v, provider).catch((err: unknown) => {
      throw withAwsDetails(err);
    });
  }

  /** Blocks (or unblocks) a hosted store: its proxy refuses every call with AccessDeniedException. */
  async setBlocked(p: Principal, id: string, blocked: boolean): Promise<StoreView> {
    const v = await this.stores.find(p, id, blocked ? 'keystoreblock' : 'keystoreunblock');
    const hosted = hostedParams(v.store);
    if (!hosted)
      throw new ConflictError(`Custom key store ${id} is not hosted by opencckm; only hosted stores can be blocked`);
    return { store: await this.repo.update(v.store.id, { localHostedParams: { ...hosted, blocked } }), kms: v.kms };
  }

  /** The store re-read from AWS, and whether it can serve keys now. */
  async health(p: Principal, id: string): Promise<StoreHealth> {
    let v = await this.stores.find(p, id, 'viewkeystore');
    if (v.store.customKeyStoreId && !v.store.gone) v = await this.stores.sync(v);
    const s = v.store;
    const reason = !s.linkedState
      ? 'not linked: the store does not exist in AWS yet'
      : s.gone
        ? 'the store no longer exists in AWS'
        : hostedParams(s)?.blocked
          ? 'blocked: the XKS proxy refuses every request'
          : s.connectionState !== 'CONNECTED'
            ? `connection state ${s.connectionState ?? 'unknown'}${s.connectionErrorCode ? ` (${s.connectionErrorCode})` : ''}`
            : null;
    return { view: v, healthy: reason === null, reason };
  }

  /** A KMS key in a CloudHSM store (Origin AWS_CLOUDHSM). */
  async createAwsKey(p: Principal, id: string, input: StoreKeyInput): Promise<KeyView> {
    const v = await this.linked(p, id, 'cloudhsmkeycreate');
    if (v.store.type !== 'AWS_CLOUDHSM')
      throw new ConflictError(`Custom key store ${id} is an external key store; use create-hyok-key`);
    return this.keys.create(p, {
      ...input,
      kms: v.kms.id,
      region: v.store.region,
      aws_param: { ...input.aws_param, Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: v.store.customKeyStoreId! },
    });
  }

  /**
   * A KMS key in an external store opencckm hosts (HYOK): the proxy's source key (given or
   * new), then CreateKey with Origin EXTERNAL_KEY_STORE and that XksKeyId.
   */
  async createHyokKey(p: Principal, input: HyokKeyInput): Promise<KeyView> {
    const lp = input.local_hosted_params;
    const v = await this.linked(p, lp.custom_key_store_id, 'hyokkeycreate', 'local_hosted_params.custom_key_store_id');
    if (!hostedParams(v.store)) {
      throw ValidationError.field(
        'local_hosted_params.custom_key_store_id',
        'is not a store opencckm hosts; create keys in other external stores with POST /cckm/aws/keys and aws_param.XksKeyId',
      );
    }
    if (lp.linked_state === false)
      throw ValidationError.field(
        'local_hosted_params.linked_state',
        'unlinked HYOK keys are not supported; omit it or set true',
      );
    let xksKeyId = lp.source_key_id;
    if (this.sourceKeys) xksKeyId = await this.sourceKeys.ensureSourceKey(p.account, lp.source_key_id);
    if (!xksKeyId)
      throw ValidationError.field(
        'local_hosted_params.source_key_id',
        'is required (this server cannot create proxy source keys)',
      );
    const { local_hosted_params: _ignored, ...keyInput } = input;
    void _ignored;
    return this.keys.create(p, {
      ...keyInput,
      kms: v.kms.id,
      region: v.store.region,
      aws_param: {
        ...input.aws_param,
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: v.store.customKeyStoreId!,
        XksKeyId: xksKeyId,
      },
    });
  }

  /** A store of the caller's account that exists in AWS, for a change. */
  private async linked(p: Principal, id: string, need: KmsPermission, field?: string): Promise<StoreView> {
    const v = await this.stores.find(p, id, need).catch((err: unknown) => {
      if (field && err instanceof NotFoundError) throw ValidationError.field(field, 'no custom key store with this id');
      throw err;
    });
    if (!v.store.linkedState || !v.store.customKeyStoreId)
      throw new ConflictError(`Custom key store ${id} is not linked to AWS; link it first`);
    this.stores.assertPresent(v.store);
    return v;
  }
}
