import { BulkJobService } from '../bulk/bulk-job.service.js';
import { BulkRunner, type BulkApprovalGate } from '../bulk/bulk-runner.js';
import type { KeyActionService } from '../keys/key-actions.service.js';
import type { KeyRepository } from '../keys/key.repository.js';
import { MAX_PAGE } from '../common/list.js';
import type { PolicyTemplateRepository } from '../connections/connection.repository.js';
import type { KmsService } from '../kms/kms.service.js';
import { SyncJobService } from '../sync/sync-job.service.js';
import { SyncRunner } from '../sync/sync-runner.js';
import { SyncScheduler } from '../sync/sync-scheduler.js';
import type { SyncRecordRepository } from '../sync/sync.repository.js';
import type { TemplateService } from '../templates/template.service.js';
import type { EventSink } from '../notifications/webhook-events.js';
import type { JobKind, JobRepository } from './job.repository.js';
import type { CreatorNow } from './creator-check.js';
import { JobWorkers, type JobLogger, type JobWorkerOptions, type UnitRunner } from './job-workers.js';
import { Periodic } from './periodic.js';

/** Settings of the job queue and the sync runner (config: CCKM_JOB_*, CCKM_SYNC_*). */
export interface JobOptions extends JobWorkerOptions {
  syncConcurrency: number;
  syncBatchSize: number;
  /** ListKeys page size of a sync (AWS allows 1..1000). */
  syncPageSize?: number;
  /** Age after which a sync marks a `creating` reservation with no tagged key failed (the provider time budget and a margin). */
  reservationGraceMs?: number;
  /** Periodic sync of every KMS account (minutes, 0 = off) and how often instances check for it. */
  syncIntervalMinutes: number;
  syncCheckMs: number;
  /** How often instances fire the due ticks of scheduler job configs (ms, 0 = this instance fires none). */
  schedulerCheckMs?: number;
  /** Jobs in progress per account (CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT); one more is answered 429. */
  maxActivePerAccount?: number;
  /** Finished jobs are deleted, units included, this many days after they finished (CCKM_JOB_RETENTION_DAYS; 0 keeps them). */
  retentionDays?: number;
  /** How often each instance prunes (ms). */
  pruneIntervalMs?: number;
}

/** Finished jobs deleted per statement while pruning. */
const PRUNE_BATCH = 500;

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  concurrency: 2,
  leaseMs: 30_000,
  pollMs: 1000,
  maxAttempts: 5,
  syncConcurrency: 24,
  syncBatchSize: 500,
  syncIntervalMinutes: 0,
  syncCheckMs: 60_000,
  maxActivePerAccount: 10,
  retentionDays: 30,
  pruneIntervalMs: 3_600_000,
};

export interface JobServices {
  syncJobs: SyncJobService;
  bulkJobs: BulkJobService;
  /** Not started here: the composition root starts and stops them with the service. */
  jobWorkers: JobWorkers;
  /** Deletes the jobs finished longer ago than the retention, in batches; returns how many. */
  pruneFinishedJobs(): Promise<number>;
}

/** Wires the synchronization and bulk job services and the workers that run their units. */
export function createJobServices(
  repos: {
    jobs: JobRepository;
    syncRecords: SyncRecordRepository;
    keys: KeyRepository;
    templates: PolicyTemplateRepository;
  },
  deps: {
    kms: KmsService;
    templates: TemplateService;
    keyActions: KeyActionService;
    /** A job creator as they are now; undefined once revoked (their bulk and sync jobs stop). */
    creatorNow?: CreatorNow;
    /** Bulk deletions and policy changes on KMS accounts with approvals_required wait for approvals. */
    approvals?: BulkApprovalGate;
    /** Key changes a synchronization finds are published here. */
    events?: EventSink;
  },
  options: JobOptions = DEFAULT_JOB_OPTIONS,
  log: JobLogger = { warn: () => {}, error: () => {} },
  /** More housekeeping started and stopped with the workers. */
  housekeeping: { start(): void; stop(): Promise<void> }[] = [],
  /** Runners of the other job kinds (the scheduler's runs). */
  moreRunners: Partial<Record<JobKind, UnitRunner>> = {},
): JobServices {
  const runners = {
    sync: new SyncRunner(
      deps.kms,
      repos.syncRecords,
      {
        concurrency: options.syncConcurrency,
        batchSize: options.syncBatchSize,
        ...(options.syncPageSize ? { pageSize: options.syncPageSize } : {}),
        ...(options.reservationGraceMs ? { reservationGraceMs: options.reservationGraceMs } : {}),
      },
      async (account, kmsId) => (await repos.templates.list(account, { kmsId }, { skip: 0, limit: MAX_PAGE })).rows,
      deps.creatorNow,
      deps.events,
    ),
    bulk: new BulkRunner(deps.keyActions, repos.keys, deps.creatorNow, undefined, deps.approvals),
    ...moreRunners,
  };
  const wake = () => jobWorkers.wake();
  const maxActive = options.maxActivePerAccount ?? DEFAULT_JOB_OPTIONS.maxActivePerAccount!;
  const retentionDays = options.retentionDays ?? DEFAULT_JOB_OPTIONS.retentionDays!;
  const syncJobs = new SyncJobService(repos.jobs, deps.kms, wake, maxActive);
  const pruneFinishedJobs = async () => {
    if (retentionDays <= 0) return 0;
    let total = 0;
    for (let n = PRUNE_BATCH; n === PRUNE_BATCH; total += n)
      n = await repos.jobs.pruneFinished(retentionDays, PRUNE_BATCH);
    return total;
  };
  const retention = new Periodic(
    'job retention',
    options.pruneIntervalMs ?? DEFAULT_JOB_OPTIONS.pruneIntervalMs!,
    pruneFinishedJobs,
    log,
  );
  const scheduler = new SyncScheduler(
    repos.jobs,
    syncJobs,
    { intervalMinutes: options.syncIntervalMinutes, checkMs: options.syncCheckMs },
    log,
  );
  const jobWorkers = new JobWorkers(repos.jobs, runners, options, log, [scheduler, retention, ...housekeeping]);
  return {
    syncJobs,
    bulkJobs: new BulkJobService(repos.jobs, repos.keys, deps.templates, deps.kms.acls, wake, maxActive),
    jobWorkers,
    pruneFinishedJobs,
  };
}
