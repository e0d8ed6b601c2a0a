import type { ListQuery } from '../../cckm/common/list.js';
import type { KeyRecord } from '../../cckm/common/records.js';
import type { KeyFilter } from '../../cckm/keys/key.repository.js';

/**
 * The key list in SQL: the dashboard's hot path (a page of 100 records out of tens of
 * thousands), where Prisma's per-row materialisation cost twice the query itself.
 * Every value is a bind parameter; column names come only from the tables below.
 */

/** Filter → column for the "any of these values" filters. */
const IN_COLUMNS: [keyof KeyFilter, string, string][] = [
  ['ids', 'id', 'uuid'],
  ['kmsIds', 'kms_id', 'uuid'],
  ['regions', 'region', 'text'],
  ['keyIds', 'kms_key_id', 'text'],
  ['arns', 'arn', 'text'],
  ['keyStates', 'key_state', 'text'],
  ['keyUsages', 'key_usage', 'text'],
  ['origins', 'origin', 'text'],
  ['keyTypes', 'key_type', 'text'],
  ['materialOrigins', 'key_material_origin', 'text'],
  ['keySpecs', 'key_spec', 'text'],
  ['cloudNames', 'cloud_name', 'text'],
  ['multiRegionKeyTypes', 'multi_region_key_type', 'text'],
  ['templateIds', 'policy_template_id', 'uuid'],
];

const BOOL_COLUMNS: [keyof KeyFilter, string][] = [
  ['gone', 'gone'],
  ['multiRegion', 'multi_region'],
  ['enabled', 'enabled'],
  ['policyDrift', 'policy_drift'],
];

/** Sortable record fields → columns. */
const SORT_COLUMNS: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  id: 'id',
  region: 'region',
  kmsKeyId: 'kms_key_id',
  arn: 'arn',
  keyState: 'key_state',
  keyType: 'key_type',
  syncedAt: 'synced_at',
  awsCreatedAt: 'aws_created_at',
};

export interface SqlQuery {
  text: string;
  params: unknown[];
}

/** `WHERE ...` for an account's keys matching a filter. */
export function keyWhere(account: string, f: KeyFilter): SqlQuery {
  const params: unknown[] = [account];
  const p = (v: unknown) => `$${params.push(v)}`;
  const clauses = ['account = $1'];
  for (const [key, column, type] of IN_COLUMNS) {
    const values = f[key] as string[] | undefined;
    if (values?.length) clauses.push(`${column} = ANY(${p(values)}::${type}[])`);
  }
  for (const [key, column] of BOOL_COLUMNS) {
    if (f[key] !== undefined) clauses.push(`${column} = ${p(f[key])}`);
  }
  if (f.aliases?.length) clauses.push(`aliases && ${p(f.aliases)}::text[]`);
  for (const t of f.tags ?? []) {
    clauses.push(`tags @> ${p(JSON.stringify([t.value === undefined ? { TagKey: t.key } : { TagKey: t.key, TagValue: t.value }]))}::jsonb`);
  }
  return { text: `WHERE ${clauses.join(' AND ')}`, params };
}

/** Columns that are never NULL: sorting on them matches the (…, created_at, id) indexes. */
const NOT_NULL = new Set(['created_at', 'updated_at', 'id', 'region']);

export function keyOrder(q: ListQuery): string {
  const column = SORT_COLUMNS[q.sort?.field ?? 'createdAt'] ?? 'created_at';
  const dir = q.sort?.desc ? 'DESC' : 'ASC';
  if (column === 'id') return `ORDER BY id ${dir}`;
  return `ORDER BY ${column} ${dir}${NOT_NULL.has(column) ? '' : ' NULLS LAST'}, id ${dir}`;
}

/**
 * One page: paging and sorting run over narrow (id, sort column) tuples, and only the
 * page's rows are fetched whole — sorting thousands of wide rows (aws_param holds the
 * policy) would spill to disk.
 */
export function keyPage(account: string, f: KeyFilter, q: ListQuery): { count: SqlQuery; page: SqlQuery } {
  const where = keyWhere(account, f);
  const n = where.params.length;
  const order = keyOrder(q);
  return {
    count: { text: `SELECT count(*) AS total FROM aws_keys ${where.text}`, params: where.params },
    page: {
      text: `SELECT * FROM aws_keys WHERE id IN (SELECT id FROM aws_keys ${where.text} ${order} LIMIT $${n + 1} OFFSET $${n + 2}) ${order}`,
      params: [...where.params, q.limit, q.skip],
    },
  };
}

/** Record field → column, for every writable column of `aws_keys`. JSON columns are cast. */
const WRITE_COLUMNS: Record<string, { column: string; json?: boolean }> = {
  id: { column: 'id' }, account: { column: 'account' }, kmsId: { column: 'kms_id' }, region: { column: 'region' },
  status: { column: 'status' }, kmsKeyId: { column: 'kms_key_id' }, arn: { column: 'arn' }, cloudName: { column: 'cloud_name' },
  keyType: { column: 'key_type' }, keyMaterialOrigin: { column: 'key_material_origin' }, keyState: { column: 'key_state' },
  keyUsage: { column: 'key_usage' }, keySpec: { column: 'key_spec' }, origin: { column: 'origin' }, enabled: { column: 'enabled' },
  multiRegion: { column: 'multi_region' }, multiRegionKeyType: { column: 'multi_region_key_type' },
  customKeyStoreId: { column: 'custom_key_store_id' }, aliases: { column: 'aliases' }, tags: { column: 'tags', json: true },
  policyTemplateId: { column: 'policy_template_id' }, keyAdmins: { column: 'key_admins' }, keyAdminsRoles: { column: 'key_admins_roles' },
  keyUsers: { column: 'key_users' }, keyUsersRoles: { column: 'key_users_roles' }, externalAccounts: { column: 'external_accounts' },
  awsParam: { column: 'aws_param', json: true }, rotationStatus: { column: 'rotation_status' }, labels: { column: 'labels', json: true },
  gone: { column: 'gone' }, policyDrift: { column: 'policy_drift' }, policyDriftCheckedAt: { column: 'policy_drift_checked_at' }, lastError: { column: 'last_error' }, syncedAt: { column: 'synced_at' }, awsCreatedAt: { column: 'aws_created_at' },
  createdBy: { column: 'created_by' },
};

function columnOf(field: string): { column: string; json?: boolean } {
  const c = WRITE_COLUMNS[field];
  if (!c) throw new Error(`aws_keys has no writable field ${field}`);
  return c;
}

const value = (json: boolean | undefined, v: unknown) => (json ? JSON.stringify(v) : v);

/** INSERT of a new record, every other column at its default. */
export function keyInsert(row: Record<string, unknown>): SqlQuery {
  const fields = Object.keys(row).filter((f) => row[f] !== undefined);
  const params = fields.map((f) => value(columnOf(f).json, row[f]));
  const cols = fields.map((f) => columnOf(f).column);
  const marks = fields.map((f, i) => `$${i + 1}${columnOf(f).json ? '::jsonb' : ''}`);
  return {
    text: `INSERT INTO aws_keys (${cols.join(', ')}, updated_at) VALUES (${marks.join(', ')}, now()) RETURNING *`,
    params,
  };
}

/** UPDATE of the given fields of one record (and updated_at). */
export function keyUpdate(id: string, changes: Record<string, unknown>): SqlQuery {
  const fields = Object.keys(changes).filter((f) => changes[f] !== undefined);
  const params: unknown[] = [id];
  const sets = fields.map((f) => {
    const c = columnOf(f);
    params.push(value(c.json, changes[f]));
    return `${c.column} = $${params.length}${c.json ? '::jsonb' : ''}`;
  });
  return { text: `UPDATE aws_keys SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`, params };
}

type Row = Record<string, unknown>;

/** A row of `aws_keys` (snake_case, as pg returns it) → the domain record. */
export function rowToKey(r: Row): KeyRecord {
  return {
    id: r.id as string,
    account: r.account as string,
    kmsId: r.kms_id as string,
    region: r.region as string,
    status: r.status as string,
    kmsKeyId: r.kms_key_id as string | null,
    arn: r.arn as string | null,
    cloudName: r.cloud_name as string,
    keyType: r.key_type as string | null,
    keyMaterialOrigin: r.key_material_origin as string | null,
    keyState: r.key_state as string | null,
    keyUsage: r.key_usage as string | null,
    keySpec: r.key_spec as string | null,
    origin: r.origin as string | null,
    enabled: r.enabled as boolean | null,
    multiRegion: r.multi_region as boolean | null,
    multiRegionKeyType: r.multi_region_key_type as string | null,
    customKeyStoreId: r.custom_key_store_id as string | null,
    aliases: (r.aliases as string[] | null) ?? [],
    tags: r.tags,
    policyTemplateId: r.policy_template_id as string | null,
    keyAdmins: (r.key_admins as string[] | null) ?? [],
    keyAdminsRoles: (r.key_admins_roles as string[] | null) ?? [],
    keyUsers: (r.key_users as string[] | null) ?? [],
    keyUsersRoles: (r.key_users_roles as string[] | null) ?? [],
    externalAccounts: (r.external_accounts as string[] | null) ?? [],
    awsParam: r.aws_param,
    rotationStatus: r.rotation_status as string,
    labels: r.labels,
    gone: r.gone as boolean,
    policyDrift: r.policy_drift as boolean,
    policyDriftCheckedAt: r.policy_drift_checked_at as Date | null,
    lastError: r.last_error as string | null,
    syncedAt: r.synced_at as Date | null,
    awsCreatedAt: r.aws_created_at as Date | null,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}
