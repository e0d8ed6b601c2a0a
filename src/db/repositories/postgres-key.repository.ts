import {
  sql,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type Updateable,
} from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type { KeyRecord } from '../../cckm/common/records.js';
import type { KeyChanges, KeyFilter, KeyGroupBy, KeyRepository, NewKeyRecord } from '../../cckm/keys/key.repository.js';
import { NotFoundError } from '../../errors/index.js';
import { ago, jsonb, jsonbChange, jsonText, now } from '../columns.js';
import { CompiledOnce } from '../compiled-once.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import type { AwsKey } from '../generated/db.js';

/** Filters of "any of these values" → the record field (column) they match. */
const ANY_OF = [
  ['ids', 'id'],
  ['kmsIds', 'kmsId'],
  ['regions', 'region'],
  ['keyIds', 'kmsKeyId'],
  ['arns', 'arn'],
  ['keyStates', 'keyState'],
  ['keyUsages', 'keyUsage'],
  ['origins', 'origin'],
  ['customKeyStoreIds', 'customKeyStoreId'],
  ['keyTypes', 'keyType'],
  ['materialOrigins', 'keyMaterialOrigin'],
  ['keySpecs', 'keySpec'],
  ['cloudNames', 'cloudName'],
  ['multiRegionKeyTypes', 'multiRegionKeyType'],
  ['templateIds', 'policyTemplateId'],
  ['jobConfigIds', 'jobConfigId'],
  ['rotationStatuses', 'rotationStatus'],
] as const;

const FLAGS = [
  ['gone', 'gone'],
  ['multiRegion', 'multiRegion'],
  ['enabled', 'enabled'],
  ['policyDrift', 'policyDrift'],
  ['rotationJobEnabled', 'rotationJobEnabled'],
] as const;

/** Sortable fields; the never-NULL ones match the (…, created_at, id) indexes without NULLS LAST. */
const SORTABLE = [
  'createdAt',
  'updatedAt',
  'id',
  'region',
  'kmsKeyId',
  'arn',
  'keyState',
  'keyType',
  'syncedAt',
  'awsCreatedAt',
] as const;
const NOT_NULL = new Set<string>(['createdAt', 'updatedAt', 'id', 'region']);
type SortField = (typeof SORTABLE)[number];

/** `ORDER BY field, id` in the requested direction, NULLs last. */
function ordered<O>(qb: SelectQueryBuilder<DB, 'awsKeys', O>, field: SortField, dir: 'asc' | 'desc') {
  if (field === 'id') return qb.orderBy('id', dir);
  return qb
    .orderBy(field, (ob) => {
      const by = dir === 'desc' ? ob.desc() : ob.asc();
      return NOT_NULL.has(field) ? by : by.nullsLast();
    })
    .orderBy('id', dir);
}

/**
 * A row of `aws_keys` as the domain record (the one place the two meet). Prisma list
 * columns are nullable in the database (records a sync inserted before this release hold
 * NULL principal lists), so NULL reads as the empty list the record declares.
 */
function toKeyRecord(row: Selectable<AwsKey>): KeyRecord {
  const { aliases, keyAdmins, keyAdminsRoles, keyUsers, keyUsersRoles, externalAccounts } = row;
  // The common case costs no copy: a page of the list maps 100 wide rows.
  if (aliases && keyAdmins && keyAdminsRoles && keyUsers && keyUsersRoles && externalAccounts) return row;
  const list = (v: string[] | null) => v ?? [];
  return {
    ...row,
    aliases: list(row.aliases),
    keyAdmins: list(row.keyAdmins),
    keyAdminsRoles: list(row.keyAdminsRoles),
    keyUsers: list(row.keyUsers),
    keyUsersRoles: list(row.keyUsersRoles),
    externalAccounts: list(row.externalAccounts),
  };
}

/** Record changes as column values: JSON columns as JSON text. */
function toRow(changes: KeyChanges): Updateable<AwsKey> {
  const { tags, awsParam, labels, ...plain } = changes;
  return { ...plain, tags: jsonbChange(tags), awsParam: jsonbChange(awsParam), labels: jsonbChange(labels) };
}

/** `text` as a LIKE pattern matching it anywhere, its own `%`, `_` and `\` taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The inventory's search box: a substring of an alias, the AWS key id, the ARN or the
 * description, any case. Unindexed: it runs over the account's rows the other filters
 * leave; 10 000 keys of one account took about 0.1 s (DESIGN.md, "web console").
 */
function searchMatch(eb: ExpressionBuilder<DB, 'awsKeys'>, text: string) {
  const pattern = containsPattern(text);
  return eb.or([
    eb('kmsKeyId', 'ilike', pattern),
    eb('arn', 'ilike', pattern),
    eb(jsonText(eb.ref('awsParam'), 'Description'), 'ilike', pattern),
    sql<boolean>`exists (select 1 from unnest(${eb.ref('aliases')}) as a(name) where a.name ilike ${pattern})`,
  ]);
}

/** The ACL scope: any entry's KMS accounts, with one of its origins (none yet counts as AWS_KMS). */
function visibleMatch(eb: ExpressionBuilder<DB, 'awsKeys'>, scopes: NonNullable<KeyFilter['visible']>) {
  if (scopes.length === 0) return eb.val(false);
  return eb.or(
    scopes.map((s) => {
      const inKms = eb('kmsId', '=', eb.fn.any(eb.val(s.kmsIds)));
      if (!s.origins) return inKms;
      return eb.and([inKms, eb(eb.fn.coalesce('origin', eb.val('AWS_KMS')), '=', eb.fn.any(eb.val(s.origins)))]);
    }),
  );
}

/** An account's keys matching a filter. Every value is a bind parameter. */
function matching(account: string, f: KeyFilter) {
  return (eb: ExpressionBuilder<DB, 'awsKeys'>) => {
    const all = [eb('account', '=', account)];
    for (const [filter, field] of ANY_OF) {
      const values = f[filter];
      if (values?.length) all.push(eb(field, '=', eb.fn.any(eb.val(values))));
    }
    for (const [filter, field] of FLAGS) {
      const value = f[filter];
      if (value !== undefined) all.push(eb(field, '=', value));
    }
    if (f.aliases?.length) all.push(eb('aliases', '&&', eb.val(f.aliases)));
    if (f.search) all.push(searchMatch(eb, f.search));
    if (f.visible) all.push(visibleMatch(eb, f.visible));
    for (const t of f.tags ?? []) {
      all.push(
        eb('tags', '@>', jsonb([t.value === undefined ? { TagKey: t.key } : { TagKey: t.key, TagValue: t.value }])),
      );
    }
    return eb.and(all);
  };
}

/** Key records in table `aws_keys`. */
export class PostgresKeyRepository implements KeyRepository {
  /** `GET /keys/{id}`'s read, compiled once (the hottest statement of the API). */
  private readonly byId: CompiledOnce<[account: string, id: string], Selectable<AwsKey>>;

  constructor(private readonly db: Kysely<DB>) {
    this.byId = new CompiledOnce(db, 2, (account: string, id: string) =>
      db.selectFrom('awsKeys').selectAll().where('id', '=', id).where('account', '=', account),
    );
  }

  async reserve(row: NewKeyRecord) {
    const inserted = await guard('Key record', () =>
      this.db
        .insertInto('awsKeys')
        .values({
          ...row,
          status: 'creating',
          aliases: [],
          tags: jsonb([]),
          awsParam: jsonb({}),
          labels: jsonb({}),
          updatedAt: now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toKeyRecord(inserted);
  }

  async update(id: string, changes: KeyChanges) {
    const row = await guard('Key record', () =>
      this.db
        .updateTable('awsKeys')
        .set({ ...toRow(changes), updatedAt: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('Key record not found');
    return toKeyRecord(row);
  }

  async failReservation(id: string, olderThanMs: number, lastError: string) {
    const row = await this.db
      .updateTable('awsKeys')
      .set({ status: 'failed', lastError, updatedAt: now() })
      .where('id', '=', id)
      .where('status', '=', 'creating')
      .where('kmsKeyId', 'is', null)
      .where('createdAt', '<', ago(olderThanMs))
      .returningAll()
      .executeTakeFirst();
    return row ? toKeyRecord(row) : null;
  }

  async find(account: string, id: string) {
    const [row] = await this.byId.execute(account, id);
    return row ? toKeyRecord(row) : null;
  }

  /**
   * One page: paging and sorting run over narrow (id, sort column) tuples, and only the
   * page's rows are fetched whole — sorting thousands of wide rows (aws_param holds the
   * policy) would spill to disk. The count runs beside it, on its own connection: one
   * statement carrying both (`count(*) OVER ()` on the narrow tuples, or the count as a
   * scalar subquery) measured 3-10× slower on PostgreSQL 15 (DESIGN.md, "Speed").
   */
  async list(account: string, filter: KeyFilter, q: ListQuery) {
    const where = matching(account, filter);
    const field = SORTABLE.find((f) => f === q.sort?.field) ?? 'createdAt';
    const dir = q.sort?.desc ? 'desc' : 'asc';
    const ids = ordered(this.db.selectFrom('awsKeys').select('id').where(where), field, dir)
      .limit(q.limit)
      .offset(q.skip);
    const [counted, rows] = await Promise.all([
      this.db
        .selectFrom('awsKeys')
        .select((eb) => eb.fn.countAll<bigint>().as('total'))
        .where(where)
        .executeTakeFirst(),
      ordered(this.db.selectFrom('awsKeys').selectAll().where('id', 'in', ids), field, dir).execute(),
    ]);
    return { total: Number(counted?.total ?? 0), rows: rows.map(toKeyRecord) };
  }

  async countBy(account: string, filter: KeyFilter, groupBy: KeyGroupBy, maxGroups: number) {
    const rows = await this.db
      .selectFrom('awsKeys')
      .select((eb) => [
        eb.ref(groupBy).as('value'),
        eb.fn.countAll<string | number | bigint>().as('count'),
        sql<string | number>`sum(count(*)) over ()`.as('total'),
      ])
      .where(matching(account, filter))
      .groupBy(groupBy)
      .orderBy('count', 'desc')
      .orderBy('value', (ob) => ob.asc().nullsLast())
      .limit(maxGroups)
      .execute();
    return {
      total: Number(rows[0]?.total ?? 0),
      counts: rows.map((r) => ({ value: r.value, count: Number(r.count) })),
    };
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('Key record', () =>
      this.db.deleteFrom('awsKeys').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('Key record not found');
  }

  async setPolicyDrift(id: string, drift: boolean, checkedAt: Date | null) {
    await this.db
      .updateTable('awsKeys')
      .set({ policyDrift: drift, policyDriftCheckedAt: checkedAt, updatedAt: now() })
      .where('id', '=', id)
      .execute();
  }

  async listByTemplate(templateId: string) {
    const rows = await this.db
      .selectFrom('awsKeys')
      .selectAll()
      .where('policyTemplateId', '=', templateId)
      .orderBy('createdAt', 'asc')
      .execute();
    return rows.map(toKeyRecord);
  }
}
