import { ownership } from '../../auth/principal.js';
import type { BulkJobParams, BulkKeyResult } from '../../cckm/bulk/bulk-runner.js';
import { summarize, type JobSummary, type JobWithUnits } from '../../cckm/jobs/job.repository.js';
import type { SyncJobParams } from '../../cckm/sync/sync-job.service.js';

/** The latest moment anything about the job changed (its units included). */
function updatedAt(v: JobSummary): string {
  return new Date(Math.max(v.job.updatedAt.getTime(), v.lastUnitAt?.getTime() ?? 0)).toISOString();
}

const sum = (v: JobSummary, field: string) => v.progress[field] ?? 0;

function common(v: JobSummary, type: string): Record<string, unknown> {
  return {
    id: v.job.id,
    uri: `kylo:kylo:cckm:${type}:${v.job.id}`,
    ...ownership(v.job.account),
    createdAt: v.job.createdAt.toISOString(),
    updatedAt: updatedAt(v),
    completed_at: v.job.completedAt ? v.job.completedAt.toISOString() : null,
    overall_status: v.job.status,
    cancel_requested: v.job.cancelRequested,
    created_by: v.job.createdBy,
  };
}

/**
 * A synchronization job in the original's shape (`overall_status`, `detailed_status` keyed
 * `<aws_account_id>/<region>`, `completed_at`), with progress counts the original lacks.
 */
export function syncJob(v: JobSummary): Record<string, unknown> {
  const params = v.job.params as SyncJobParams;
  const regions = params.regions ?? [...new Set(v.detail.map((u) => u.region).filter((r): r is string => !!r))];
  return {
    ...common(v, 'synchronize'),
    cloud_name: 'aws',
    kms: params.kms,
    kms_ids: params.kmsIds,
    regions,
    synchronize_all: params.synchronize_all,
    detailed_status: Object.fromEntries(
      v.detail.map((u) => [u.label, u.message ?? (u.status === 'running' ? 'in progress' : u.status)]),
    ),
    progress: {
      regions_total: v.units.total,
      regions_pending: v.units.pending,
      regions_running: v.units.running,
      regions_completed: v.units.completed,
      regions_failed: v.units.failed,
      regions_cancelled: v.units.cancelled,
      keys_seen: sum(v, 'keys_seen'),
      keys_created: sum(v, 'created'),
      keys_adopted: sum(v, 'adopted'),
      keys_updated: sum(v, 'updated'),
      keys_gone: sum(v, 'gone'),
      keys_failed: sum(v, 'errors'),
    },
  };
}

/**
 * A bulk job: the request, progress counts and (with `results`, when one job is read) one
 * result per key that has been processed, in request order (at most MAX_BULK_KEYS).
 */
export function bulkJob(v: JobSummary, results?: BulkKeyResult[]): Record<string, unknown> {
  const params = v.job.params as BulkJobParams;
  const done = { succeeded: sum(v, 'succeeded'), failed: sum(v, 'failed'), skipped: sum(v, 'skipped') };
  return {
    ...common(v, 'bulkjob'),
    operation: params.operation,
    ...(params.days !== undefined ? { days: params.days } : {}),
    ...(params.policy_template_id !== undefined ? { policy_template_id: params.policy_template_id } : {}),
    progress: {
      total: params.total,
      ...done,
      pending: Math.max(0, params.total - done.succeeded - done.failed - done.skipped),
    },
    ...(results ? { results } : {}),
  };
}

/** A bulk job read with its units: the summary and every key's result. */
export function bulkJobWithResults(v: JobWithUnits): Record<string, unknown> {
  return bulkJob(
    summarize(v),
    v.units.flatMap((u) => u.results as BulkKeyResult[]),
  );
}

/** A synchronization job read with its units. */
export const syncJobWithUnits = (v: JobWithUnits): Record<string, unknown> => syncJob(summarize(v));
