import type { SyncedKey, SyncRecordRepository, SyncScope, UpsertCounts } from '../../cckm/sync/sync.repository.js';
import type { Kysely } from 'kysely';
import { InternalError } from '../../errors/index.js';
import { ago, now, rawQuery } from '../columns.js';
import type { DB } from '../database.js';
import { guard } from '../constraint-errors.js';

/** The AWS-derived columns a sync writes, with their SQL types (input of jsonb_to_recordset). */
const SYNCED: [field: keyof SyncedKey['columns'], column: string, type: string][] = [
  ['kmsKeyId', 'kms_key_id', 'text'],
  ['arn', 'arn', 'text'],
  ['keyType', 'key_type', 'text'],
  ['keyMaterialOrigin', 'key_material_origin', 'text'],
  ['keyState', 'key_state', 'text'],
  ['keyUsage', 'key_usage', 'text'],
  ['keySpec', 'key_spec', 'text'],
  ['origin', 'origin', 'text'],
  ['enabled', 'enabled', 'boolean'],
  ['multiRegion', 'multi_region', 'boolean'],
  ['multiRegionKeyType', 'multi_region_key_type', 'text'],
  ['customKeyStoreId', 'custom_key_store_id', 'text'],
  ['aliases', 'aliases', 'text[]'],
  ['tags', 'tags', 'jsonb'],
  ['awsParam', 'aws_param', 'jsonb'],
  ['awsCreatedAt', 'aws_created_at', 'timestamptz'],
  ['policyDrift', 'policy_drift', 'boolean'],
];

/** Drift is checked whenever a linked record is written; unlinked records have no check time. */
const driftCheckedAt = (template: string) =>
  `policy_drift_checked_at = CASE WHEN ${template} IS NULL THEN NULL ELSE now() END`;

/** Columns compared to decide whether an existing record changed (kms_key_id is the conflict key). */
const COMPARED = [
  ...SYNCED.filter(([f]) => f !== 'kmsKeyId').map(([, c]) => c),
  'policy_template_id',
  'gone',
  'status',
  'last_error',
];

const RECORD_TYPE = [
  'new_id uuid',
  'record_tag text',
  'template_tag text',
  ...SYNCED.map(([, c, t]) => `${c} ${t}`),
].join(', ');

const syncedSet = (from: string) => SYNCED.map(([, c]) => `${c} = ${from}.${c}`).join(', ');

/**
 * One statement per batch. `adopted` completes `creating` reservations named by the key's
 * `cckm_record_id` tag; the INSERT … ON CONFLICT (kms_id, region, kms_key_id) covers the
 * rest, including a record another instance or a create inserted a moment ago (PostgreSQL
 * re-checks the unique index at insert time), and writes only rows that changed. `before`
 * is the existing records as the statement found them (every part of one statement sees the
 * same snapshot), so `changes` can say what an update changed: the key state, and policy drift
 * appearing (webhook events).
 */
const UPSERT = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${RECORD_TYPE})
), before AS (
  SELECT k.kms_key_id, k.key_state, k.policy_drift, k.gone FROM aws_keys k
  WHERE k.kms_id = $3 AND k.region = $4 AND k.account = $2 AND k.kms_key_id IN (SELECT kms_key_id FROM input)
), resolved AS (
  SELECT x.*, pt.id AS template_id
  FROM input x LEFT JOIN policy_templates pt ON pt.id::text = x.template_tag AND pt.account = $2 AND pt.kms_id = $3
), adopted AS (
  UPDATE aws_keys k SET ${syncedSet('r')}, policy_template_id = r.template_id, ${driftCheckedAt('r.template_id')}, status = 'ready', last_error = NULL,
    gone = false, synced_at = now(), updated_at = now()
  FROM resolved r
  WHERE k.id::text = r.record_tag AND k.account = $2 AND k.kms_id = $3 AND k.region = $4 AND k.kms_key_id IS NULL
  RETURNING k.kms_key_id
), upserted AS (
  INSERT INTO aws_keys (id, account, kms_id, region, cloud_name, status, ${SYNCED.map(([, c]) => c).join(', ')},
    policy_template_id, policy_drift_checked_at, gone, synced_at, updated_at)
  SELECT r.new_id, $2, $3, $4, $5, 'ready', ${SYNCED.map(([, c]) => `r.${c}`).join(', ')}, r.template_id,
    CASE WHEN r.template_id IS NULL THEN NULL ELSE now() END, false, now(), now()
  FROM resolved r WHERE r.kms_key_id NOT IN (SELECT kms_key_id FROM adopted)
  ON CONFLICT (kms_id, region, kms_key_id) DO UPDATE SET ${syncedSet('EXCLUDED')},
    policy_template_id = EXCLUDED.policy_template_id, ${driftCheckedAt('EXCLUDED.policy_template_id')}, status = 'ready', last_error = NULL, gone = false, synced_at = now(), updated_at = now()
  WHERE (${COMPARED.map((c) => `aws_keys.${c}`).join(', ')}) IS DISTINCT FROM (${COMPARED.map((c) => `EXCLUDED.${c}`).join(', ')})
  RETURNING (xmax = 0) AS inserted, aws_keys.*
)
SELECT (SELECT count(*) FROM adopted) AS adopted,
       (SELECT count(*) FROM upserted WHERE inserted) AS created,
       (SELECT count(*) FROM upserted WHERE NOT inserted) AS updated,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'id', u.id, 'kmsKeyId', u.kms_key_id, 'arn', u.arn, 'keyState', u.key_state, 'origin', u.origin,
          'aliases', to_jsonb(u.aliases), 'policyDrift', u.policy_drift, 'policyTemplateId', u.policy_template_id,
          'deletionDate', u.aws_param -> 'DeletionDate', 'previousKeyState', b.key_state,
          'previousPolicyDrift', b.policy_drift, 'previousGone', b.gone)), '[]'::jsonb)
        FROM upserted u JOIN before b ON b.kms_key_id = u.kms_key_id
        WHERE NOT u.inserted AND (b.key_state IS DISTINCT FROM u.key_state
          OR (u.policy_drift AND b.policy_drift IS NOT TRUE))) AS changes`;

/** A changed row as the upsert describes it (see `changes` above). */
interface ChangedRow {
  id: string;
  kmsKeyId: string | null;
  arn: string | null;
  keyState: string | null;
  origin: string | null;
  aliases: string[] | null;
  policyDrift: boolean | null;
  policyTemplateId: string | null;
  deletionDate?: unknown;
  previousKeyState: string | null;
  previousPolicyDrift: boolean | null;
  previousGone: boolean;
}

/** The key records a synchronization job writes, in SQL (see {@link SyncRecordRepository}). */
export class PostgresSyncRecordRepository implements SyncRecordRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async upsert(scope: SyncScope, keys: SyncedKey[]): Promise<UpsertCounts> {
    if (!keys.length) return { created: 0, adopted: 0, updated: 0, changes: [] };
    const rows = keys.map((k) => {
      const row: Record<string, unknown> = { new_id: k.newId, record_tag: k.recordTag, template_tag: k.templateTag };
      for (const [field, column] of SYNCED) {
        const v = k.columns[field];
        row[column] = v instanceof Date ? v.toISOString() : v;
      }
      return row;
    });
    const result = await guard('Key record', () =>
      rawQuery<{ adopted: bigint; created: bigint; updated: bigint; changes: ChangedRow[] }>(this.db, UPSERT, [
        JSON.stringify(rows),
        scope.account,
        scope.kmsId,
        scope.region,
        scope.cloudName,
      ]),
    );
    const r = result[0];
    if (!r) throw new InternalError('The sync upsert answered no counts');
    return {
      adopted: Number(r.adopted),
      created: Number(r.created),
      updated: Number(r.updated),
      changes: (typeof r.changes === 'string' ? (JSON.parse(r.changes) as ChangedRow[]) : r.changes).map((c) => {
        const after = {
          id: c.id,
          account: scope.account,
          kmsId: scope.kmsId,
          region: scope.region,
          kmsKeyId: c.kmsKeyId,
          arn: c.arn,
          keyState: c.keyState,
          origin: c.origin,
          aliases: c.aliases ?? [],
          gone: false,
          policyDrift: c.policyDrift ?? false,
          policyTemplateId: c.policyTemplateId,
          awsParam: c.deletionDate === undefined ? {} : { DeletionDate: c.deletionDate },
        };
        const before = {
          ...after,
          keyState: c.previousKeyState,
          policyDrift: c.previousPolicyDrift ?? false,
          gone: c.previousGone,
        };
        return { before, after };
      }),
    };
  }

  async unseen(scope: SyncScope, seen: string[]): Promise<{ id: string; kmsKeyId: string }[]> {
    const rows = await this.db
      .selectFrom('awsKeys')
      .select(['id', 'kmsKeyId'])
      .where('kmsId', '=', scope.kmsId)
      .where('region', '=', scope.region)
      .where('account', '=', scope.account)
      .where('kmsKeyId', 'is not', null)
      .where('gone', '=', false)
      .where((eb) => eb.not(eb('kmsKeyId', '=', eb.fn.any(eb.val(seen)))))
      .execute();
    return rows.flatMap((r) => (r.kmsKeyId === null ? [] : [{ id: r.id, kmsKeyId: r.kmsKeyId }]));
  }

  async failUnclaimed(scope: SyncScope, olderThanMs: number, lastError: string): Promise<number> {
    const { numUpdatedRows } = await this.db
      .updateTable('awsKeys')
      .set((eb) => ({
        status: 'failed',
        lastError: eb.fn<string>('replace', [eb.val(lastError), eb.val('{id}'), eb.cast(eb.ref('id'), 'text')]),
        updatedAt: now(),
      }))
      .where('kmsId', '=', scope.kmsId)
      .where('region', '=', scope.region)
      .where('account', '=', scope.account)
      .where('status', '=', 'creating')
      .where('kmsKeyId', 'is', null)
      .where('createdAt', '<', ago(olderThanMs))
      .executeTakeFirst();
    return Number(numUpdatedRows);
  }

  async markGone(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const { numUpdatedRows } = await this.db
      .updateTable('awsKeys')
      .set({ gone: true, syncedAt: now(), updatedAt: now() })
      .where('id', '=', (eb) => eb.fn.any(eb.val(ids)))
      .where('gone', '=', false)
      .executeTakeFirst();
    return Number(numUpdatedRows);
  }
}
