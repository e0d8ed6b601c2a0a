import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { AuditEventInput, AuditFilter, AuditRecord, AuditRepository } from '../../cckm/audit/audit.service.js';
import type { ListQuery } from '../../cckm/common/list.js';
import { jsonb } from '../columns.js';
import { columnOf } from '../column-names.js';
import type { DB } from '../database.js';
import type { AuditEvent } from '../generated/db.js';

/** An event as a row (`at` is the service's, kept through the spool). */
function toRow(e: AuditEventInput): Insertable<AuditEvent> {
  const { details, at, ...columns } = e;
  return { ...columns, at: at ?? new Date(), details: jsonb(details ?? {}) };
}

/** A row as the record the API answers: the bigint id as text, details always an object. */
function toRecord(r: Selectable<AuditEvent>): AuditRecord {
  const details = r.details;
  return {
    ...r,
    id: r.id.toString(),
    details: details !== null && typeof details === 'object' && !Array.isArray(details) ? { ...details } : {},
  };
}

/** The columns an event writes (the id is the database's). */
const WRITTEN = [
  'at',
  'account',
  'actor',
  'action',
  'resourceType',
  'resourceId',
  'result',
  'statusCode',
  'requestId',
  'details',
] as const;

/** The audit trail in table `audit_events` (append-only). */
export class PostgresAuditRepository implements AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async appendMany(events: AuditEventInput[]) {
    if (!events.length) return;
    await this.db.insertInto('auditEvents').values(events.map(toRow)).execute();
  }

  /**
   * Inserts replayed events unless already stored: an event is identified by its account,
   * time (set by the service, kept through the spool), request id and action. One
   * statement over the events as a recordset of the table's own row type; uses the
   * (account, at) index.
   */
  async restore(events: AuditEventInput[]) {
    if (!events.length) return;
    // The recordset's keys are the column names; details stay a JSON object inside the document.
    const rows = events.map((e) =>
      Object.fromEntries(
        Object.entries({ ...e, at: e.at ?? new Date(), details: e.details ?? {} }).map(([k, v]) => [columnOf(k), v]),
      ),
    );
    const rowType = sql.table('auditEvents');
    const input = sql<Selectable<AuditEvent>>`jsonb_populate_recordset(null::${rowType}, ${jsonb(rows)}::jsonb)`.as(
      'x',
    );
    await this.db
      .insertInto('auditEvents')
      .columns(WRITTEN)
      .expression((eb) =>
        eb
          .selectFrom(input)
          .select(WRITTEN.map((c) => `x.${c}` as const))
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('auditEvents as e')
                  .select('e.id')
                  .whereRef('e.account', '=', 'x.account')
                  .whereRef('e.at', '=', 'x.at')
                  .whereRef('e.requestId', '=', 'x.requestId')
                  .whereRef('e.action', '=', 'x.action'),
              ),
            ),
          ),
      )
      .execute();
  }

  async list(account: string, f: AuditFilter, q: ListQuery): Promise<{ total: number; rows: AuditRecord[] }> {
    let filtered = this.db.selectFrom('auditEvents').where('account', '=', account);
    if (f.actor !== undefined) filtered = filtered.where('actor', '=', f.actor);
    if (f.action !== undefined) filtered = filtered.where('action', '=', f.action);
    if (f.resourceType !== undefined) filtered = filtered.where('resourceType', '=', f.resourceType);
    if (f.resourceId !== undefined) filtered = filtered.where('resourceId', '=', f.resourceId);
    if (f.result !== undefined) filtered = filtered.where('result', '=', f.result);
    if (f.requestId !== undefined) filtered = filtered.where('requestId', '=', f.requestId);
    if (f.from !== undefined) filtered = filtered.where('at', '>=', f.from);
    if (f.to !== undefined) filtered = filtered.where('at', '<', f.to);
    // Only `at` sorts; the id breaks ties so pages are stable. Newest first by default.
    const dir = q.sort ? (q.sort.desc ? 'desc' : 'asc') : 'desc';
    const [counted, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
      filtered.selectAll().orderBy('at', dir).orderBy('id', dir).limit(q.limit).offset(q.skip).execute(),
    ]);
    return { total: Number(counted?.total ?? 0), rows: rows.map(toRecord) };
  }
}
