import { ownership } from '../../auth/principal.js';
import type { JobConfigRecord, RunRecord } from '../../cckm/scheduler/job-config.repository.js';
import type { KeyRotationParams, SyncParams } from '../../cckm/scheduler/job-config-input.js';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function operationParams(c: JobConfigRecord): Record<string, unknown> {
  if (c.operation === 'cckm_key_rotation') {
    const p = c.params as KeyRotationParams;
    return {
      cckm_key_rotation_params: {
        cloud_name: p.cloud_name,
        ...(p.expiration !== undefined ? { expiration: p.expiration } : {}),
        ...(p.expire_in !== undefined ? { expire_in: p.expire_in } : {}),
        ...(p.rotation_after !== undefined ? { rotation_after: p.rotation_after } : {}),
      },
    };
  }
  if (c.operation === 'cckm_synchronization') {
    const p = c.params as SyncParams;
    return {
      cckm_synchronization_params: {
        cloud_name: p.cloud_name,
        ...(p.synchronize_all ? { synchronize_all: true } : { kms: p.kms, kms_ids: p.kms_ids }),
        ...(p.regions ? { regions: p.regions } : {}),
      },
    };
  }
  return {};
}

/** A scheduler job config in the original's shape, with its next and last tick. */
export function jobConfig(c: JobConfigRecord): Record<string, unknown> {
  return {
    id: c.id,
    uri: `kylo:kylo:scheduler:job-config:${c.id}`,
    ...ownership(c.account),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    name: c.name,
    description: c.description,
    operation: c.operation,
    run_at: c.runAt,
    time_zone: c.timeZone,
    disabled: c.disabled,
    next_run_at: iso(c.nextRunAt),
    last_run_at: iso(c.lastRunAt),
    created_by: c.createdBy,
    ...operationParams(c),
  };
}

/**
 * One run: its status and units, progress totals and (rotation runs) one result per key in
 * the order the keys were taken; `scheduled_at` is the cron tick, null for run-now.
 */
export function jobConfigRun(r: RunRecord): Record<string, unknown> {
  const progress: Record<string, number> = {};
  for (const u of r.units)
    for (const [k, n] of Object.entries(u.progress)) progress[k] = (progress[k] ?? 0) + (Number(n) || 0);
  const last = Math.max(r.job.updatedAt.getTime(), ...r.units.map((u) => u.finishedAt?.getTime() ?? 0));
  return {
    id: r.job.id,
    uri: `kylo:kylo:scheduler:job-run:${r.job.id}`,
    ...ownership(r.job.account),
    createdAt: r.job.createdAt.toISOString(),
    updatedAt: new Date(last).toISOString(),
    job_config_id: r.jobConfigId,
    scheduled_at: iso(r.scheduledAt),
    trigger: r.scheduledAt ? 'schedule' : 'run-now',
    kind: r.job.kind,
    overall_status: r.job.status,
    completed_at: iso(r.job.completedAt),
    created_by: r.job.createdBy,
    progress,
    units: r.units.map((u) => ({ label: u.label, status: u.status, message: u.message })),
    results: r.units.flatMap((u) => u.results),
  };
}
