import type { ListQuery } from '../common/list.js';
import type { JobKind, JobWithUnits, NewJob } from '../jobs/job.repository.js';

/** The scheduler's operations (the original's names). */
export const SCHEDULER_OPERATIONS = [
  'cckm_key_rotation',
  'cckm_synchronization',
  'cckm_xks_credential_rotation',
] as const;
export type SchedulerOperation = (typeof SCHEDULER_OPERATIONS)[number];

/** A row of `job_configs`. `params` holds the operation's validated params. */
export interface JobConfigRecord {
  id: string;
  account: string;
  name: string;
  description: string | null;
  operation: string;
  runAt: string;
  timeZone: string;
  disabled: boolean;
  params: unknown;
  /** The next cron tick, null while disabled. Advanced by the instance that fires it. */
  nextRunAt: Date | null;
  /** The tick of the latest scheduled run. */
  lastRunAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewJobConfig = Omit<JobConfigRecord, 'lastRunAt' | 'createdAt' | 'updatedAt'>;

export type JobConfigChanges = Partial<
  Pick<JobConfigRecord, 'name' | 'description' | 'runAt' | 'timeZone' | 'disabled' | 'params' | 'nextRunAt'>
>;

export interface JobConfigFilter {
  ids?: string[];
  names?: string[];
  operations?: string[];
  disabled?: boolean;
}

/** One unit of a run. `skipped`: stored already cancelled with this message (its scope is busy). */
export interface RunUnit {
  label: string;
  payload: unknown;
  activeScope?: string;
  skipped?: string;
}

/** A run to queue: a job of `kind` linked to its config and tick (null: run-now). */
export interface NewRun {
  job: NewJob & { kind: JobKind };
  units: RunUnit[];
  jobConfigId: string;
  scheduledAt: Date | null;
}

/** A run as reads return it: the job, its units (per-key results included) and its tick. */
export interface RunRecord extends JobWithUnits {
  jobConfigId: string | null;
  scheduledAt: Date | null;
}

/**
 * Job configs and their runs (PostgreSQL). Runs are rows of the job queue's `jobs` and
 * `job_units`, so the queue's workers on every instance run them.
 */
export interface JobConfigRepository {
  /** @throws ConflictError when the account already has a config of that name */
  create(c: NewJobConfig): Promise<JobConfigRecord>;
  find(account: string, id: string): Promise<JobConfigRecord | null>;
  list(account: string, f: JobConfigFilter, q: ListQuery): Promise<{ total: number; rows: JobConfigRecord[] }>;
  /**
   * Changes a config; a new `nextRunAt` is copied to its keys' `next_rotation_at` in the same transaction.
   * @throws ConflictError on a name taken
   */
  update(account: string, id: string, changes: JobConfigChanges): Promise<JobConfigRecord | null>;
  /**
   * Deletes a config with no key or custom key store attached; false when none was deleted.
   * @throws ConflictError while keys or stores are attached
   */
  delete(account: string, id: string): Promise<boolean>;
  /** How many keys are attached to the config. */
  attachedKeyCount(configId: string): Promise<number>;
  /** Ids of the keys attached to the config (rotation_job_enabled), in id order. */
  attachedKeyIds(configId: string): Promise<string[]>;
  /** Ids of the hosted XKS stores attached to the config (credential_rotation_job_enabled), in id order. */
  attachedStoreIds(configId: string): Promise<string[]>;
  /** Enabled configs of every account whose next tick has come (by the database clock), oldest tick first. */
  due(limit: number): Promise<JobConfigRecord[]>;
  /**
   * Fires the tick `config.nextRunAt`: in one transaction, moves the config to `nextRunAt`
   * only while it still holds that tick (and is enabled), and queues `run`. False when
   * another instance fired it first or the config changed meanwhile (nothing queued).
   * @throws ConflictError when a unit's active scope is held by a job in progress
   */
  fire(config: JobConfigRecord, nextRunAt: Date | null, run: NewRun): Promise<boolean>;
  /** Queues a run outside the schedule (run-now). @throws ConflictError as fire */
  queue(run: NewRun): Promise<void>;
  /** The id of a run of the config still in progress, if any. */
  runInProgress(configId: string): Promise<string | undefined>;
  /** Which of these active scopes a pending or running unit holds. */
  busyScopes(scopes: string[]): Promise<string[]>;
  /** The config's runs, newest first, with their units. */
  runs(account: string, configId: string, q: ListQuery): Promise<{ total: number; rows: RunRecord[] }>;
  /** One run of the config. */
  run(account: string, configId: string, runId: string): Promise<RunRecord | null>;
}
