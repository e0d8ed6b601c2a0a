/**
 * Jest global setup (integration, contract, e2e): decides the test database once per run.
 *
 * 1. `TEST_DATABASE_URL` set → that server (its role needs CREATEDB).
 * 2. else PostgreSQL server binaries found (`OPENCCKM_TEST_PG_BIN`, the newest
 *    `/usr/lib/postgresql/<v>/bin`, or `pg_ctl` on PATH) → a throwaway cluster in a temp dir
 *    (trust auth on 127.0.0.1, a free port, durability off), run as `postgres` when we are root.
 * 3. else embedded PGlite, announced in one line.
 *
 * Then it builds the migrated template (`opencckm_tmpl` on a server, a PGlite data dir when
 * embedded) that `test/support/test-db.ts` clones for every test database, and exports the
 * `OPENCCKM_TEST_*` variables the workers read. `global-teardown.ts` undoes all of it.
 *
 * Jest loads global hooks through CommonJS, outside its ESM runtime, so this file may import
 * only node builtins and packages: the project's `.js` specifiers do not resolve here.
 * Migrations therefore run in a child process (`node --import tsx migrate-template.ts`)
 * through the real migrator.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const TEMPLATE_DB = 'opencckm_tmpl';
const RUN_DIR_PREFIX = 'opencckm-test-';

/** What teardown needs; written to `<runDir>/state.json`. */
interface RunState {
  ownerPid: number;
  runDir: string;
  runId: string;
  mode: 'postgres' | 'embedded';
  /** Present when this run started its own cluster. */
  cluster?: { bin: string; dataDir: string; osUser?: string; port: number };
  /** Present when the server came from TEST_DATABASE_URL (teardown drops what we created). */
  externalAdminUrl?: string;
}

interface JestProjectConfig {
  rootDir: string;
}

export default async function globalSetup(_globalConfig: unknown, project: JestProjectConfig): Promise<void> {
  const started = Date.now();
  const rootDir = project.rootDir;
  reapStaleRuns();
  // The parsed contract as JSON (see src/http/openapi/api-document.ts), current even when a
  // single file runs through `npx jest` after the YAML was edited: every app then skips the
  // YAML parse, about a second of CPU per test file.
  spawnSync(process.execPath, ['scripts/openapi-json.mjs'], { cwd: rootDir, stdio: 'inherit' });
  const runDir = mkdtempSync(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  chmodSync(runDir, 0o711); // the postgres OS user must reach its cluster dir inside
  const state: RunState = {
    ownerPid: process.pid,
    runDir,
    runId: path
      .basename(runDir)
      .slice(RUN_DIR_PREFIX.length)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x'),
    mode: 'embedded',
  };
  const stateFile = path.join(runDir, 'state.json');
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  save();
  try {
    let adminUrl: string | undefined;
    let what: string;
    const external = process.env.TEST_DATABASE_URL;
    const bin = external ? undefined : findPostgresBin();
    if (external) {
      adminUrl = external;
      state.externalAdminUrl = external;
      what = `PostgreSQL from TEST_DATABASE_URL (${redact(external)})`;
    } else if (bin) {
      const cluster = startCluster(bin, runDir, (c) => {
        state.cluster = c;
        save();
      });
      adminUrl = `postgresql://postgres@127.0.0.1:${cluster.port}/postgres`;
      what = `throwaway ${pgVersion(bin)} cluster on 127.0.0.1:${cluster.port}`;
    } else if (process.env.CI === 'true' && process.env.OPENCCKM_TEST_ALLOW_EMBEDDED !== '1') {
      // CI must prove the service against real PostgreSQL: never fall back silently.
      throw new Error(
        'CI=true but no PostgreSQL server binaries were found (install postgresql, or set TEST_DATABASE_URL)',
      );
    } else {
      what = 'embedded PGlite';
    }
    state.mode = adminUrl ? 'postgres' : 'embedded';
    save();
    if (adminUrl) {
      await createTemplateDatabase(rootDir, adminUrl);
      process.env.OPENCCKM_TEST_PG_ADMIN_URL = adminUrl;
      process.env.OPENCCKM_TEST_PG_TEMPLATE = TEMPLATE_DB;
    } else {
      runMigrateTemplate(rootDir, ['--embedded'], runDir);
    }
    process.env.OPENCCKM_TEST_DB_MODE = state.mode;
    process.env.OPENCCKM_TEST_RUN_DIR = runDir;
    process.env.OPENCCKM_TEST_RUN_ID = state.runId;
    process.env.OPENCCKM_TEST_STATE_FILE = stateFile;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`\n[test-db] ${what}; template ready in ${secs}s`);
    if (!adminUrl) {
      console.log(
        '[test-db] integration tests run on PGlite because no PostgreSQL was found (set TEST_DATABASE_URL or install postgresql)',
      );
    }
  } catch (err) {
    stopRun(state);
    throw err;
  }
}

/** The newest PostgreSQL server bin dir with initdb and pg_ctl, or undefined. */
function findPostgresBin(): string | undefined {
  const usable = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const override = process.env.OPENCCKM_TEST_PG_BIN;
  if (override) return usable(override) ? override : undefined;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && usable(path.join(base, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(base, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const pgCtl = path.join(dir, 'pg_ctl');
    if (dir && existsSync(pgCtl)) {
      const real = path.dirname(realpathSync(pgCtl));
      if (usable(real)) return real;
    }
  }
  return undefined;
}

function pgVersion(bin: string): string {
  const out = run(path.join(bin, 'pg_ctl'), ['--version']).trim();
  return out.replace(/^pg_ctl \(PostgreSQL\) /, 'PostgreSQL ');
}

/** Runs a command (as `osUser` through runuser when given) and returns stdout; throws with its output. */
function run(
  cmd: string,
  args: string[],
  opts: { osUser?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const { osUser, cwd, env } = opts;
  const [file, argv] = osUser ? ['runuser', ['-u', osUser, '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, {
    encoding: 'utf8',
    timeout: 180_000,
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(`${[file, ...argv].join(' ')} exited with ${res.status ?? res.signal}\n${res.stdout}${res.stderr}`);
  }
  return res.stdout;
}

function startCluster(
  bin: string,
  runDir: string,
  onStarted: (c: NonNullable<RunState['cluster']>) => void,
): NonNullable<RunState['cluster']> {
  const isRoot = process.getuid?.() === 0;
  const osUser = isRoot ? 'postgres' : undefined;
  const clusterDir = path.join(runDir, 'pg');
  mkdirSync(clusterDir, { mode: 0o700 });
  if (osUser) {
    if (spawnSync('id', ['-u', osUser]).status !== 0) {
      throw new Error(
        `PostgreSQL refuses to run as root and there is no '${osUser}' OS user; create it or set TEST_DATABASE_URL`,
      );
    }
    const uid = Number(run('id', ['-u', osUser]));
    const gid = Number(run('id', ['-g', osUser]));
    chownSync(clusterDir, uid, gid);
  }
  const dataDir = path.join(clusterDir, 'data');
  run(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { osUser, cwd: clusterDir },
  );
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      '# opencckm throwaway test cluster',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${clusterDir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 300',
      '',
    ].join('\n'),
  );
  const log = path.join(clusterDir, 'server.log');
  for (let attempt = 1; ; attempt++) {
    const port = freePortSync();
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', log, '-w', '-t', '60', '-o', `-p ${port}`, 'start'], {
        osUser,
        cwd: clusterDir,
      });
      const cluster = { bin, dataDir, osUser, port };
      onStarted(cluster);
      return cluster;
    } catch (err) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      if (attempt < 3 && /could not bind|already in use/i.test(tail)) continue;
      throw new Error(`could not start the test PostgreSQL cluster: ${(err as Error).message}\n${tail}`, {
        cause: err,
      });
    }
  }
}

/** A port that was free a moment ago (bound and released by a short-lived child process). */
function freePortSync(): number {
  const script = `const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});`;
  const port = Number(run(process.execPath, ['-e', script]));
  if (!Number.isInteger(port) || port <= 0) throw new Error('could not find a free TCP port');
  return port;
}

async function createTemplateDatabase(rootDir: string, adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_DB}" TEMPLATE template0`);
    runMigrateTemplate(rootDir, ['--url', databaseUrl(adminUrl, TEMPLATE_DB)]);
    // Cloning needs a template nobody is connected to; refuse connections from now on.
    await admin.query(`ALTER DATABASE "${TEMPLATE_DB}" WITH ALLOW_CONNECTIONS false`);
  } finally {
    await admin.end();
  }
}

function runMigrateTemplate(rootDir: string, args: string[], runDir?: string): void {
  const script = path.join(rootDir, 'test', 'support', 'migrate-template.ts');
  const env = { ...process.env, OPENCCKM_TEST_RUN_DIR: runDir, OPENCCKM_TEST_DB_MODE: 'embedded' };
  run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: rootDir, env });
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable URL>';
  }
}

/** Stops a run's cluster (if any) and removes its temp dir. Never throws. */
function stopRun(state: RunState): void {
  if (state.cluster) {
    const { bin, dataDir, osUser } = state.cluster;
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], {
        osUser,
        cwd: path.dirname(dataDir),
      });
    } catch {
      // already stopped
    }
  }
  rmSync(state.runDir, { recursive: true, force: true });
}

/** Clusters left behind by runs that were killed (their owner process is gone). */
function reapStaleRuns(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const file = path.join(os.tmpdir(), name, 'state.json');
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
      if (!isAlive(state.ownerPid)) stopRun(state);
    } catch {
      // not ours, or being written right now
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
