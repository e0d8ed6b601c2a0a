import { randomUUID } from 'node:crypto';
import { assertCanRead, assertCanWrite, type Principal } from '../../auth/principal.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsAcls } from '../kms/kms-acls.js';
import type { ListQuery, Page } from '../common/list.js';
import type { KeyRepository } from '../keys/key.repository.js';
import type { TemplateService } from '../templates/template.service.js';
import { chunks } from '../jobs/concurrency.js';
import type { JobRepository, JobSummary, JobWithUnits } from '../jobs/job.repository.js';
import { jobQuotaError } from '../jobs/job-quota.js';
import { principalOf } from '../sync/sync-job.service.js';
import { BULK_OPERATIONS, type BulkJobParams, type BulkOperation, type BulkUnitPayload } from './bulk-runner.js';

/** `POST /cckm/aws/bulkjob`. */
export interface BulkJobInput {
  keys: string[];
  operation: string;
  days?: number;
  policy_template_id?: string;
}

/** At most this many keys per job. */
const MAX_BULK_KEYS = 10_000;
/** Keys per unit: the granularity at which instances share a job and a job resumes. */
const CHUNK = 100;

/**
 * Bulk jobs: one action over many keys, split into chunks that the job workers of every
 * instance share. Per-key outcomes are kept in the job (`results`).
 */
export class BulkJobService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly keys: KeyRepository,
    private readonly templates: TemplateService,
    private readonly acls: KmsAcls,
    private readonly onCreated: () => void = () => {},
    /** Jobs in progress an account may have (CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT). */
    private readonly maxActivePerAccount = 10,
  ) {}

  /**
   * @throws ValidationError naming `keys`, `keys[i]`, `operation`, `days` or `policy_template_id`;
   * RateLimitedError when the account already has its maximum of jobs in progress.
   */
  async create(p: Principal, input: BulkJobInput): Promise<JobWithUnits> {
    const params = await this.check(p, input);
    await this.assertBulkPermitted(p, input.keys);
    const units = chunks(input.keys, CHUNK).map((keys, i) => ({
      label: `keys ${i * CHUNK + 1}-${i * CHUNK + keys.length}`,
      payload: { keys } satisfies BulkUnitPayload,
    }));
    const job = await this.jobs.create(
      { id: randomUUID(), account: p.account, kind: 'bulk', params, principal: principalOf(p), createdBy: p.username },
      units,
      this.maxActivePerAccount,
    );
    if (!job) throw jobQuotaError(this.maxActivePerAccount);
    this.onCreated();
    return job;
  }

  async get(p: Principal, id: string): Promise<JobWithUnits> {
    assertCanRead(p);
    const job = await this.jobs.find(p.account, 'bulk', id);
    if (!job) throw new NotFoundError(`Bulk job ${id} not found`);
    return job;
  }

  async list(p: Principal, filter: { ids?: string[]; statuses?: string[] }, q: ListQuery): Promise<Page<JobSummary>> {
    assertCanRead(p);
    const { total, rows } = await this.jobs.list(p.account, 'bulk', filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /** @throws NotFoundError; ConflictError when the job has already finished */
  async cancel(p: Principal, id: string): Promise<JobWithUnits> {
    assertCanWrite(p);
    const current = await this.get(p, id);
    if (current.job.status !== 'in_progress')
      throw new ConflictError(`Bulk job ${id} has already finished (${current.job.status})`);
    await this.jobs.requestCancel(p.account, 'bulk', id);
    return this.get(p, id);
  }

  /**
   * keybulkoperation on the KMS account of every listed key of the caller's account (unknown
   * ids stay per-key failures); a caller holding it nowhere is refused even for unknown keys.
   * Each key's own action permission is checked as the job runs, as the creator is then.
   * @throws ForbiddenError naming the permission and the KMS account
   */
  private async assertBulkPermitted(p: Principal, ids: string[]): Promise<void> {
    const viewable = await this.acls.viewableKmsIds(p, 'keybulkoperation');
    if (viewable === 'all') return;
    const known = ids.filter((id) => UUID.test(id));
    const { rows } = await this.keys.list(p.account, { ids: known }, { skip: 0, limit: MAX_BULK_KEYS });
    for (const kmsId of new Set(rows.map((k) => k.kmsId)))
      await this.acls.assertPermitted(p, kmsId, 'keybulkoperation');
    if (viewable.length === 0)
      throw new ForbiddenError('This user lacks the keybulkoperation permission on every KMS account');
  }

  private async check(p: Principal, input: BulkJobInput): Promise<BulkJobParams> {
    if (!BULK_OPERATIONS.includes(input.operation as BulkOperation)) {
      throw ValidationError.field('operation', `must be one of ${BULK_OPERATIONS.join(', ')}`);
    }
    const operation = input.operation as BulkOperation;
    if (!Array.isArray(input.keys) || !input.keys.length)
      throw ValidationError.field('keys', 'must list at least one key id');
    if (input.keys.length > MAX_BULK_KEYS) throw ValidationError.field('keys', `at most ${MAX_BULK_KEYS} keys per job`);
    const firstIndex = new Map<string, number>();
    for (const [i, id] of input.keys.entries()) {
      if (firstIndex.has(id)) throw ValidationError.field(`keys[${i}]`, `repeats keys[${firstIndex.get(id)}]`);
      firstIndex.set(id, i);
    }
    if (operation === 'schedulekeydeletion') {
      if (input.days === undefined)
        throw ValidationError.field('days', 'is required for schedulekeydeletion (7 to 30)');
      if (!Number.isInteger(input.days) || input.days < 7 || input.days > 30)
        throw ValidationError.field('days', 'must be an integer from 7 to 30');
    } else if (input.days !== undefined) {
      throw ValidationError.field('days', 'applies only to schedulekeydeletion');
    }
    if (operation !== 'applypolicytemplate') {
      if (input.policy_template_id !== undefined)
        throw ValidationError.field('policy_template_id', 'applies only to applypolicytemplate');
      return { operation, ...(input.days !== undefined ? { days: input.days } : {}), total: input.keys.length };
    }
    if (input.policy_template_id === undefined)
      throw ValidationError.field('policy_template_id', 'is required for applypolicytemplate');
    const template = await this.templates.find(p, input.policy_template_id, 'policy_template_id');
    // Keys of the caller's account in another KMS account than the template's: refused up front.
    // Unknown ids (or another account's) stay per-key failures, so they reveal nothing here.
    const { rows } = await this.keys.list(
      p.account,
      { ids: input.keys.filter((id) => UUID.test(id)) },
      { skip: 0, limit: MAX_BULK_KEYS },
    );
    const other = rows.find((k) => k.kmsId !== template.kmsId);
    if (other) {
      throw ValidationError.field(
        `keys[${firstIndex.get(other.id)}]`,
        `key ${other.id} is not in the KMS account of policy template ${template.name}`,
      );
    }
    return { operation, policy_template_id: template.id, total: input.keys.length };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
