import { randomUUID } from 'node:crypto';
import type { CreateCustomKeyStoreRequest } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import { restrictKmsIds, type KmsPermission } from '../kms/kms-acls.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import type { ListQuery, Page } from '../common/list.js';
import type { KmsAccountRecord } from '../common/records.js';
import type { KmsService } from '../kms/kms.service.js';
import { precheckCluster } from './cloudhsm-precheck.js';
import type {
  CustomKeyStoreFilter,
  CustomKeyStoreRecord,
  CustomKeyStoreRepository,
} from './custom-key-store.repository.js';
import {
  checkCreate,
  createStoreInput,
  updateStoreInput,
  type CreateStoreInput,
  type LocalHostedParams,
  type UpdateStoreInput,
} from './store-request.js';
import { readStoreColumns, withAwsDetails } from './store-sync.js';
import { unusedCloudHsmClusters, type UnusedCluster, type UnusedClustersInput } from './unused-clusters.js';
import type { EventSink } from '../notifications/webhook-events.js';
import { generateXksCredential, sealXksSecret } from './xks-credential.js';

/** A store record with its KMS account, as the API shows it. */
export interface StoreView {
  store: CustomKeyStoreRecord;
  kms: KmsAccountRecord;
}

export interface CustomKeyStoreOptions {
  /**
   * `https://host` (no port, no path) under which AWS KMS reaches opencckm's XKS proxy
   * (CCKM_XKS_PROXY_PUBLIC_ENDPOINT). Without it, stores opencckm hosts cannot be linked.
   */
  xksProxyPublicEndpoint?: string;
  /** A linked store's record older than this is re-read from AWS on GET (default 3 s). */
  staleAfterMs?: number;
  /**
   * The service verifies client certificates (TLS with CCKM_TLS_CLIENT_CA): only then can a
   * hosted store have `mtls_enabled`, which its XKS proxy enforces.
   */
  clientCertificates?: boolean;
  /** custom_key_store.connection_failed is published here when a re-read finds a store newly FAILED. */
  events?: EventSink;
}

/** How a record whose CreateCustomKeyStore outcome is unknown starts its last_error (GET reconciles it). */
const OUTCOME_UNKNOWN = 'Creation outcome unknown';

/** The XksProxyUriPath of a store opencckm hosts: its route under the REST API. */
const xksProxyPath = (storeId: string) => `/api/v1/cckm/aws/xks-proxy-endpoints/${storeId}/kms/xks/v1`;

/** The stored `local_hosted_params` of a hosted store (null for others). */
export function hostedParams(s: CustomKeyStoreRecord): (LocalHostedParams & { blocked: boolean }) | null {
  return s.localHostedParams ? { blocked: false, ...(s.localHostedParams as LocalHostedParams) } : null;
}

/**
 * Custom key stores (CloudHSM and external) of KMS accounts: records in opencckm, the
 * stores themselves in AWS KMS. Every change calls AWS first where AWS holds the store and
 * then re-reads it (DescribeCustomKeyStores), so records show AWS's connection state.
 */
export class CustomKeyStoreService {
  private readonly staleAfterMs: number;

  constructor(
    private readonly repo: CustomKeyStoreRepository,
    private readonly kms: KmsService,
    private readonly box: SecretBox,
    private readonly options: CustomKeyStoreOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 3000;
  }

  /**
   * A store; a linked one whose record is stale (or in a CONNECTING/DISCONNECTING state) is re-read from AWS first. AWS being
   * unreachable does not fail the read: the stored record is answered as it is.
   * @throws NotFoundError (also for another account's store)
   */
  async get(p: Principal, id: string): Promise<StoreView> {
    const v = await this.find(p, id, 'viewkeystore');
    const age = v.store.syncedAt ? Date.now() - v.store.syncedAt.getTime() : Infinity;
    // Clients poll GET while a store is connecting or disconnecting: those states are always re-read.
    const moving = v.store.connectionState === 'CONNECTING' || v.store.connectionState === 'DISCONNECTING';
    const unsure = !v.store.customKeyStoreId && v.store.lastError?.startsWith(OUTCOME_UNKNOWN) === true;
    if (!unsure && (!v.store.customKeyStoreId || v.store.gone || (age < this.staleAfterMs && !moving))) return v;
    try {
      return unsure ? await this.reconcile(v) : await this.sync(v);
    } catch (err) {
      if (err instanceof AppError && err.fault === 'server') return v;
      throw err;
    }
  }

  async list(p: Principal, filter: CustomKeyStoreFilter & { kms?: string[] }, q: ListQuery): Promise<Page<StoreView>> {
    const { kms: kmsRefs, ...rest } = filter;
    if (kmsRefs) {
      const ids: string[] = [];
      for (const ref of kmsRefs) {
        const k = await this.kms.find(p, ref).catch(() => undefined);
        if (k) ids.push(k.id);
      }
      if (ids.length === 0) return { skip: q.skip, limit: q.limit, total: 0, resources: [] };
      rest.kmsIds = ids;
    }
    // Only the KMS accounts whose stores the caller may view (viewkeystore): a list filters.
    rest.kmsIds = restrictKmsIds(rest.kmsIds, await this.kms.acls.viewableKmsIds(p, 'viewkeystore'));
    if (rest.kmsIds?.length === 0) return { skip: q.skip, limit: q.limit, total: 0, resources: [] };
    const { total, rows } = await this.repo.list(p.account, rest, q);
    const resources: StoreView[] = [];
    for (const store of rows) resources.push({ store, kms: await this.kms.find(p, store.kmsId) });
    return { skip: q.skip, limit: q.limit, total, resources };
  }

  /**
   * Creates a store: the record first, then (unless it is a hosted store created unlinked)
   * the store in AWS. A CloudHSM cluster is checked with DescribeClusters before AWS is asked.
   * @throws ValidationError naming the field (also for the cluster pre-checks); ConflictError
   *   for a name in use; AWS errors with their name in `details`
   */
  async create(p: Principal, input: CreateStoreInput): Promise<StoreView> {
    const kms = await this.kms.acls.assertPermitted(p, await this.kms.find(p, input.kms, 'kms'), 'keystoreadd');
    if (!kms.regions.includes(input.region)) {
      throw ValidationError.field('region', `${input.region} is not one of the regions of KMS account ${kms.name}`);
    }
    checkCreate(input);
    const type = input.aws_param.custom_key_store_type ?? 'AWS_CLOUDHSM';
    const hosted = input.local_hosted_params;
    const linked = hosted ? (input.linked_state ?? false) : true;
    if (hosted?.mtls_enabled && !this.options.clientCertificates) {
      throw ValidationError.field(
        'local_hosted_params.mtls_enabled',
        'needs the service to verify client certificates: run it with CCKM_TLS_CERT, CCKM_TLS_KEY and CCKM_TLS_CLIENT_CA',
      );
    }
    if (hosted && linked) this.publicEndpoint('linked_state');
    const { provider } = await this.kms.provider(kms, input.region);
    if (type === 'AWS_CLOUDHSM')
      await precheckCluster(provider, input.aws_param.cloud_hsm_cluster_id!, input.aws_param.trust_anchor_certificate!);

    const id = randomUUID();
    const a = input.aws_param;
    const store = await this.repo.create({
      id,
      account: p.account,
      kmsId: kms.id,
      region: input.region,
      name: input.name,
      type,
      linkedState: false,
      customKeyStoreId: null,
      connectionState: null,
      connectionErrorCode: null,
      cloudHsmClusterId: a.cloud_hsm_cluster_id ?? null,
      trustAnchorCertificate: a.trust_anchor_certificate ?? null,
      numberOfHsms: null,
      xksProxyConnectivity: type === 'EXTERNAL_KEY_STORE' ? (a.xks_proxy_connectivity ?? 'PUBLIC_ENDPOINT') : null,
      xksProxyUriEndpoint: hosted ? (this.options.xksProxyPublicEndpoint ?? null) : (a.xks_proxy_uri_endpoint ?? null),
      xksProxyUriPath: hosted ? xksProxyPath(id) : (a.xks_proxy_uri_path ?? null),
      xksProxyVpcEndpointServiceName: a.xks_proxy_vpc_endpoint_service_name ?? null,
      xksProxyAccessKeyId: null,
      localHostedParams: hosted ? { blocked: false, source_key_tier: 'local', max_credentials: 2, ...hosted } : null,
      xksCredentialEnc: null,
      createdBy: p.username,
    });
    if (!linked) return { store, kms };
    try {
      if (hosted) return await this.linkHosted({ store, kms }, provider);
      return await this.createInAws({ store, kms }, provider, createStoreInput(input));
    } catch (err) {
      await this.afterFailedCreate(store.id, err);
      throw withAwsDetails(err);
    }
  }

  /**
   * Creates a hosted store in AWS with a fresh proxy credential (kept sealed) and the
   * proxy's public endpoint. Used by create (linked_state true) and by `/link`.
   */
  async linkHosted(v: StoreView, provider: KmsProvider): Promise<StoreView> {
    const endpoint = this.publicEndpoint('linked_state');
    const credential = generateXksCredential();
    const claimed = await this.repo.claimCredential(
      v.store.id,
      credential.accessKeyId,
      sealXksSecret(this.box, v.store.id, credential.secretAccessKey),
    );
    if (!claimed) {
      throw new ConflictError(
        `Custom key store ${v.store.id} is being linked, or a link's outcome is unknown; read the store to reconcile it`,
      );
    }
    const store = await this.repo.update(v.store.id, { xksProxyUriEndpoint: endpoint });
    const request = createStoreInput(
      {
        name: store.name,
        kms: v.kms.id,
        region: store.region,
        aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      },
      {
        uriEndpoint: endpoint,
        uriPath: xksProxyPath(store.id),
        accessKeyId: credential.accessKeyId,
        secret: credential.secretAccessKey,
      },
    );
    try {
      return await this.createInAws({ store, kms: v.kms }, provider, request);
    } catch (err) {
      // AWS refused: the store stays unlinked and the unused credential goes.
      const refused = err instanceof AppError && err.fault === 'client';
      const reason = err instanceof Error ? err.message : 'unknown error';
      await this.repo.update(
        store.id,
        refused
          ? { xksProxyAccessKeyId: null, xksCredentialEnc: null }
          : { lastError: `${OUTCOME_UNKNOWN}: ${reason}; read the store again to reconcile` },
      );
      throw err;
    }
  }

  /**
   * Changes a store: name and AWS settings through UpdateCustomKeyStore (AWS's state rules
   * of seed 002 apply), `local_hosted_params` of a hosted store in opencckm.
   * @throws ValidationError naming the field; AWS errors with their name in `details`
   */
  async update(p: Principal, id: string, input: UpdateStoreInput): Promise<StoreView> {
    const v = await this.find(p, id, 'keystoreupdate');
    const hosted = hostedParams(v.store);
    if (input.local_hosted_params && !hosted)
      throw ValidationError.field('local_hosted_params', 'applies only to stores opencckm hosts');
    const max = input.local_hosted_params?.max_credentials;
    if (max !== undefined && (max < 2 || max > 20))
      throw ValidationError.field('local_hosted_params.max_credentials', 'must be 2 to 20');
    if (input.name !== undefined && (input.name.length < 1 || input.name.length > 256))
      throw ValidationError.field('name', 'must be 1 to 256 characters long');
    const awsId = v.store.customKeyStoreId;
    const request = updateStoreInput(awsId ?? 'unlinked', v.store.type, hosted !== null, input);
    let store = v.store;
    if (request && awsId) {
      this.assertPresent(v.store);
      const { provider } = await this.kms.provider(v.kms, store.region);
      await provider.kms('UpdateCustomKeyStore', request).catch((err: unknown) => {
        throw withAwsDetails(err);
      });
    } else if (request && input.aws_param && Object.keys(input.aws_param).length > 0) {
      throw ValidationError.field('aws_param', 'an unlinked store has no AWS settings to change; link it first');
    }
    store = await this.repo.update(store.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(hosted && input.local_hosted_params
        ? { localHostedParams: { ...hosted, ...input.local_hosted_params } }
        : {}),
    });
    return awsId ? this.sync({ store, kms: v.kms }) : { store, kms: v.kms };
  }

  /**
   * Deletes the store in AWS (AWS requires it disconnected and holding no KMS keys) and
   * then the record. A store AWS no longer has is only forgotten.
   * @throws ConflictError / KeyStateError with the AWS name (CustomKeyStoreHasCMKsException, CustomKeyStoreInvalidStateException)
   */
  async delete(p: Principal, id: string): Promise<void> {
    const v = await this.find(p, id, 'keystoredelete');
    if (v.store.customKeyStoreId && !v.store.gone) {
      const { provider } = await this.kms.provider(v.kms, v.store.region);
      try {
        await provider.kms('DeleteCustomKeyStore', { CustomKeyStoreId: v.store.customKeyStoreId });
      } catch (err) {
        if (!(err instanceof AppError && err.awsName === 'CustomKeyStoreNotFoundException')) {
          await this.sync(v).catch(() => undefined);
          throw withAwsDetails(err);
        }
      }
    }
    await this.repo.delete(v.store.id);
  }

  /** The store of the caller's account, once the caller holds `need` on its KMS account. @throws NotFoundError; ForbiddenError */
  async find(p: Principal, id: string, need?: KmsPermission): Promise<StoreView> {
    const store = await this.repo.find(p.account, id);
    if (!store) throw new NotFoundError(`Custom key store ${id} not found`);
    const kms = await this.kms.find(p, store.kmsId);
    if (need) await this.kms.acls.assertPermitted(p, kms, need);
    return { store, kms };
  }

  /** Re-reads a linked store from AWS into its record; a store AWS no longer has is marked gone. */
  async sync(v: StoreView): Promise<StoreView> {
    if (!v.store.customKeyStoreId) return v;
    const { provider } = await this.kms.provider(v.kms, v.store.region);
    try {
      const columns = await readStoreColumns(provider, v.store.customKeyStoreId);
      const store = await this.repo.update(v.store.id, { ...columns, lastError: null });
      if (store.connectionState === 'FAILED' && v.store.connectionState !== 'FAILED')
        this.options.events?.publish(store.account, 'custom_key_store.connection_failed', {
          custom_key_store: {
            id: store.id,
            name: store.name,
            kms_id: store.kmsId,
            region: store.region,
            custom_key_store_id: store.customKeyStoreId,
            connection_state: store.connectionState,
            connection_error_code: store.connectionErrorCode,
          },
        });
      return { store, kms: v.kms };
    } catch (err) {
      if (err instanceof AppError && err.awsName === 'CustomKeyStoreNotFoundException') {
        return {
          store: await this.repo.update(v.store.id, { gone: true, connectionState: null, syncedAt: new Date() }),
          kms: v.kms,
        };
      }
      throw err;
    }
  }

  /** CloudHSM clusters of a KMS account and region that no custom key store uses. @see unusedCloudHsmClusters */
  unusedClusters(
    p: Principal,
    input: UnusedClustersInput,
  ): Promise<{ kms: string; region: string; clusters: UnusedCluster[] }> {
    return unusedCloudHsmClusters(this.kms, p, input);
  }

  /** The provider of a store's KMS account and region. */
  async providerOf(v: StoreView): Promise<KmsProvider> {
    return (await this.kms.provider(v.kms, v.store.region)).provider;
  }

  /**
   * A create (or link) whose outcome was unknown: AWS store names are unique per account and
   * region, so the store is found by name. Found: the record adopts it. Not found: the create
   * did not happen, and the record says so (delete it and create again).
   */
  private async reconcile(v: StoreView): Promise<StoreView> {
    const provider = await this.providerOf(v);
    const r = await provider
      .kms('DescribeCustomKeyStores', { CustomKeyStoreName: v.store.name })
      .catch((err: unknown) => {
        if (err instanceof AppError && err.awsName === 'CustomKeyStoreNotFoundException')
          return { CustomKeyStores: [] };
        throw err;
      });
    const found = r.CustomKeyStores?.find((e) => e.CustomKeyStoreName === v.store.name);
    if (!found) {
      const lastError =
        'The store was not found in AWS: its creation did not complete; delete this record and create the store again';
      return { store: await this.repo.update(v.store.id, { lastError, syncedAt: new Date() }), kms: v.kms };
    }
    const store = await this.repo.update(v.store.id, {
      customKeyStoreId: found.CustomKeyStoreId!,
      linkedState: true,
      lastError: null,
    });
    return this.sync({ store, kms: v.kms });
  }

  /** Refuses actions on a store AWS no longer has. @throws ConflictError */
  assertPresent(s: CustomKeyStoreRecord): void {
    if (s.gone) throw new ConflictError(`Custom key store ${s.id} no longer exists in AWS (gone); delete the record`);
  }

  private publicEndpoint(field: string): string {
    const e = this.options.xksProxyPublicEndpoint;
    if (!e)
      throw ValidationError.field(
        field,
        'this server has no public XKS proxy endpoint configured (CCKM_XKS_PROXY_PUBLIC_ENDPOINT); create the store unlinked',
      );
    return e;
  }

  private async createInAws(
    v: StoreView,
    provider: KmsProvider,
    request: CreateCustomKeyStoreRequest,
  ): Promise<StoreView> {
    const created = await provider.kms('CreateCustomKeyStore', request);
    const store = await this.repo.update(v.store.id, {
      customKeyStoreId: created.CustomKeyStoreId!,
      linkedState: true,
      lastError: null,
    });
    return this.sync({ store, kms: v.kms });
  }

  /** AWS refused: nothing was created, the record goes. Unknown outcome: the record stays with the error. */
  private async afterFailedCreate(id: string, err: unknown): Promise<void> {
    if (err instanceof AppError && err.fault === 'client') {
      await this.repo.delete(id);
      return;
    }
    const reason = err instanceof Error ? err.message : 'unknown error';
    await this.repo.update(id, { lastError: `${OUTCOME_UNKNOWN}: ${reason}; read the store again to reconcile` });
  }
}
