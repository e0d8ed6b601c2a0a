import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InternalError } from '../errors/index.js';
import type { SqlRunner } from './sql-runner.js';

/** A migration on disk: `prisma/migrations/<name>/migration.sql`. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Same table and columns as `prisma migrate deploy`, so Prisma's tooling recognises the history. */
const HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Serialises migrators of several instances starting at once. */
const LOCK_ID = 72707369;

export async function readMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies pending migrations in name order, each in its own transaction, and records
 * them. An applied migration whose file changed since is refused: history is immutable.
 *
 * @throws InternalError when an applied migration was edited or a migration fails.
 */
export async function migrate(sql: SqlRunner, migrations: Migration[]): Promise<MigrationResult> {
  return sql.withConnection(async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      await conn.exec(HISTORY_TABLE);
      const rows = await conn.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
        'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
      );
      const done = new Map(rows.filter((r) => r.finished_at).map((r) => [r.migration_name, r.checksum]));
      const result: MigrationResult = { applied: [], alreadyApplied: [] };
      for (const m of migrations) {
        const recorded = done.get(m.name);
        if (recorded !== undefined) {
          if (recorded !== m.checksum) {
            throw new InternalError(
              `Migration ${m.name} was changed after it was applied (checksum mismatch); add a new migration instead`,
            );
          }
          result.alreadyApplied.push(m.name);
          continue;
        }
        await applyOne(conn, m);
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
  });
}

async function applyOne(conn: Omit<SqlRunner, 'withConnection'>, m: Migration): Promise<void> {
  const id = randomUUID();
  await conn.exec('BEGIN');
  try {
    await conn.exec(m.sql);
    await conn.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 1)`,
      [id, m.checksum, m.name],
    );
    await conn.exec('COMMIT');
  } catch (err) {
    await conn.exec('ROLLBACK');
    throw new InternalError(`Migration ${m.name} failed`, { cause: err });
  }
}
