import type { Principal } from '../../auth/principal.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsService } from '../kms/kms.service.js';
import type { KeyRecord } from '../common/records.js';
import type { KeyActionService } from '../keys/key-actions.service.js';
import type { KeyRepository } from '../keys/key.repository.js';
import type { KeyView } from '../keys/key-view.js';
import { MAX_ATTACHED_KEYS, type JobConfigService } from './job-config.service.js';

/** `POST /cckm/aws/keys/{id}/enable-rotation-job`. */
export interface EnableRotationJobInput {
  job_config_id?: string;
  auto_rotate_key_source?: string;
}

/** Where rotated material comes from: opencckm generates it (the original's `local`); it has no other key source. */
const KEY_SOURCES = ['local'] as const;

/**
 * Why a key can never rotate on a schedule, or undefined when it can: scheduled rotation is
 * RotateKeyOnDemand, which AWS offers for symmetric encryption keys with KMS-generated
 * material (origin AWS_KMS) or imported material (origin EXTERNAL, rotated to new imported
 * material); not for asymmetric or HMAC keys, nor keys in a custom key store.
 */
export function unrotatableReason(key: Pick<KeyRecord, 'keySpec' | 'origin'>): string | undefined {
  const spec = key.keySpec ?? 'SYMMETRIC_DEFAULT';
  const origin = key.origin ?? 'AWS_KMS';
  if (spec !== 'SYMMETRIC_DEFAULT')
    return `${spec} keys cannot rotate their material (only SYMMETRIC_DEFAULT keys can)`;
  if (origin !== 'AWS_KMS' && origin !== 'EXTERNAL')
    return `keys with origin ${origin} (custom key stores) cannot rotate their material on demand`;
  return undefined;
}

/** Attaching keys to a `cckm_key_rotation` job config and detaching them. */
export class RotationJobService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly actions: KeyActionService,
    private readonly configs: JobConfigService,
    private readonly kms: KmsService,
  ) {}

  /**
   * @throws ValidationError naming job_config_id (unknown, or not a key rotation config),
   * auto_rotate_key_source, or id (a key that cannot rotate); NotFoundError for the key;
   * KeyStateError for a key gone or still being created
   */
  async enable(p: Principal, id: string, input: EnableRotationJobInput): Promise<KeyView> {
    const t = await this.actions.target(p, id, 'keyrotationjob');
    if (typeof input.job_config_id !== 'string')
      throw ValidationError.field('job_config_id', 'is required: the id of a cckm_key_rotation job config');
    const source = input.auto_rotate_key_source ?? 'local';
    if (!KEY_SOURCES.includes(source as 'local'))
      throw ValidationError.field(
        'auto_rotate_key_source',
        'must be local: opencckm generates the new material itself (it has no dsm, hsm-luna or external-cm source)',
      );
    const config = await this.configs.get(p, input.job_config_id).catch(() => {
      throw ValidationError.field('job_config_id', `no job config ${input.job_config_id} in this account`);
    });
    if (config.operation !== 'cckm_key_rotation')
      throw ValidationError.field('job_config_id', `is a ${config.operation} job config, not cckm_key_rotation`);
    if (t.key.jobConfigId !== config.id && (await this.configs.attachedKeyCount(config.id)) >= MAX_ATTACHED_KEYS)
      throw ValidationError.field(
        'job_config_id',
        `job config ${config.name} already has ${MAX_ATTACHED_KEYS} keys attached; use another job config`,
      );
    const why = unrotatableReason(t.key);
    if (why) throw ValidationError.field('id', `key ${id} cannot be rotated by a job: ${why}`);
    const key = await this.keys.update(t.key.id, {
      rotationJobEnabled: true,
      jobConfigId: config.id,
      autoRotateKeySource: source,
      nextRotationAt: config.nextRunAt,
    });
    return { key, kms: t.kms };
  }

  /**
   * Detaches the key from its rotation job (nothing to do when none is attached); also a key
   * gone from AWS, so that its job config can be deleted. @throws NotFoundError
   */
  async disable(p: Principal, id: string): Promise<KeyView> {
    const current = await this.keys.find(p.account, id);
    if (!current) throw new NotFoundError(`Key ${id} not found`);
    const kms = await this.kms.acls.assertPermitted(p, current.kmsId, 'keyrotationjob');
    const key = await this.keys.update(current.id, {
      rotationJobEnabled: false,
      jobConfigId: null,
      autoRotateKeySource: null,
      nextRotationAt: null,
    });
    return { key, kms };
  }
}
