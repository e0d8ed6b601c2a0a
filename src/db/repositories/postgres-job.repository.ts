import type { Principal } from '../../auth/principal.js';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  ClaimedUnit, DueKms, JobKind, JobListFilter, JobRecord, JobRepository, JobStatus, JobSummary, JobUnitRecord, JobWithUnits, LeaseState, NewJob, NewUnit, UnitOutcome, UnitStatus,
} from '../../cckm/jobs/job.repository.js';
import { ConflictError, InternalError } from '../../errors/index.js';
import type { Database } from '../database.js';

type Row = Record<string, unknown>;

function rowToJob(r: Row): JobRecord {
  return {
    id: r.id as string,
    account: r.account as string,
    kind: r.kind as JobKind,
    status: r.status as JobStatus,
    params: r.params,
    principal: r.principal,
    cancelRequested: r.cancel_requested as boolean,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    completedAt: r.completed_at as Date | null,
  };
}

function rowToSummary(r: Row): JobSummary {
  const n = (k: string) => Number(r[`units_${k}`] ?? 0);
  const progress = Object.fromEntries(Object.entries((r.progress as Record<string, string | number> | null) ?? {}).map(([k, v]) => [k, Number(v)]));
  return {
    job: rowToJob(r),
    units: { total: n('total'), pending: n('pending'), running: n('running'), completed: n('completed'), failed: n('failed'), cancelled: n('cancelled') },
    progress,
    lastUnitAt: (r.last_unit_at as Date | null) ?? null,
    detail: (r.detail as JobSummary['detail'] | null) ?? [],
  };
}

function rowToUnit(r: Row): JobUnitRecord {
  return {
    jobId: r.job_id as string,
    seq: r.seq as number,
    label: r.label as string,
    status: r.status as UnitStatus,
    payload: r.payload,
    progress: (r.progress as Record<string, number> | null) ?? {},
    results: (r.results as unknown[] | null) ?? [],
    message: r.message as string | null,
    attempts: r.attempts as number,
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
  };
}

/** Completes a job whose units are all final: cancelled (when asked and some unit was), failed (some unit failed) or completed. */
const SETTLE_JOB = `
  UPDATE jobs j SET
    status = CASE
      WHEN j.cancel_requested AND EXISTS (SELECT 1 FROM job_units WHERE job_id = j.id AND status = 'cancelled') THEN 'cancelled'
      WHEN EXISTS (SELECT 1 FROM job_units WHERE job_id = j.id AND status = 'failed') THEN 'failed'
      ELSE 'completed' END,
    completed_at = now(), updated_at = now()
  WHERE j.id = $1 AND j.status = 'in_progress'
    AND NOT EXISTS (SELECT 1 FROM job_units WHERE job_id = j.id AND status IN ('pending', 'running'))`;

const UNIT_COLUMNS = 'job_id, seq, label, status, payload, progress, results, message, attempts, started_at, finished_at';

/**
 * The job queue in SQL. Claims use `FOR UPDATE SKIP LOCKED`, so workers of any number of
 * instances take different units without waiting on each other; leases are timed by the
 * database clock (`now()`), never by an instance's own clock.
 */
export class PostgresJobRepository implements JobRepository {
  constructor(private readonly db: Pick<Database, 'sql'>) {}

  create(job: NewJob, units: NewUnit[]): Promise<JobWithUnits>;
  create(job: NewJob, units: NewUnit[], maxActive: number): Promise<JobWithUnits | null>;
  async create(job: NewJob, units: NewUnit[], maxActive?: number): Promise<JobWithUnits | null> {
    const unitRows = units.map((u, seq) => ({ seq, label: u.label, payload: u.payload, active_scope: u.activeScope ?? null }));
    let inserted: number;
    try {
      // The quota is checked in the insert itself; concurrent creations may overshoot it by
      // the few that were counting at the same moment (READ COMMITTED), never more.
      const rows = await this.db.sql.query<{ inserted: string }>(
        `WITH j AS (
           INSERT INTO jobs (id, account, kind, params, principal, created_by)
           SELECT $1, $2, $3, $4::jsonb, $5::jsonb, $6
           WHERE $8::int IS NULL OR (SELECT count(*) FROM jobs WHERE account = $2 AND status = 'in_progress') < $8::int
           RETURNING id
         ), u AS (
           INSERT INTO job_units (job_id, seq, label, payload, active_scope)
           SELECT j.id, u.seq, u.label, u.payload, u.active_scope
           FROM j, jsonb_to_recordset($7::jsonb) AS u(seq int, label text, payload jsonb, active_scope text)
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM j) AS inserted, (SELECT count(*) FROM u) AS units`,
        [job.id, job.account, job.kind, JSON.stringify(job.params), JSON.stringify(job.principal), job.createdBy, JSON.stringify(unitRows), maxActive ?? null],
      );
      inserted = Number(rows[0]?.inserted ?? 0);
    } catch (err) {
      if ((err as { code?: unknown }).code === '23505') throw await this.overlapError(units, err);
      throw new InternalError('The job could not be stored', { cause: err });
    }
    if (!inserted) return null;
    return (await this.find(job.account, job.kind, job.id))!;
  }

  /** The 409 for a job whose scope overlaps an in-progress one, naming that job. */
  private async overlapError(units: NewUnit[], cause: unknown): Promise<ConflictError> {
    const scopes = units.map((u) => u.activeScope).filter((s): s is string => !!s);
    const rows = await this.db.sql.query<{ job_id: string; label: string }>(
      'SELECT job_id, label FROM job_units WHERE active_scope = ANY($1::text[]) ORDER BY label LIMIT 1',
      [scopes],
    );
    const holder = rows[0];
    return new ConflictError(
      holder
        ? `Synchronization job ${holder.job_id} is in progress for ${holder.label}; wait for it to finish or cancel it`
        : 'Another synchronization job is in progress for the same KMS account and region',
      { cause, details: holder ? [{ field: 'job_id', message: holder.job_id }] : [] },
    );
  }

  async find(account: string, kind: JobKind, id: string): Promise<JobWithUnits | null> {
    const jobs = await this.db.sql.query('SELECT * FROM jobs WHERE id = $1 AND account = $2 AND kind = $3', [id, account, kind]);
    if (!jobs[0]) return null;
    const units = await this.db.sql.query(`SELECT ${UNIT_COLUMNS} FROM job_units WHERE job_id = $1 ORDER BY seq`, [id]);
    return { job: rowToJob(jobs[0]), units: units.map(rowToUnit) };
  }

  /**
   * One page of summaries: counts and progress totals of the units are aggregated in SQL;
   * unit payloads and results are never read (a bulk job's can hold 10 000 keys).
   */
  async list(account: string, kind: JobKind, f: JobListFilter, q: ListQuery): Promise<{ total: number; rows: JobSummary[] }> {
    const params: unknown[] = [account, kind];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = ['account = $1', 'kind = $2'];
    if (f.ids?.length) where.push(`id::text = ANY(${p(f.ids)}::text[])`);
    if (f.statuses?.length) where.push(`status = ANY(${p(f.statuses)}::text[])`);
    if (f.kmsIds) where.push(`params->'kmsIds' ?| ${p(f.kmsIds)}::text[]`);
    const dir = q.sort?.desc === false ? 'ASC' : 'DESC';
    const column = q.sort?.field === 'updatedAt' ? 'updated_at' : 'created_at';
    const clause = where.join(' AND ');
    const countParams = [...params];
    const order = `ORDER BY ${column} ${dir}, id ${dir}`;
    const pageText = `
      SELECT j.*, s.*, coalesce(pr.progress, '{}'::jsonb) AS progress
      FROM (SELECT * FROM jobs WHERE ${clause} ${order} LIMIT ${p(q.limit)} OFFSET ${p(q.skip)}) j
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS units_total,
          count(*) FILTER (WHERE u.status = 'pending')::int AS units_pending,
          count(*) FILTER (WHERE u.status = 'running')::int AS units_running,
          count(*) FILTER (WHERE u.status = 'completed')::int AS units_completed,
          count(*) FILTER (WHERE u.status = 'failed')::int AS units_failed,
          count(*) FILTER (WHERE u.status = 'cancelled')::int AS units_cancelled,
          max(greatest(u.started_at, u.finished_at)) AS last_unit_at,
          CASE WHEN j.kind = 'sync' THEN coalesce(jsonb_agg(jsonb_build_object(
            'label', u.label, 'status', u.status, 'message', u.message, 'region', u.payload->>'region') ORDER BY u.seq), '[]'::jsonb)
          ELSE '[]'::jsonb END AS detail
        FROM job_units u WHERE u.job_id = j.id) s
      LEFT JOIN LATERAL (
        SELECT jsonb_object_agg(e.key, e.total) AS progress FROM (
          SELECT kv.key, sum((kv.value)::numeric) AS total
          FROM job_units u, jsonb_each_text(u.progress) kv
          WHERE u.job_id = j.id AND kv.value ~ '^-?[0-9]+(\\.[0-9]+)?$' GROUP BY kv.key) e) pr ON true
      ${order.replace(/\b(created_at|updated_at|id)\b/g, 'j.$1')}`;
    const [counted, jobs] = await Promise.all([
      this.db.sql.query<{ total: string }>(`SELECT count(*) AS total FROM jobs WHERE ${clause}`, countParams),
      this.db.sql.query(pageText, params),
    ]);
    return { total: Number(counted[0]?.total ?? 0), rows: jobs.map(rowToSummary) };
  }

  async pruneFinished(days: number, batch: number): Promise<number> {
    const rows = await this.db.sql.query(
      `DELETE FROM jobs WHERE id IN (
         SELECT id FROM jobs WHERE status <> 'in_progress' AND completed_at < now() - make_interval(days => $1::int)
         ORDER BY completed_at LIMIT $2::int)
       RETURNING id`,
      [days, batch],
    );
    return rows.length;
  }

  async requestCancel(account: string, kind: JobKind, id: string): Promise<void> {
    await this.db.sql.query(
      `WITH j AS (
         UPDATE jobs SET cancel_requested = true, updated_at = now()
         WHERE id = $1 AND account = $2 AND kind = $3 AND status = 'in_progress' RETURNING id
       )
       UPDATE job_units u SET status = 'cancelled', active_scope = NULL, finished_at = now(), message = 'cancelled before it started'
       FROM j WHERE u.job_id = j.id AND u.status = 'pending'`,
      [id, account, kind],
    );
    await this.db.sql.query(SETTLE_JOB, [id]);
  }

  /**
   * Fair claiming: among claimable units, those of the account with the fewest units
   * running (under a live lease) come first, then the oldest job's, in unit order; so one
   * account's backlog never starves another's single job.
   */
  async claim(owner: string, leaseMs: number): Promise<ClaimedUnit | null> {
    const rows = await this.db.sql.query(
      `WITH busy AS (
         SELECT bj.account, count(*) AS running FROM job_units b JOIN jobs bj ON bj.id = b.job_id
         WHERE b.status = 'running' AND b.lease_until >= now() GROUP BY bj.account
       )
       UPDATE job_units u SET status = 'running', lease_owner = $1, lease_until = now() + make_interval(secs => $2::float8),
         attempts = u.attempts + 1, started_at = coalesce(u.started_at, now())
       FROM (SELECT cu.job_id, cu.seq FROM job_units cu JOIN jobs cj ON cj.id = cu.job_id LEFT JOIN busy ON busy.account = cj.account
             WHERE cu.status = 'pending' OR (cu.status = 'running' AND cu.lease_until < now())
             ORDER BY coalesce(busy.running, 0), cj.created_at, cu.job_id, cu.seq LIMIT 1 FOR UPDATE OF cu SKIP LOCKED) c, jobs j
       WHERE u.job_id = c.job_id AND u.seq = c.seq AND j.id = u.job_id
       RETURNING u.job_id, u.seq, u.label, u.status, u.payload, u.progress, u.results, u.message, u.attempts, u.started_at, u.finished_at,
         j.kind, j.account, j.params, j.principal`,
      [owner, leaseMs / 1000],
    );
    const r = rows[0];
    if (!r) return null;
    return { ...rowToUnit(r), kind: r.kind as JobKind, account: r.account as string, params: r.params, principal: r.principal as Principal };
  }

  async heartbeat(unit: ClaimedUnit, owner: string, leaseMs: number, progress: Record<string, number>, message: string | null): Promise<LeaseState> {
    const rows = await this.db.sql.query<{ cancel_requested: boolean }>(
      `UPDATE job_units u SET lease_until = now() + make_interval(secs => $4::float8), progress = $5::jsonb, message = $6
       FROM jobs j WHERE u.job_id = $1 AND u.seq = $2 AND u.lease_owner = $3 AND u.status = 'running' AND j.id = u.job_id
       RETURNING j.cancel_requested`,
      [unit.jobId, unit.seq, owner, leaseMs / 1000, JSON.stringify(progress), message],
    );
    return { held: rows.length > 0, cancelRequested: rows[0]?.cancel_requested ?? false };
  }

  async finish(unit: ClaimedUnit, owner: string, o: UnitOutcome): Promise<boolean> {
    const rows = await this.db.sql.query(
      `UPDATE job_units SET status = $4, message = $5, progress = $6::jsonb, results = coalesce($7::jsonb, results),
         active_scope = NULL, lease_owner = NULL, lease_until = NULL, finished_at = now()
       WHERE job_id = $1 AND seq = $2 AND lease_owner = $3 AND status = 'running' RETURNING seq`,
      [unit.jobId, unit.seq, owner, o.status, o.message, JSON.stringify(o.progress), o.results ? JSON.stringify(o.results) : null],
    );
    if (rows.length) await this.db.sql.query(SETTLE_JOB, [unit.jobId]);
    return rows.length > 0;
  }

  async release(unit: ClaimedUnit, owner: string): Promise<void> {
    await this.db.sql.query(
      `UPDATE job_units SET status = 'pending', lease_owner = NULL, lease_until = NULL
       WHERE job_id = $1 AND seq = $2 AND lease_owner = $3 AND status = 'running'`,
      [unit.jobId, unit.seq, owner],
    );
  }

  async dueForSync(minutes: number): Promise<DueKms[]> {
    const rows = await this.db.sql.query<{ id: string; account: string; name: string; aws_account_id: string; regions: string[] }>(
      `SELECT k.id, k.account, k.name, k.aws_account_id, k.regions FROM kms_accounts k
       WHERE cardinality(k.regions) > 0 AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.kind = 'sync' AND j.account = k.account AND j.params->'kmsIds' ? k.id::text
           AND (j.status = 'in_progress' OR j.completed_at > now() - make_interval(mins => $1::int)))
       ORDER BY k.account, k.name`,
      [minutes],
    );
    return rows.map((r) => ({ id: r.id, account: r.account, name: r.name, awsAccountId: r.aws_account_id, regions: r.regions }));
  }
}
