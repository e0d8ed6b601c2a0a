/**
 * A PostgreSQL cluster of a test file's own, which the test may stop and start (a database
 * outage) without touching the run's shared cluster. Same recipe as the global setup's
 * throwaway cluster: initdb in a temp dir, trust auth on 127.0.0.1, a free port, run as the
 * `postgres` OS user when we are root. The cluster lives under the run dir, so a run that
 * dies leaves nothing the next run's teardown would not remove.
 *
 * ```ts
 * const cluster = await OwnCluster.start('outage');   // one migrated database, `cluster.url`
 * await cluster.stop();  await cluster.restart();     // an outage, then recovery
 * await cluster.destroy();
 * ```
 */
import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database.js';
import { applyAllMigrations } from './test-db.js';

/** The newest `/usr/lib/postgresql/<v>/bin` (or OPENCCKM_TEST_PG_BIN) with initdb and pg_ctl. */
function findPostgresBin(): string | undefined {
  const usable = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const override = process.env.OPENCCKM_TEST_PG_BIN;
  if (override) return usable(override) ? override : undefined;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base)
    .filter((d) => /^\d+(\.\d+)?$/.test(d) && usable(path.join(base, d, 'bin')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v ? path.join(base, v, 'bin') : undefined;
}

function run(cmd: string, args: string[], osUser: string | undefined, cwd: string): string {
  const [file, argv] = osUser ? ['runuser', ['-u', osUser, '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr || res.stdout}`);
  return res.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class OwnCluster {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    private readonly osUser: string | undefined,
    readonly port: number,
    /** URL of the migrated database `opencckm` on this cluster. */
    readonly url: string,
  ) {}

  /** True when this machine has PostgreSQL server binaries (else such tests are skipped). */
  static available(): boolean {
    return findPostgresBin() !== undefined;
  }

  /** initdb + start on a free port, then creates and migrates database `opencckm`. */
  static async start(label: string): Promise<OwnCluster> {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL server binaries');
    const parent = process.env.OPENCCKM_TEST_RUN_DIR ?? os.tmpdir();
    const dir = mkdtempSync(path.join(parent, `own-pg-${label}-`));
    const osUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (osUser)
      chownSync(
        dir,
        Number(run('id', ['-u', osUser], undefined, dir)),
        Number(run('id', ['-g', osUser], undefined, dir)),
      );
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    if (osUser)
      chownSync(
        dataDir,
        Number(run('id', ['-u', osUser], undefined, dir)),
        Number(run('id', ['-g', osUser], undefined, dir)),
      );
    run(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      osUser,
      dir,
    );
    appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 100',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const cluster = new OwnCluster(bin, dataDir, osUser, port, `postgresql://postgres@127.0.0.1:${port}/opencckm`);
    await cluster.restart();
    const admin = await openDatabase({
      url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      dataDir: dir,
      poolSize: 1,
    });
    try {
      await sql`CREATE DATABASE opencckm`.execute(admin.db);
    } finally {
      await admin.close();
    }
    const db = await openDatabase({ url: cluster.url, dataDir: dir, poolSize: 1 });
    try {
      await applyAllMigrations(db);
    } finally {
      await db.close();
    }
    return cluster;
  }

  private pgCtl(args: string[]): void {
    run(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, ...args], this.osUser, path.dirname(this.dataDir));
  }

  /** Starts (again) on the same port; resolves when the server accepts connections. */
  async restart(): Promise<void> {
    this.pgCtl([
      '-l',
      path.join(path.dirname(this.dataDir), 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port}`,
      'start',
    ]);
  }

  /** Stops the server; `fast` disconnects every session (SQLSTATE 57P01), as an operator's stop does. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server (if running) and removes its files. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(path.dirname(this.dataDir), { recursive: true, force: true });
  }
}
