import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Generated, type Kysely } from 'kysely';
import { InternalError } from '../errors/index.js';
import type { DB } from './generated/db.js';

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

/** The history table, which lives outside the schema (Prisma's own name and columns). */
type History = {
  _prisma_migrations: {
    id: string;
    checksum: string;
    finishedAt: Date | null;
    migrationName: string;
    rolledBackAt: Generated<Date | null>;
    appliedStepsCount: number;
  };
};

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
export async function migrate(db: Kysely<DB>, migrations: Migration[]): Promise<MigrationResult> {
  return db.connection().execute(async (conn) => {
    const history = conn.withTables<History>();
    await sql`SELECT pg_advisory_lock(${LOCK_ID})`.execute(conn);
    try {
      await sql.raw(HISTORY_TABLE).execute(conn);
      const rows = await history
        .selectFrom('_prisma_migrations')
        .select(['migrationName', 'checksum', 'finishedAt'])
        .where('rolledBackAt', 'is', null)
        .execute();
      const done = new Map(rows.filter((r) => r.finishedAt).map((r) => [r.migrationName, r.checksum]));
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
        await applyOne(history, m);
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await sql`SELECT pg_advisory_unlock(${LOCK_ID})`.execute(conn);
    }
  });
}

/** One migration in its own transaction; the script runs unparameterised (several statements). */
async function applyOne(conn: Kysely<DB & History>, m: Migration): Promise<void> {
  await sql`BEGIN`.execute(conn);
  try {
    await sql.raw(m.sql).execute(conn);
    await conn
      .insertInto('_prisma_migrations')
      .values({
        id: randomUUID(),
        checksum: m.checksum,
        migrationName: m.name,
        finishedAt: sql<Date>`now()`,
        appliedStepsCount: 1,
      })
      .execute();
    await sql`COMMIT`.execute(conn);
  } catch (err) {
    await sql`ROLLBACK`.execute(conn);
    throw new InternalError(`Migration ${m.name} failed`, { cause: err });
  }
}
