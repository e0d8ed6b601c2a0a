import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  KeyCursor,
  NewReport,
  ReportListFilter,
  ReportOutcome,
  ReportRecord,
  ReportRepository,
  ReportScope,
  ReportView,
  StoredReportRow,
} from '../../cckm/reports/report.repository.js';
import type { ReportKey, ReportRowValues, ReportStatus } from '../../cckm/reports/report-types.js';
import { jsonb, now } from '../columns.js';
import type { DB } from '../database.js';

/**
 * What users see of a report's status: the runner's final word, else its job's failure or
 * cancellation (a worker that gave up on the unit, or a pruned job after the runner died),
 * else running once a worker holds the unit.
 */
const EFFECTIVE_STATUS = sql<ReportStatus>`CASE
  WHEN r.status IN ('completed', 'failed', 'cancelled') THEN r.status
  WHEN j.status IN ('failed', 'cancelled') THEN j.status
  WHEN j.id IS NULL AND r.status = 'running' THEN 'failed'
  WHEN u.status = 'running' THEN 'running'
  ELSE r.status END`;

const SORTABLE: Record<string, string> = {
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
  name: 'r.name',
  id: 'r.id',
};

interface ViewRow extends ReportRecord {
  effectiveStatus: ReportStatus;
  unitMessage: string | null;
  unitProgress: unknown;
}

function toView(r: ViewRow): ReportView {
  const { effectiveStatus, unitMessage, unitProgress, ...report } = r;
  const progress =
    unitProgress && typeof unitProgress === 'object'
      ? Object.fromEntries(Object.entries(unitProgress).map(([k, n]) => [k, Number(n) || 0]))
      : {};
  return { report, status: effectiveStatus, message: report.message ?? unitMessage, progress };
}

/** Reports in `reports` and `report_rows`; status and progress joined from the job of the same id. */
export class PostgresReportRepository implements ReportRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(r: NewReport): Promise<ReportRecord> {
    return this.db
      .insertInto('reports')
      .values({ ...r, params: jsonb(r.params) })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private views(account: string) {
    return this.db
      .selectFrom('reports as r')
      .leftJoin('jobs as j', 'j.id', 'r.id')
      .leftJoin('jobUnits as u', (join) => join.onRef('u.jobId', '=', 'r.id').on('u.seq', '=', 0))
      .where('r.account', '=', account);
  }

  private withView<Q extends ReturnType<PostgresReportRepository['views']>>(q: Q) {
    return q
      .selectAll('r')
      .select([EFFECTIVE_STATUS.as('effectiveStatus'), 'u.message as unitMessage', 'u.progress as unitProgress']);
  }

  async find(account: string, id: string): Promise<ReportView | null> {
    const row = await this.withView(this.views(account).where('r.id', '=', id)).executeTakeFirst();
    return row ? toView(row as ViewRow) : null;
  }

  async list(account: string, f: ReportListFilter, q: ListQuery) {
    let filtered = this.views(account);
    if (f.ids?.length) filtered = filtered.where('r.id', '=', (eb) => eb.fn.any(eb.val(f.ids!)));
    if (f.names?.length) filtered = filtered.where('r.name', '=', (eb) => eb.fn.any(eb.val(f.names!)));
    if (f.reportTypes?.length)
      filtered = filtered.where('r.reportType', '=', (eb) => eb.fn.any(eb.val(f.reportTypes!)));
    if (f.kmsIdsWithin)
      filtered = filtered.where(sql<SqlBool>`(r.params -> 'kms_ids') <@ ${jsonb(f.kmsIdsWithin)}::jsonb`);
    if (f.statuses?.length)
      filtered = filtered.where(sql<SqlBool>`${EFFECTIVE_STATUS} = ANY(${f.statuses})` as Expression<SqlBool>);
    const column = SORTABLE[q.sort?.field ?? 'createdAt'] ?? SORTABLE.createdAt!;
    const dir = sql.raw(q.sort?.desc ? 'DESC' : 'ASC');
    const [counted, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
      this.withView(filtered)
        .orderBy(sql`${sql.raw(column)} ${dir}, r.id ${dir}`)
        .limit(q.limit)
        .offset(q.skip)
        .execute(),
    ]);
    return { total: Number(counted?.total ?? 0), rows: rows.map((r) => toView(r as ViewRow)) };
  }

  async delete(account: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('reports')
      .where('id', '=', id)
      .where('account', '=', account)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async begin(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('reports')
        .set({ status: 'running', summary: null, rowCount: 0, message: null, updatedAt: now() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await trx.deleteFrom('reportRows').where('reportId', '=', id).execute();
      return true;
    });
  }

  private scoped(account: string, s: ReportScope) {
    let q = this.db
      .selectFrom('awsKeys')
      .where('account', '=', account)
      .where('gone', '=', false)
      .where('kmsKeyId', 'is not', null)
      .where('kmsId', '=', (eb) => eb.fn.any(eb.val(s.kmsIds)));
    if (s.regions?.length) q = q.where('region', '=', (eb) => eb.fn.any(eb.val(s.regions!)));
    if (s.from) q = q.where(sql<SqlBool>`coalesce(aws_created_at, created_at) >= ${s.from}`);
    if (s.to) q = q.where(sql<SqlBool>`coalesce(aws_created_at, created_at) <= ${s.to}`);
    return q;
  }

  async countKeys(account: string, s: ReportScope): Promise<number> {
    if (!s.kmsIds.length) return 0;
    const row = await this.scoped(account, s)
      .select((eb) => eb.fn.countAll<bigint>().as('total'))
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  async keyPage(account: string, s: ReportScope, after: KeyCursor | null, limit: number): Promise<ReportKey[]> {
    if (!s.kmsIds.length) return [];
    let q = this.scoped(account, s);
    if (after) q = q.where(sql<SqlBool>`(created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
    const rows = await q
      .select([
        'id',
        'kmsId',
        'region',
        'kmsKeyId',
        'arn',
        'aliases',
        'keyState',
        'keySpec',
        'keyUsage',
        'origin',
        'customKeyStoreId',
        'policyTemplateId',
        'policyDrift',
        'rotationJobEnabled',
        'rotatedAt',
        sql<string>`created_at::text`.as('cursorAt'),
        sql<Date>`coalesce(aws_created_at, created_at)`.as('keyCreatedAt'),
        sql<string | null>`aws_param->>'Description'`.as('description'),
        sql<boolean | null>`(aws_param->'KeyRotationEnabled')::boolean`.as('keyRotationEnabled'),
        sql<string | null>`aws_param->>'RotationPeriodInDays'`.as('rotationPeriodInDays'),
        sql<string | null>`aws_param->>'NextRotationDate'`.as('nextRotationDate'),
        sql<string | null>`aws_param->>'ValidTo'`.as('validTo'),
        sql<string | null>`aws_param->>'DeletionDate'`.as('deletionDate'),
      ])
      .orderBy('createdAt')
      .orderBy('id')
      .limit(limit)
      .execute();
    const date = (v: string | null) => (v ? new Date(v) : null);
    return rows.map((r) => ({
      id: r.id,
      kmsId: r.kmsId,
      region: r.region,
      kmsKeyId: r.kmsKeyId!,
      arn: r.arn,
      // text[] without NOT NULL: a record written outside this code may hold NULL.
      aliases: r.aliases ?? [],
      description: r.description,
      keyState: r.keyState,
      keySpec: r.keySpec,
      keyUsage: r.keyUsage,
      origin: r.origin,
      customKeyStoreId: r.customKeyStoreId,
      policyTemplateId: r.policyTemplateId,
      policyDrift: r.policyDrift,
      rotationJobEnabled: r.rotationJobEnabled,
      rotatedAt: r.rotatedAt,
      keyRotationEnabled: r.keyRotationEnabled,
      rotationPeriodInDays: r.rotationPeriodInDays === null ? null : Number(r.rotationPeriodInDays),
      nextRotationDate: date(r.nextRotationDate),
      validTo: date(r.validTo),
      deletionDate: date(r.deletionDate),
      createdAt: new Date(r.keyCreatedAt),
      cursorAt: r.cursorAt,
    }));
  }

  async appendRows(id: string, firstSeq: number, rows: readonly ReportRowValues[]): Promise<void> {
    if (!rows.length) return;
    // One JSON array parameter instead of three per row: a page of 1 000 rows was a 3 000-parameter
    // statement whose building and binding cost more than PostgreSQL's insert.
    await sql`INSERT INTO report_rows (report_id, seq, "row")
      SELECT ${id}::uuid, ${firstSeq}::int + (t.ord - 1)::int, t.value
      FROM jsonb_array_elements(${jsonb(rows)}::jsonb) WITH ORDINALITY AS t(value, ord)`.execute(this.db);
  }

  async finish(id: string, o: ReportOutcome): Promise<boolean> {
    const r = await this.db
      .updateTable('reports')
      .set({
        status: o.status,
        message: o.message,
        rowCount: o.rowCount,
        summary: o.summary === undefined ? null : jsonb(o.summary),
        updatedAt: now(),
        completedAt: now(),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async rowPage(id: string, afterSeq: number, limit: number): Promise<StoredReportRow[]> {
    const rows = await this.db
      .selectFrom('reportRows')
      .select(['seq', 'row'])
      .where('reportId', '=', id)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: r.seq, row: r.row as ReportRowValues }));
  }
}
