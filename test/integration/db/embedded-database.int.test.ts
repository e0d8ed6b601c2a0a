/**
 * `npm start` without DATABASE_URL keeps everything in an embedded PostgreSQL (PGlite) under
 * the data dir. A restart must find the data again, and the migrator must see its history.
 */
import { sql } from 'kysely';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { applyAllMigrations, provisionTestDatabase, type TestDatabaseTarget } from '../../support/test-db.js';

let target: TestDatabaseTarget;
beforeAll(async () => {
  target = await provisionTestDatabase('embedded_restart', { kind: 'embedded', migrated: false });
});
afterAll(() => target?.drop());

test('data written before close() is there after reopening, and migrations are not re-applied', async () => {
  const dataDir = path.join(target.dataDir, 'fresh', 'data'); // does not exist yet: a first start
  const first = await openDatabase({ dataDir });
  expect(first.kind).toBe('embedded');
  const firstRun = await applyAllMigrations(first);
  expect(firstRun.applied.length).toBeGreaterThan(0);
  await first.db
    .insertInto('users')
    .values({
      id: '6f1c1c56-58c3-4c35-9a3b-2f3a0c1f7e01',
      account: 'acc',
      username: 'alice',
      passwordHash: 'h',
      groups: ['admin'],
      updatedAt: new Date(),
    })
    .execute();
  await first.db
    .insertInto('emulatorObjects')
    .values({
      kind: 'key',
      accountId: '123456789012',
      region: 'eu-west-1',
      id: 'k1',
      doc: JSON.stringify({ n: 1 }),
      secret: Buffer.from([0, 1, 255]),
    })
    .execute();
  const readHistory = async (db: Database) =>
    (await sql`SELECT id, migration_name, checksum, started_at FROM "_prisma_migrations" ORDER BY 2`.execute(db.db))
      .rows;
  const history = await readHistory(first);
  await first.close();
  expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(true);

  const second = await openDatabase({ dataDir });
  try {
    expect(await second.ping()).toBe(true);
    expect(await applyAllMigrations(second)).toEqual({ applied: [], alreadyApplied: firstRun.applied });
    expect(await readHistory(second)).toEqual(history);
    const user = await second.db
      .selectFrom('users')
      .selectAll()
      .where('account', '=', 'acc')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ account: 'acc', groups: ['admin'], disabled: false, tokenVersion: 0 });
    const obj = await second.db
      .selectFrom('emulatorObjects')
      .selectAll()
      .where('id', '=', 'k1')
      .executeTakeFirstOrThrow();
    expect(obj.doc).toEqual({ n: 1 });
    expect([...(obj.secret ?? [])]).toEqual([0, 1, 255]);
  } finally {
    await second.close();
  }
}, 180_000); // two PGlite starts and a full migration: ~10 s alone, much longer on a loaded machine
