import type { ListQuery } from '../../cckm/common/list.js';
import type {
  ClaimedUnit,
  DueKms,
  JobKind,
  JobListFilter,
  JobRepository,
  JobSummary,
  JobWithUnits,
  LeaseState,
  NewJob,
  NewUnit,
  UnitOutcome,
} from '../../cckm/jobs/job.repository.js';
import { AppError, ConflictError, InternalError } from '../../errors/index.js';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { jsonb, jsonField, jsonText, now } from '../columns.js';
import type { DB } from '../database.js';
import { countOf } from './list-page.js';
import {
  JOB_KINDS,
  oneOf,
  toJob,
  toPrincipal,
  toSummary,
  toUnit,
  UNIT_COLUMNS,
  type SummaryRow,
} from './postgres-job-rows.js';

/** A lease of `ms` from now, by the database clock. */
const lease = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms / 1000})`;

/** A list of strings as one `text[]` bind parameter: one statement text for any number of values. */
const textArray = (values: readonly string[]) => sql<string[]>`${values}::text[]`;

const EMPTY_ARRAY = sql<never[]>`'[]'::jsonb`;
const EMPTY_OBJECT = sql<unknown>`'{}'::jsonb`;

/**
 * The job queue in SQL. Claims use `FOR UPDATE SKIP LOCKED`, so workers of any number of
 * instances take different units without waiting on each other; leases are timed by the
 * database clock (`now()`), never by an instance's own clock.
 */
export class PostgresJobRepository implements JobRepository {
  constructor(private readonly db: Kysely<DB>) {}

  create(job: NewJob, units: NewUnit[]): Promise<JobWithUnits>;
  create(job: NewJob, units: NewUnit[], maxActive: number): Promise<JobWithUnits | null>;
  async create(job: NewJob, units: NewUnit[], maxActive?: number): Promise<JobWithUnits | null> {
    let inserted: boolean;
    try {
      inserted = await this.db.transaction().execute(async (trx) => {
        // The quota is counted in the transaction; concurrent creations may overshoot it by
        // the few that were counting at the same moment (READ COMMITTED), never more.
        if (maxActive !== undefined) {
          const active = await countOf(
            trx.selectFrom('jobs').where('account', '=', job.account).where('status', '=', 'in_progress'),
          );
          if (active >= maxActive) return false;
        }
        await trx
          .insertInto('jobs')
          .values({ ...job, params: jsonb(job.params), principal: jsonb(job.principal) })
          .execute();
        if (units.length) {
          await trx
            .insertInto('jobUnits')
            .values(
              units.map((u, seq) => ({
                jobId: job.id,
                seq,
                label: u.label,
                payload: jsonb(u.payload),
                activeScope: u.activeScope ?? null,
              })),
            )
            .execute();
        }
        return true;
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err !== null && typeof err === 'object' && 'code' in err && err.code === '23505')
        throw await this.overlapError(units, err);
      throw new InternalError('The job could not be stored', { cause: err });
    }
    if (!inserted) return null;
    const created = await this.find(job.account, job.kind, job.id);
    if (!created) throw new InternalError('The job just stored could not be read');
    return created;
  }

  /** The 409 for a job whose scope overlaps an in-progress one, naming that job. */
  private async overlapError(units: NewUnit[], cause: unknown): Promise<ConflictError> {
    const scopes = units.map((u) => u.activeScope).filter((s): s is string => !!s);
    const holder = await this.db
      .selectFrom('jobUnits')
      .select(['jobId', 'label'])
      .where('activeScope', '=', (eb) => eb.fn.any(eb.val(scopes)))
      .orderBy('label')
      .limit(1)
      .executeTakeFirst();
    return new ConflictError(
      holder
        ? `Synchronization job ${holder.jobId} is in progress for ${holder.label}; wait for it to finish or cancel it`
        : 'Another synchronization job is in progress for the same KMS account and region',
      { cause, details: holder ? [{ field: 'job_id', message: holder.jobId }] : [] },
    );
  }

  async find(account: string, kind: JobKind, id: string): Promise<JobWithUnits | null> {
    const job = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .where('account', '=', account)
      .where('kind', '=', kind)
      .executeTakeFirst();
    if (!job) return null;
    const units = await this.db
      .selectFrom('jobUnits')
      .select(UNIT_COLUMNS)
      .where('jobId', '=', id)
      .orderBy('seq')
      .execute();
    return { job: toJob(job), units: units.map(toUnit) };
  }

  /**
   * One page of summaries: counts and progress totals of the units are aggregated in SQL;
   * unit payloads and results are never read (a bulk job's can hold 10 000 keys).
   */
  async list(
    account: string,
    kind: JobKind,
    f: JobListFilter,
    q: ListQuery,
  ): Promise<{ total: number; rows: JobSummary[] }> {
    const { ids, statuses, kmsIds } = f;
    let filtered = this.db.selectFrom('jobs').where('account', '=', account).where('kind', '=', kind);
    // As text: an id that is not a UUID matches nothing instead of failing the cast.
    if (ids?.length) filtered = filtered.where((eb) => eb(eb.cast('id', 'text'), '=', eb.fn.any(textArray(ids))));
    if (statuses?.length) filtered = filtered.where((eb) => eb('status', '=', eb.fn.any(textArray(statuses))));
    if (kmsIds) filtered = filtered.where((eb) => eb(jsonField(eb.ref('params'), 'kmsIds'), '?|', textArray(kmsIds)));
    const dir = q.sort?.desc === false ? 'asc' : 'desc';
    const field = q.sort?.field === 'updatedAt' ? 'updatedAt' : 'createdAt';
    // The page is chosen by the jobs index first; only its jobs' units are aggregated.
    const page = this.db
      .selectFrom(filtered.selectAll().orderBy(field, dir).orderBy('id', dir).limit(q.limit).offset(q.skip).as('j'))
      .crossJoinLateral((eb) =>
        eb
          .selectFrom('jobUnits as u')
          .select((eb) => {
            const units = (status: string) =>
              eb.cast<number>(eb.fn.countAll().filterWhere('u.status', '=', status), 'integer');
            const detail = eb.fn
              .agg<NonNullable<SummaryRow['detail']>>('jsonb_agg', [
                eb.fn('jsonb_build_object', [
                  sql.lit('label'),
                  'u.label',
                  sql.lit('status'),
                  'u.status',
                  sql.lit('message'),
                  'u.message',
                  sql.lit('region'),
                  jsonText(eb.ref('u.payload'), 'region'),
                ]),
              ])
              .orderBy('u.seq');
            return [
              eb.cast<number>(eb.fn.countAll(), 'integer').as('unitsTotal'),
              units('pending').as('unitsPending'),
              units('running').as('unitsRunning'),
              units('completed').as('unitsCompleted'),
              units('failed').as('unitsFailed'),
              units('cancelled').as('unitsCancelled'),
              eb.fn.max(eb.fn<Date | null>('greatest', ['u.startedAt', 'u.finishedAt'])).as('lastUnitAt'),
              // Key and store syncs only: one unit per KMS account region, so few.
              eb
                .case()
                .when('j.kind', 'in', ['sync', 'cks_sync'])
                .then(eb.fn.coalesce(detail, EMPTY_ARRAY))
                .else(EMPTY_ARRAY)
                .end()
                .as('detail'),
            ];
          })
          .whereRef('u.jobId', '=', 'j.id')
          .as('s'),
      )
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom(
              eb
                .selectFrom('jobUnits as u')
                // A function in FROM may use the tables before it without LATERAL.
                .crossJoin((eb) => eb.fn<{ key: string; value: string }>('jsonb_each_text', ['u.progress']).as('kv'))
                .select((eb) => ['kv.key', eb.fn.sum(eb.cast('kv.value', 'numeric')).as('total')])
                .whereRef('u.jobId', '=', 'j.id')
                // An entry that is not a number would fail the numeric cast: it is left out.
                .where('kv.value', '~', '^-?[0-9]+(\\.[0-9]+)?$')
                .groupBy('kv.key')
                .as('e'),
            )
            .select((eb) => eb.fn<unknown>('jsonb_object_agg', ['e.key', 'e.total']).as('progress'))
            .as('pr'),
        (join) => join.onTrue(),
      )
      .selectAll('j')
      .selectAll('s')
      .select((eb) => eb.fn.coalesce('pr.progress', EMPTY_OBJECT).as('progress'))
      .orderBy(`j.${field}`, dir)
      .orderBy('j.id', dir);
    const [total, jobs] = await Promise.all([countOf(filtered), page.execute()]);
    return { total, rows: jobs.map(toSummary) };
  }

  async pruneFinished(days: number, batch: number): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '<>', 'in_progress')
          .where('completedAt', '<', sql<Date>`now() - make_interval(days => ${days})`)
          .orderBy('completedAt')
          .limit(batch),
      )
      .executeTakeFirst();
    return Number(numDeletedRows);
  }

  async requestCancel(account: string, kind: JobKind, id: string): Promise<void> {
    await this.db
      .with('j', (db) =>
        db
          .updateTable('jobs')
          .set({ cancelRequested: true, updatedAt: now() })
          .where('id', '=', id)
          .where('account', '=', account)
          .where('kind', '=', kind)
          .where('status', '=', 'in_progress')
          .returning('id'),
      )
      .updateTable('jobUnits as u')
      .from('j')
      .set({ status: 'cancelled', activeScope: null, finishedAt: now(), message: 'cancelled before it started' })
      .whereRef('u.jobId', '=', 'j.id')
      .where('u.status', '=', 'pending')
      .execute();
    await this.settle(id);
  }

  /** Completes a job whose units are all final: cancelled (when asked and some unit was), failed (some unit failed) or completed. */
  private async settle(jobId: string): Promise<void> {
    const unitIn = (status: string) => (eb: ExpressionBuilder<DB, 'jobs'>) =>
      eb.exists(
        eb
          .selectFrom('jobUnits')
          .select('seq')
          .whereRef('jobUnits.jobId', '=', 'jobs.id')
          .where('jobUnits.status', '=', status),
      );
    await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: eb
          .case()
          .when(eb.and([eb.ref('jobs.cancelRequested'), unitIn('cancelled')(eb)]))
          .then('cancelled')
          .when(unitIn('failed')(eb))
          .then('failed')
          .else('completed')
          .end(),
        completedAt: now(),
        updatedAt: now(),
      }))
      .where('jobs.id', '=', jobId)
      .where('jobs.status', '=', 'in_progress')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobUnits')
              .select('seq')
              .whereRef('jobUnits.jobId', '=', 'jobs.id')
              .where('jobUnits.status', 'in', ['pending', 'running']),
          ),
        ),
      )
      .execute();
  }

  /**
   * Fair claiming: among claimable units, those of the account with the fewest units
   * running (under a live lease) come first, then the oldest job's, in unit order; so one
   * account's backlog never starves another's single job.
   */
  async claim(owner: string, leaseMs: number): Promise<ClaimedUnit | null> {
    const r = await this.db
      .with('busy', (db) =>
        db
          .selectFrom('jobUnits as b')
          .innerJoin('jobs as bj', 'bj.id', 'b.jobId')
          .select((eb) => ['bj.account', eb.fn.countAll<bigint>().as('running')])
          .where('b.status', '=', 'running')
          .where('b.leaseUntil', '>=', now())
          .groupBy('bj.account'),
      )
      .with('c', (db) =>
        db
          .selectFrom('jobUnits as cu')
          .innerJoin('jobs as cj', 'cj.id', 'cu.jobId')
          .leftJoin('busy', 'busy.account', 'cj.account')
          .select(['cu.jobId', 'cu.seq'])
          .where((eb) =>
            eb.or([
              eb('cu.status', '=', 'pending'),
              eb.and([eb('cu.status', '=', 'running'), eb('cu.leaseUntil', '<', now())]),
            ]),
          )
          .orderBy((eb) => eb.fn.coalesce('busy.running', eb.lit(0)))
          .orderBy('cj.createdAt')
          .orderBy('cu.jobId')
          .orderBy('cu.seq')
          .limit(1)
          .forUpdate('cu')
          .skipLocked(),
      )
      .updateTable('jobUnits as u')
      .from(['c', 'jobs as j'])
      .set((eb) => ({
        status: 'running',
        leaseOwner: owner,
        leaseUntil: lease(leaseMs),
        attempts: eb('u.attempts', '+', 1),
        startedAt: eb.fn.coalesce('u.startedAt', now()),
      }))
      .whereRef('u.jobId', '=', 'c.jobId')
      .whereRef('u.seq', '=', 'c.seq')
      .whereRef('j.id', '=', 'u.jobId')
      .returning([...UNIT_COLUMNS.map((c) => `u.${c}` as const), 'j.kind', 'j.account', 'j.params', 'j.principal'])
      .executeTakeFirst();
    if (!r) return null;
    return {
      ...toUnit(r),
      kind: oneOf(JOB_KINDS, r.kind),
      account: r.account,
      params: r.params,
      principal: toPrincipal(r.principal),
    };
  }

  async heartbeat(
    unit: ClaimedUnit,
    owner: string,
    leaseMs: number,
    progress: Record<string, number>,
    message: string | null,
  ): Promise<LeaseState> {
    const row = await this.db
      .updateTable('jobUnits as u')
      .from('jobs as j')
      .set({ leaseUntil: lease(leaseMs), progress: jsonb(progress), message })
      .where('u.jobId', '=', unit.jobId)
      .where('u.seq', '=', unit.seq)
      .where('u.leaseOwner', '=', owner)
      .where('u.status', '=', 'running')
      .whereRef('j.id', '=', 'u.jobId')
      .returning('j.cancelRequested')
      .executeTakeFirst();
    return { held: row !== undefined, cancelRequested: row?.cancelRequested ?? false };
  }

  async finish(unit: ClaimedUnit, owner: string, o: UnitOutcome): Promise<boolean> {
    const row = await this.db
      .updateTable('jobUnits')
      .set({
        status: o.status,
        message: o.message,
        progress: jsonb(o.progress),
        results: o.results ? jsonb(o.results) : undefined,
        activeScope: null,
        leaseOwner: null,
        leaseUntil: null,
        finishedAt: now(),
      })
      .where('jobId', '=', unit.jobId)
      .where('seq', '=', unit.seq)
      .where('leaseOwner', '=', owner)
      .where('status', '=', 'running')
      .returning('seq')
      .executeTakeFirst();
    if (row) await this.settle(unit.jobId);
    return row !== undefined;
  }

  async release(unit: ClaimedUnit, owner: string): Promise<void> {
    await this.db
      .updateTable('jobUnits')
      .set({ status: 'pending', leaseOwner: null, leaseUntil: null })
      .where('jobId', '=', unit.jobId)
      .where('seq', '=', unit.seq)
      .where('leaseOwner', '=', owner)
      .where('status', '=', 'running')
      .execute();
  }

  async dueForSync(minutes: number): Promise<DueKms[]> {
    return this.db
      .selectFrom('kmsAccounts as k')
      .select(['k.id', 'k.account', 'k.name', 'k.awsAccountId', 'k.regions'])
      .where((eb) => eb(eb.fn<number>('cardinality', ['k.regions']), '>', 0))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('jobs as j')
              .select('j.id')
              .where('j.kind', '=', 'sync')
              .whereRef('j.account', '=', 'k.account')
              .where((eb) => eb(jsonField(eb.ref('j.params'), 'kmsIds'), '?', eb.cast('k.id', 'text')))
              .where((eb) =>
                eb.or([
                  eb('j.status', '=', 'in_progress'),
                  eb('j.completedAt', '>', sql<Date>`now() - make_interval(mins => ${minutes})`),
                ]),
              ),
          ),
        ),
      )
      .orderBy('k.account')
      .orderBy('k.name')
      .execute();
  }
}
