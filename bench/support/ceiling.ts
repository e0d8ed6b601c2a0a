import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';
import { load, type LoadResult } from './load.js';

/**
 * What this machine can do at best, measured in the same run as the service (the machine is
 * shared and noisy, so only ratios to an in-run ceiling compare across runs): a bare Express 5
 * app answering the service's own bodies with `res.json`, and bare `pg` queries of the same
 * rows the service reads and writes.
 */
interface BareExpress {
  base: string;
  close(): Promise<void>;
}

/**
 * The service's paths answered by a bare Express app: GET a key (`key`), GET a page
 * (`page`), POST a key (parses the JSON body, answers `key` with 201). No auth, no database.
 */
export async function bareExpress(key: unknown, page: unknown): Promise<BareExpress> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json());
  app.get('/api/v1/cckm/aws/keys/:id', (_req, res) => {
    res.json(key);
  });
  app.get('/api/v1/cckm/aws/keys', (_req, res) => {
    res.json(page);
  });
  app.post('/api/v1/cckm/aws/keys', (_req, res) => {
    res.status(201).json(key);
  });
  const server: Server = createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * Bare `pg` figures on the service's own database: a primary-key read of a key row, a page of
 * 100 rows of the bench's account at a random offset by its (account, created_at, id) index
 * (the list's order, without its count), and an insert of a
 * key-sized JSON row into a scratch table (fsync as configured, one statement per transaction).
 */
export async function barePostgres(
  url: string,
  ids: string[],
  opts: { pages: number; concurrency: number; total: number },
): Promise<{ get: LoadResult; page: LoadResult; insert: LoadResult }> {
  const pool = new pg.Pool({ connectionString: url, max: opts.concurrency });
  try {
    const get = await load(opts.total, opts.concurrency, async (i) => {
      await pool.query('SELECT * FROM aws_keys WHERE id = $1', [ids[i % ids.length]]);
    });
    const page = await load(Math.ceil(opts.total / 10), opts.concurrency, async () => {
      const skip = Math.floor(Math.random() * opts.pages) * 100;
      await pool.query("SELECT * FROM aws_keys WHERE account = 'kylo' ORDER BY created_at, id LIMIT 100 OFFSET $1", [
        skip,
      ]);
    });
    const sample = (await pool.query('SELECT to_jsonb(k) AS doc FROM aws_keys k LIMIT 1')).rows[0] as { doc: unknown };
    await pool.query('CREATE TABLE IF NOT EXISTS bench_ceiling_insert (id serial PRIMARY KEY, doc jsonb NOT NULL)');
    const doc = JSON.stringify(sample.doc);
    const insert = await load(Math.ceil(opts.total / 2), opts.concurrency, async () => {
      await pool.query('INSERT INTO bench_ceiling_insert (doc) VALUES ($1)', [doc]);
    });
    await pool.query('DROP TABLE bench_ceiling_insert');
    return { get, page, insert };
  } finally {
    await pool.end();
  }
}
