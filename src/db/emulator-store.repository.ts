import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from '../emulator/store/emulator-store.js';
import type { Database } from './database.js';
import { fromJsonb, toJsonbText } from './jsonb-text.js';

/**
 * The emulator's durable state in the project database (table `emulator_objects`).
 * A change is one SQL statement (deletes in a CTE, then a multi-row upsert), so it is
 * atomic without an explicit transaction and costs one round trip however large the
 * group-committed batch is. Documents go through `jsonb-text.ts`, so text jsonb refuses
 * (U+0000, unpaired surrogates) is stored escaped and read back exactly.
 */
export class PrismaEmulatorStore implements EmulatorStore {
  constructor(private readonly db: Pick<Database, 'prisma' | 'sql'>) {}

  async loadAll(): Promise<StoredObject[]> {
    const rows = await this.db.prisma.emulatorObject.findMany();
    return rows.map((r) => ({
      kind: r.kind,
      accountId: r.accountId,
      region: r.region,
      id: r.id,
      doc: fromJsonb(r.doc),
      secret: r.secret ? new Uint8Array(r.secret) : null,
    }));
  }

  async apply(change: StoreChange): Promise<void> {
    const puts = dedupe(change.put ?? []);
    const deletes = change.delete ?? [];
    if (puts.length === 0 && deletes.length === 0) return;
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const refs = (list: ObjectRef[]) => list.map((r) => `(${p(r.kind)}, ${p(r.accountId)}, ${p(r.region)}, ${p(r.id)})`).join(', ');
    const del = deletes.length
      ? `DELETE FROM emulator_objects WHERE (kind, account_id, region, id) IN (${refs(deletes)})`
      : '';
    if (puts.length === 0) {
      await this.db.sql.query(del, params);
      return;
    }
    const values = puts
      .map((o) => `(${p(o.kind)}, ${p(o.accountId)}, ${p(o.region)}, ${p(o.id)}, ${p(toJsonbText(o.doc))}::jsonb, ${p(o.secret ? Buffer.from(o.secret) : null)}::bytea, now())`)
      .join(', ');
    const upsert = `INSERT INTO emulator_objects (kind, account_id, region, id, doc, secret, updated_at) VALUES ${values}
      ON CONFLICT (kind, account_id, region, id) DO UPDATE SET doc = EXCLUDED.doc, secret = EXCLUDED.secret, updated_at = EXCLUDED.updated_at`;
    await this.db.sql.query(del ? `WITH removed AS (${del} RETURNING 1) ${upsert}` : upsert, params);
  }
}

/** One row per object: a later put of the same object in a batch wins (ON CONFLICT cannot touch a row twice). */
function dedupe(puts: StoredObject[]): StoredObject[] {
  const byRef = new Map<string, StoredObject>();
  for (const o of puts) byRef.set(`${o.kind}\u0000${o.accountId}\u0000${o.region}\u0000${o.id}`, o);
  return [...byRef.values()];
}
