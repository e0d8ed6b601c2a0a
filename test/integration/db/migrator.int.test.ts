/**
 * The migrator applies `prisma/migrations` at every start, on every instance: it must record
 * history like `prisma migrate deploy`, be idempotent, refuse edited history, roll back a
 * failed migration, and let several instances start at once.
 */
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { migrate, readMigrations, type Migration } from '../../../src/db/migrator.js';
import { createTestDatabase, MIGRATIONS_DIR, provisionTestDatabase, testDatabaseKinds } from '../../support/test-db.js';

const migration = (name: string, sql: string): Migration => ({
  name,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

/** A row of the history table (keys camelCased, as every row read through Kysely). */
interface HistoryRow {
  id: string;
  migrationName: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  appliedStepsCount: number;
}

const history = async (db: Database) =>
  (await sql<HistoryRow>`SELECT * FROM "_prisma_migrations" ORDER BY migration_name, started_at`.execute(db.db)).rows;

const tableExists = async (db: Database, table: string) =>
  (await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(db.db)).rows[0]?.t != null;

describe.each(testDatabaseKinds())('migrator on %s', (kind) => {
  let db: Database;
  let real: Migration[];
  beforeEach(async () => {
    real = await readMigrations(MIGRATIONS_DIR);
    db = await createTestDatabase(`migrator_${kind}`, { kind, migrated: false });
  });
  afterEach(() => db?.close());

  test('applies every migration to an empty database and records each with its checksum', async () => {
    expect(real.length).toBeGreaterThan(0);
    const result = await migrate(db.db, real);
    expect(result).toEqual({ applied: real.map((m) => m.name), alreadyApplied: [] });
    const rows = await history(db);
    expect(rows.map((r) => [r.migrationName, r.checksum])).toEqual(real.map((m) => [m.name, m.checksum]));
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finishedAt).not.toBeNull();
      expect(r.rolledBackAt).toBeNull();
      expect(r.appliedStepsCount).toBe(1);
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await tableExists(db, 'users')).toBe(true);
  });

  test('a second run applies nothing and records nothing', async () => {
    await migrate(db.db, real);
    const before = await history(db);
    expect(await migrate(db.db, real)).toEqual({ applied: [], alreadyApplied: real.map((m) => m.name) });
    expect(await history(db)).toEqual(before);
  });

  test('refuses an applied migration whose SQL changed, and changes nothing', async () => {
    await migrate(db.db, real);
    const before = await history(db);
    const last = real[real.length - 1] as Migration;
    const edited = [
      ...real.slice(0, -1),
      migration(last.name, `${last.sql}\nCREATE TABLE "tamper_marker" (id int);`),
      migration('29990101000000_after_edit', 'CREATE TABLE "after_edit_marker" (id int);'),
    ];
    await expect(migrate(db.db, edited)).rejects.toThrow(
      new RegExp(`Migration ${last.name} was changed after it was applied \\(checksum mismatch\\)`),
    );
    expect(await history(db)).toEqual(before);
    expect(await tableExists(db, 'tamper_marker')).toBe(false);
    expect(await tableExists(db, 'after_edit_marker')).toBe(false);
  });

  test('a failing migration is rolled back, not recorded, and can be fixed and re-run', async () => {
    await migrate(db.db, real);
    const before = await history(db);
    const bad = migration('29990101000000_bad', 'CREATE TABLE "half_done" (id int);\nSELECT * FROM "no_such_table";');
    await expect(migrate(db.db, [...real, bad])).rejects.toThrow(/Migration 29990101000000_bad failed/);
    expect(await history(db)).toEqual(before);
    expect(await tableExists(db, 'half_done')).toBe(false);

    const fixed = migration('29990101000000_bad', 'CREATE TABLE "half_done" (id int);');
    expect(await migrate(db.db, [...real, fixed])).toEqual({
      applied: [fixed.name],
      alreadyApplied: real.map((m) => m.name),
    });
    expect(await tableExists(db, 'half_done')).toBe(true);
  });
});

const onPostgres = testDatabaseKinds().includes('postgres') ? describe : describe.skip;

onPostgres('migrator on postgres, several instances starting at once', () => {
  test('two migrators on two connections apply each migration exactly once', async () => {
    const target = await provisionTestDatabase('migrator_race', { kind: 'postgres', migrated: false });
    const instances = await Promise.all(
      [1, 2].map(() => openDatabase({ url: target.url, dataDir: target.dataDir, poolSize: 2 })),
    );
    try {
      // A slow migration widens the window in which an unserialised second migrator would collide.
      const migrations = [
        ...(await readMigrations(MIGRATIONS_DIR)),
        migration('29990101000000_slow', 'SELECT pg_sleep(0.3); CREATE TABLE "race_marker" (id int);'),
      ];
      const results = await Promise.all(instances.map((i) => migrate(i.db, migrations)));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(migrations.map((m) => m.name).sort());
      for (const r of results) expect([...r.applied, ...r.alreadyApplied].sort()).toEqual(applied);
      const { rows: counts } = await sql<{ migrationName: string; n: number }>`
        SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY migration_name ORDER BY 1`.execute(
        instances[0]!.db,
      );
      expect(counts).toEqual(migrations.map((m) => ({ migrationName: m.name, n: 1 })));
    } finally {
      await Promise.all(instances.map((i) => i.close()));
      await target.drop();
    }
  });
});
