import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
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
import { jsonb, jsonField, jsonText, now } from '../columns.js';
import type { DB } from '../database.js';

type Views = ReturnType<PostgresReportRepository['views']>;
type ViewEb = Views extends SelectQueryBuilder<infer D, infer T, object> ? ExpressionBuilder<D, T> : never;

/**
 * What users see of a report's status: the runner's final word, else its job's failure or
 * cancellation (a worker that gave up on the unit, or a pruned job after the runner died),
 * else running once a worker holds the unit.
 */
function effectiveStatus(eb: ViewEb) {
  return eb
    .case()
    .when('r.status', 'in', ['completed', 'failed', 'cancelled'])
    .then(eb.ref('r.status'))
    .when('j.status', 'in', ['failed', 'cancelled'])
    .then(eb.ref('j.status'))
    .when(eb.and([eb('j.id', 'is', null), eb('r.status', '=', 'running')]))
    .then('failed')
    .when('u.status', '=', 'running')
    .then('running')
    .else(eb.ref('r.status'))
    .end();
}

const SORTABLE: Record<string, 'r.createdAt' | 'r.updatedAt' | 'r.name' | 'r.id'> = {
  createdAt: 'r.createdAt',
  updatedAt: 'r.updatedAt',
  name: 'r.name',
  id: 'r.id',
};

/** A text field of a key's `awsParam` document (KMS's description of the key). */
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
      .select((eb) => [
        effectiveStatus(eb).$castTo<ReportStatus>().as('effectiveStatus'),
        'u.message as unitMessage',
        'u.progress as unitProgress',
      ]);
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
      filtered = filtered.where(
        (eb) => sql<SqlBool>`(${eb.ref('r.params')} -> 'kms_ids') <@ ${jsonb(f.kmsIdsWithin)}::jsonb`,
      );
    if (f.statuses?.length)
      filtered = filtered.where((eb) => eb(effectiveStatus(eb), '=', eb.fn.any(eb.val(f.statuses!))));
    const column = SORTABLE[q.sort?.field ?? 'createdAt'] ?? SORTABLE.createdAt!;
    const dir = q.sort?.desc ? 'desc' : 'asc';
    const [counted, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
      this.withView(filtered).orderBy(column, dir).orderBy('r.id', dir).limit(q.limit).offset(q.skip).execute(),
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
    const { from, to } = s;
    if (from) q = q.where((eb) => eb(eb.fn.coalesce('awsCreatedAt', 'createdAt'), '>=', from));
    if (to) q = q.where((eb) => eb(eb.fn.coalesce('awsCreatedAt', 'createdAt'), '<=', to));
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
    if (after)
      q = q.where(
        (eb) => sql<SqlBool>`(${eb.ref('createdAt')}, ${eb.ref('id')}) > (${after.at}::timestamptz, ${after.id}::uuid)`,
      );
    const rows = await q
      .select((eb) => [
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
        sql<string>`${eb.ref('createdAt')}::text`.as('cursorAt'),
        eb.fn.coalesce('awsCreatedAt', 'createdAt').as('keyCreatedAt'),
        jsonText(eb.ref('awsParam'), 'Description').as('description'),
        eb
          .cast<boolean | null>(jsonField(eb.ref('awsParam'), 'KeyRotationEnabled'), 'boolean')
          .as('keyRotationEnabled'),
        jsonText(eb.ref('awsParam'), 'RotationPeriodInDays').as('rotationPeriodInDays'),
        jsonText(eb.ref('awsParam'), 'NextRotationDate').as('nextRotationDate'),
        jsonText(eb.ref('awsParam'), 'ValidTo').as('validTo'),
        jsonText(eb.ref('awsParam'), 'DeletionDate').as('deletionDate'),
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
    const elements = sql<{ value: unknown; ord: bigint }>`jsonb_array_elements(${jsonb(rows)}::jsonb) WITH ORDINALITY`;
    await this.db
      .insertInto('reportRows')
      .columns(['reportId', 'seq', 'row'])
      .expression((eb) =>
        eb
          .selectFrom(elements.as<'t'>(sql`t(value, ord)`))
          .select((t) => [
            sql<string>`${id}::uuid`.as('reportId'),
            sql<number>`${firstSeq}::int + (${t.ref('t.ord')} - 1)::int`.as('seq'),
            't.value as row',
          ]),
      )
      .execute();
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
