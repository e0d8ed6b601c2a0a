import type { Principal } from '../../auth/principal.js';
import type { ListQuery } from '../common/list.js';

/**
 * What a job does: synchronise key records from AWS, run one action over many keys, or a
 * scheduler run (key rotation; XKS credential rotation, run by the custom key store module),
 * or synchronise custom key store records from AWS (`cks_sync`), or generate a report (`report`,
 * the job has the report's id).
 */
export type JobKind = 'sync' | 'bulk' | 'rotation' | 'xks_credential_rotation' | 'cks_sync' | 'report';

/** A job's overall status (the original's `overall_status`). */
type JobStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** A unit's status: pending (claimable), running (leased), then one of the final three. */
type UnitStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** A row of `jobs`. `params` is the kind's resolved request; `principal` its creator. */
export interface JobRecord {
  id: string;
  account: string;
  kind: JobKind;
  status: JobStatus;
  params: unknown;
  principal: unknown;
  cancelRequested: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** A row of `job_units`. */
export interface JobUnitRecord {
  jobId: string;
  seq: number;
  /** Shown to users: `<aws_account_id>/<region>` for sync, `keys <from>-<to>` for bulk. */
  label: string;
  status: UnitStatus;
  payload: unknown;
  progress: Record<string, number>;
  results: unknown[];
  message: string | null;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A job with its units, as reads return it. */
export interface JobWithUnits {
  job: JobRecord;
  units: JobUnitRecord[];
}

/**
 * A job as lists show it: the job row and its units' counts and progress totals, computed
 * in SQL. Never unit payloads or per-key results, which only reads of one job load.
 */
export interface JobSummary {
  job: JobRecord;
  /** Units per status, and in all. */
  units: Record<UnitStatus, number> & { total: number };
  /** The units' progress counters, summed. */
  progress: Record<string, number>;
  /** The latest start or finish of a unit. */
  lastUnitAt: Date | null;
  /** Key and store sync jobs only (one unit per KMS account region, so few): each unit's label, status, message and region. */
  detail: { label: string; status: UnitStatus; message: string | null; region?: string }[];
}

/** The summary of a job read with its units (the same shape lists compute in SQL). */
export function summarize(v: JobWithUnits): JobSummary {
  const units = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: v.units.length };
  const progress: Record<string, number> = {};
  let last = 0;
  for (const u of v.units) {
    units[u.status]++;
    for (const [k, n] of Object.entries(u.progress)) progress[k] = (progress[k] ?? 0) + (Number(n) || 0);
    last = Math.max(last, u.startedAt?.getTime() ?? 0, u.finishedAt?.getTime() ?? 0);
  }
  const detail =
    v.job.kind === 'sync' || v.job.kind === 'cks_sync'
      ? v.units.map((u) => ({
          label: u.label,
          status: u.status,
          message: u.message,
          region: (u.payload as { region?: string } | null)?.region,
        }))
      : [];
  return { job: v.job, units, progress, lastUnitAt: last ? new Date(last) : null, detail };
}

export interface NewJob {
  id: string;
  account: string;
  kind: JobKind;
  params: unknown;
  principal: Principal;
  createdBy: string;
}

export interface NewUnit {
  label: string;
  payload: unknown;
  /** While the unit is pending or running, no other unit may hold the same scope (409). */
  activeScope?: string;
}

/** A unit a worker has claimed, with what it needs of its job. */
export interface ClaimedUnit extends JobUnitRecord {
  kind: JobKind;
  account: string;
  params: unknown;
  principal: Principal;
}

/** What a finished unit leaves behind. */
export interface UnitOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  message: string;
  progress: Record<string, number>;
  results?: unknown[];
}

/** The lease state after a heartbeat: whether this worker still holds the unit, and whether the job is being cancelled. */
export interface LeaseState {
  held: boolean;
  cancelRequested: boolean;
}

export interface JobListFilter {
  ids?: string[];
  statuses?: string[];
  /** Sync jobs touching any of these KMS account ids. */
  kmsIds?: string[];
}

/**
 * The job queue's storage (PostgreSQL): jobs, their units, claims under a lease.
 * Every method is one SQL statement, so concurrent instances never see half a change.
 */
export interface JobRepository {
  /**
   * Inserts a job with its units, atomically.
   * @throws ConflictError naming the in-progress job that holds one of the units' scopes.
   */
  create(job: NewJob, units: NewUnit[]): Promise<JobWithUnits>;
  /**
   * Inserts the job, in the same statement, only while its account has fewer than
   * `maxActive` jobs in progress; null when it has that many already.
   */
  create(job: NewJob, units: NewUnit[], maxActive: number): Promise<JobWithUnits | null>;
  find(account: string, kind: JobKind, id: string): Promise<JobWithUnits | null>;
  list(
    account: string,
    kind: JobKind,
    filter: JobListFilter,
    q: ListQuery,
  ): Promise<{ total: number; rows: JobSummary[] }>;
  /** Marks the job cancelled-on-request and cancels its pending units; running units stop at their next checkpoint. */
  requestCancel(account: string, kind: JobKind, id: string): Promise<void>;
  /**
   * Claims one pending unit, or a running one whose lease expired, for `owner`. Fair across
   * accounts: a unit of the account with the fewest running units first, then the oldest job's.
   */
  claim(owner: string, leaseMs: number): Promise<ClaimedUnit | null>;
  /** Renews the lease and stores progress. */
  heartbeat(
    unit: ClaimedUnit,
    owner: string,
    leaseMs: number,
    progress: Record<string, number>,
    message: string | null,
  ): Promise<LeaseState>;
  /** Stores the unit's outcome (only while `owner` holds it) and completes the job when it was its last unit. */
  finish(unit: ClaimedUnit, owner: string, outcome: UnitOutcome): Promise<boolean>;
  /** Gives the unit back (pending, no lease), keeping its progress, so another worker resumes it at once. */
  release(unit: ClaimedUnit, owner: string): Promise<void>;
  /** Deletes up to `batch` jobs (with their units) that finished more than `days` days ago; returns how many. */
  pruneFinished(days: number, batch: number): Promise<number>;
  /** KMS accounts (of every account) with no sync job in progress and none completed in the last `minutes`. */
  dueForSync(minutes: number): Promise<DueKms[]>;
}

/** A KMS account the periodic sync should synchronise now. */
export interface DueKms {
  id: string;
  account: string;
  name: string;
  awsAccountId: string;
  regions: string[];
}
