import { ownership } from '../../auth/principal.js';
import type { BulkJobParams, BulkKeyResult } from '../../cckm/bulk/bulk-runner.js';
import type { JobUnitRecord, JobWithUnits } from '../../cckm/jobs/job.repository.js';
import type { SyncJobParams } from '../../cckm/sync/sync-job.service.js';
import type { SyncUnitPayload } from '../../cckm/sync/sync-runner.js';

/** The latest moment anything about the job changed (its units included). */
function updatedAt(v: JobWithUnits): string {
  let at = v.job.updatedAt.getTime();
  for (const u of v.units) at = Math.max(at, u.startedAt?.getTime() ?? 0, u.finishedAt?.getTime() ?? 0);
  return new Date(at).toISOString();
}

function sum(units: JobUnitRecord[], field: string): number {
  return units.reduce((n, u) => n + (Number(u.progress[field]) || 0), 0);
}

function count(units: JobUnitRecord[], status: string): number {
  return units.filter((u) => u.status === status).length;
}

function common(v: JobWithUnits, type: string): Record<string, unknown> {
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
export function syncJob(v: JobWithUnits): Record<string, unknown> {
  const params = v.job.params as SyncJobParams;
  const regions = params.regions ?? [...new Set(v.units.map((u) => (u.payload as SyncUnitPayload).region))];
  return {
    ...common(v, 'synchronize'),
    cloud_name: 'aws',
    kms: params.kms,
    kms_ids: params.kmsIds,
    regions,
    synchronize_all: params.synchronize_all,
    detailed_status: Object.fromEntries(v.units.map((u) => [u.label, u.message ?? (u.status === 'running' ? 'in progress' : u.status)])),
    progress: {
      regions_total: v.units.length,
      regions_pending: count(v.units, 'pending'),
      regions_running: count(v.units, 'running'),
      regions_completed: count(v.units, 'completed'),
      regions_failed: count(v.units, 'failed'),
      regions_cancelled: count(v.units, 'cancelled'),
      keys_seen: sum(v.units, 'keys_seen'),
      keys_created: sum(v.units, 'created'),
      keys_adopted: sum(v.units, 'adopted'),
      keys_updated: sum(v.units, 'updated'),
      keys_gone: sum(v.units, 'gone'),
      keys_failed: sum(v.units, 'errors'),
    },
  };
}

/**
 * A bulk job: the request, progress counts and (with `withResults`) one result per key
 * that has been processed, in request order.
 */
export function bulkJob(v: JobWithUnits, withResults: boolean): Record<string, unknown> {
  const params = v.job.params as BulkJobParams;
  const done = { succeeded: sum(v.units, 'succeeded'), failed: sum(v.units, 'failed'), skipped: sum(v.units, 'skipped') };
  return {
    ...common(v, 'bulkjob'),
    operation: params.operation,
    ...(params.days !== undefined ? { days: params.days } : {}),
    ...(params.policy_template_id !== undefined ? { policy_template_id: params.policy_template_id } : {}),
    progress: { total: params.total, ...done, pending: Math.max(0, params.total - done.succeeded - done.failed - done.skipped) },
    ...(withResults ? { results: v.units.flatMap((u) => u.results as BulkKeyResult[]) } : {}),
  };
}
