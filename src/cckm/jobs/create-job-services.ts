import { BulkJobService } from '../bulk/bulk-job.service.js';
import { BulkRunner } from '../bulk/bulk-runner.js';
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
import type { JobRepository } from './job.repository.js';
import { JobWorkers, type JobLogger, type JobWorkerOptions } from './job-workers.js';

/** Settings of the job queue and the sync runner (config: CCKM_JOB_*, CCKM_SYNC_*). */
export interface JobOptions extends JobWorkerOptions {
  syncConcurrency: number;
  syncBatchSize: number;
  /** Periodic sync of every KMS account (minutes, 0 = off) and how often instances check for it. */
  syncIntervalMinutes: number;
  syncCheckMs: number;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  concurrency: 2,
  leaseMs: 30_000,
  pollMs: 1000,
  maxAttempts: 5,
  syncConcurrency: 24,
  syncBatchSize: 500,
  syncIntervalMinutes: 0,
  syncCheckMs: 60_000,
};

export interface JobServices {
  syncJobs: SyncJobService;
  bulkJobs: BulkJobService;
  /** Not started here: the composition root starts and stops them with the service. */
  jobWorkers: JobWorkers;
}

/** Wires the synchronization and bulk job services and the workers that run their units. */
export function createJobServices(
  repos: { jobs: JobRepository; syncRecords: SyncRecordRepository; keys: KeyRepository; templates: PolicyTemplateRepository },
  deps: { kms: KmsService; templates: TemplateService; keyActions: KeyActionService },
  options: JobOptions = DEFAULT_JOB_OPTIONS,
  log: JobLogger = { warn: () => {}, error: () => {} },
): JobServices {
  const runners = {
    sync: new SyncRunner(deps.kms, repos.syncRecords, { concurrency: options.syncConcurrency, batchSize: options.syncBatchSize }, async (account, kmsId) =>
      (await repos.templates.list(account, { kmsId }, { skip: 0, limit: MAX_PAGE })).rows),
    bulk: new BulkRunner(deps.keyActions, repos.keys),
  };
  const wake = () => jobWorkers.wake();
  const syncJobs = new SyncJobService(repos.jobs, deps.kms, wake);
  const scheduler = new SyncScheduler(repos.jobs, syncJobs, { intervalMinutes: options.syncIntervalMinutes, checkMs: options.syncCheckMs }, log);
  const jobWorkers = new JobWorkers(repos.jobs, runners, options, log, [scheduler]);
  return {
    syncJobs,
    bulkJobs: new BulkJobService(repos.jobs, repos.keys, deps.templates, wake),
    jobWorkers,
  };
}
