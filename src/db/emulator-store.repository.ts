import type { Kysely } from 'kysely';
import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from '../emulator/store/emulator-store.js';
import { now } from './columns.js';
import type { DB } from './database.js';
import { fromJsonb, toJsonbText } from './jsonb-text.js';

/**
 * The emulator's durable state in the project database (table `emulator_objects`).
 * A change is one SQL statement (deletes in a CTE, then a multi-row upsert), so it is
 * atomic without an explicit transaction and costs one round trip however large the
 * group-committed batch is. Documents go through `jsonb-text.ts`, so text jsonb refuses
 * (U+0000, unpaired surrogates) is stored escaped and read back exactly.
 */
export class PostgresEmulatorStore implements EmulatorStore {
  constructor(private readonly db: Kysely<DB>) {}

  async loadAll(): Promise<StoredObject[]> {
    const rows = await this.db
      .selectFrom('emulatorObjects')
      .select(['kind', 'accountId', 'region', 'id', 'doc', 'secret'])
      .execute();
    return rows.map((r) => ({ ...r, doc: fromJsonb(r.doc) }));
  }

  async apply(change: StoreChange): Promise<void> {
    const puts = dedupe(change.put ?? []);
    const deletes = change.delete ?? [];
    if (puts.length === 0 && deletes.length === 0) return;
    // Deletes run in a CTE of the upsert (none: a DELETE that matches nothing), so a change is one statement.
    const removal = this.db.deleteFrom('emulatorObjects').where(({ eb, refTuple, tuple }) =>
      deletes.length
        ? eb(
            refTuple('kind', 'accountId', 'region', 'id'),
            'in',
            deletes.map((r: ObjectRef) => tuple(r.kind, r.accountId, r.region, r.id)),
          )
        : eb.lit(false),
    );
    if (puts.length === 0) {
      await removal.execute();
      return;
    }
    await this.db
      .with('removed', () => removal.returning('id'))
      .insertInto('emulatorObjects')
      .values(
        puts.map((o) => ({
          kind: o.kind,
          accountId: o.accountId,
          region: o.region,
          id: o.id,
          doc: toJsonbText(o.doc),
          secret: o.secret,
          updatedAt: now(),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['kind', 'accountId', 'region', 'id']).doUpdateSet((eb) => ({
          doc: eb.ref('excluded.doc'),
          secret: eb.ref('excluded.secret'),
          updatedAt: eb.ref('excluded.updatedAt'),
        })),
      )
      .execute();
  }
}

/** One row per object: a later put of the same object in a batch wins (ON CONFLICT cannot touch a row twice). */
function dedupe(puts: StoredObject[]): StoredObject[] {
  const byRef = new Map<string, StoredObject>();
  for (const o of puts) byRef.set(`${o.kind}\u0000${o.accountId}\u0000${o.region}\u0000${o.id}`, o);
  return [...byRef.values()];
}
