import { ownership } from '../../auth/principal.js';
import type { ReportView } from '../../cckm/reports/report.repository.js';
import type { ReportParams } from '../../cckm/reports/report-types.js';

type Json = Record<string, unknown>;

/** A report as the API answers it; `summary` (the counts) only with `withSummary` (reads of one report). */
export function report(v: ReportView, withSummary = true): Json {
  const r = v.report;
  const params = r.params as ReportParams;
  // A completed report covered every key it counted: its row count, whether or not the job's
  // unit has stored its final progress yet (the runner writes the report first).
  const done = v.status === 'completed';
  const total = done ? r.rowCount : (v.progress.total ?? 0);
  const processed = done ? r.rowCount : (v.progress.processed ?? 0);
  return {
    id: r.id,
    uri: `kylo:kylo:cckm:report:${r.id}`,
    ...ownership(r.account),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    completed_at: r.completedAt ? r.completedAt.toISOString() : null,
    name: r.name,
    report_type: r.reportType,
    kms: params.kms_ids,
    regions: params.regions ?? null,
    from: params.from ?? null,
    to: params.to ?? null,
    ...(params.unused_days !== undefined ? { unused_days: params.unused_days } : {}),
    ...(params.expiring_days !== undefined ? { expiring_days: params.expiring_days } : {}),
    status: v.status,
    message: v.message,
    progress: { total, processed, percent: total ? Math.min(100, Math.floor((processed / total) * 100)) : 0 },
    row_count: r.rowCount,
    ...(withSummary ? { summary: r.summary ?? null } : {}),
    created_by: r.createdBy,
  };
}
