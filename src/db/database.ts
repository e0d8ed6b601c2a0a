import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.js';
import type { SqlRunner } from './sql-runner.js';

export type { PrismaClient } from './generated/client.js';

/** An open database: the Prisma client plus a raw SQL runner over the same server. */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
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

function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async withConnection(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
          exec: async (sql) => void (await client.query(sql)),
        });
      } finally {
        client.release();
      }
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10000 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql = pgRunner(pool);
  return {
    kind: 'postgres',
    prisma,
    sql,
    ping: () => ping(sql),
    async close() {
      await prisma.$disconnect();
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
    prisma,
    sql,
    ping: () => ping(sql),
    async close() {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

async function ping(sql: SqlRunner): Promise<boolean> {
  try {
    await sql.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
