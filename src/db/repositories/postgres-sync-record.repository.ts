import {
  expressionBuilder,
  sql,
  type AliasableExpression,
  type Expression,
  type Insertable,
  type Kysely,
  type Selectable,
} from 'kysely';
import type { SyncedKey, SyncRecordRepository, SyncScope, UpsertCounts } from '../../cckm/sync/sync.repository.js';
import { InternalError } from '../../errors/index.js';
import { columnOf } from '../column-names.js';
import { ago, jsonb, jsonField, now } from '../columns.js';
import type { DB } from '../database.js';
import type { AwsKey } from '../generated/db.js';
import { CompiledOnce } from '../compiled-once.js';
import { guard } from '../constraint-errors.js';

type Synced = keyof SyncedKey['columns'];

/** The AWS-derived fields a sync writes: every field of SyncedKey['columns'] (checked). */
const SYNCED = Object.keys({
  kmsKeyId: true,
  arn: true,
  keyType: true,
  keyMaterialOrigin: true,
  keyState: true,
  keyUsage: true,
  keySpec: true,
  origin: true,
  enabled: true,
  multiRegion: true,
  multiRegionKeyType: true,
  customKeyStoreId: true,
  aliases: true,
  tags: true,
  awsParam: true,
  awsCreatedAt: true,
  policyDrift: true,
} satisfies Record<Synced, true>) as Synced[];

/** Fields compared to decide whether an existing record changed (kmsKeyId is the conflict key). */
const COMPARED: (keyof AwsKey)[] = [
  ...SYNCED.filter((f) => f !== 'kmsKeyId'),
  'policyTemplateId',
  'gone',
  'status',
  'lastError',
];

/** A key's document keys: its columns' names, which jsonb_populate_recordset matches. */
const SYNCED_KEYS = SYNCED.map((f) => [f, columnOf(f)] as const);
const ID_KEY = columnOf('id');

/** Beside each row of the batch: the key's reservation and template tags (no columns of the table). */
interface Tags {
  recordTag: string | null;
  templateTag: string | null;
}

/** The values a batch binds: the keys as a JSON array, their tags in the same order, the scope. */
interface Batch extends SyncScope {
  docs: string;
  recordTags: (string | null)[];
  templateTags: (string | null)[];
}

/** {@link Batch} as the compiled statement's arguments, in order. */
type UpsertArgs = [
  docs: string,
  recordTags: (string | null)[],
  templateTags: (string | null)[],
  account: string,
  kmsId: string,
  region: string,
  cloudName: string,
];

/** Drift is checked whenever a linked record is written; unlinked records have no check time. */
const driftCheckedAt = (template: Expression<string | null | undefined>) => {
  const eb = expressionBuilder<DB>();
  return eb.case().when(template, 'is', null).then(eb.lit(null)).else(now()).end();
};

/**
 * What a sync writes to a record, whether it adopts, inserts or updates it: the synced values
 * (`synced`, one expression per field) and the linked template, and it leaves it ready, not
 * gone and without error.
 */
const written = (
  synced: (field: Synced) => AliasableExpression<unknown>,
  template: AliasableExpression<string | null | undefined>,
) => ({
  // Each field's reference is checked where `synced` makes it; a record built from the list
  // cannot carry one type per field.
  ...(Object.fromEntries(SYNCED.map((f) => [f, synced(f)])) as Record<Synced, AliasableExpression<never>>),
  policyTemplateId: template,
  policyDriftCheckedAt: driftCheckedAt(template),
  status: sql.lit('ready'),
  lastError: sql.lit(null),
  gone: sql.lit(false),
  syncedAt: now(),
  updatedAt: now(),
});

/** A changed row as the upsert describes it (`changes`, see upsert). */
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

/** What the upsert answers: how many records it adopted, created and updated, and the changes. */
interface UpsertRow {
  adopted: bigint | null;
  created: bigint | null;
  updated: bigint | null;
  changes: ChangedRow[] | null;
}

/** The fields of an upserted record that `changes` describes. */
const RETURNED = [
  'id',
  'kmsKeyId',
  'arn',
  'keyState',
  'origin',
  'aliases',
  'policyDrift',
  'policyTemplateId',
  'awsParam',
] as const satisfies (keyof AwsKey)[];

/** The key records a synchronization job writes, in SQL (see {@link SyncRecordRepository}). */
export class PostgresSyncRecordRepository implements SyncRecordRepository {
  /**
   * Built and compiled once: Kysely's building cost ~2 ms a batch of 500 keys (5 ms while
   * cold). Unnamed: a batch's plan is PostgreSQL's to choose with its values.
   */
  private readonly upsertStatement: CompiledOnce<UpsertArgs, UpsertRow>;

  constructor(private readonly db: Kysely<DB>) {
    this.upsertStatement = new CompiledOnce(
      db,
      7,
      (docs, recordTags, templateTags, account, kmsId, region, cloudName) =>
        this.upsertQuery({ docs, recordTags, templateTags, account, kmsId, region, cloudName }),
      { prepared: false },
    );
  }

  /**
   * One statement per batch. `adopted` completes `creating` reservations named by the key's
   * `cckm_record_id` tag; the INSERT … ON CONFLICT (kms_id, region, kms_key_id) covers the
   * rest, including a record another instance or a create inserted a moment ago (PostgreSQL
   * re-checks the unique index at insert time), and writes only rows that changed. `before`
   * is the existing records as the statement found them (every part of one statement sees the
   * same snapshot), so `changes` can say what an update changed: the key state, and policy drift
   * appearing (webhook events). The keys are one JSON parameter (their tags two arrays beside
   * it): each key's columns populate a row of the table's own type, so the document needs no
   * column list or types of its own.
   */
  async upsert(scope: SyncScope, keys: SyncedKey[]): Promise<UpsertCounts> {
    if (!keys.length) return { created: 0, adopted: 0, updated: 0, changes: [] };
    const docs = keys.map((k) => {
      const doc: Record<string, unknown> = { [ID_KEY]: k.newId };
      for (const [field, column] of SYNCED_KEYS) {
        const v = k.columns[field];
        doc[column] = v instanceof Date ? v.toISOString() : v;
      }
      return doc;
    });
    const rows = await guard('Key record', () =>
      this.upsertStatement.execute(
        jsonb(docs),
        keys.map((k) => k.recordTag),
        keys.map((k) => k.templateTag),
        scope.account,
        scope.kmsId,
        scope.region,
        scope.cloudName,
      ),
    );
    const result = rows[0];
    if (!result) throw new InternalError('The sync upsert answered no counts');
    const changes = result.changes ?? [];
    return {
      adopted: Number(result.adopted),
      created: Number(result.created),
      updated: Number(result.updated),
      changes: (typeof changes === 'string' ? (JSON.parse(changes) as ChangedRow[]) : changes).map((c) => {
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

  /**
   * The statement of {@link upsert}. ROWS FROM reads the documents and the tags side by side, in
   * one pass each: a jsonb_populate_record per element costs ~2 µs more per row.
   */
  private upsertQuery(batch: Batch) {
    const row = sql<Selectable<AwsKey> & Tags>`ROWS FROM (unnest(${batch.recordTags}::text[]),
      unnest(${batch.templateTags}::text[]),
      jsonb_populate_recordset(NULL::${sql.table('awsKeys' satisfies keyof DB)}, ${batch.docs}::jsonb))`;
    return this.db
      .with('input', (db) =>
        db
          // The alias names the two tag columns; the table's columns keep their names.
          .selectFrom(row.as<'x'>(sql`x(${sql.join([sql.ref('recordTag'), sql.ref('templateTag')])})`))
          .select(['x.id', ...SYNCED.map((f) => `x.${f}` as const), 'x.recordTag', 'x.templateTag']),
      )
      .with('before', (db) =>
        db
          .selectFrom('awsKeys as k')
          .select(['k.kmsKeyId', 'k.keyState', 'k.policyDrift', 'k.gone'])
          .where('k.kmsId', '=', batch.kmsId)
          .where('k.region', '=', batch.region)
          .where('k.account', '=', batch.account)
          .where('k.kmsKeyId', 'in', (eb) => eb.selectFrom('input').select('input.kmsKeyId')),
      )
      .with('resolved', (db) =>
        db
          .selectFrom('input as x')
          .leftJoin('policyTemplates as pt', (join) =>
            join
              .on((eb) => eb(eb.cast('pt.id', 'text'), '=', eb.ref('x.templateTag')))
              .on('pt.account', '=', batch.account)
              .on('pt.kmsId', '=', batch.kmsId),
          )
          .selectAll('x')
          .select('pt.id as templateId'),
      )
      .with('adopted', (db) =>
        db
          .updateTable('awsKeys as k')
          .from('resolved as r')
          .set((eb) => written((f) => eb.ref(`r.${f}`), eb.ref('r.templateId')))
          .where((eb) => eb(eb.cast('k.id', 'text'), '=', eb.ref('r.recordTag')))
          .where('k.account', '=', batch.account)
          .where('k.kmsId', '=', batch.kmsId)
          .where('k.region', '=', batch.region)
          .where('k.kmsKeyId', 'is', null)
          .returning('k.kmsKeyId'),
      )
      .with('upserted', (db) => {
        const from = db
          .selectFrom('resolved as r')
          .where('r.kmsKeyId', 'not in', (eb) => eb.selectFrom('adopted').select('adopted.kmsKeyId'));
        const eb = expressionBuilder(from);
        // One object gives the INSERT its column list and the SELECT its values, in one order.
        const values = {
          id: eb.ref('r.id'),
          account: sql.val(batch.account),
          kmsId: sql.val(batch.kmsId),
          region: sql.val(batch.region),
          cloudName: sql.val(batch.cloudName),
          ...written((f) => eb.ref(`r.${f}`), eb.ref('r.templateId')),
        } satisfies Partial<Record<keyof Insertable<AwsKey>, AliasableExpression<unknown>>>;
        return (
          db
            .insertInto('awsKeys')
            .columns(Object.keys(values) as (keyof typeof values)[])
            .expression(
              from.select(
                Object.entries(values as Record<string, AliasableExpression<unknown>>).map(([c, v]) => v.as(c)),
              ),
            )
            .onConflict((oc) =>
              oc
                .columns(['kmsId', 'region', 'kmsKeyId'])
                .doUpdateSet((eb) => written((f) => eb.ref(`excluded.${f}`), eb.ref('excluded.policyTemplateId')))
                .where((eb) =>
                  eb.or(COMPARED.map((c) => eb(`awsKeys.${c}`, 'is distinct from', eb.ref(`excluded.${c}`)))),
                ),
            )
            // xmax, a system column (no field of the schema), is 0 on a row this statement inserted.
            .returning([sql<boolean>`xmax = 0`.as('inserted'), ...RETURNED.map((f) => `awsKeys.${f}` as const)])
        );
      })
      .selectNoFrom((eb) => [
        eb
          .selectFrom('adopted')
          .select((eb) => eb.fn.countAll<bigint>().as('n'))
          .as('adopted'),
        eb
          .selectFrom('upserted')
          .select((eb) => eb.fn.countAll<bigint>().as('n'))
          .where((eb) => eb.ref('upserted.inserted'))
          .as('created'),
        eb
          .selectFrom('upserted')
          .select((eb) => eb.fn.countAll<bigint>().as('n'))
          .where((eb) => eb.not(eb.ref('upserted.inserted')))
          .as('updated'),
        eb
          .selectFrom('upserted as u')
          .innerJoin('before as b', 'b.kmsKeyId', 'u.kmsKeyId')
          .select((eb) => {
            const described: [keyof ChangedRow, Expression<unknown>][] = [
              ['id', eb.ref('u.id')],
              ['kmsKeyId', eb.ref('u.kmsKeyId')],
              ['arn', eb.ref('u.arn')],
              ['keyState', eb.ref('u.keyState')],
              ['origin', eb.ref('u.origin')],
              ['aliases', eb.ref('u.aliases')],
              ['policyDrift', eb.ref('u.policyDrift')],
              ['policyTemplateId', eb.ref('u.policyTemplateId')],
              ['deletionDate', jsonField(eb.ref('u.awsParam'), 'DeletionDate')],
              ['previousKeyState', eb.ref('b.keyState')],
              ['previousPolicyDrift', eb.ref('b.policyDrift')],
              ['previousGone', eb.ref('b.gone')],
            ];
            return eb.fn
              .coalesce(
                eb.fn<ChangedRow[]>('jsonb_agg', [
                  eb.fn(
                    'jsonb_build_object',
                    described.flatMap(([key, value]) => [sql.lit(key), value]),
                  ),
                ]),
                sql<ChangedRow[]>`'[]'::jsonb`,
              )
              .as('changes');
          })
          .where((eb) =>
            eb.and([
              eb.not(eb.ref('u.inserted')),
              eb.or([
                eb('b.keyState', 'is distinct from', eb.ref('u.keyState')),
                eb.and([eb.ref('u.policyDrift'), eb('b.policyDrift', 'is not', true)]),
              ]),
            ]),
          )
          .as('changes'),
      ]);
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
