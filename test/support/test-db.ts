/**
 * Fresh, migrated databases for tests, one per test file (STYLE B8): on PostgreSQL a
 * `CREATE DATABASE test_<label>_<run>_<random> TEMPLATE opencckm_tmpl`, when embedded a copy
 * of a migrated PGlite data dir (an initdb in PGlite costs seconds, a copy well under one).
 *
 * Needs the jest global setup (`test/support/global-setup.ts`), which decides the mode and
 * builds the templates; it exports `OPENCCKM_TEST_*` variables that this module reads.
 *
 * ```ts
 * let db: Database;
 * beforeAll(async () => { db = await createTestDatabase('keys'); });
 * afterAll(() => db.close()); // closes and deletes the database
 * ```
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate, readMigrations, type MigrationResult } from '../../src/db/migrator.js';

export type TestDbKind = 'postgres' | 'embedded';

export interface TestDatabaseOptions {
  /** Which engine; defaults to this run's mode. `'postgres'` throws when the run has no server. */
  kind?: TestDbKind;
  /** `false` gives an empty database: no tables, no `_prisma_migrations`. Default `true`. */
  migrated?: boolean;
  /** pg pool size (postgres only). */
  poolSize?: number;
}

/** A fresh database that is not open yet, for code that opens it itself (a spawned server, a restart). */
export interface TestDatabaseTarget {
  kind: TestDbKind;
  /** The database's URL (postgres only). */
  url?: string;
  /** A temp dir of its own; when embedded it holds `pgdata`, as `openDatabase({ dataDir })` expects. */
  dataDir: string;
  /** Environment for a spawned opencckm process: `DATABASE_URL` (postgres) and `CCKM_DATA_DIR`. */
  env: Record<string, string>;
  /** Deletes the database (postgres: even with sessions still open) and the temp dir. */
  drop(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/** Applies every migration in `prisma/migrations` with the production migrator. */
export async function applyAllMigrations(db: Pick<Database, 'db'>): Promise<MigrationResult> {
  return migrate(db.db, await readMigrations(MIGRATIONS_DIR));
}

/** This run's default engine, decided by the global setup. */
function testDatabaseMode(): TestDbKind {
  const mode = process.env.OPENCCKM_TEST_DB_MODE;
  if (mode !== 'postgres' && mode !== 'embedded') {
    throw new Error(
      'test/support/test-db.ts needs the jest global setup (test/support/global-setup.ts): ' +
        'run the test through the integration, contract or e2e jest project',
    );
  }
  return mode;
}

/** Every engine available in this run: `['postgres', 'embedded']`, or `['embedded']` without a server. */
export function testDatabaseKinds(): TestDbKind[] {
  return testDatabaseMode() === 'postgres' ? ['postgres', 'embedded'] : ['embedded'];
}

/** Opens a fresh database for `label` (e.g. the test file's name); its `close()` also deletes it. */
export async function createTestDatabase(label: string, options: TestDatabaseOptions = {}): Promise<Database> {
  const target = await provisionTestDatabase(label, options);
  let db: Database;
  try {
    db = await openDatabase({ url: target.url, dataDir: target.dataDir, poolSize: options.poolSize });
  } catch (err) {
    await target.drop();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    kind: db.kind,
    ...(db.identity ? { identity: db.identity } : {}),
    db: db.db,
    ping: () => db.ping(),
    close: () => (closing ??= db.close().finally(() => target.drop())),
  };
}

/** Creates a fresh database for `label` without opening it. */
export async function provisionTestDatabase(
  label: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabaseTarget> {
  const kind = options.kind ?? testDatabaseMode();
  const migrated = options.migrated ?? true;
  const runDir = requireEnv('OPENCCKM_TEST_RUN_DIR');
  const dataDir = await mkdtemp(path.join(runDir, `db-${safeLabel(label)}-`));
  if (kind === 'embedded') {
    await cp(path.join(await embeddedTemplate(migrated), 'pgdata'), path.join(dataDir, 'pgdata'), { recursive: true });
    return {
      kind,
      dataDir,
      env: { CCKM_DATA_DIR: dataDir },
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  if (testDatabaseMode() !== 'postgres') throw new Error('no PostgreSQL server in this test run (embedded mode)');
  const name = `test_${safeLabel(label)}_${requireEnv('OPENCCKM_TEST_RUN_ID')}_${randomBytes(3).toString('hex')}`;
  const template = migrated ? requireEnv('OPENCCKM_TEST_PG_TEMPLATE') : 'template0';
  await withAdmin((admin) => createDatabase(admin, name, template));
  const url = databaseUrl(name);
  return {
    kind,
    url,
    dataDir,
    env: { DATABASE_URL: url, CCKM_DATA_DIR: dataDir },
    async drop() {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** URL of database `name` on this run's server (postgres mode only). */
function databaseUrl(name: string): string {
  const url = new URL(requireEnv('OPENCCKM_TEST_PG_ADMIN_URL'));
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` with a short-lived superuser/CREATEDB connection to the server's maintenance database. */
async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({
    connectionString: requireEnv('OPENCCKM_TEST_PG_ADMIN_URL'),
    connectionTimeoutMillis: 10_000,
  });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

async function createDatabase(admin: pg.Client, name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (err) {
      // 55006: the template is briefly "being accessed by other users" (a session still exiting).
      if ((err as { code?: string }).code !== '55006' || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

const templates = new Map<boolean, Promise<string>>();

/**
 * A PGlite data dir to copy (its `pgdata`), migrated or empty: an initdb in PGlite costs
 * seconds, a copy a fraction of one. The global setup builds both in embedded mode; on a
 * server run each is built on first use, by whichever worker gets there first.
 */
export function embeddedTemplate(migrated: boolean): Promise<string> {
  let ready = templates.get(migrated);
  if (!ready) {
    ready = (async () => {
      const dir = path.join(requireEnv('OPENCCKM_TEST_RUN_DIR'), migrated ? 'pglite-template' : 'pglite-empty');
      const base = migrated ? await embeddedTemplate(false) : undefined;
      return withBuildLock(dir, async (build) => {
        if (base) {
          await cp(path.join(base, 'pgdata'), path.join(build, 'pgdata'), { recursive: true });
          await buildEmbeddedTemplate(build);
        } else {
          await (await openDatabase({ dataDir: build })).close();
        }
      });
    })();
    templates.set(migrated, ready);
  }
  return ready;
}

/**
 * Builds `dir` once across jest workers: one takes a lock dir and builds into a scratch dir
 * renamed into place; the others wait for `dir` to appear (a lock older than 5 minutes is stale).
 */
async function withBuildLock(dir: string, build: (scratch: string) => Promise<void>): Promise<string> {
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(path.join(dir, 'pgdata'))) return dir;
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (existsSync(path.join(dir, 'pgdata'))) return dir;
    const scratch = await mkdtemp(`${dir}-build-`);
    await build(scratch);
    await rename(scratch, dir);
    return dir;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Opens (creating if needed) the PGlite database under `dataDir/pgdata`, applies every migration, closes it. */
async function buildEmbeddedTemplate(dataDir: string): Promise<MigrationResult> {
  const db = await openDatabase({ dataDir });
  try {
    return await applyAllMigrations(db);
  } finally {
    await db.close();
  }
}

function safeLabel(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, 30) || 'db'
  );
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    testDatabaseMode(); // throws the "needs the global setup" error when that is the cause
    throw new Error(`${name} is not set by the test global setup`);
  }
  return value;
}
