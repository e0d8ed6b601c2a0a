import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../../errors/index.js';
import { hasFullRights, KEY_VIEW_PERMISSIONS, restrictKmsIds, type KmsPermission } from '../kms/kms-acls.js';
import { MAX_PAGE, type ListQuery, type Page } from '../common/list.js';
import type { KmsAccountRecord } from '../common/records.js';
import type { KmsService } from '../kms/kms.service.js';
import type { DueKms, JobRepository, JobSummary, JobWithUnits, NewUnit } from '../jobs/job.repository.js';
import { jobQuotaError } from '../jobs/job-quota.js';
import type { SyncUnitPayload } from './sync-runner.js';

/** `POST /cckm/aws/synchronization-jobs`: `kms` (names or ids) with optional `regions`, xor `synchronize_all`. */
export interface SyncJobInput {
  kms?: string[];
  regions?: string[];
  synchronize_all?: boolean;
}

/** The resolved request, stored with the job. */
export interface SyncJobParams {
  kmsIds: string[];
  kms: string[];
  regions: string[] | null;
  synchronize_all: boolean;
}

export interface SyncJobFilter {
  ids?: string[];
  statuses?: string[];
  kms?: string[];
}

/** What a job needs to know of a KMS account. */
type ScopeKms = Pick<KmsAccountRecord, 'id' | 'name' | 'awsAccountId' | 'regions'>;

/** Any of these on a KMS account shows the synchronization jobs touching it. */
const JOB_VIEW: readonly KmsPermission[] = ['keysynchronize', 'viewkeystore', ...KEY_VIEW_PERMISSIONS];

/** Upper bound on (KMS account, region) pairs in one job. */
const MAX_UNITS = 1000;

/**
 * Synchronization jobs: resolves and checks the scope, queues one unit per (KMS account,
 * region) and reads jobs back. A second job over a (KMS account, region) that an
 * in-progress job still holds is refused with 409 naming that job.
 */
export class SyncJobService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly kms: KmsService,
    private readonly onCreated: () => void = () => {},
    /** Jobs in progress an account may have (CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT). */
    private readonly maxActivePerAccount = 10,
    /** Key records (`sync`) or custom key store records (`cks_sync`, the same scope rules and API). */
    private readonly kind: 'sync' | 'cks_sync' = 'sync',
  ) {}

  /**
   * @throws ValidationError naming `kms`, `kms[i]`, `regions[i]` or `synchronize_all`;
   * ConflictError naming the in-progress job over the same KMS account and region.
   */
  async create(p: Principal, input: SyncJobInput): Promise<JobWithUnits> {
    const { accounts, regions } = await this.scopeOf(p, input);
    // keysynchronize on every KMS account of the scope (synchronize_all: on all of them).
    for (const a of accounts) await this.kms.acls.assertPermitted(p, a.id, 'keysynchronize');
    return this.enqueue(p, accounts, regions, input.synchronize_all === true);
  }

  /**
   * Queues a sync of every region of a KMS account for the periodic sync (as `scheduler`,
   * in the KMS account's own account). False when a job in progress already covers one of
   * its regions (another instance may have queued it a moment ago).
   */
  async createScheduled(k: DueKms): Promise<boolean> {
    const p: Principal = { userId: 'scheduler', username: 'scheduler', account: k.account, groups: ['admin'] };
    try {
      await this.enqueue(p, [k], undefined, false);
      return true;
    } catch (err) {
      // Already covered, or the account is at its job quota: the next check tries again.
      if (err instanceof ConflictError || err instanceof RateLimitedError) return false;
      throw err;
    }
  }

  private async enqueue(
    p: Principal,
    accounts: ScopeKms[],
    regions: string[] | undefined,
    all: boolean,
  ): Promise<JobWithUnits> {
    const pairs = accounts.flatMap((k) =>
      (regions ?? k.regions).filter((r) => k.regions.includes(r)).map((region) => ({ k, region })),
    );
    if (pairs.length > MAX_UNITS)
      throw ValidationError.field('kms', `covers ${pairs.length} KMS account regions; at most ${MAX_UNITS} per job`);
    const labels = pairs.map(({ k, region }) => `${k.awsAccountId}/${region}`);
    const units: NewUnit[] = pairs.map(({ k, region }, i) => ({
      // Two KMS accounts may reach the same AWS account: their entries stay apart in detailed_status.
      label: labels.indexOf(labels[i]!) !== labels.lastIndexOf(labels[i]!) ? `${labels[i]} (${k.name})` : labels[i]!,
      payload: { kmsId: k.id, region } satisfies SyncUnitPayload,
      activeScope: `${this.kind}:${k.id}/${region}`,
    }));
    const params: SyncJobParams = {
      kmsIds: accounts.map((k) => k.id),
      kms: accounts.map((k) => k.name),
      regions: regions ?? null,
      synchronize_all: all,
    };
    const job = await this.jobs.create(
      {
        id: randomUUID(),
        account: p.account,
        kind: this.kind,
        params,
        principal: principalOf(p),
        createdBy: p.username,
      },
      units,
      this.maxActivePerAccount,
    );
    if (!job) throw jobQuotaError(this.maxActivePerAccount);
    this.onCreated();
    return job;
  }

  /** @throws NotFoundError; ForbiddenError when the job touches no KMS account the caller may view or synchronize */
  async get(p: Principal, id: string): Promise<JobWithUnits> {
    const job = await this.jobs.find(p.account, this.kind, id);
    if (!job) throw new NotFoundError(`Synchronization job ${id} not found`);
    const viewable = await this.kms.acls.viewableKmsIds(p, JOB_VIEW);
    const touched = (job.job.params as Partial<SyncJobParams>).kmsIds ?? [];
    if (viewable !== 'all' && !touched.some((k) => viewable.includes(k)))
      throw new ForbiddenError(`This user may view no KMS account of synchronization job ${id}`);
    return job;
  }

  /** The jobs touching a KMS account the caller may view or synchronize (a list filters). */
  async list(p: Principal, filter: SyncJobFilter, q: ListQuery): Promise<Page<JobSummary>> {
    let kmsIds: string[] | undefined;
    if (filter.kms) {
      const found = await Promise.all(filter.kms.map((ref) => this.kms.find(p, ref).catch(() => undefined)));
      kmsIds = found.filter((k): k is KmsAccountRecord => !!k).map((k) => k.id);
    }
    kmsIds = restrictKmsIds(kmsIds, await this.kms.acls.viewableKmsIds(p, JOB_VIEW));
    if (kmsIds?.length === 0) return { skip: q.skip, limit: q.limit, total: 0, resources: [] };
    const { total, rows } = await this.jobs.list(
      p.account,
      this.kind,
      {
        ...(filter.ids ? { ids: filter.ids } : {}),
        ...(filter.statuses ? { statuses: filter.statuses } : {}),
        ...(kmsIds ? { kmsIds } : {}),
      },
      q,
    );
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /**
   * Cancels the job: units not started are cancelled at once, running ones stop at their next page.
   * @throws NotFoundError; ConflictError when the job has already finished
   */
  async cancel(p: Principal, id: string): Promise<JobWithUnits> {
    const current = await this.get(p, id);
    if (!hasFullRights(p))
      for (const k of (current.job.params as Partial<SyncJobParams>).kmsIds ?? [])
        await this.kms.acls.assertPermitted(p, k, 'keysynchronize');
    if (current.job.status !== 'in_progress')
      throw new ConflictError(`Synchronization job ${id} has already finished (${current.job.status})`);
    await this.jobs.requestCancel(p.account, this.kind, id);
    return this.get(p, id);
  }

  private async scopeOf(
    p: Principal,
    input: SyncJobInput,
  ): Promise<{ accounts: KmsAccountRecord[]; regions?: string[] }> {
    const hasKms = input.kms !== undefined;
    if (hasKms && input.synchronize_all !== undefined) {
      const message = 'kms and synchronize_all are mutually exclusive; give one of them';
      throw new ValidationError(message, {
        details: [
          { field: 'kms', message },
          { field: 'synchronize_all', message },
        ],
      });
    }
    if (input.synchronize_all !== undefined) {
      if (input.synchronize_all !== true)
        throw ValidationError.field('synchronize_all', 'must be true when given (or give kms instead)');
      if (input.regions !== undefined) throw ValidationError.field('regions', 'applies only together with kms');
      const all = await this.kms.list(p, {}, { skip: 0, limit: MAX_PAGE });
      if (!all.resources.length)
        throw ValidationError.field('synchronize_all', 'there is no KMS account to synchronize');
      return { accounts: all.resources.map((v) => v.kms) };
    }
    if (!hasKms || !input.kms!.length)
      throw ValidationError.field('kms', 'give kms (one or more KMS account names or ids) or synchronize_all: true');
    const accounts: KmsAccountRecord[] = [];
    for (const [i, ref] of input.kms!.entries()) {
      const k = await this.kms.find(p, ref, `kms[${i}]`);
      if (!accounts.some((a) => a.id === k.id)) accounts.push(k);
    }
    if (input.regions === undefined) return { accounts };
    if (!input.regions.length)
      throw ValidationError.field('regions', 'must list at least one region when given (omit it for every region)');
    for (const [i, region] of input.regions.entries()) {
      const missing = accounts.find((k) => !k.regions.includes(region));
      if (missing)
        throw ValidationError.field(
          `regions[${i}]`,
          `${region} is not one of the regions of KMS account ${missing.name} (${missing.regions.join(', ')})`,
        );
    }
    return { accounts, regions: [...new Set(input.regions)] };
  }
}

/** The creator's identity as stored with a job (jobs run with it). */
export function principalOf(p: Principal): Principal {
  return { userId: p.userId, username: p.username, account: p.account, groups: [...p.groups] };
}
