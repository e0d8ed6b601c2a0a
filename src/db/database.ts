import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import { ColumnNamePlugin } from './column-names.js';
import { preparedNameOf } from './compiled-once.js';
import type { DB } from './generated/db.js';
import { outageAware } from './outage-dialect.js';
import { PGliteDialect } from './pglite-dialect.js';
import { parseTimestamptz } from './timestamptz.js';

export type { DB } from './generated/db.js';

/** An open database: Kysely, typed by the tables of prisma/schema.prisma, over pg or PGlite. */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  /** Which database this is, without credentials (`postgres://host:port/name`, `embedded:<dir>`): names its audit spool. */
  readonly identity?: string;
  readonly db: Kysely<DB>;
  /** true when the server answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, an embedded PostgreSQL (PGlite) under `dataDir/pgdata`. */
  url?: string;
  dataDir: string;
  poolSize?: number;
}

const INT8 = 20;
const BYTEA = 17;
const TIMESTAMPTZ = 1184;

/**
 * pg's parsers, except: int8 as bigint and bytea as a plain Uint8Array (a view of pg's
 * Buffer), as PGlite gives them and the generated types declare them, and timestamptz by a
 * faster reader of the same result.
 */
function pgParser(oid: number, format?: 'text' | 'binary') {
  if (oid === INT8) return BigInt;
  if (oid === TIMESTAMPTZ && format !== 'binary') return parseTimestamptz;
  if (oid === BYTEA) {
    const parse = pg.types.getTypeParser(BYTEA, 'text');
    return (text: string) => {
      const buf = parse(text);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    };
  }
  return pg.types.getTypeParser(oid, format);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openEmbedded(options.dataDir);
}

/**
 * Record fields are the schema's camelCase names, columns its snake_case ones (`@map`);
 * jsonb documents keep their own keys. Every driver call is outage-aware.
 */
function kysely(dialect: Dialect): Kysely<DB> {
  return new Kysely<DB>({ dialect: outageAware(dialect), plugins: [new ColumnNamePlugin()] });
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10000,
    types: { getTypeParser: pgParser },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  // A checked-out client (an open transaction between two statements) whose server goes away
  // emits 'error' too; unheard, that event would crash the process. Its next query fails instead.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareCompiledOnce(client);
  });
  const db = kysely(new PostgresDialect({ pool }));
  return { kind: 'postgres', identity: identityOf(url), db, ping: () => ping(db), close: () => db.destroy() };
}

/**
 * Runs CompiledOnce statements on `client` as named prepared statements: pg parses and plans
 * each once per connection and then only binds and executes it. Kysely's driver calls
 * `query(text, values)`; any other statement or call shape passes through unchanged. A
 * migration that changes a prepared statement's result (a column added to a table read with
 * `select *`, by another instance during a rolling upgrade) makes PostgreSQL refuse the
 * prepared form ("cached plan must not change result type", 0A000): that statement is then
 * run unnamed, and the connection prepares nothing more.
 */
function prepareCompiledOnce(client: pg.PoolClient): void {
  const query = client.query as (...args: unknown[]) => Promise<unknown>;
  let stale = false;
  client.query = function (this: pg.PoolClient, ...args: unknown[]) {
    const [text, values] = args;
    const name = !stale && args.length === 2 && typeof text === 'string' ? preparedNameOf(text) : undefined;
    if (!name) return query.apply(this, args);
    return query.call(this, { name, text, values }).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== '0A000') throw err;
      stale = true;
      return query.apply(this, args);
    });
  } as typeof client.query;
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = path.resolve(dataDir, 'pgdata');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lite = await PGlite.create(dir, { parsers: { [INT8]: (text: string) => BigInt(text) } });
  const db = kysely(new PGliteDialect(lite));
  return {
    kind: 'embedded',
    identity: `embedded:${dir}`,
    db,
    ping: () => ping(db),
    async close() {
      await db.destroy();
      await lite.close();
    },
  };
}

function identityOf(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

async function ping(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
