import type { Kysely, Selectable } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  JobConfigChanges,
  JobConfigFilter,
  JobConfigRecord,
  JobConfigRepository,
  NewJobConfig,
  NewRun,
  RunRecord,
} from '../../cckm/scheduler/job-config.repository.js';
import { ConflictError } from '../../errors/index.js';
import { jsonb, jsonbChange, now } from '../columns.js';
import { fromDatabaseError, guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import type { JobConfig } from '../generated/db.js';
import { countOf, listPage } from './list-page.js';
import { toJob, toUnit, UNIT_COLUMNS } from './postgres-job-rows.js';

type Trx = Kysely<DB>;

const toRecord = (r: Selectable<JobConfig>): JobConfigRecord => r;

/**
 * Job configs in `job_configs`; their runs are rows of the job queue (`jobs`, `job_units`)
 * linked by `jobConfigId`, with `scheduledAt` the tick (unique per config).
 */
export class PostgresJobConfigRepository implements JobConfigRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(c: NewJobConfig): Promise<JobConfigRecord> {
    const row = await guard(`Job config ${c.name}`, () =>
      this.db
        .insertInto('jobConfigs')
        .values({ ...c, params: jsonb(c.params) })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toRecord(row);
  }

  async find(account: string, id: string): Promise<JobConfigRecord | null> {
    const row = await this.db
      .selectFrom('jobConfigs')
      .selectAll()
      .where('id', '=', id)
      .where('account', '=', account)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(account: string, f: JobConfigFilter, q: ListQuery) {
    let filtered = this.db.selectFrom('jobConfigs').where('account', '=', account);
    if (f.ids?.length) filtered = filtered.where('id', '=', (eb) => eb.fn.any(eb.val(f.ids!)));
    if (f.names?.length) filtered = filtered.where('name', '=', (eb) => eb.fn.any(eb.val(f.names!)));
    if (f.operations?.length) filtered = filtered.where('operation', '=', (eb) => eb.fn.any(eb.val(f.operations!)));
    if (f.disabled !== undefined) filtered = filtered.where('disabled', '=', f.disabled);
    const { total, rows } = await listPage(filtered, q, {
      fields: ['createdAt', 'updatedAt', 'name', 'id', 'nextRunAt'],
      fallback: 'createdAt',
      id: 'id',
    });
    return { total, rows: rows.map(toRecord) };
  }

  async update(account: string, id: string, changes: JobConfigChanges): Promise<JobConfigRecord | null> {
    const { params, ...plain } = changes;
    return guard(`Job config ${changes.name ?? id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('jobConfigs')
          .set({ ...plain, params: jsonbChange(params), updatedAt: now() })
          .where('id', '=', id)
          .where('account', '=', account)
          .returningAll()
          .executeTakeFirst();
        if (row && 'nextRunAt' in changes) await this.moveKeys(trx, id, changes.nextRunAt ?? null);
        return row ? toRecord(row) : null;
      }),
    );
  }

  async delete(account: string, id: string): Promise<boolean> {
    try {
      const r = await this.db
        .deleteFrom('jobConfigs')
        .where('id', '=', id)
        .where('account', '=', account)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    } catch (err) {
      const e = fromDatabaseError(err, `Job config ${id}`);
      if (!(e instanceof ConflictError)) throw e;
      if ((await this.attachedStoreIds(id)).length > 0)
        throw new ConflictError(
          `Job config ${id} still has custom key stores attached; detach them first (POST /cckm/aws/custom-key-stores/{id}/disable-credential-rotation-job)`,
          { cause: err },
        );
      throw new ConflictError(
        `Job config ${id} still has keys attached; detach them first (POST /cckm/aws/keys/{id}/disable-rotation-job)`,
        { cause: err },
      );
    }
  }

  async attachedStoreIds(configId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('customKeyStores')
      .select('id')
      .where('jobConfigId', '=', configId)
      .where('credentialRotationJobEnabled', '=', true)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async attachedKeyCount(configId: string): Promise<number> {
    return countOf(
      this.db.selectFrom('awsKeys').where('jobConfigId', '=', configId).where('rotationJobEnabled', '=', true),
    );
  }

  async attachedKeyIds(configId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('awsKeys')
      .select('id')
      .where('jobConfigId', '=', configId)
      .where('rotationJobEnabled', '=', true)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async due(limit: number): Promise<JobConfigRecord[]> {
    const rows = await this.db
      .selectFrom('jobConfigs')
      .selectAll()
      .where('disabled', '=', false)
      .where('nextRunAt', '<=', now())
      .orderBy('nextRunAt')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async fire(config: JobConfigRecord, nextRunAt: Date | null, run: NewRun): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      // The row lock this UPDATE takes orders concurrent instances: the second re-reads the
      // row after the first commits, finds the tick moved on, and updates nothing.
      const moved = await trx
        .updateTable('jobConfigs')
        .set({ nextRunAt, lastRunAt: config.nextRunAt, updatedAt: now() })
        .where('id', '=', config.id)
        .where('disabled', '=', false)
        .where('nextRunAt', '=', config.nextRunAt)
        .returning('id')
        .executeTakeFirst();
      if (!moved) return false;
      await this.insertRun(trx, run);
      await this.moveKeys(trx, config.id, nextRunAt);
      return true;
    });
  }

  async queue(run: NewRun): Promise<void> {
    await this.inTransaction((trx) => this.insertRun(trx, run));
  }

  async runInProgress(configId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('jobConfigId', '=', configId)
      .where('status', '=', 'in_progress')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }

  async busyScopes(scopes: string[]): Promise<string[]> {
    if (!scopes.length) return [];
    const rows = await this.db
      .selectFrom('jobUnits')
      .select('activeScope')
      .where('activeScope', '=', (eb) => eb.fn.any(eb.val(scopes)))
      .execute();
    return rows.map((r) => r.activeScope!).filter(Boolean);
  }

  async runs(account: string, configId: string, q: ListQuery): Promise<{ total: number; rows: RunRecord[] }> {
    const filtered = this.db.selectFrom('jobs').where('account', '=', account).where('jobConfigId', '=', configId);
    const dir = q.sort?.desc === false ? 'asc' : 'desc';
    const [counted, jobs] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
      filtered.selectAll().orderBy('createdAt', dir).orderBy('id', dir).limit(q.limit).offset(q.skip).execute(),
    ]);
    return { total: Number(counted?.total ?? 0), rows: await this.withUnits(jobs) };
  }

  async run(account: string, configId: string, runId: string): Promise<RunRecord | null> {
    const jobs = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('account', '=', account)
      .where('jobConfigId', '=', configId)
      .where('id', '=', runId)
      .execute();
    return (await this.withUnits(jobs))[0] ?? null;
  }

  private async withUnits(jobs: Selectable<DB['jobs']>[]): Promise<RunRecord[]> {
    if (!jobs.length) return [];
    const units = await this.db
      .selectFrom('jobUnits')
      .select(UNIT_COLUMNS)
      .where('jobId', '=', (eb) => eb.fn.any(eb.val(jobs.map((j) => j.id))))
      .orderBy('jobId')
      .orderBy('seq')
      .execute();
    return jobs.map((j) => ({
      job: toJob(j),
      units: units.filter((u) => u.jobId === j.id).map(toUnit),
      jobConfigId: j.jobConfigId,
      scheduledAt: j.scheduledAt,
    }));
  }

  /** Inserts the run's job and units; a run whose units are all skipped is stored finished (cancelled). */
  private async insertRun(trx: Trx, run: NewRun): Promise<void> {
    const allSkipped = run.units.every((u) => u.skipped !== undefined);
    await trx
      .insertInto('jobs')
      .values({
        ...run.job,
        params: jsonb(run.job.params),
        principal: jsonb(run.job.principal),
        jobConfigId: run.jobConfigId,
        scheduledAt: run.scheduledAt,
        ...(allSkipped ? { status: 'cancelled', completedAt: now() } : {}),
      })
      .execute();
    await trx
      .insertInto('jobUnits')
      .values(
        run.units.map((u, seq) => ({
          jobId: run.job.id,
          seq,
          label: u.label,
          payload: jsonb(u.payload),
          ...(u.skipped !== undefined
            ? { status: 'cancelled', message: u.skipped, finishedAt: now(), activeScope: null }
            : { activeScope: u.activeScope ?? null }),
        })),
      )
      .execute();
  }

  /** The attached keys' next rotation follows their config's next tick. */
  private async moveKeys(trx: Trx, configId: string, nextRunAt: Date | null): Promise<void> {
    await trx
      .updateTable('awsKeys')
      .set({ nextRotationAt: nextRunAt })
      .where('jobConfigId', '=', configId)
      .where('rotationJobEnabled', '=', true)
      .execute();
  }

  private async inTransaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (err) {
      const e = fromDatabaseError(err, 'Run');
      if (e instanceof ConflictError)
        throw new ConflictError('A job in progress already covers part of this run (or this tick was queued already)', {
          cause: err,
        });
      throw e;
    }
  }
}
