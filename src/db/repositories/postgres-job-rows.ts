import type { Principal } from '../../auth/principal.js';
import type { JobRecord, JobSummary, JobUnitRecord } from '../../cckm/jobs/job.repository.js';
import { InternalError } from '../../errors/index.js';
import type { Selectable } from 'kysely';
import type { Job, JobUnit } from '../generated/db.js';

/** Rows of `jobs` and `job_units` as the domain's records (used by {@link PostgresJobRepository}). */

export const JOB_KINDS = ['sync', 'bulk', 'rotation', 'xks_credential_rotation', 'cks_sync', 'report'] as const;
const JOB_STATUSES = ['in_progress', 'completed', 'failed', 'cancelled'] as const;
const UNIT_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

/** A text column holding one of a closed set of values (the domain's union type). */
export function oneOf<T extends string>(allowed: readonly T[], value: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new InternalError(`Unexpected value ${value} in the job tables`);
  return found;
}

/** A jsonb object of counters: its numeric entries. */
function counters(v: unknown): Record<string, number> {
  if (v === null || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v).map(([k, n]) => [k, Number(n)]));
}

/** The principal stored with a job (written by {@link PostgresJobRepository.create}). */
export function toPrincipal(v: unknown): Principal {
  const p = v !== null && typeof v === 'object' ? v : {};
  const text = (k: string) => {
    const value = k in p ? Reflect.get(p, k) : undefined;
    if (typeof value !== 'string') throw new InternalError(`A job's principal has no ${k}`);
    return value;
  };
  const groups =
    'groups' in p && Array.isArray(p.groups) ? p.groups.filter((g): g is string => typeof g === 'string') : [];
  const issuer = 'issuer' in p && typeof p.issuer === 'string' ? { issuer: p.issuer } : {};
  return { userId: text('userId'), username: text('username'), account: text('account'), groups, ...issuer };
}

type UnitRow = Omit<Selectable<JobUnit>, 'activeScope' | 'leaseOwner' | 'leaseUntil'>;

/** A row of `jobs` as the domain record. */
export function toJob(r: Selectable<Job>): JobRecord {
  return { ...r, kind: oneOf(JOB_KINDS, r.kind), status: oneOf(JOB_STATUSES, r.status) };
}

/** A row of `job_units` as the domain record. */
export function toUnit(r: UnitRow): JobUnitRecord {
  const { jobId, seq, label, status, payload, progress, results, message, attempts, startedAt, finishedAt } = r;
  return {
    jobId,
    seq,
    label,
    payload,
    message,
    attempts,
    startedAt,
    finishedAt,
    status: oneOf(UNIT_STATUSES, status),
    progress: counters(progress),
    results: Array.isArray(results) ? results : [],
  };
}

export const UNIT_COLUMNS = [
  'jobId',
  'seq',
  'label',
  'status',
  'payload',
  'progress',
  'results',
  'message',
  'attempts',
  'startedAt',
  'finishedAt',
] as const;

/** A summary row of the list query: the job's columns and its units' aggregates. */
export type SummaryRow = Selectable<Job> & {
  unitsTotal: number;
  unitsPending: number;
  unitsRunning: number;
  unitsCompleted: number;
  unitsFailed: number;
  unitsCancelled: number;
  lastUnitAt: Date | null;
  detail: { label: string; status: string; message: string | null; region?: string }[] | null;
  progress: unknown;
};

export function toSummary(r: SummaryRow): JobSummary {
  const {
    unitsTotal,
    unitsPending,
    unitsRunning,
    unitsCompleted,
    unitsFailed,
    unitsCancelled,
    lastUnitAt,
    detail,
    progress,
    ...job
  } = r;
  return {
    job: toJob(job),
    units: {
      total: unitsTotal,
      pending: unitsPending,
      running: unitsRunning,
      completed: unitsCompleted,
      failed: unitsFailed,
      cancelled: unitsCancelled,
    },
    progress: counters(progress),
    lastUnitAt,
    detail: (detail ?? []).map((d) => ({ ...d, status: oneOf(UNIT_STATUSES, d.status) })),
  };
}
