/**
 * The emulator acknowledges a mutation only after `PostgresEmulatorStore.apply` committed it,
 * and rebuilds its state from `loadAll()` at start. So: changes are all-or-nothing, secret
 * material comes back byte for byte, and everything survives a restart, on both engines.
 */
import { openDatabase, type Database } from '../../../src/db/database.js';
import { PostgresEmulatorStore } from '../../../src/db/emulator-store.repository.js';
import type { ObjectRef, StoredObject } from '../../../src/emulator/store/emulator-store.js';
import { provisionTestDatabase, testDatabaseKinds, type TestDatabaseTarget } from '../../support/test-db.js';

const ref = (id: string, kind = 'key'): ObjectRef => ({ kind, accountId: '123456789012', region: 'us-east-1', id });
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

const objects: StoredObject[] = [
  { ...ref('k1'), doc: { KeyState: 'Enabled', tags: [{ TagKey: 'ü', TagValue: '鍵 🔑' }], n: 1.5 }, secret: allBytes },
  { ...ref('k2'), doc: { nested: { deep: [null, true, 'x'] } }, secret: new Uint8Array(0) },
  { ...ref('alias/a', 'alias'), doc: { target: 'k1' }, secret: null },
  { ...ref('k1'), region: 'eu-west-1', doc: { other: 'region' }, secret: Uint8Array.of(0, 0, 7) },
];

const keyOf = (o: ObjectRef) => `${o.kind}|${o.accountId}|${o.region}|${o.id}`;
/** loadAll() in a comparable form: sorted, secrets as plain byte arrays. */
async function snapshot(store: PostgresEmulatorStore) {
  const all = await store.loadAll();
  for (const o of all) if (o.secret != null) expect(o.secret).toBeInstanceOf(Uint8Array);
  return all
    .map((o) => ({ ...o, secret: o.secret == null ? null : [...o.secret] }))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}
const expected = (list: StoredObject[]) =>
  list
    .map((o) => ({ ...o, secret: o.secret == null ? null : [...o.secret] }))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

describe.each(testDatabaseKinds())('PostgresEmulatorStore on %s', (kind) => {
  let target: TestDatabaseTarget;
  let db: Database;
  let store: PostgresEmulatorStore;
  const open = () => openDatabase({ url: target.url, dataDir: target.dataDir });

  beforeAll(async () => {
    target = await provisionTestDatabase(`emulator_store_${kind}`, { kind });
    db = await open();
    store = new PostgresEmulatorStore(db.db);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  test('an empty store loads nothing', async () => {
    expect(await store.loadAll()).toEqual([]);
  });

  test('loadAll returns what was put, secrets byte-exact', async () => {
    await store.apply({ put: objects });
    expect(await snapshot(store)).toEqual(expected(objects));
  });

  test('a put replaces the stored object; a delete removes it; deleting a missing object is fine', async () => {
    const updated = { ...ref('k2'), doc: { KeyState: 'Disabled' }, secret: Uint8Array.of(9, 8, 7) };
    await store.apply({ put: [updated], delete: [ref('alias/a', 'alias'), ref('never-existed')] });
    expect(await snapshot(store)).toEqual(expected([objects[0], updated, objects[3]] as StoredObject[]));
    await store.apply({ put: [objects[1] as StoredObject, objects[2] as StoredObject] });
    expect(await snapshot(store)).toEqual(expected(objects));
  });

  test('a batch that fails part-way changes nothing', async () => {
    const before = await snapshot(store);
    const change = {
      put: [
        { ...ref('k1'), doc: { overwritten: true }, secret: Uint8Array.of(1) },
        { ...ref('k3'), doc: { fresh: true }, secret: null },
        // A text column cannot hold U+0000: the database rejects this row mid-transaction.
        { ...ref('k4\u0000'), doc: { bad: 'nul in the id' }, secret: null },
      ],
      delete: [ref('k2')],
    };
    await expect(store.apply(change)).rejects.toThrow();
    expect(await snapshot(store)).toEqual(before);
  });

  test('text jsonb refuses (U+0000, unpaired surrogates) is stored escaped and read back exactly', async () => {
    const odd = {
      ...ref('odd'),
      doc: {
        Description: 'a\u0000b\ud800c\udfff',
        tags: [{ TagKey: 'k\u0000', TagValue: '\udbff' }],
        // The escape character itself, escapes as literal text, and a valid pair stay as they are.
        literal: '\ue000 \ue0000 \\u0000 \\\\ud800 🔑 \ud83d\udd11',
        ['key\u0000\ud800']: ['\u0000'],
      },
      secret: null,
    };
    await store.apply({ put: [odd] });
    const loaded = (await store.loadAll()).find((o) => o.id === 'odd');
    await store.apply({ delete: [ref('odd')] });
    // toEqual compares strings exactly (jsonb only reorders keys).
    expect(loaded?.doc).toEqual(odd.doc);
  });

  test('everything survives closing and reopening the database (a restart)', async () => {
    const before = await snapshot(store);
    await db.close();
    db = await open();
    store = new PostgresEmulatorStore(db.db);
    expect(await snapshot(store)).toEqual(before);
    expect(before).toEqual(expected(objects));
  });
});
