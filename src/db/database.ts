import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DatabaseUnavailableError } from '../errors/index.js';
import { PrismaClient } from './generated/client.js';
import { outageGuard } from './db-errors.js';
import type { SqlRunner } from './sql-runner.js';

export type { PrismaClient } from './generated/client.js';

/** An open database: the Prisma client plus a raw SQL runner over the same server. */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  /** Which database this is, without credentials (`postgres://host:port/name`, `embedded:<dir>`): names its audit spool. */
  readonly identity?: string;
  readonly prisma: PrismaClient;
  readonly sql: SqlRunner;
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

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openEmbedded(options.dataDir);
}

/**
 * Raw SQL over the pool. A lost server surfaces as DatabaseUnavailableError (503), never a
 * driver error; the pool drops broken clients and reconnects on the next query.
 */
function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    query: (sql, params) => outageGuard(async () => (await pool.query(sql, params as unknown[])).rows),
    exec: (sql) => outageGuard(async () => void (await pool.query(sql))),
    async withConnection(fn) {
      const client = await outageGuard(() => pool.connect());
      let broken: unknown;
      try {
        return await fn({
          query: (sql, params) => outageGuard(async () => (await client.query(sql, params as unknown[])).rows),
          exec: (sql) => outageGuard(async () => void (await client.query(sql))),
        });
      } catch (err) {
        broken = err;
        throw err;
      } finally {
        // A client whose connection failed mid-way is destroyed, not returned to the pool.
        client.release(broken instanceof DatabaseUnavailableError ? (broken as Error) : undefined);
      }
    },
  };
}

/** The Prisma client whose every operation turns an outage into DatabaseUnavailableError. */
function outageAware(prisma: PrismaClient): PrismaClient {
  return prisma.$extends({
    query: { $allOperations: ({ args, query }) => outageGuard(() => query(args)) },
  }) as unknown as PrismaClient;
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10000 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  // A checked-out client (an open transaction between two statements) whose server goes away
  // emits 'error' too; unheard, that event would crash the process. Its next query fails instead.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const base = new PrismaClient({ adapter: new PrismaPg(pool) });
  const prisma = outageAware(base);
  const sql = pgRunner(pool);
  return {
    kind: 'postgres',
    identity: identityOf(url),
    prisma,
    sql,
    ping: () => ping(sql),
    async close() {
      await base.$disconnect();
      await pool.end();
    },
  };
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = path.resolve(dataDir, 'pgdata');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lite = await PGlite.create(dir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  const sql: SqlRunner = {
    async query(text, params) {
      return (await lite.query(text, params as unknown[])).rows as never[];
    },
    async exec(text) {
      await lite.exec(text);
    },
    // PGlite is one session: every query already runs on "the same connection".
    withConnection: (fn) => fn({ query: (t, p) => sql.query(t, p), exec: (t) => sql.exec(t) }),
  };
  return {
    kind: 'embedded',
    identity: `embedded:${dir}`,
    prisma,
    sql,
    ping: () => ping(sql),
    async close() {
      await prisma.$disconnect();
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

async function ping(sql: SqlRunner): Promise<boolean> {
  try {
    await sql.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
