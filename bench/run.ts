import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { pino } from 'pino';
import { bootstrap, compose, type Composed } from '../src/compose.js';
import { loadConfig } from '../src/config/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate, readMigrations } from '../src/db/migrator.js';
import { bareExpress, barePostgres } from './support/ceiling.js';
import { benchJobs } from './support/jobs.js';
import { benchRotation } from './rotation.js';
import { benchReport } from './report.js';
import type { LoadResult } from './support/load.js';
import type { LoadJob } from './support/load-worker.js';
import { benchPostgres } from './support/postgres.js';
import { RowProfiler } from './support/profiler.js';

/**
 * `npm run bench`: the service measured over real HTTP, on real PostgreSQL and on the
 * embedded default (PGlite), production settings (no response validation, logs off), next
 * to a ceiling measured in the same run (bare Express answering the same bodies, bare pg
 * reading and writing the same rows): the machine is shared, so compare ratios across runs.
 * Results go to bench/results/<time>-<commit>.json with the machine and commit.
 *
 * BENCH_ONLY: a comma-separated subset of create, list, get, ceiling, embedded, jobs, rotation, report (all by default).
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN_PASSWORD = 'bench-admin-password';
const LIST_RECORDS = Number(process.env.BENCH_LIST_RECORDS ?? 10_000);
/** Keys the synchronization job benchmark discovers. */
const SYNC_KEYS = Number(process.env.BENCH_SYNC_KEYS ?? 10_000);
const GROUPS = ['create', 'list', 'get', 'ceiling', 'embedded', 'jobs', 'rotation', 'report'] as const;
/** Key records the report benchmark covers (inserted directly into the database). */
const REPORT_RECORDS = Number(process.env.BENCH_REPORT_RECORDS ?? 100_000);
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? GROUPS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const runs = (group: (typeof GROUPS)[number]) => ONLY.has(group);
const profiler = new RowProfiler(process.env.BENCH_PROFILE);

function machine() {
  const commit = (() => {
    try {
      return execSync('git rev-parse HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return {
    commit,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

interface Service {
  base: string;
  token: string;
  composed: Composed;
  stop(): Promise<void>;
}

/** The whole service (emulator provider, bootstrap admin) on `db`, listening on a loopback port. */
async function startService(db: Database, dataDir: string): Promise<Service> {
  await migrate(db.db, await readMigrations(path.join(ROOT, 'prisma/migrations')));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    CCKM_DATA_DIR: dataDir,
    CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
    EMULATOR_ROOT_KEY: randomBytes(32).toString('base64'),
    CCKM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // A run on a busy machine outlasts the default 5 minutes.
    CCKM_JWT_TTL_SECONDS: '7200',
    EMULATOR_REGIONS: 'us-east-1,eu-west-1',
  });
  const composed = await compose({ config, db, logger: pino({ level: 'silent' }) });
  await bootstrap(composed.services, config);
  const server = createServer(composed.app.express);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const login = await fetch(`${base}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD }),
  });
  const token = ((await login.json()) as { jwt: string }).jwt;
  return {
    base,
    token,
    composed,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await composed.close();
    },
  };
}

/** One closed-loop load run in a worker thread (its own event loop), against `base`. */
function run(target: { base: string; token: string }, job: Omit<LoadJob, 'base' | 'token'>): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    const w = new Worker(new URL('./support/load-worker.js', import.meta.url), {
      workerData: { ...job, base: target.base, token: target.token },
    });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function getJson<T>(svc: { base: string; token: string }, p: string): Promise<T> {
  return (await (await fetch(`${svc.base}${p}`, { headers: { authorization: `Bearer ${svc.token}` } })).json()) as T;
}

const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() };

/** Runs one measured row (profiled when BENCH_PROFILE is set) and reports it. */
async function measure(
  name: string,
  target: { base: string; token: string },
  job: Omit<LoadJob, 'base' | 'token'>,
): Promise<void> {
  report(name, await profiler.around(name, () => run(target, job)));
}

function report(name: string, r: LoadResult): void {
  results[name] = r;
  console.log(
    `${name.padEnd(44)} ${String(r.perSecond).padStart(9)}/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}`,
  );
}

/** Each service row as a fraction of its in-run ceiling(s), where both were measured. */
function ratios(): Record<string, number> {
  const rate = (name: string) => (results[name] as LoadResult | undefined)?.perSecond;
  const pairs: [string, string, string][] = [
    ['get_key_c16 / express', 'get_key_c16', 'ceiling_express_get_c16'],
    ['get_key_c16 / pg_pk_read', 'get_key_c16', 'ceiling_pg_pk_read_c16'],
    ['list_keys_c16 / express', 'list_keys_page100_c16', 'ceiling_express_list_c16'],
    ['list_keys_c4 / express', 'list_keys_page100_c4', 'ceiling_express_list_c16'],
    ['list_keys_c16 / pg_page', 'list_keys_page100_c16', 'ceiling_pg_page100_c16'],
    ['create_key_c16 / express', 'create_key_symmetric_c16', 'ceiling_express_post_c16'],
    ['create_key_c16 / pg_insert', 'create_key_symmetric_c16', 'ceiling_pg_insert_c16'],
    ['embedded_create_key_c16 / express', 'embedded_create_key_symmetric_c16', 'ceiling_express_post_c16'],
  ];
  const out: Record<string, number> = {};
  for (const [label, a, b] of pairs) {
    const x = rate(a);
    const y = rate(b);
    if (x !== undefined && y) out[label] = Math.round((x / y) * 1000) / 1000;
  }
  return out;
}

async function benchPostgresService(url: string, dataDir: string): Promise<void> {
  const db = await openDatabase({ url, dataDir, poolSize: 20 });
  const svc = await startService(db, dataDir);
  try {
    if (runs('create') || runs('list') || runs('get') || runs('ceiling')) {
      await run(svc, { kind: 'create', total: 200, concurrency: 4 }); // warm-up: JIT, pools, prepared plans
      if (runs('create')) {
        await measure('create_key_symmetric_c1', svc, { kind: 'create', total: 300, concurrency: 1 });
        await measure('create_key_symmetric_c16', svc, { kind: 'create', total: 2000, concurrency: 16 });
      }
      const { total: have } = await getJson<{ total: number }>(svc, '/cckm/aws/keys?limit=1');
      if (LIST_RECORDS > have) await run(svc, { kind: 'create', total: LIST_RECORDS - have, concurrency: 16 });
      const { total } = await getJson<{ total: number }>(svc, '/cckm/aws/keys?limit=1');
      results.listRecords = total;
      // Steady state: autovacuum would have visited a table of this size within its minute
      // (autovacuum_naptime); just-inserted rows without a visibility map make the list's count
      // and offset scans read the heap (about 3x the database time of a page).
      await sql`VACUUM ANALYZE aws_keys`.execute(db.db);
      const pages = Math.floor(total / 100);
      if (runs('list')) {
        await run(svc, { kind: 'list', total: 100, concurrency: 4, pages }); // warm-up
        await measure('list_keys_page100_c1', svc, { kind: 'list', total: 300, concurrency: 1, pages });
        await measure('list_keys_page100_c4', svc, { kind: 'list', total: 600, concurrency: 4, pages });
        await measure('list_keys_page100_c16', svc, { kind: 'list', total: 1000, concurrency: 16, pages });
        await measure('list_keys_page100_region_sorted_c1', svc, {
          kind: 'list',
          total: 300,
          concurrency: 1,
          pages: Math.floor(pages / 2),
          query: '&region=us-east-1&sort=-createdAt',
        });
      }
      const page = await getJson<{ resources: { id: string }[] }>(svc, '/cckm/aws/keys?limit=1000');
      const ids = page.resources.map((k) => k.id);
      if (runs('get')) {
        await run(svc, { kind: 'get', total: 500, concurrency: 4, ids }); // warm-up
        await measure('get_key_c1', svc, { kind: 'get', total: 1000, concurrency: 1, ids });
        await measure('get_key_c16', svc, { kind: 'get', total: 5000, concurrency: 16, ids });
      }
      if (runs('ceiling')) {
        const key = await getJson<unknown>(svc, `/cckm/aws/keys/${ids[0]}`);
        const hundred = await getJson<unknown>(svc, '/cckm/aws/keys?limit=100&skip=100');
        const bare = await bareExpress(key, hundred);
        const target = { base: bare.base, token: svc.token }; // the same requests, Authorization header included
        try {
          await run(target, { kind: 'get', total: 2000, concurrency: 4, ids }); // warm-up
          await measure('ceiling_express_get_c16', target, { kind: 'get', total: 10000, concurrency: 16, ids });
          await measure('ceiling_express_list_c16', target, { kind: 'list', total: 2000, concurrency: 16, pages });
          await measure('ceiling_express_post_c16', target, { kind: 'create', total: 5000, concurrency: 16 });
        } finally {
          await bare.close();
        }
        const pgFigures = await barePostgres(url, ids, { pages, concurrency: 16, total: 10000 });
        report('ceiling_pg_pk_read_c16', pgFigures.get);
        report('ceiling_pg_page100_c16', pgFigures.page);
        report('ceiling_pg_insert_c16', pgFigures.insert);
      }
    }
    if (runs('jobs')) {
      // Last, so that the records it creates do not change the list figures above.
      const jobs = await benchJobs(svc.composed, svc, { keys: SYNC_KEYS, region: 'eu-west-1', bulkKeys: 1000 });
      for (const [name, r] of Object.entries(jobs)) {
        results[name] = r;
        console.log(
          `${name.padEnd(44)} ${String(r.perSecond).padStart(9)} keys/s  wall ${r.wallMs} ms  RSS ${r.rssBeforeMiB} → peak ${r.rssPeakMiB} MiB  ${r.overallStatus}`,
        );
      }
    }
    if (runs('rotation')) {
      for (const [name, r] of Object.entries(await benchRotation(svc, { keys: 1000, region: 'eu-west-1' }))) {
        results[name] = r;
        console.log(`${name.padEnd(44)} ${String(r.perSecond).padStart(9)} keys/s  wall ${r.wallMs} ms`);
      }
    }
    if (runs('report')) {
      for (const [name, r] of Object.entries(await benchReport(svc, db.db, { records: REPORT_RECORDS }))) {
        results[name] = r;
        console.log(
          `${name.padEnd(44)} ${String(r.perSecond).padStart(9)} keys/s  wall ${r.wallMs} ms  peak RSS ${r.peakRssMiB} MiB (${r.rssBeforeMiB} before)  download ${r.download.ms} ms`,
        );
      }
    }
  } finally {
    await svc.stop();
    await db.close();
  }
}

/** `POST /keys` on the embedded database `npm start` uses by default (PGlite, in-process). */
async function benchEmbeddedService(dataDir: string): Promise<void> {
  const db = await openDatabase({ dataDir });
  const svc = await startService(db, dataDir);
  try {
    await run(svc, { kind: 'create', total: 200, concurrency: 4 }); // warm-up
    await measure('embedded_create_key_symmetric_c1', svc, { kind: 'create', total: 300, concurrency: 1 });
    await measure('embedded_create_key_symmetric_c16', svc, { kind: 'create', total: 1000, concurrency: 16 });
  } finally {
    await svc.stop();
    await db.close();
  }
}

async function main(): Promise<void> {
  const dataDir = path.join(os.tmpdir(), `opencckm-bench-${process.pid}`);
  if ([...ONLY].some((g) => g !== 'embedded')) {
    const pg = await benchPostgres();
    if (!pg)
      throw new Error(
        'no PostgreSQL server binaries found and BENCH_DATABASE_URL is not set (apt-get install postgresql)',
      );
    results.database = pg.description;
    try {
      await benchPostgresService(pg.url, path.join(dataDir, 'postgres'));
    } finally {
      pg.stop();
    }
  }
  if (runs('embedded')) await benchEmbeddedService(path.join(dataDir, 'embedded'));
  rmSync(dataDir, { recursive: true, force: true });
  results.ratios = ratios();
  console.log('\nratios to the in-run ceilings:', results.ratios);
  results.finishedAt = new Date().toISOString();
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${String((results.machine as { commit: string }).commit).slice(0, 8)}.json`,
  );
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults written to ${path.relative(ROOT, file)}`);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exit(1);
});
