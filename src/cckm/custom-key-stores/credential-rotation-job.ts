import { assertCanWrite, type Principal } from '../../auth/principal.js';
import { ValidationError } from '../../errors/index.js';
import type { JobConfigRepository } from '../scheduler/job-config.repository.js';
import type { JobConfigService } from '../scheduler/job-config.service.js';
import type { CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { hostedParams, type CustomKeyStoreService, type StoreView } from './custom-key-store.service.js';

/** `POST /cckm/aws/custom-key-stores/{id}/enable-credential-rotation-job`. */
export interface EnableCredentialRotationJobInput {
  job_config_id?: unknown;
}

/** Hosted stores one `cckm_xks_credential_rotation` job config may have attached (a run's results stay bounded). */
const MAX_ATTACHED_STORES = 1_000;

/**
 * Attaching hosted XKS stores to a `cckm_xks_credential_rotation` job config and detaching
 * them: each run of the config rotates the proxy credential of every store attached. The
 * store and the config must belong to the caller's account (another account's store is a
 * 404, its config an unknown job_config_id).
 */
export class CredentialRotationJobs {
  constructor(
    private readonly stores: CustomKeyStoreService,
    private readonly repo: CustomKeyStoreRepository,
    private readonly configs: JobConfigService,
    private readonly configRepo: Pick<JobConfigRepository, 'attachedStoreIds'>,
  ) {}

  /**
   * @throws ValidationError naming job_config_id (missing, unknown, of another operation, full)
   * or id (a store opencckm does not host); NotFoundError for the store; ConflictError for a store gone from AWS
   */
  async enable(p: Principal, id: string, input: EnableCredentialRotationJobInput): Promise<StoreView> {
    assertCanWrite(p);
    const v = await this.stores.find(p, id);
    const configId = input.job_config_id;
    if (typeof configId !== 'string' || configId.length === 0 || configId.length > 64)
      throw ValidationError.field('job_config_id', 'is required: the id of a cckm_xks_credential_rotation job config');
    const config = await this.configs.get(p, configId).catch(() => {
      throw ValidationError.field('job_config_id', `no job config ${configId} in this account`);
    });
    if (config.operation !== 'cckm_xks_credential_rotation')
      throw ValidationError.field(
        'job_config_id',
        `is a ${config.operation} job config, not cckm_xks_credential_rotation`,
      );
    if (v.store.type !== 'EXTERNAL_KEY_STORE' || !hostedParams(v.store))
      throw ValidationError.field(
        'id',
        `custom key store ${id} is not an XKS store hosted by opencckm; only those have a proxy credential to rotate`,
      );
    this.stores.assertPresent(v.store);
    if (v.store.jobConfigId !== config.id) {
      const attached = await this.configRepo.attachedStoreIds(config.id);
      if (attached.length >= MAX_ATTACHED_STORES)
        throw ValidationError.field(
          'job_config_id',
          `job config ${config.name} already has ${MAX_ATTACHED_STORES} custom key stores attached; use another job config`,
        );
    }
    const store = await this.repo.update(v.store.id, { credentialRotationJobEnabled: true, jobConfigId: config.id });
    return { store, kms: v.kms };
  }

  /** Detaches the store from its job config (nothing to do when none is attached); also a store gone from AWS. @throws NotFoundError */
  async disable(p: Principal, id: string): Promise<StoreView> {
    assertCanWrite(p);
    const v = await this.stores.find(p, id);
    const store = await this.repo.update(v.store.id, { credentialRotationJobEnabled: false, jobConfigId: null });
    return { store, kms: v.kms };
  }
}
