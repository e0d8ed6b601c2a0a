import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { bootstrap, compose } from '../src/compose.js';
import { loadConfig } from '../src/config/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrate, readMigrations } from '../src/db/migrator.js';
import { benchJobs } from './support/jobs.js';
import { benchPostgres } from './support/postgres.js';
import { Worker } from 'node:worker_threads';
import type { LoadResult } from './support/load.js';
import type { LoadJob } from './support/load-worker.js';

/**
 * `npm run bench`: the service measured over real HTTP on real PostgreSQL (emulator
 * provider), production settings (no response validation, logs off). Results go to
 * bench/results/<time>-<commit>.json with the machine and commit.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN_PASSWORD = 'bench-admin-password';
const LIST_RECORDS = Number(process.env.BENCH_LIST_RECORDS ?? 10_000);
/** Keys the synchronization job benchmark discovers (BENCH_ONLY=jobs runs only the job benchmarks). */
const SYNC_KEYS = Number(process.env.BENCH_SYNC_KEYS ?? 10_000);
const ONLY_JOBS = process.env.BENCH_ONLY === 'jobs';

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
  };
}

async function main(): Promise<void> {
  const pg = await benchPostgres();
  if (!pg)
    throw new Error(
      'no PostgreSQL server binaries found and BENCH_DATABASE_URL is not set (apt-get install postgresql)',
    );
  const dataDir = path.join(os.tmpdir(), `opencckm-bench-${process.pid}`);
  const results: Record<string, unknown> = {
    machine: machine(),
    database: pg.description,
    startedAt: new Date().toISOString(),
  };
  const db = await openDatabase({ url: pg.url, dataDir, poolSize: 20 });
  try {
    await migrate(db.db, await readMigrations(path.join(ROOT, 'prisma/migrations')));
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      CCKM_DATA_DIR: dataDir,
      CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
      EMULATOR_ROOT_KEY: randomBytes(32).toString('base64'),
      CCKM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      EMULATOR_REGIONS: 'us-east-1,eu-west-1',
    });
    const composed = await compose({ config, db, logger: pino({ level: 'silent' }) });
    await bootstrap(composed.services, config);
    const server = createServer(composed.app.express);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const token = (
      (await (
        await fetch(`${base}/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD }),
        })
      ).json()) as { jwt: string }
    ).jwt;
    const run = (job: Omit<LoadJob, 'base' | 'token'>) =>
      new Promise<LoadResult>((resolve, reject) => {
        const w = new Worker(new URL('./support/load-worker.js', import.meta.url), {
          workerData: { ...job, base, token },
        });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const report = (name: string, r: LoadResult) => {
      results[name] = r;
      console.log(
        `${name.padEnd(44)} ${String(r.perSecond).padStart(9)}/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}`,
      );
    };

    if (!ONLY_JOBS) {
      await run({ kind: 'create', total: 200, concurrency: 4 }); // warm-up: JIT, pools, prepared plans
      report('create_key_symmetric_c1', await run({ kind: 'create', total: 300, concurrency: 1 }));
      report('create_key_symmetric_c16', await run({ kind: 'create', total: 2000, concurrency: 16 }));
      const existing = 2500;
      if (LIST_RECORDS > existing) await run({ kind: 'create', total: LIST_RECORDS - existing, concurrency: 16 });
      const total = (await (
        await fetch(`${base}/cckm/aws/keys?limit=1`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { total: number };
      results.listRecords = total.total;
      const pages = Math.floor(total.total / 100);
      report(`list_keys_page100_of_${total.total}_c1`, await run({ kind: 'list', total: 500, concurrency: 1, pages }));
      report(
        'list_keys_page100_region_sorted_c1',
        await run({
          kind: 'list',
          total: 300,
          concurrency: 1,
          pages: Math.floor(pages / 2),
          query: '&region=us-east-1&sort=-createdAt',
        }),
      );
      report(
        `list_keys_page100_of_${total.total}_c16`,
        await run({ kind: 'list', total: 1000, concurrency: 16, pages }),
      );
      const page = (await (
        await fetch(`${base}/cckm/aws/keys?limit=1000`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { resources: { id: string }[] };
      const ids = page.resources.map((k) => k.id);
      await run({ kind: 'get', total: 500, concurrency: 4, ids }); // warm-up
      report('get_key_c1', await run({ kind: 'get', total: 1000, concurrency: 1, ids }));
      report('get_key_c16', await run({ kind: 'get', total: 5000, concurrency: 16, ids }));
    }
    // Last, so that the records it creates do not change the list figures above.
    const jobs = await benchJobs(composed, { base, token }, { keys: SYNC_KEYS, region: 'eu-west-1', bulkKeys: 1000 });
    for (const [name, r] of Object.entries(jobs)) {
      results[name] = r;
      console.log(
        `${name.padEnd(44)} ${String(r.perSecond).padStart(9)} keys/s  wall ${r.wallMs} ms  ${r.overallStatus}`,
      );
    }
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await composed.close();
  } finally {
    await db.close();
    pg.stop();
  }
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
