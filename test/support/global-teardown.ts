/**
 * Jest global teardown: undoes `global-setup.ts` using the state file it left (path in
 * `OPENCCKM_TEST_STATE_FILE`): stops the throwaway cluster (immediate mode, its data is
 * thrown away), drops what this run created on a `TEST_DATABASE_URL` server, and removes
 * the run's temp dir. Loaded through CommonJS like the setup: node builtins and packages only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

interface RunState {
  runDir: string;
  runId: string;
  cluster?: { bin: string; dataDir: string; osUser?: string };
  externalAdminUrl?: string;
}

export default async function globalTeardown(): Promise<void> {
  const stateFile = process.env.OPENCCKM_TEST_STATE_FILE;
  if (!stateFile || !existsSync(stateFile)) return;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as RunState;
  try {
    if (state.externalAdminUrl) await dropRunDatabases(state.externalAdminUrl, state.runId);
  } finally {
    if (state.cluster) stopCluster(state.cluster);
    rmSync(state.runDir, { recursive: true, force: true });
  }
}

function stopCluster({ bin, dataDir, osUser }: NonNullable<RunState['cluster']>): void {
  const args = ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'];
  const pgCtl = path.join(bin, 'pg_ctl');
  const [file, argv] = osUser ? ['runuser', ['-u', osUser, '--', pgCtl, ...args]] : [pgCtl, args];
  const res = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000, cwd: path.dirname(dataDir) });
  if (res.status !== 0) console.warn(`[test-db] pg_ctl stop: ${res.stderr || res.error?.message}`);
}

/** The template and any test database a crashed test file left behind (names end in the run id). */
async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    const rows = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = 'opencckm_tmpl' OR datname LIKE $1`,
      [`test\\_%\\_${runId}\\_%`],
    );
    for (const { datname } of rows.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
